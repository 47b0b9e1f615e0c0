"""Shared helpers of the test suite."""

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import assignments, course, notebooks, secret

# Hidden cases and budget inputs derive from the course secret: the tests use their
# own (the environment variable also reaches nbgrader run in a subprocess).
TEST_SECRET = os.environ.setdefault(secret.ENV_VAR, "test-suite-secret")

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = course.assignments(ROOT)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes minutes (whole batches graded); deselect with -m 'not slow'")
    for assignment in ASSIGNMENTS:
        config.addinivalue_line("markers", f"{problem_set(assignment)}: a test about {assignment} "
                                           f"(select one problem set's tests with -m {problem_set(assignment)})")


def problem_set(assignment):
    """The short name of a problem set, its marker: "ps03" for ps03_softmax_cross_entropy."""
    return assignment.split("_", 1)[0]


def pytest_collection_modifyitems(config, items):
    """Mark each test with the problem sets its id names (a parameter or the test's own name)."""
    for item in items:
        for name in {problem_set(a) for a in ASSIGNMENTS if problem_set(a) in item.nodeid}:
            item.add_marker(name)


@pytest.fixture(autouse=True, scope="session")
def course_secret():
    """The test secret, set for the whole session as the grader sets the real one."""
    with assignments.using_secret(TEST_SECRET):
        yield TEST_SECRET


@pytest.fixture(scope="session")
def book_site(tmp_path_factory):
    """The HTML site, built once per session as the README says (warnings are errors).

    tests/test_book.py reads its files; tests/test_browser.py renders its pages.
    """
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return out / "_build" / "html"


def source_path(assignment):
    return ROOT / "solutions" / assignment / f"{assignment}.ipynb"


def release_path(assignment):
    return ROOT / "exercises" / assignment / f"{assignment}.ipynb"


def graded_cells(assignment):
    """{grade_id: (source, points)} of the graded test cells of a source notebook."""
    notebook = notebooks.load(source_path(assignment))
    return {
        notebooks.nbgrader_meta(cell)["grade_id"]: (notebooks.source(cell), notebooks.nbgrader_meta(cell)["points"])
        for cell in notebook["cells"]
        if notebooks.nbgrader_meta(cell).get("grade")
    }


def visible_part(code):
    """A test cell as the released notebook has it: without its hidden tests."""
    visible = notebooks.HIDDEN_BLOCK.sub("", code)
    assert "grader." in visible and "HIDDEN" not in visible, code
    return visible


def run_test_cells(assignment, replacements=None, *, visible_only=False):
    """Run the solution's answers (with some replaced) against every test cell, locally.

    visible_only: run each cell as a student does, without its hidden tests
    and without the course secret.
    Returns ({grade_id: failure message or None}, captured stderr text).
    """
    namespace = notebooks.answer_namespace(source_path(assignment))
    for code in (replacements or {}).values():
        exec(code, namespace)
    results, stderr = {}, io.StringIO()
    secret = assignments.using_secret(None) if visible_only else contextlib.nullcontext()
    with secret, contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        for grade_id, (code, _) in graded_cells(assignment).items():
            try:
                exec(visible_part(code) if visible_only else code, dict(namespace))
                results[grade_id] = None
            except AssertionError as failure:
                results[grade_id] = str(failure)
    return results, stderr.getvalue()


# The batch courses, graded once per session for every test module that uses them.
from batch_courses import dask_cluster, dask_course, local_course, serial_course, template_course  # noqa: E402, F401
