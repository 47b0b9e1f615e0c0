"""The real pipeline, through nbgrader's own commands, in a scratch course.

Submissions: the release notebook filled with the reference answers (must
score full marks with no stderr in any test cell), the untouched release
notebook (must score zero without breaking the batch), the first wrong
submissions of each problem set in autograder/testdata/ (each loses exactly its
cells, and the feedback names the mistake), and every attack on the grader
(each earns nothing it did not earn, the batch completes, and the feedback says
what happened). Regrading gives the same scores. The whole wrong-submission
table goes through the same grading function without nbgrader's commands in
test_wrong_submissions.py; here, through nbgrader, a sample of it shows that a
verdict becomes that cell's score.
"""

import html
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS, ROOT, graded_cells

from autograder import course, notebooks
from autograder.testdata import attacks_on, by_assignment
from autograder.testdata.filling import filled, reference_answers, submit

WRONG_THROUGH_NBGRADER = 2  # wrong submissions of each problem set graded here (all attacks are)


def through_nbgrader(assignment):
    """The wrong submissions and attacks of an assignment that this module grades."""
    return by_assignment(assignment)[:WRONG_THROUGH_NBGRADER] + attacks_on(assignment)


def grade_assignment(course_dir, assignment):
    """Release one assignment in its own scratch course, submit, grade, regrade."""
    shutil.copytree(ROOT / "solutions" / assignment, course_dir / "solutions" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", course_dir)
    with open(course_dir / "nbgrader_config.py", "a") as config:
        config.write("\nc.TrustedGrading.call_timeout = 10.0  # endless loops need not take 30 s here\n")
    course.run_nbgrader(course_dir, "generate_assignment", assignment, "--force")
    release = notebooks.load(course_dir / "exercises" / assignment / f"{assignment}.ipynb")
    reference = reference_answers(assignment)
    submit(course_dir, "solution", assignment, filled(release, reference))
    submit(course_dir, "release", assignment, release)
    for wrong in through_nbgrader(assignment):
        notebook = filled(release, {**reference, **wrong.answers})
        if getattr(wrong, "mutate", None):
            wrong.mutate(notebook)
        submit(course_dir, wrong.name, assignment, notebook)
    submit(course_dir, AFTER_ATTACKS, assignment, filled(release, reference))  # graded last (by name)
    course.run_nbgrader(course_dir, "autograde", assignment, "--force")
    course.run_nbgrader(course_dir, "generate_feedback", assignment, "--force")
    for student in REGRADED[assignment]:
        FIRST_SCORES[assignment, student] = cell_scores({assignment: course_dir}, assignment, student)
        course.run_nbgrader(course_dir, "autograde", assignment, "--force", f"--student={student}")


def selected_assignments(session):
    """The problem sets that this module's selected tests are about (all of them when no selected
    test names one), so that `-m ps03` or `-k ps03` grades ps03 alone."""
    here = Path(__file__)
    named = {item.callspec.params["assignment"] for item in session.items
             if Path(item.fspath) == here and "assignment" in getattr(getattr(item, "callspec", None), "params", {})}
    return [a for a in ASSIGNMENTS if a in named] or list(ASSIGNMENTS)


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory, request):
    """Grade the selected assignments, two at a time, each in its own course folder.

    Returns {assignment: course folder}.
    """
    chosen = selected_assignments(request.session)
    folders = {a: tmp_path_factory.mktemp(a) for a in chosen}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(grade_assignment, folders[a], a) for a in chosen]:
            done.result()
    return folders


REGRADED = {a: ["solution", "release", by_assignment(a)[0].name] for a in ASSIGNMENTS}
AFTER_ATTACKS = "zz_solution_after_attacks"
FIRST_SCORES = {}


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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_graded_after_the_attacks_scores_full_marks(graded_course, assignment):
    scores = cell_scores(graded_course, assignment, AFTER_ATTACKS)
    assert scores and all(score == maximum for score, maximum in scores.values()), scores


def test_attacks_left_nothing_behind(graded_course):
    journals = [p for folder in (ROOT, ROOT / "solutions", Path("/tmp"), Path("/dev/shm"))
                for p in folder.glob("gradebook.db-journal")]
    journals += [p for folder in graded_course.values() for p in folder.rglob("gradebook.db-journal")]
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
    for student in ["solution", "release", *(w.name for w in attacks_on(assignment))]:
        scores = cell_scores(graded_course, assignment, student)
        assert {name: maximum for name, (_, maximum) in scores.items()} == expected, student


@pytest.mark.parametrize("assignment, student", [(a, s) for a, students in REGRADED.items() for s in students])
def test_regrading_gives_the_same_scores(graded_course, assignment, student):
    assert cell_scores(graded_course, assignment, student) == FIRST_SCORES[assignment, student]
