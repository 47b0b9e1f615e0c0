"""Each core kernel is declared once (``budgets.CoreKernel``), and its budget checks are made from it.

The declaration's known versions are the submissions of autograder/testdata/
that lose exactly the budget cells the declaration says they break (a loop:
the time cell, by the loop rule), or, breaking none, are right variants.
"""

import importlib

import pytest
from conftest import ASSIGNMENTS, graded_cells

from autograder import budgets
from autograder.assignments import core_kernels
from autograder.testdata import RIGHT_VARIANTS, WRONG_SUBMISSIONS

KERNELS = core_kernels()
SUBMISSIONS = {w.name: w for w in WRONG_SUBMISSIONS + RIGHT_VARIANTS}


def test_every_kernel_with_a_budget_is_declared_once():
    functions = [kernel.function for _, kernel in KERNELS]
    assert len(functions) == len(set(functions)) == 10


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_budget_cell_calls_a_check_made_from_a_declaration(assignment):
    module = importlib.import_module(f"autograder.assignments.{assignment}")
    declared = {kernel.function: kernel for a, kernel in KERNELS if a == assignment}
    for test_id in graded_cells(assignment):
        check_name = test_id.removeprefix("test_")
        for budget in ("memory", "time"):
            if check_name.endswith(f"_{budget}_budget"):
                function = check_name.removesuffix(f"_{budget}_budget")
                assert getattr(declared[function], budget) is not None, check_name
                check = getattr(module, check_name)
                assert check.is_budget_check and check.__doc__ == getattr(declared[function], f"{budget}_doc")


@pytest.mark.parametrize(("assignment", "kernel"), KERNELS, ids=lambda k: getattr(k, "function", None))
def test_the_declared_versions_lose_the_cells_they_are_declared_to(assignment, kernel):
    assert kernel.versions
    for label, name, breaks in kernel.versions:
        submission = SUBMISSIONS[name]
        assert submission.assignment == assignment and set(submission.answers) == {kernel.function}, name
        assert breaks <= {"memory", "time", "loop"}, label
        if "loop" in breaks:
            assert kernel.time.loop_rule is not None, label
        expected = {f"test_{kernel.function}_memory_budget"} if "memory" in breaks else set()
        expected |= {f"test_{kernel.function}_time_budget"} if breaks & {"time", "loop"} else set()
        assert set(submission.fails) == expected, (label, sorted(submission.fails))
        assert (submission in RIGHT_VARIANTS) == (not breaks), label


def test_loop_rule_arguments_scale_the_batch():
    for _, kernel in KERNELS:
        rule = kernel.time.loop_rule if kernel.time else None
        if rule is None:
            continue
        from autograder.assignments import using_secret

        with using_secret("any secret"):
            make = rule.arguments or kernel.arguments
            assert rule.batch(make(0, 2)) >= 1.9 * rule.batch(make(0, 1)), kernel.function


def test_a_kernel_without_a_budget_makes_no_check():
    from autograder.assignments import budget_checks

    assert budget_checks(budgets.CoreKernel("f", "", lambda round_: ())) == ()
