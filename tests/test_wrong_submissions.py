"""Fast, in-process grading of the solutions and of the wrong submissions.

The same expectations are checked through nbgrader itself in test_pipeline.py.
"""

import pytest
from conftest import ASSIGNMENTS, run_test_cells
from submissions import WRONG_SUBMISSIONS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_every_test_cell_silently(assignment):
    results, stderr = run_test_cells(assignment)
    assert {k: v for k, v in results.items() if v} == {}
    assert stderr == ""


@pytest.mark.parametrize("wrong", WRONG_SUBMISSIONS, ids=lambda w: f"{w.assignment}-{w.name}")
def test_wrong_submission_loses_exactly_its_cells(wrong):
    results, _ = run_test_cells(wrong.assignment, wrong.answers)
    failed = {grade_id for grade_id, message in results.items() if message}
    assert failed == wrong.fails
    messages = [results[grade_id] for grade_id in sorted(wrong.fails)]
    assert any(wrong.says in message for message in messages), messages


def test_at_least_four_wrong_submissions_per_assignment():
    for assignment in ASSIGNMENTS:
        assert sum(w.assignment == assignment for w in WRONG_SUBMISSIONS) >= 4
