"""Each core kernel is declared once (``budgets.CoreKernel``), and its budget checks are made from it.

The declaration's known versions are the submissions of autograder/testdata/
that lose exactly the budget cells the declaration says they break (a loop:
the time cell, by the loop rule), or, breaking none, are right variants.
"""

import importlib
from types import SimpleNamespace

import numpy as np
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


def test_a_kernel_is_timed_when_most_of_its_outputs_are_right_and_never_when_it_skips_the_work():
    rng = np.random.default_rng(0)
    J, dW1, db1, dW2, db2 = 0.7, rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal(3), 1.5
    reference = (J, [(dW1, db1), (dW2, db2)])
    db_as_a_mean = (J, [(dW1, db1 / 8), (dW2, db2 / 8)])  # 2 of 5 outputs wrong: timed
    gradients_without_1_over_t = (J, [(8 * dW1, 8 * db1), (8 * dW2, 8 * db2)])  # 4 of 5 wrong
    zeros = (0.0, [(np.zeros_like(dW1), np.zeros_like(db1)), (np.zeros_like(dW2), 0.0)])
    transposed = (J, [(dW1.T, db1), (dW2, db2)])
    assert budgets._timed_fairly(reference, reference)
    assert budgets._timed_fairly(db_as_a_mean, reference)
    assert not budgets._timed_fairly(gradients_without_1_over_t, reference)
    assert not budgets._timed_fairly(zeros, reference)
    assert not budgets._timed_fairly(transposed, reference)  # another shape: not the reference's work
    assert not budgets._timed_fairly((J, [(dW1, db1)]), reference)
    assert budgets._timed_fairly((0.71, dW1), (0.7, dW1)) and not budgets._timed_fairly((0.71, -dW1), (0.7, dW1))


class _Kernel:
    """A stand-in for a sandboxed kernel that costs ``seconds`` of CPU a call, and counts its calls."""

    def __init__(self, seconds, sandbox=None):
        self.seconds, self.calls, self.sandbox = seconds, 0, sandbox

    def run(self, args, detect_changes=False):
        self.calls += 1
        return SimpleNamespace(value=np.ones(3), cpu_seconds=self.seconds)

    def cpu_seconds(self, once_idle=False):
        return 0.0


class _Sandbox:
    cells = {budgets.HARNESS_KERNEL: ""}

    def function(self, name):
        return _Kernel(0.001)


@pytest.mark.parametrize(("seconds", "rounds"), [(0.05, 5), (0.2, 1)])
def test_grading_times_one_round_only_of_a_kernel_far_past_its_budget(seconds, rounds):
    # reference 0.01 s, harness 0.001 s: 0.05 s is about 5 times (timed 5 rounds), 0.2 s about 22 times
    student, reference = _Kernel(seconds), _Kernel(0.01, _Sandbox())
    ratio, _, _ = budgets.time_ratio(student, reference, lambda round_: (np.ones(3),), 5, name="kernel",
                                     stop_past=3 * 4.0)
    assert student.calls == reference.calls == rounds
    assert ratio == pytest.approx((seconds - 0.001) / 0.009)
