"""A student's visible run and grading run the code the same way.

The solution, and wrong submissions of the table, are checked on the visible cases twice (a
submission on the checks whose function it replaces or reaches; the others run the solution's
code, which the solution's run checks): with its functions as plain local functions, as in a
student's own kernel, and with the same functions in the grading sandbox. Each check must give the
same verdict both ways, and the same message wherever the message does not carry a measurement
(memory and time differ between a process of one's own and a sandbox worker by their nature, not
their verdict). The submissions compared: per problem set, ones that together fail every check the
table fails there, and every one whose failure crosses back from the worker as more than values (an
exception, warnings, arguments changed in place); tests/test_visible_estimates.py compares every slow
version's estimates in both places. The whole table: ``pytest -m exhaustive``.
"""

import inspect
import linecache
import re

import pytest
from conftest import ASSIGNMENTS, graded_cells, representative_wrong_submissions, source_path

from autograder import notebooks
from autograder.assignments import function_of, using_secret
from autograder.checks import GradingFailure
from autograder.sandbox.remote import Sandbox
from autograder.testdata import WRONG_SUBMISSIONS
from autograder.testdata.reach import cells_reached

pytestmark = pytest.mark.slow  # every submission in a sandbox, time budgets included

MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def answers_of(assignment, replacements=None):
    cells = notebooks.answer_cells(notebooks.load(source_path(assignment)))
    return {cell: MARKER.sub("", code) for cell, code in {**cells, **(replacements or {})}.items()}


def verdict(check, func):
    try:
        options = {"reference": None} if "reference" in inspect.signature(check).parameters else {}
        check(func, case="visible", **options)
        return "passed"
    except GradingFailure as failure:
        return str(failure)


def visible_verdicts(assignment, replacements=None):
    """{check: (verdict in a plain namespace, verdict in the sandbox)} on the visible cases.

    With ``replacements`` that only define functions, only the checks whose function is replaced or
    reaches a replaced one: the others run the solution's code, whose verdicts the solution's own run
    gives both ways.
    """
    import importlib

    module = importlib.import_module(f"autograder.assignments.{assignment}")
    answers = answers_of(assignment, replacements)
    namespace = {"__name__": "__answers__"}
    exec("import numpy as np\n", namespace)
    for cell, code in answers.items():  # each cell's lines kept as Jupyter keeps them (failures quote them)
        file = f"<answer cell {cell}>"
        linecache.cache[file] = (len(code), None, code.splitlines(True), file)
        exec(compile(code, file, "exec"), namespace)
    reached = cells_reached(assignment, replacements) if replacements else None
    box = Sandbox(answers, call_seconds=10)  # as graded_table.LIMITS: a kernel past it is too slow either way
    results = {}
    try:
        with using_secret(None):  # a student has no course secret
            for test_id in graded_cells(assignment):
                check_name = test_id.removeprefix("test_")
                function = function_of(check_name, answers)
                if reached is not None and test_id not in reached:
                    continue
                check = getattr(module, check_name)
                results[check_name] = (verdict(check, namespace[function]), verdict(check, box.function(function)))
    finally:
        box.close()
    return results


MEASURED = re.compile(r"budget")


# What crosses back from a worker as more than values: an exception, warnings, arguments changed in place.
CROSSES_AS_STATE = {"raised", "warnings", "inputs_modified"}
COMPARED = [*representative_wrong_submissions(),
            *(w for w in WRONG_SUBMISSIONS if w.kind in CROSSES_AS_STATE)]
COMPARED = [w for w in WRONG_SUBMISSIONS if w in COMPARED]  # table order, each once
ID = lambda w: "solution" if w is None else f"{w.assignment}-{w.name}"  # noqa: E731


@pytest.mark.parametrize("wrong", [None, *COMPARED], ids=ID)
def test_visible_checks_give_the_same_verdict_locally_and_in_the_sandbox(wrong):
    compare_locally_and_in_the_sandbox(wrong)


@pytest.mark.exhaustive
@pytest.mark.parametrize("wrong", [w for w in WRONG_SUBMISSIONS if w not in COMPARED], ids=ID)
def test_every_other_wrong_submission_gives_the_same_verdict_locally_and_in_the_sandbox(wrong):
    compare_locally_and_in_the_sandbox(wrong)


def compare_locally_and_in_the_sandbox(wrong):
    assignments = ASSIGNMENTS if wrong is None else [wrong.assignment]
    for assignment in assignments:
        results = visible_verdicts(assignment, wrong.answers if wrong else None)
        assert results and (wrong is None or any(f"test_{check}" in wrong.fails for check in results)
                            or not wrong.fails), sorted(results)
        for check, (local, sandboxed) in results.items():
            if MEASURED.search(check):
                assert (local == "passed") == (sandboxed == "passed"), (check, local, sandboxed)
            else:
                assert local == sandboxed, check
