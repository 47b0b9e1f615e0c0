"""``mcdl check psNN.ipynb``: a student's visible tests, run outside Jupyter.

A notebook is run the way it runs in Jupyter: its imports cell and answer
cells in order, then each graded test cell, without its hidden part (a
released notebook has none) and without the course secret, in a copy of the
namespace the answers made. Each test cell gets a verdict and its points; the
sum of the points of the passing cells predicts the visible part of the grade.

Part of the light install: this imports only the notebook reader and, to run
the cells, what the notebook itself imports.
"""

import contextlib
import io
import json
import linecache
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

from autograder import assignments, budgets, notebooks

GRADER_IMPORT = re.compile(r"from\s+autograder\.assignments\s+import\s+(\w+)\s+as\s+grader")


class CheckError(Exception):
    """The file cannot be checked (missing, not a notebook, not a problem set); the message says why."""


@dataclass
class CellVerdict:
    grade_id: str
    points: float
    failure: str | None  # None when the cell passed
    output: str = ""  # what the cell printed

    @property
    def passed(self):
        return self.failure is None


def problem_sets():
    """The ids of the problem sets this library grades, e.g. ["ps01_gradient_checking", ...]."""
    return sorted(module.name for module in pkgutil.iter_modules(assignments.__path__) if module.name[:2] == "ps")


def read_notebook(path):
    """The notebook at ``path`` as a dict; CheckError if it is missing or not a notebook."""
    path = Path(path)
    if not path.is_file():
        raise CheckError(f"{path}: no such file.")
    try:
        notebook = notebooks.load(path)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckError(f"{path} is not a Jupyter notebook (it is not JSON); give the .ipynb file of a "
                         "problem set.") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise CheckError(f"{path} is not a Jupyter notebook (it has no list of cells).")
    return notebook


def problem_set_of(notebook, path):
    """The problem set a notebook's first cell imports as ``grader``; CheckError if none this library knows."""
    known = problem_sets()
    for cell in notebook["cells"]:
        match = GRADER_IMPORT.search(notebooks.source(cell)) if cell.get("cell_type") == "code" else None
        if match and match.group(1) in known:
            return match.group(1)
        if match:
            break
    raise CheckError(f"{path} is not a notebook of this course's problem sets (its imports cell does not import "
                     f"one of: {', '.join(known)}).")


def _cells(notebook, role):
    """The code cells of a role ("answers": imports and answer cells; "tests": graded test cells)."""
    for cell in notebook["cells"]:
        meta = notebooks.nbgrader_meta(cell)
        if cell.get("cell_type") != "code":
            continue
        if role == "answers" and (meta.get("grade_id") == "imports" or meta.get("solution")):
            yield meta.get("grade_id", "?"), notebooks.source(cell), 0
        elif role == "tests" and meta.get("grade") and not meta.get("solution"):
            yield meta.get("grade_id", "?"), notebooks.source(cell), float(meta.get("points", 0))


def _failure_text(error):
    text = str(error) if isinstance(error, AssertionError) else f"{type(error).__name__}: {error}"
    return " ".join(text.split()) or type(error).__name__


def run_cell(code, namespace, name):
    """Run one cell's code in ``namespace``: (its failure as one line of text or None, what it printed).

    What the cell prints is kept from the terminal (a notebook would show it under the cell).
    """
    printed = io.StringIO()
    linecache.cache[name] = (len(code), None, code.splitlines(True), name)  # as Jupyter keeps a cell's lines,
    # so that a failure can quote the line of the student's code that raised
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            exec(compile(code, name, "exec"), namespace)
        except Exception as error:
            return _failure_text(error), printed.getvalue()
    return None, printed.getvalue()


def run_visible_tests(notebook, *, extra_code=(), name="notebook"):
    """([CellVerdict per graded test cell], {answer cell: failure}) of a notebook's visible tests.

    extra_code: code run after the answer cells (answers that replace the notebook's, as in tests).
    """
    namespace = {"__name__": "__main__"}
    with assignments.using_secret(None):
        broken = {}
        answers = [*_cells(notebook, "answers"), *((f"extra{i}", code, 0) for i, code in enumerate(extra_code))]
        for grade_id, code, _ in answers:
            failure, _ = run_cell(code, namespace, f"{name}:{grade_id}")
            if failure is not None:
                broken[grade_id] = failure
        verdicts = [CellVerdict(grade_id, points, *run_cell(notebooks.HIDDEN_BLOCK.sub("", code), dict(namespace),
                                                            f"{name}:{grade_id}"))
                    for grade_id, code, points in _cells(notebook, "tests")]
    return verdicts, broken


def check_notebook(path):
    """(problem set id, [CellVerdict per graded test cell], {answer cell: failure}) of the notebook at ``path``."""
    notebook = read_notebook(path)
    assignment = problem_set_of(notebook, path)
    return (assignment, *run_visible_tests(notebook, name=str(path)))


def _points(value):
    return f"{value:g} point" + ("" if value == 1 else "s")


def report_lines(assignment, verdicts, broken, *, width=160):
    """The lines ``mcdl check`` prints: answer cells that did not run, one line per test cell, the score."""
    lines = [f"{assignment}: visible tests"]
    lines += [f"  answer cell {grade_id} did not run: {failure}"[:width] for grade_id, failure in broken.items()]
    for verdict in verdicts:
        head = f"  {'PASS' if verdict.passed else 'FAIL'}  {verdict.grade_id} ({_points(verdict.points)})"
        if not verdict.passed:
            head = f"{head}: {verdict.failure}"[:width]
        elif budgets.NOT_JUDGED in verdict.output:
            head += f": its time {budgets.NOT_JUDGED} (NumPy's BLAS threads cannot be limited to one)"
        lines.append(head)
    earned = sum(v.points for v in verdicts if v.passed)
    total = sum(v.points for v in verdicts)
    lines.append(f"Predicted visible score: {earned:g} of {total:g} points ({sum(v.passed for v in verdicts)} of "
                 f"{len(verdicts)} test cells pass). Grading adds hidden cases to these cells, so a cell that "
                 "passes here can still lose its points.")
    return lines
