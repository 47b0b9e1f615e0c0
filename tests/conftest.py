"""Shared helpers of the test suite."""

import contextlib
import io
from pathlib import Path

from autograder import course, notebooks

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = course.assignments(ROOT)


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


def run_test_cells(assignment, replacements=None):
    """Run the solution's answers (with some replaced) against every test cell.

    Returns ({grade_id: failure message or None}, captured stderr text).
    """
    namespace = notebooks.answer_namespace(source_path(assignment))
    for code in (replacements or {}).values():
        exec(code, namespace)
    results, stderr = {}, io.StringIO()
    with contextlib.redirect_stderr(stderr):
        for grade_id, (code, _) in graded_cells(assignment).items():
            try:
                exec(code, dict(namespace))
                results[grade_id] = None
            except AssertionError as failure:
                results[grade_id] = str(failure)
    return results, stderr.getvalue()
