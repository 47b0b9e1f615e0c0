"""`mcdl grade --workers 2` with answers that attack the grader's memory.

A scratch course of 2 right ps01 submissions and 2 whose answers return 1 GiB
of booleans or a reply claiming 256 MiB of JSON, beside one of 4 right ones:
the attacks may cost no grading process more than 100 MB over the right
course's largest, everybody else is graded in full, and the attackers lose only
their own cells, each told the value is too large. Peak memory is not a time:
these batches run beside other tests.
"""

import pytest
from batch_courses import PS01
from test_batch_hostile import graded, right_scores_in_full, scratch_course
from test_pipeline import cell_scores

from autograder.testdata import claims_a_huge_reply, returns_a_gigabyte

pytestmark = pytest.mark.slow  # two batches through mcdl grade

MEMORY_ATTACKS = {
    "gigabyte": {"numerical_gradient": returns_a_gigabyte("numerical_gradient(f, X, h=1e-6)")},
    "huge_reply": {"relative_error": claims_a_huge_reply("relative_error(A, B)", "0.0")},
}
SIZE = 4


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    courses = {"right": scratch_course(tmp_path_factory.mktemp("right") / "course", {}, SIZE),
               "memory": scratch_course(tmp_path_factory.mktemp("memory") / "course", MEMORY_ATTACKS, SIZE)}
    return courses, {name: graded(folder) for name, folder in courses.items()}


def test_gigabyte_answers_cost_only_their_own_cells_and_no_grader_memory(batches):
    courses, measured = batches
    assert measured["memory"][1] < measured["right"][1] + 100, measured
    results = right_scores_in_full(courses["memory"])
    for student, lost in (("gigabyte", "test_numerical_gradient"), ("huge_reply", "test_relative_error")):
        scores = cell_scores({PS01: courses["memory"]}, PS01, student)
        failed = {cell for cell, (score, maximum) in scores.items() if score < maximum}
        assert failed and all(cell.startswith(lost) for cell in failed), scores
        assert results[student].score > 0
        assert all("too large" in results[student].verdicts[cell].message for cell in failed)
