"""`mcdl gradescope`: the autograder zip, unpacked into a folder laid out as Gradescope's /autograder.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once, then for
each submission puts the student's files in /autograder/submission and runs
run_autograder, which must write /autograder/results/results.json. Here the
zip is unpacked into a temporary folder and run_autograder's command runs there,
with this environment's Python standing in for the one setup.sh installs, under
the Docker-like seccomp filter (no user namespaces), for a correct, a wrong, an
attacking and a renamed notebook; uploads refused before any grading (not a
notebook, another problem set's, two notebooks, none) go through the same
function in this process. Each notebook must lose exactly
the cells its entry of autograder/testdata/ declares, as under `mcdl grade`
(tests/test_pipeline.py and tests/test_wrong_submissions.py check the table's
entries there).
"""

import contextlib
import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from batch_courses import mcdl
from conftest import ROOT, graded_cells
from test_hostile_submissions import NOTEBOOK, PS01, WRONG, right, scratch_course

from autograder import course, gradescope
from autograder.testdata import ATTACKS
from autograder.testdata.filling import filled, reference_answers

pytestmark = pytest.mark.slow  # a course, its zip and four gradings under the filter

UNDER_DOCKER_SECCOMP = [sys.executable, str(ROOT / "tests" / "tools" / "docker_seccomp.py")]
ATTACK = next(a for a in ATTACKS if a.assignment == PS01)
TOP_LEVEL = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
             "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_FIELDS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
               "visibility", "extra_data"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def notebooks_to_grade(release):
    return {
        "right": json.dumps(right(release)),
        "wrong": json.dumps(filled(release, {**reference_answers(PS01), **WRONG.answers})),
        "attack": json.dumps(filled(release, {**reference_answers(PS01), **ATTACK.answers})),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The zip built in a course, and each submission graded by it."""
    folder = tmp_path_factory.mktemp("gradescope") / "course"
    folder.mkdir()
    release = scratch_course(folder)
    run = mcdl(folder, "gradescope", PS01)
    zip_path = folder / "gradescope" / f"{PS01}.zip"
    assert run.returncode == 0 and zip_path.is_file(), run.stderr
    autograder = folder.parent / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(autograder / "source")
        modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in archive.infolist()}
    texts = notebooks_to_grade(release)
    others = {
        "garbage": {NOTEBOOK: "this is not a notebook"},
        "other_problem_set": {"ps02_linear_layers.ipynb": (ROOT / "exercises" / "ps02_linear_layers" /
                                                           "ps02_linear_layers.ipynb").read_text(encoding="utf-8")},
        "renamed": {f"{PS01} (1).ipynb": texts["right"]},
        "two_notebooks": {NOTEBOOK.replace(".ipynb", "_a.ipynb"): texts["right"],
                          NOTEBOOK.replace(".ipynb", "_b.ipynb"): texts["wrong"]},
        "nothing": {"notes.txt": "hello"},
    }
    results = {}
    for name, files in ({name: {NOTEBOOK: text} for name, text in texts.items()} | others).items():
        upload(autograder, files)
        if name in texts:  # graded: as run_autograder runs, under the filter
            command = [sys.executable, "-m", "autograder.gradescope", "run", "--root", str(autograder)]
            env = {**course.tool_environment(), "MCDL_ISOLATION": "container"}
            env.pop("MCDL_COURSE_SECRET", None)  # the zip's own secret file must do
            done = subprocess.run([*UNDER_DOCKER_SECCOMP, *command], cwd=autograder / "source" / "course",
                                  env=env, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr[-3000:]
        else:  # refused before any grading: the same function, in this process
            with contextlib.chdir(autograder / "source" / "course"):
                gradescope.run(autograder)
        results[name] = json.loads((autograder / "results" / "results.json").read_text(encoding="utf-8"))
    return {"course": folder, "results": results, "modes": modes, "source": autograder / "source"}


def upload(autograder, files):
    """Lay ``files`` ({name: text}) out as Gradescope does a student's upload, with no results yet."""
    submission = autograder / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(autograder / "results", ignore_errors=True)
    submission.mkdir()
    for filename, text in files.items():
        (submission / filename).write_text(text, encoding="utf-8")


def test_the_zip_has_gradescopes_layout(graded):
    modes = graded["modes"]
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    source = graded["source"]
    assert (source / "course" / ".mcdl_secret").is_file()
    assert "MCDL_ISOLATION=container" in (source / "run_autograder").read_text()
    setup = (source / "setup.sh").read_text()
    assert "python3.11" in setup and "bubblewrap" in setup and "requirements-grading.txt" in setup
    requirements = (source / "requirements-grading.txt").read_text().split()
    names = {line.split("==")[0].lower() for line in requirements}
    assert {"nbgrader", "numpy", "threadpoolctl", "ipykernel"} <= names and all("==" in r for r in requirements)
    assert not {"jupyter-book", "playwright", "dask", "matplotlib", "sphinx"} & names
    assert subprocess.run(["bash", "-n", str(source / "setup.sh")]).returncode == 0
    assert not (source / "course" / "solutions" / "ps02_linear_layers").exists()
    assert any(name.startswith("course/autograder/sandbox/") for name in modes)
    assert not [name for name in modes if "/testdata/" in name or "__pycache__" in name]


def test_every_results_json_follows_gradescopes_schema(graded):
    for name, result in graded["results"].items():
        assert set(result) <= TOP_LEVEL, name
        assert isinstance(result["score"], float) and isinstance(result["output"], str)
        assert isinstance(result["execution_time"], float)
        assert result["stdout_visibility"] in VISIBILITIES and result["visibility"] in VISIBILITIES
        for test in result["tests"]:
            assert set(test) <= TEST_FIELDS, (name, test)
            assert isinstance(test["name"], str) and isinstance(test["output"], str)
            assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
            assert 0 <= test["score"] <= test["max_score"] and test["status"] in {"passed", "failed"}
            assert test["visibility"] == "after_published"
        assert result["score"] == sum(test["score"] for test in result["tests"])


def test_each_notebook_loses_exactly_the_cells_of_its_mistake(graded):
    points = {cell: float(maximum) for cell, (_, maximum) in graded_cells(PS01).items()}
    for name, lost in [("right", frozenset()), ("wrong", WRONG.fails), ("attack", ATTACK.fails)]:
        assert lost <= set(points)
        tests = {t["name"]: (t["score"], t["max_score"]) for t in graded["results"][name]["tests"]}
        assert tests == {cell: (0.0 if cell in lost else maximum, maximum) for cell, maximum in points.items()}, name
    right_result = graded["results"]["right"]
    assert right_result["score"] == sum(t["max_score"] for t in right_result["tests"]) > 0
    failed = [t for t in graded["results"]["wrong"]["tests"] if t["status"] == "failed"]
    assert failed and all(t["output"].startswith("Failed: ") and len(t["output"]) > 20 for t in failed)
    assert graded["results"]["renamed"]["score"] == right_result["score"]


def test_submissions_that_cannot_be_graded_get_a_message_and_zero(graded):
    results = graded["results"]
    expected = {"garbage": "is not a notebook", "other_problem_set": f"this notebook is not {PS01}",
                "two_notebooks": "holds 2 notebooks", "nothing": "holds no notebook"}
    for name, says in expected.items():
        assert results[name]["score"] == 0.0 and says in results[name]["output"], (name, results[name]["output"])
        assert results[name]["tests"] and all(t["score"] == 0.0 for t in results[name]["tests"])
