"""Grading without nbgrader: the trusted procedure on the solutions and the wrong
submissions, and the visible checks as students run them in their kernel.

The same expectations are checked through nbgrader itself in test_pipeline.py.
"""

import pytest
from conftest import ASSIGNMENTS, TEST_SECRET, graded_cells, run_test_cells, source_path

from autograder import kinds, notebooks
from autograder.testdata import ATTACKS, RIGHT_VARIANTS, WRONG_SUBMISSIONS
from autograder.trusted import grade_answers

pytestmark = pytest.mark.slow  # the whole table through the trusted grader: 7 CPU-minutes


def trusted_verdicts(assignment, replacements=None, **options):
    reference = notebooks.answer_cells(notebooks.load(source_path(assignment)))
    return grade_answers(assignment, {**reference, **(replacements or {})}, list(graded_cells(assignment)),
                         reference, secret=TEST_SECRET, **options)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_every_visible_check_silently(assignment):
    results, stderr = run_test_cells(assignment)
    assert {k: v for k, v in results.items() if v} == {}
    assert stderr == ""


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_every_trusted_check(assignment):
    verdicts, _ = trusted_verdicts(assignment)
    assert {k: v.message for k, v in verdicts.items() if not v.passed} == {}


@pytest.mark.parametrize("wrong", WRONG_SUBMISSIONS, ids=lambda w: f"{w.assignment}-{w.name}")
def test_wrong_submission_loses_exactly_its_cells(wrong):
    loses_exactly_its_cells(wrong)


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda w: f"{w.assignment}-{w.name}")
def test_attack_loses_exactly_its_cells(attack):
    loses_exactly_its_cells(attack)


def loses_exactly_its_cells(wrong):
    """Grade the solution with ``wrong``'s answers: exactly its cells fail, with its message."""
    verdicts, notes = trusted_verdicts(wrong.assignment, wrong.answers, limits={"call_seconds": 10.0})
    if not wrong.fails:  # nothing to lose: the feedback notes what happened
        assert all(v.passed for v in verdicts.values())
        assert any(wrong.says in note for note in notes.values()), notes
        return
    failed = {test_id for test_id, verdict in verdicts.items() if not verdict.passed}
    assert failed == wrong.fails, {t: verdicts[t].message for t in failed ^ wrong.fails}
    # Each failure carries its declared kind from where it was raised (a kind-less raise is a grader bug).
    unknown = {t: verdicts[t].kind for t in failed if verdicts[t].kind in (None, kinds.UNKNOWN)}
    assert unknown == {} and all(kinds.known(verdicts[t].kind) for t in failed)
    messages = [verdicts[test_id].message for test_id in sorted(wrong.fails)]
    assert any(wrong.says in message for message in messages), messages


def test_at_least_five_wrong_submissions_per_assignment():
    for assignment in ASSIGNMENTS:
        assert sum(w.assignment == assignment for w in WRONG_SUBMISSIONS) >= 5


@pytest.mark.parametrize("right", RIGHT_VARIANTS, ids=lambda w: f"{w.assignment}-{w.name}")
def test_right_answers_in_other_forms_score_full_marks(right):
    verdicts, notes = trusted_verdicts(right.assignment, right.answers)
    assert {k: v.message for k, v in verdicts.items() if not v.passed} == {}
    results, stderr = run_test_cells(right.assignment, right.answers)
    assert {k: v for k, v in results.items() if v} == {} and stderr == ""
