"""exercises/ is generated from solutions/ and gives nothing away."""

import shutil

import pytest
from conftest import ASSIGNMENTS, ROOT, release_path, source_path

from autograder import course, notebooks


def significant_lines(blocks):
    """Lines of solution or hidden-test code long enough to be telling."""
    return {line.strip() for block in blocks for line in block.splitlines() if len(line.strip()) >= 16}


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
