"""Passing the visible tests predicts the grade.

A student runs each test cell as the released notebook has it: the visible call
only (nbgrader drops the block between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``), in their own kernel and without the course secret.
Every wrong submission of tests/submissions.py that loses points when graded
must fail at least one of those visible tests, and only tests of cells it
loses. The few that no visible case can show are listed in ``VISIBLE_BLIND``
with the reason.
"""

import contextlib
import io

import pytest
from conftest import ASSIGNMENTS, graded_cells, source_path
from submissions import WRONG_SUBMISSIONS

from autograder import notebooks
from autograder.assignments import using_secret

# Wrong submissions no visible case can show, with the reason. Slow kernels are not
# among them: a student's run estimates the time ratio from the kernel's floor.
VISIBLE_BLIND = {}

LOSING = [wrong for wrong in WRONG_SUBMISSIONS if wrong.fails]


def visible_part(code):
    """A test cell as the released notebook has it: without its hidden tests."""
    visible = notebooks.HIDDEN_BLOCK.sub("", code)
    assert "grader." in visible and "HIDDEN" not in visible, code
    return visible


def run_visible_cells(assignment, replacements=None):
    """Run the visible part of every test cell, as a student's kernel does.

    The solution's answers, with some replaced, run locally and without the
    course secret. Returns ({grade_id: failure message or None}, stderr text).
    """
    namespace = notebooks.answer_namespace(source_path(assignment))
    for code in (replacements or {}).values():
        exec(code, namespace)
    results, stderr = {}, io.StringIO()
    with using_secret(None), contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        for grade_id, (code, _) in graded_cells(assignment).items():
            try:
                exec(visible_part(code), dict(namespace))
                results[grade_id] = None
            except AssertionError as failure:
                results[grade_id] = str(failure)
    return results, stderr.getvalue()


def test_visible_blind_names_wrong_submissions_that_lose_points():
    assert set(VISIBLE_BLIND) <= {wrong.name for wrong in LOSING}
    assert all(reason.strip() for reason in VISIBLE_BLIND.values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_the_visible_tests_without_the_secret(assignment):
    results, stderr = run_visible_cells(assignment)
    assert {cell: message for cell, message in results.items() if message} == {}
    assert stderr == ""


@pytest.mark.parametrize("wrong", LOSING, ids=lambda w: f"{w.assignment}-{w.name}")
def test_visible_tests_fail_where_the_grade_is_lost(wrong):
    results, _ = run_visible_cells(wrong.assignment, wrong.answers)
    failed = {cell for cell, message in results.items() if message}
    assert failed <= wrong.fails, {cell: results[cell] for cell in failed - wrong.fails}
    if wrong.name in VISIBLE_BLIND:
        assert failed == set(), (f"{wrong.name} fails visible tests {sorted(failed)}: "
                                 "take it out of VISIBLE_BLIND")
    else:
        assert failed, (f"{wrong.name} passes every visible test but loses {sorted(wrong.fails)} when graded: "
                        "make the visible case of those checks exercise what the hidden cases grade")
