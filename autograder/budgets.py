"""Time and memory budgets of core kernels.

Memory: the peak allocation during one call, beyond the arrays the call
returns, as a multiple of a named array (for example "arrays the size of Z").
In the grading sandbox it is measured twice: with tracemalloc inside the worker
(NumPy reports its allocations to it) and as the growth of the worker's peak
resident size, read from /proc outside the worker's reach; the larger counts.
In a student's own kernel only tracemalloc is available.

Time: the student's kernel against the reference kernel on the same fresh
inputs, call by call and in alternating order, timed by the grading process
(not by code the student can patch); the ratio of the medians counts. Every
timed result is compared with the reference's, so a kernel that skips work
cannot pass. The reference runs in a sibling worker that holds no student code,
so student code cannot slow it down.
"""

import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

from autograder.checks import GradingFailure, call
from autograder.finite_differences import relative_error
from autograder.sandbox.remote import RemoteFunction, SandboxError

MB = 1e6


@dataclass(frozen=True)
class MemoryBudget:
    """At most ``multiple`` arrays of ``unit_bytes`` beyond the outputs."""

    multiple: float
    unit_name: str
    tolerance: float = 0.25  # of one unit: allocator pages, small arrays


@dataclass(frozen=True)
class TimeBudget:
    """At most ``ratio`` times the reference's median time."""

    ratio: float
    repeats: int = 9


def _nbytes(value):
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    return 0


def _measure_locally(func, args):
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)  # copied before measuring
    tracemalloc.start()
    try:
        value = call(func, *args, copy_args=False).value
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return value, peak, 0


def measure_memory(func, args):
    """(value, tracemalloc peak, resident peak) of one call, in bytes."""
    if isinstance(func, RemoteFunction):
        try:
            return func.sandbox.measure_memory(func.__name__, args)
        except SandboxError as error:
            raise GradingFailure(f"{func.__name__}: {error}") from None
        except Exception as error:  # raised by the student's code
            raise GradingFailure(f"{func.__name__} raised {type(error).__name__}: {error}") from None
    return _measure_locally(func, args)


MEMORY_ADVICE = "Reuse one temporary with in-place operations (*=, out=) instead of creating new arrays."
TIME_ADVICE = "Avoid Python loops over the batch: one matrix product does the whole sum."


def check_memory_budget(func, args, budget, unit_bytes, *, name, advice=MEMORY_ADVICE):
    """Fail unless one call stays within ``budget`` beyond its outputs; ``advice`` ends the message."""
    value, traced, resident = measure_memory(func, args)
    extra = max(traced, resident) - _nbytes(value)
    used = extra / unit_bytes
    if used > budget.multiple + budget.tolerance:
        measured = f"tracemalloc peak {traced / MB:.1f} MB"
        if resident:
            measured += f", resident peak {resident / MB:.1f} MB"
        raise GradingFailure(
            f"{name} uses too much memory: {used:.2f} arrays the size of {budget.unit_name} "
            f"({unit_bytes / MB:.1f} MB each) beyond its outputs ({measured}, outputs "
            f"{_nbytes(value) / MB:.1f} MB); the budget is {budget.multiple:g}. {advice}"
        )
    return used


def _same_result(got, want):
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and all(
            _same_result(g, w) for g, w in zip(got, want, strict=True))
    if isinstance(want, (int, float)):
        return isinstance(got, (int, float)) and relative_error(got, want) < 1e-8
    return isinstance(got, np.ndarray) and got.shape == np.shape(want) and relative_error(got, want) < 1e-8


def time_ratio(func, reference, make_args, repeats, *, name):
    """Median time of ``func`` over the reference's, on fresh inputs each round."""
    own, theirs = [], []
    for round_ in range(repeats):
        args = make_args(round_)
        order = ((func, own), (reference, theirs)) if round_ % 2 == 0 else ((reference, theirs), (func, own))
        results = {}
        for kernel, times in order:
            own_args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
            try:
                value, seconds = kernel.sandbox.call(kernel.__name__, own_args, timed=True)
            except SandboxError as error:
                raise GradingFailure(f"{name}: {error}") from None
            except Exception as error:
                raise GradingFailure(f"{name} raised {type(error).__name__}: {error}") from None
            times.append(seconds)
            results[kernel is func] = value
        if not _same_result(results[True], results[False]):
            raise GradingFailure(
                f"{name} returned wrong results while it was being timed: time is measured only for a "
                "kernel that computes the right answer."
            )
    return float(np.median(own) / np.median(theirs)), float(np.median(own)), float(np.median(theirs))


def check_time_budget(func, reference, make_args, budget, *, name, advice=TIME_ADVICE):
    """Fail unless ``func`` runs within ``budget.ratio`` times the reference.

    Without a reference (a student's own kernel), only the student's time is
    measured and reported: the ratio is taken when the notebook is graded.
    """
    if reference is None:
        args = make_args(0)
        start = time.perf_counter()
        call(func, *args)
        print(f"{name} took {time.perf_counter() - start:.4f} s on this input; when the notebook is "
              f"graded it must run within {budget.ratio:g} times the reference kernel's time.")
        return None
    ratio, own, theirs = time_ratio(func, reference, make_args, budget.repeats, name=name)
    if ratio > budget.ratio:
        raise GradingFailure(
            f"{name} is too slow: median {own * 1e3:.1f} ms against the reference's {theirs * 1e3:.1f} ms, "
            f"{ratio:.1f} times as long; the budget is {budget.ratio:g} times. {advice}"
        )
    return ratio
