"""The visible verdicts of every problem set, for the solution and every wrong submission.

Run as a program (``python scripts/visible_verdicts.py [ASSIGNMENT ...] [--only SUBMISSION,...]``) it
prints them as JSON:
{assignment: {submission: [failing test cells]}}, "solution" being the solution notebook's own
answers. Each run is what a student's notebook does (``autograder.notebook_check``): the
answer cells, then the visible part of each test cell, without the course secret. A submission
runs the test cells its functions reach (``autograder.testdata.reach``); every other cell runs the
solution's code, and has the solution's verdict.

It needs no pytest, only NumPy and the course's package, so that the platform test
(tests/test_platforms.py) and scripts/check_numpy_versions.py can run it in another
interpreter: under a simulated macOS or Windows, or in a fresh venv with another NumPy.
"""

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _failing(notebook, extra_code=()):
    from autograder import budgets, notebook_check

    verdicts, broken = notebook_check.run_visible_tests(notebook, extra_code=extra_code)
    failing = [v.grade_id for v in verdicts if not v.passed]
    failing += [f"{v.grade_id} (not judged)" for v in verdicts if v.passed and budgets.NOT_JUDGED in v.output]
    return sorted(failing) + sorted(f"answer cell {g}" for g in broken)


def _with_test_cells(notebook, kept):
    """The notebook without the graded test cells that are not in ``kept`` (None: all kept)."""
    from autograder import notebooks

    def wanted(cell):
        meta = notebooks.nbgrader_meta(cell)
        return kept is None or not meta.get("grade") or meta["grade_id"] in kept

    return {**notebook, "cells": [cell for cell in notebook["cells"] if wanted(cell)]}


def _submission_failing(notebook, submission, solution_failing):
    """The failing cells of ``submission``: those it reaches, run; the others, the solution's."""
    from autograder.testdata.reach import cells_reached

    reached = cells_reached(submission.assignment, submission.answers)
    failing = _failing(_with_test_cells(notebook, reached), tuple(submission.answers.values()))
    if reached is None:
        return failing
    broken = [c for c in failing if c.startswith("answer cell")]
    inherited = [c for c in solution_failing if c.split(" (")[0] not in reached and not c.startswith("answer cell")]
    return sorted(set(failing) - set(broken) | set(inherited)) + broken


def visible_verdicts(assignments=None, submissions=None):
    """{assignment: {"solution" or submission name: sorted failing test cells}}.

    A cell whose time could not be judged on this machine (``budgets.NOT_JUDGED``) is listed
    as "<cell> (not judged)"; submissions: names of the wrong submissions to run (default all).
    """
    from autograder import notebook_check, notebooks
    from autograder.testdata import WRONG_SUBMISSIONS as wrong

    chosen = assignments or notebook_check.problem_sets()
    verdicts = {}
    for assignment in chosen:
        notebook = notebooks.load(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
        verdicts[assignment] = {"solution": _failing(notebook)}
        for submission in wrong:
            if submission.assignment == assignment and (submissions is None or submission.name in submissions):
                verdicts[assignment][submission.name] = _submission_failing(notebook, submission,
                                                                            verdicts[assignment]["solution"])
    return verdicts


GRADING_ONLY = ("autograder.sandbox", "autograder.batch", "autograder.trusted", "autograder.nbgrader_plugin",
                "nbgrader", "traitlets", "nbconvert", "dask", "distributed")


def main(argv):
    start = time.perf_counter()
    only = argv[argv.index("--only") + 1].split(",") if "--only" in argv else None
    chosen = [a for a in argv if a.startswith("ps")]
    verdicts = visible_verdicts(chosen or None, only)
    import numpy

    from autograder import budgets

    with budgets.one_blas_thread() as single:
        blas_one_thread = single
    loaded = sorted(name for name in sys.modules if name.startswith(GRADING_ONLY))
    print(json.dumps({"platform": sys.platform, "numpy": numpy.__version__, "python": sys.version.split()[0],
                      "seconds": round(time.perf_counter() - start, 1), "blas_one_thread": blas_one_thread,
                      "grading_modules_loaded": loaded, "verdicts": verdicts}))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # the course's package, also where it is not installed
    main(sys.argv[1:])
