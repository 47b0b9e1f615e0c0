"""The real pipeline, through nbgrader's own commands, in a scratch course.

Submissions: the release notebook filled with the reference answers (must
score full marks with no stderr in any test cell), the untouched release
notebook (must score zero without breaking the batch), the first wrong
submission of each problem set in autograder/testdata/ (it loses exactly its
cells, and the feedback names the mistake), and every attack on the notebook's
file or on the grading process (each earns nothing it did not earn, the batch
completes, the feedback says what happened, and the solution graded after them
scores full marks; attacks on one call's checks are graded, by the function
nbgrader's plugin calls, in test_wrong_submissions.py). Regrading (``REGRADED``)
gives the same scores, full and zero. The whole wrong-submission
table goes through the same grading function without nbgrader's commands in
test_wrong_submissions.py; here, through nbgrader, a sample of it shows that a
verdict becomes that cell's score.
"""

import html
import re
from pathlib import Path

import pytest
from batch_courses import released_course
from conftest import ASSIGNMENTS, ROOT, graded_cells

from autograder import course, notebooks
from autograder.testdata import ATTACKS, attacks_on, by_assignment
from autograder.testdata.filling import filled, reference_answers, submit

WRONG_THROUGH_NBGRADER = 1  # wrong submissions of each problem set graded here


def attacks_through_nbgrader(assignment):
    """The attacks on the notebook's file or on the grading process (``Attack.through_nbgrader``)."""
    return [attack for attack in attacks_on(assignment) if attack.through_nbgrader]


def through_nbgrader(assignment):
    """The wrong submissions and attacks of an assignment that this module grades."""
    return by_assignment(assignment)[:WRONG_THROUGH_NBGRADER] + attacks_through_nbgrader(assignment)


def grade_assignment(course_dir, assignment):
    """Release one assignment in its own scratch course, submit, grade, regrade."""
    release = released_course(course_dir, assignment)
    with open(course_dir / "nbgrader_config.py", "a") as config:
        config.write("\nc.TrustedGrading.call_timeout = 10.0  # endless loops need not take 30 s here\n")
    reference = reference_answers(assignment)
    submit(course_dir, "solution", assignment, filled(release, reference))
    submit(course_dir, "release", assignment, release)
    for wrong in through_nbgrader(assignment):
        notebook = filled(release, {**reference, **wrong.answers})
        if getattr(wrong, "mutate", None):
            wrong.mutate(notebook)
        submit(course_dir, wrong.name, assignment, notebook)
    if attacks_through_nbgrader(assignment):
        submit(course_dir, AFTER_ATTACKS, assignment, filled(release, reference))  # graded last (by name)
    course.run_nbgrader(course_dir, "autograde", assignment, "--force")
    course.run_nbgrader(course_dir, "generate_feedback", assignment, "--force")
    if assignment not in REGRADED:
        return
    for student in REGRADED[assignment]:
        FIRST_SCORES[assignment, student] = cell_scores({assignment: course_dir}, assignment, student)
    # One nbgrader run regrades them all (each run pays its start and its timing of the reference answers).
    others = sorted(p.name for p in (course_dir / "submitted").iterdir() if p.name not in REGRADED[assignment])
    assert not any("," in student for student in others)
    run = course.run_nbgrader(course_dir, "autograde", assignment, "--force",
                              f"--CourseDirectory.student_id_exclude={','.join(others)}")
    REGRADE_LOGS[assignment] = run.stdout + run.stderr


class GradedCourses(dict):
    """{assignment: course folder}: an assignment is released, submitted and graded the first time a
    test asks for it, so that `-m ps03` or `-k ps03` grades ps03 alone, and pytest-xdist spreads the
    problem sets over its workers (tests/conftest.py groups each problem set's tests)."""

    def __init__(self, tmp_path_factory):
        super().__init__()
        self.tmp_path_factory, self.failures = tmp_path_factory, {}

    def __missing__(self, assignment):
        if assignment in self.failures:  # graded once: its other tests fail with the same error
            raise self.failures[assignment]
        try:
            folder = self.tmp_path_factory.mktemp(assignment)
            grade_assignment(folder, assignment)
        except Exception as failure:
            self.failures[assignment] = failure
            raise
        self[assignment] = folder
        return folder


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    """{assignment: course folder}, each graded once per session when first used."""
    return GradedCourses(tmp_path_factory)


# Regraded: a full score and a zero, in the problem set without budgets and in the one whose kernels'
# memory and time budgets cost the most to measure (nbgrader's regrading is the same for every one).
REGRADED = {a: ["solution", "release"] for a in ("ps01_gradient_checking", "ps03_softmax_cross_entropy")}
AFTER_ATTACKS = "zz_solution_after_attacks"
FIRST_SCORES = {}
REGRADE_LOGS = {}


