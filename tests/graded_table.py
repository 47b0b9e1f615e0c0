"""The wrong-submission table graded by the trusted procedure, once per test process.

tests/test_wrong_submissions.py checks each entry's verdicts and tests/test_kinds.py rewords every
message of the same gradings; both read them from here. Their tests of one problem set run on one
pytest-xdist worker (the ``table`` marker: conftest.py's groups), which grades each entry once.
``trusted_verdicts`` grades any submission on chosen cells (tests/test_hidden_feedback.py too).
"""

import functools

from conftest import TEST_SECRET, graded_cells, source_path

from autograder import notebooks
from autograder.testdata import WRONG_SUBMISSIONS
from autograder.testdata.reach import cells_reached
from autograder.trusted import grade_answers

# Without the notebook's time budget: under load it could stop a slow kernel before its time budget
# finds it too slow, and two gradings would differ for that reason alone (tests/test_sandbox.py tests
# the notebook's budget). A call may take 10 s: a kernel past that is too slow in any case.
LIMITS = {"notebook_time_multiple": None, "notebook_idle_floor_seconds": None, "call_seconds": 10.0}

ENTRIES = {(entry.assignment, entry.name): entry for entry in WRONG_SUBMISSIONS}


def trusted_verdicts(assignment, replacements=None, cells=None, **options):
    """Grade the solution with ``replacements`` on ``cells`` (every graded cell by default):
    ({test id: Verdict}, {answer cell: note})."""
    reference = notebooks.answer_cells(notebooks.load(source_path(assignment)))
    test_ids = [test_id for test_id in graded_cells(assignment) if cells is None or test_id in cells]
    return grade_answers(assignment, {**reference, **(replacements or {})}, test_ids,
                         reference, secret=TEST_SECRET, **options)


@functools.cache
def graded_entry(assignment, name):
    """An entry of the wrong-submission table graded on the cells it reaches (``cells_reached``)."""
    entry = ENTRIES[assignment, name]
    return trusted_verdicts(assignment, entry.answers, cells_reached(assignment, entry.answers), limits=LIMITS)
