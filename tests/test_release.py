"""exercises/ is generated from solutions/ and gives nothing away."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS, ROOT, release_path, source_path

from autograder import course, notebooks


def significant_lines(blocks):
    """Lines of solution or hidden-test code long enough to be telling."""
    return {line.strip() for block in blocks for line in block.splitlines() if len(line.strip()) >= 16}


@pytest.mark.slow  # nbgrader releases the nine problem sets
def test_exercises_are_what_the_release_command_writes():
    fresh = course.release_in_copy(ROOT)
    try:
        stale = notebooks.differing_notebooks(fresh, ROOT / "exercises")
    finally:
        shutil.rmtree(fresh.parent)
    assert stale == [], "exercises/ is stale: run `mcdl release` and commit the result"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solution_or_hidden_test_text(assignment):
    secret = significant_lines(notebooks.hidden_text(notebooks.load(source_path(assignment))))
    assert secret, "the source notebook should have solutions and hidden tests"
    released = release_path(assignment).read_text(encoding="utf-8")
    leaked = {line for line in secret if line in released}
    assert leaked == set()
    assert "BEGIN HIDDEN TESTS" not in released and "BEGIN SOLUTION" not in released


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_answer_cells_are_stubs(assignment):
    for code in notebooks.answer_cells(notebooks.load(release_path(assignment))).values():
        assert "raise NotImplementedError" in code


@pytest.mark.slow
def test_mcdl_release_acts_on_the_course_folder_it_runs_in(tmp_path):
    """Run in a copy of the course, `mcdl release` writes the copy's exercises/, not the installed checkout's."""
    assignment = ASSIGNMENTS[0]
    shutil.copytree(ROOT / "solutions" / assignment, tmp_path / "solutions" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    installed = release_path(assignment).stat().st_mtime_ns
    result = subprocess.run([str(Path(sys.executable).parent / "mcdl"), "release", assignment], cwd=tmp_path,
                            capture_output=True, text=True, env=course.tool_environment())
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "exercises" / assignment / f"{assignment}.ipynb").is_file()
    assert notebooks.differing_notebooks(tmp_path / "exercises" / assignment, ROOT / "exercises" / assignment) == []
    assert release_path(assignment).stat().st_mtime_ns == installed


def test_a_release_of_every_problem_set_is_one_nbgrader_run_and_of_some_one_run_each(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(course, "run_nbgrader", lambda root, *args: calls.append(args))
    (tmp_path / "nbgrader_config.py").write_text("")
    for assignment in ("ps01_a", "ps02_b"):
        (tmp_path / "solutions" / assignment).mkdir(parents=True)
        (tmp_path / "solutions" / assignment / f"{assignment}.ipynb").write_text("{}")
    course.generate_release(tmp_path)
    assert calls == [("generate_assignment", "*", "--force")]
    calls.clear()
    course.generate_release(tmp_path, ["ps02_b"])
    assert calls == [("generate_assignment", "ps02_b", "--force")]
    calls.clear()
    (tmp_path / "solutions" / "notes").mkdir()  # not a problem set: "*" would match it too
    course.generate_release(tmp_path)
    assert calls == [("generate_assignment", "ps01_a", "--force"), ("generate_assignment", "ps02_b", "--force")]