def cell_scores(graded_course, assignment, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded_course[assignment] / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(assignment, assignment, student)
        return {grade.name: (grade.score, grade.max_score) for grade in submission.grades}


def autograded(graded_course, assignment, student):
    return notebooks.load(graded_course[assignment] / "autograded" / student / assignment / f"{assignment}.ipynb")


def feedback_text(graded_course, assignment, student):
    page = graded_course[assignment] / "feedback" / student / assignment / f"{assignment}.html"
    return " ".join(html.unescape(page.read_text(encoding="utf-8")).split())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_scores_full_marks_without_stderr(graded_course, assignment):
    scores = cell_scores(graded_course, assignment, "solution")
    assert scores and all(score == maximum for score, maximum in scores.values()), scores
    for cell in autograded(graded_course, assignment, "solution")["cells"]:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error"
            assert output.get("name") != "stderr", notebooks.source(cell)


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if attacks_through_nbgrader(a)])
def test_solution_graded_after_the_attacks_scores_full_marks(graded_course, assignment):
    scores = cell_scores(graded_course, assignment, AFTER_ATTACKS)
    assert scores and all(score == maximum for score, maximum in scores.values()), scores


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_attacks_left_nothing_behind(graded_course, assignment):
    journals = [p for folder in (ROOT, ROOT / "solutions", Path("/tmp"), Path("/dev/shm"))
                for p in folder.glob("gradebook.db-journal")]
    journals += list(graded_course[assignment].rglob("gradebook.db-journal"))
    assert not [p for p in journals if p.is_fifo()]
    assert not list(Path("/tmp").glob("mcdl-probe-*")) and not (ROOT / "probe-fifo").exists()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero(graded_course, assignment):
    scores = cell_scores(graded_course, assignment, "release")
    assert scores and sum(score for score, _ in scores.values()) == 0
    assert "not implemented yet" in feedback_text(graded_course, assignment, "release")


@pytest.mark.parametrize(
    "assignment, wrong",
    [(a, w) for a in ASSIGNMENTS for w in through_nbgrader(a)],
    ids=lambda value: getattr(value, "name", value),
)
def test_wrong_submission_loses_exactly_its_points(graded_course, assignment, wrong):
    scores = cell_scores(graded_course, assignment, wrong.name)
    lost = {name for name, (score, maximum) in scores.items() if score < maximum}
    assert lost == wrong.fails
    assert all(scores[name][0] == 0 for name in lost)
    assert wrong.says in feedback_text(graded_course, assignment, wrong.name)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_failure_messages_are_wrapped_for_the_feedback_page(graded_course, assignment):
    """Feedback pages do not wrap error output: a long line would hide the end of the message."""
    student = by_assignment(assignment)[0].name
    errors = [output for cell in autograded(graded_course, assignment, student)["cells"]
              for output in cell.get("outputs", []) if output["output_type"] == "error"]
    assert errors
    for output in errors:
        assert " ".join(" ".join(output["traceback"]).split()) == " ".join(output["evalue"].split())
        assert all(len(line) <= 110 for line in output["traceback"]), output["traceback"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_maximum_score_is_the_instructors(graded_course, assignment):
    expected = {name: points for name, (_, points) in graded_cells(assignment).items()}
    for student in ["solution", "release", *(w.name for w in attacks_through_nbgrader(assignment))]:
        scores = cell_scores(graded_course, assignment, student)
        assert {name: maximum for name, (_, maximum) in scores.items()} == expected, student


@pytest.mark.parametrize("assignment, student", [(a, s) for a, students in REGRADED.items() for s in students])
def test_regrading_gives_the_same_scores(graded_course, assignment, student):
    assert cell_scores(graded_course, assignment, student) == FIRST_SCORES[assignment, student]
    # It was regraded, and alone with the other regraded students.
    log = REGRADE_LOGS[assignment]
    assert f"/submitted/{student}/{assignment}" in log, log[-3000:]
    assert set(re.findall(rf"/submitted/([^/]+)/{assignment}", log)) == set(REGRADED[assignment]), log[-3000:]


def test_every_attack_on_the_notebooks_file_goes_through_nbgrader():
    edits_the_file = [attack.name for attack in ATTACKS if attack.mutate]
    assert edits_the_file and all(attack.through_nbgrader for attack in ATTACKS if attack.mutate)
    assert {a.assignment for a in ATTACKS} == {a for a in ASSIGNMENTS if attacks_through_nbgrader(a)}
