"""Calibrate the budgets of the core kernels: measure, in the grading sandbox,
the reference kernel and typical slow versions against their budgets, alone
and with a competing CPU-bound process on the machine.

    python scripts/benchmark_budgets.py

Prints, per kernel and version: the memory used beyond the outputs (in arrays
of the named size) and the time ratio to the reference, each against its budget.
"""

import subprocess
import sys
from pathlib import Path

from autograder import budgets
from autograder.assignments import ps02_linear_layers as ps02
from autograder.notebooks import answer_cells
from autograder.notebooks import load as load_notebook
from autograder.sandbox.remote import Sandbox

ROOT = Path(__file__).resolve().parent.parent

DENSE_TANH_VERSIONS = {
    "loop over the batch": '''
def dense_tanh_backward(G, X, W, Z):
    dA = G * (1.0 - Z * Z)
    dX = np.empty_like(X)
    dW = np.zeros_like(W)
    for i in range(X.shape[0]):
        dX[i] = W @ dA[i]
        dW += np.outer(X[i], dA[i])
    return dX, dW, dA.sum(axis=0)
''',
    "unfused temporaries": '''
def dense_tanh_backward(G, X, W, Z):
    derivative = 1.0 - Z ** 2
    dA = G * derivative
    return dA @ W.T, X.T @ dA, dA.sum(axis=0)
''',
}


def reference_code(assignment, function):
    return answer_cells(load_notebook(ROOT / "solutions" / assignment / f"{assignment}.ipynb"))[function]


def measure(assignment, function, versions, make_args, memory_budget, time_budget, unit_bytes):
    reference = Sandbox(assignment, {function: reference_code(assignment, function)})
    rows = []
    try:
        for label, code in [("reference", None), *versions.items()]:
            sandbox = reference if code is None else Sandbox(assignment, {function: code})
            try:
                args = make_args(0)
                value, traced, resident = sandbox.measure_memory(function, args)
                used = (max(traced, resident) - budgets._nbytes(value)) / unit_bytes
                ratio, own, theirs = budgets.time_ratio(
                    sandbox.function(function), reference.function(function), make_args,
                    time_budget.repeats, name=function)
            finally:
                if sandbox is not reference:
                    sandbox.close()
            memory_ok = used <= memory_budget.multiple + memory_budget.tolerance
            rows.append((label, used, memory_ok, ratio, ratio <= time_budget.ratio, own, theirs))
    finally:
        reference.close()
    return rows


def report(title, rows, memory_budget, time_budget):
    print(f"\n{title}")
    print(f"  {'version':24s} {'memory (x ' + memory_budget.unit_name + ')':>14s}  "
          f"{'time ratio':>10s}  {'median ms':>9s}  {'reference ms':>12s}")
    for label, used, memory_ok, ratio, time_ok, own, theirs in rows:
        verdict = "passes" if memory_ok and time_ok else "FAILS " + " and ".join(
            w for w, ok in (("memory", memory_ok), ("time", time_ok)) if not ok)
        print(f"  {label:24s} {used:14.2f}  {ratio:10.2f}  {own * 1e3:9.1f}  {theirs * 1e3:12.1f}   {verdict}")
    print(f"  budgets: memory <= {memory_budget.multiple:g} (+{memory_budget.tolerance:g} tolerance) "
          f"arrays the size of {memory_budget.unit_name}; time <= {time_budget.ratio:g} x reference")


def main():
    unit = ps02.dense_tanh_budget_arguments(0)[3].nbytes
    for competing in (False, True):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if competing else None
        try:
            rows = measure("ps02_linear_layers", "dense_tanh_backward", DENSE_TANH_VERSIONS,
                           ps02.dense_tanh_budget_arguments, ps02.DENSE_TANH_MEMORY, ps02.DENSE_TANH_TIME, unit)
        finally:
            if hog:
                hog.kill()
                hog.wait()
        sizes = ", ".join(str(n) for n in ps02.BUDGET_SIZES)
        setting = "with a competing CPU-bound process" if competing else "alone"
        title = f"ps02 dense_tanh_backward, t, n, m = {sizes}, {setting}"
        report(title, rows, ps02.DENSE_TANH_MEMORY, ps02.DENSE_TANH_TIME)


if __name__ == "__main__":
    main()
