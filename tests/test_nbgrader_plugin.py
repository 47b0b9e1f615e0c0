"""The course's nbgrader preprocessors (autograder/nbgrader_plugin.py) on their own, without a whole
``nbgrader autograde``: nbgrader's base class and its ``enabled`` trait, limits from the sandbox's
policy, course paths from ``CourseDirectory``, the rebuilt cells of ``RestoreCellsFromSource`` and
the verdicts ``TrustedGrading`` writes into test cells. test_pipeline.py runs them inside nbgrader."""

import json
import shutil

import nbformat
import pytest
from batch_courses import released_course
from conftest import ROOT, source_path
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets.config import Config

from autograder import course, notebooks
from autograder.nbgrader_plugin import NOTES, RestoreCellsFromSource, TrustedGrading, _verdict_output
from autograder.results import Verdict
from autograder.sandbox import policy

PS01 = "ps01_gradient_checking"
STUDENT = "someone"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A scratch course with ps01 released (its gradebook knows the cells) and a submission folder."""
    folder = tmp_path_factory.mktemp("plugin") / "course"
    released_course(folder, PS01)
    return folder


def config_of(folder, **trusted):
    config = course.course_config(folder)
    for name, value in trusted.items():
        setattr(config.TrustedGrading, name, value)
    return config


def resources(folder):
    return {"nbgrader": {"assignment": PS01, "notebook": PS01, "student": STUDENT,
                         "db_url": f"sqlite:///{folder / 'gradebook.db'}"}}


def release_notebook(folder):
    return nbformat.read(folder / "exercises" / PS01 / f"{PS01}.ipynb", as_version=4)


def grade_ids(nb, **flags):
    return [notebooks.nbgrader_meta(c)["grade_id"] for c in nb.cells
            if notebooks.nbgrader_meta(c) and all(notebooks.nbgrader_meta(c).get(k) == v for k, v in flags.items())]


@pytest.mark.parametrize("preprocessor", [TrustedGrading, RestoreCellsFromSource])
def test_the_preprocessors_are_nbgrader_preprocessors_that_can_be_disabled(preprocessor):
    assert issubclass(preprocessor, NbGraderPreprocessor)
    assert preprocessor.class_traits()["enabled"].metadata.get("config")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    # Disabled, it does nothing: no gradebook is opened (there is none), the notebook is returned as it is.
    assert preprocessor(enabled=False)(nb, {"nbgrader": {"db_url": "sqlite:////nonexistent/gradebook.db"}}) == (
        nb, {"nbgrader": {"db_url": "sqlite:////nonexistent/gradebook.db"}})


def test_time_limits_come_from_the_sandbox_policy_unless_the_course_sets_them():
    trusted = TrustedGrading()
    assert (trusted.call_timeout, trusted.submission_timeout) == (policy.LIMITS["call_seconds"],
                                                                  policy.LIMITS["submission_seconds"])
    config = Config()
    config.TrustedGrading.submission_timeout = 12.5
    assert TrustedGrading(config=config).submission_timeout == 12.5


def test_reference_answers_are_read_where_course_directory_puts_the_source(tmp_path):
    shutil.copytree(ROOT / "solutions" / PS01, tmp_path / "my_sources" / PS01)
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    config.CourseDirectory.source_directory = "my_sources"
    expected = notebooks.answer_cells(notebooks.load(source_path(PS01)))
    answers = TrustedGrading(config=config)._reference_answers(PS01, PS01, [*expected, "not_an_answer"])
    assert answers == expected and len(answers) >= 3


def test_a_verdict_becomes_the_output_nbgrader_scores():
    passed = _verdict_output(Verdict(True, "numerical_gradient_matches: passed"))
    assert passed.output_type == "stream" and passed.text == "Passed. numerical_gradient_matches: passed\n"
    message = "dX returned by f is transposed: " + "its transpose is right " * 8
    failed = _verdict_output(Verdict(False, message, kind="transposed"))
    assert failed.output_type == "error" and failed.evalue == message
    assert failed.traceback[0].startswith("dX returned by f is transposed")
    assert not any("GradingFailure" in line for line in failed.traceback)
    assert all(len(line) <= 88 for line in failed.traceback[1:]) and len(failed.traceback) > 1


def test_a_rejected_notebook_gets_a_not_graded_verdict_in_every_test_cell(released, tmp_path):
    nb = release_notebook(released)
    nb.metadata[NOTES] = {"rejected": "not graded: ps01_gradient_checking.ipynb is a link", "duplicates": {}}
    trusted = TrustedGrading(config=config_of(released, verdicts_directory=str(tmp_path)))
    nb, _ = trusted.preprocess(nb, resources(released))
    assert NOTES not in nb.metadata
    tests = set(grade_ids(nb, grade=True, solution=False))
    outputs = {notebooks.nbgrader_meta(c)["grade_id"]: c.outputs for c in nb.cells
               if c.cell_type == "code" and notebooks.nbgrader_meta(c)}
    assert len(tests) >= 5
    for test in tests:
        [output] = outputs[test]
        assert output.output_type == "error" and output.evalue.endswith("is a link")
    saved = json.loads((tmp_path / STUDENT / f"{PS01}.json").read_text(encoding="utf-8"))
    assert set(saved) == tests and {v["kind"] for v in saved.values()} == {"not_graded"}


def test_restore_rebuilds_locked_cells_and_grades_the_last_copy_of_an_answer(released):
    submitted = released / "submitted" / STUDENT / PS01
    submitted.mkdir(parents=True, exist_ok=True)
    nb = release_notebook(released)
    shutil.copy(released / "exercises" / PS01 / f"{PS01}.ipynb", submitted / f"{PS01}.ipynb")
    test, answer = grade_ids(nb, grade=True, solution=False)[0], grade_ids(nb, solution=True)[0]
    cells = {notebooks.nbgrader_meta(c)["grade_id"]: c for c in nb.cells if notebooks.nbgrader_meta(c)}
    source_cells = {notebooks.nbgrader_meta(c).get("grade_id"): c for c in notebooks.load(source_path(PS01))["cells"]}
    original_test = notebooks.source(source_cells[test])  # as the gradebook keeps it, hidden tests included
    cells[test].source = "pass  # the test removed"
    cells[test].metadata["nbgrader"]["locked"] = False
    first_copy = nbformat.from_dict(json.loads(json.dumps(cells[answer])))
    first_copy.source = "def first(): pass"
    nb.cells.insert(0, first_copy)
    cells[answer].source = "def last(): pass"
    stray = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade_id": "stray", "grade": True,
                                                                          "points": 100, "schema_version": 3}})
    nb.cells.append(stray)
    nb, _ = RestoreCellsFromSource(config=config_of(released)).preprocess(nb, resources(released))
    rebuilt = {notebooks.nbgrader_meta(c)["grade_id"]: c for c in nb.cells if notebooks.nbgrader_meta(c)}
    assert rebuilt[test].source == original_test and rebuilt[test].metadata["nbgrader"]["locked"]
    assert rebuilt[answer].source == "def last(): pass"
    assert nb.cells[0].source == "def first(): pass" and "nbgrader" not in nb.cells[0].metadata
    assert "stray" not in rebuilt and "nbgrader" not in nb.cells[-1].metadata
    assert nb.metadata[NOTES] == {"rejected": None, "duplicates": {answer: 2}}
