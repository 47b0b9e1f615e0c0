"""Passing the visible tests predicts the grade.

A student runs each test cell as the released notebook has it: the visible call
only (nbgrader drops the block between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``), in their own kernel and without the course secret.
Every wrong submission of autograder/testdata/ that loses points when graded
must fail at least one of those visible tests, and only tests of cells it
loses. The few that no visible case can show are listed in ``VISIBLE_BLIND``
with the reason.
"""

import pytest
from conftest import ASSIGNMENTS, run_test_cells

from autograder.testdata import WRONG_SUBMISSIONS
from autograder.testdata.reach import cells_reached

# Wrong submissions no visible case can show, with the reason. Slow kernels are not
# among them: a student's run estimates the time ratio from the kernel's floor.
VISIBLE_BLIND = {}

LOSING = [wrong for wrong in WRONG_SUBMISSIONS if wrong.fails]


def test_visible_blind_names_wrong_submissions_that_lose_points():
    assert set(VISIBLE_BLIND) <= {wrong.name for wrong in LOSING}
    assert all(reason.strip() for reason in VISIBLE_BLIND.values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_the_visible_tests_without_the_secret(assignment):
    results, stderr = run_test_cells(assignment, visible_only=True)
    assert {cell: message for cell, message in results.items() if message} == {}
    assert stderr == ""


@pytest.mark.parametrize("wrong", LOSING, ids=lambda w: f"{w.assignment}-{w.name}")
def test_visible_tests_fail_where_the_grade_is_lost(wrong):
    # The cells the submission does not reach run the solution's code: they pass, as the test above shows.
    reached = cells_reached(wrong.assignment, wrong.answers)
    assert reached is None or wrong.fails <= reached
    results, _ = run_test_cells(wrong.assignment, wrong.answers, visible_only=True, only=reached)
    failed = {cell for cell, message in results.items() if message}
    assert failed <= wrong.fails, {cell: results[cell] for cell in failed - wrong.fails}
    if wrong.name in VISIBLE_BLIND:
        assert failed == set(), (f"{wrong.name} fails visible tests {sorted(failed)}: "
                                 "take it out of VISIBLE_BLIND")
    else:
        assert failed, (f"{wrong.name} passes every visible test but loses {sorted(wrong.fails)} when graded: "
                        "make the visible case of those checks exercise what the hidden cases grade")
