"""``mcdl check NOTEBOOK``: a student's visible tests outside Jupyter, with the light install only."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, graded_cells, release_path, run_test_cells, source_path

from autograder import cli, notebooks
from autograder.testdata import named

# The light install has NumPy and threadpoolctl only: the grading tools cannot be imported.
LIGHT_INSTALL = """
import sys

class LightInstall:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"nbgrader", "traitlets", "nbconvert", "nbformat", "dask", "distributed",
                                  "jupyter_client", "IPython", "matplotlib"}:
            raise ModuleNotFoundError(f"No module named {name!r} (not in the light install)", name=name)

sys.meta_path.insert(0, LightInstall())
from autograder.cli import main
sys.exit(main(sys.argv[1:]))
"""


def mcdl_check(path, tmp_path):
    """(exit code, stdout, stderr) of `mcdl check path` run with the light install, without the course secret."""
    env = {k: v for k, v in os.environ.items() if k != "MCDL_COURSE_SECRET"}
    result = subprocess.run([sys.executable, "-c", LIGHT_INSTALL, "check", str(path)], capture_output=True,
                            text=True, cwd=tmp_path, env=env, timeout=600)
    return result.returncode, result.stdout, result.stderr


def verdict_lines(stdout):
    """{test cell: (verdict, points text)} of the lines `mcdl check` prints per test cell."""
    found = {}
    for line in stdout.splitlines():
        parts = line.split()
        if parts[:1] in (["PASS"], ["FAIL"]):
            found[parts[1]] = (parts[0], line.split("(", 1)[1].split(")", 1)[0])
    return found


def _points(value):
    return f"{value:g} point" + ("" if value == 1 else "s")


def test_a_solution_gets_its_full_visible_score(tmp_path):
    assignment = "ps01_gradient_checking"
    code, out, err = mcdl_check(source_path(assignment), tmp_path)
    cells = graded_cells(assignment)
    total = sum(points for _, points in cells.values())
    assert code == 0, out + err
    assert verdict_lines(out) == {grade_id: ("PASS", _points(points)) for grade_id, (_, points) in cells.items()}
    assert f"Predicted visible score: {total:g} of {total:g} points" in out


def test_a_released_notebook_fails_every_cell_until_answered(tmp_path):
    assignment = "ps06_nonlinear_least_squares"
    code, out, err = mcdl_check(release_path(assignment), tmp_path)
    assert code == 1, out + err
    assert {verdict for verdict, _ in verdict_lines(out).values()} == {"FAIL"}
    assert set(verdict_lines(out)) == set(graded_cells(assignment))
    assert "is not implemented yet" in out
    assert f"Predicted visible score: 0 of {sum(p for _, p in graded_cells(assignment).values()):g} points" in out


def _submitted(submission, tmp_path):
    """The solution notebook with the submission's answers in place of its answer cells."""
    notebook = notebooks.load(source_path(submission.assignment))
    replaced = set()
    for cell in notebook["cells"]:
        grade_id = notebooks.nbgrader_meta(cell).get("grade_id")
        if notebooks.nbgrader_meta(cell).get("solution") and grade_id in submission.answers:
            cell["source"] = submission.answers[grade_id]
            replaced.add(grade_id)
    assert replaced == set(submission.answers)
    path = tmp_path / f"{submission.assignment}.ipynb"
    path.write_text(json.dumps(notebook))
    return path


CHOSEN = ["forward_difference", "relative_error_zero_division", "db_mean_instead_of_sum", "sigmoid_sign_erratum"]


@pytest.mark.parametrize("name", CHOSEN)
def test_a_wrong_submission_fails_the_cells_its_visible_tests_catch(name, tmp_path, capsys):
    submission = named(name)
    visible, _ = run_test_cells(submission.assignment, submission.answers, visible_only=True)
    failing = {grade_id for grade_id, failure in visible.items() if failure is not None}
    assert failing and failing <= submission.fails  # the table's cells, found by its visible tests

    assert cli.main(["check", str(_submitted(submission, tmp_path))]) == 1
    out = capsys.readouterr().out
    verdicts = verdict_lines(out)
    assert {cell for cell, (verdict, _) in verdicts.items() if verdict == "FAIL"} == failing
    for cell in failing:
        assert visible[cell].split()[0] in next(line for line in out.splitlines() if f" {cell} (" in line)
    lost = sum(points for cell, (_, points) in graded_cells(submission.assignment).items() if cell in failing)
    total = sum(points for _, points in graded_cells(submission.assignment).values())
    assert f"Predicted visible score: {total - lost:g} of {total:g} points" in out


@pytest.mark.parametrize("content, says", [
    (None, "no such file"),
    ("this is not a notebook\n", "is not a Jupyter notebook (it is not JSON)"),
    ('{"nbformat": 4}', "is not a Jupyter notebook (it has no list of cells)"),
    ('{"cells": [{"cell_type": "code", "source": "import numpy as np", "metadata": {}}]}',
     "is not a notebook of this course's problem sets"),
    ('{"cells": [{"cell_type": "code", "source": "from autograder.assignments import ps99_none as grader",'
     ' "metadata": {}}]}', "ps01_gradient_checking, ps02_linear_layers"),
])
def test_a_file_that_is_not_a_problem_set_gets_a_clear_message(content, says, tmp_path):
    path = tmp_path / "ps04.ipynb"
    if content is not None:
        path.write_text(content)
    code, out, err = mcdl_check(path, tmp_path)
    assert code == 2
    assert err.startswith("mcdl check: ") and says in err and "Traceback" not in err
    assert out == ""


def test_the_check_command_is_in_the_help():
    result = subprocess.run([sys.executable, "-m", "autograder", "--help"], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert "check NOTEBOOK" in result.stdout


def test_a_time_that_cannot_be_judged_here_is_said_so():
    from autograder import budgets, notebook_check

    printed = f"kernel: its time {budgets.NOT_JUDGED}"
    verdicts = [notebook_check.CellVerdict("test_kernel_time_budget", 2, None, printed),
                notebook_check.CellVerdict("test_kernel_values", 1, None, "")]
    lines = notebook_check.report_lines("ps04_feedforward_networks", verdicts, {})
    assert lines[1].startswith("  PASS  test_kernel_time_budget (2 points): its time cannot be judged on this machine")
    assert lines[2] == "  PASS  test_kernel_values (1 point)"
    assert lines[3].startswith("Predicted visible score: 3 of 3 points")
