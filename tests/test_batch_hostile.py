"""`mcdl grade --workers 2` with submissions that attack the class's time.

A scratch course of 4 right ps01 submissions and 2 whose every function sleeps
29 s (under the 30 s call limit). Sleeping is idle time, which a notebook may
spend only briefly (3 s plus the reference answers' time): each sleeper's
grading must end well before the 20 s the notebook's wall-clock budget would
allow it at the least, say why it was stopped, and cost the sleeper only its
own cells; everybody else is graded in full. Idle time is not CPU time, so the
verdict holds beside other work. The attacks on the grader's memory:
tests/test_batch_memory.py.
"""

import pytest
from batch_courses import PS01, course_with, mcdl, right_scores_in_full
from test_pipeline import cell_scores

from autograder.testdata import sleeping
from autograder.testdata.filling import reference_answers

pytestmark = [pytest.mark.slow, pytest.mark.timing]  # a batch, and how long two of its gradings took

SLEEPERS = ("sleeper_0", "sleeper_1")
# The notebook's wall-clock budget is at least 20 s: a sleeper graded within this was stopped by its idle budget.
STOPPED_WITHIN_SECONDS = 14


@pytest.fixture(scope="module")
def sleepers_course(tmp_path_factory):
    reference = reference_answers(PS01)
    folder = course_with(tmp_path_factory.mktemp("sleepers") / "course",
                         {student: sleeping(reference) for student in SLEEPERS}, size=6)
    mcdl(folder, "grade", PS01, "--workers", "2")
    return folder


def test_sleepers_are_stopped_by_their_idle_budget_and_lose_only_their_own_cells(sleepers_course):
    results = right_scores_in_full(sleepers_course)
    right = [s for s in results if s.startswith("right_")]
    print({s: f"{results[s].seconds:.1f} s" for s in (*SLEEPERS, *right)})
    for student in SLEEPERS:
        assert results[student].seconds < STOPPED_WITHIN_SECONDS, (student, results[student].seconds)
        assert results[student].score == 0
        assert {v.kind for v in results[student].verdicts.values()} == {"sandbox"}
        scores = cell_scores({PS01: sleepers_course}, PS01, student)
        assert scores and all(score == 0 for score, _ in scores.values())
        page = next((sleepers_course / "feedback" / student / PS01).glob("*.html")).read_text()
        assert "stopped: this notebook's code waited (time.sleep or a blocking" in page
