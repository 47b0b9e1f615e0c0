"""Calibrate and check the budgets of the core kernels, in the grading sandbox.

    python scripts/benchmark_budgets.py                # every kernel, this machine's setting
    python scripts/benchmark_budgets.py ps08 ps09      # only the kernels of these problem sets
    python scripts/benchmark_budgets.py --portability  # the portability table (below)
    python scripts/benchmark_budgets.py --floors       # the reference over its floor, as a student's run uses

The kernels, their budgets and their known slow or unfused versions are each
kernel's declaration (``budgets.CoreKernel`` in its problem set's module). For
each kernel it grades the reference and those versions as the grader does
(memory in a fresh worker; the loop rule's counts on the budget inputs and on a
batch twice as large, printed as lines / calls / arrays; time as the ratio of
CPU times to the reference, interleaved), and the harness's own cost per timed
call (a kernel that returns ready-made outputs), as a fraction of the
reference's time.

--portability repeats this in fresh processes for every combination of the BLAS
kernel (OPENBLAS_CORETYPE unset, Haswell, SkylakeX where the CPU has AVX-512),
the grading process's BLAS threads (1 and 2) and load (alone, and beside a
CPU-bound process), and prints one table: the reference must stay at or below
half of each limit, each version that breaks a budget at or above 1.5 times
its limit, each version that keeps a time budget at or below its limit over
1.5, and the harness's own cost at or below 5% of the reference's time. The
loop rule's counts must be the same in every configuration, and break the rule
exactly for the versions declared to (they are then not timed, as grading
does not time them: the rule fails their time cell whatever it measures).
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import numpy as np

from autograder import budgets
from autograder.assignments import core_kernels, using_secret
from autograder.notebooks import answer_cells, answer_namespace
from autograder.notebooks import load as load_notebook
from autograder.sandbox.remote import Sandbox
from autograder.secret import find_secret
from autograder.testdata import named

ROOT = Path(__file__).resolve().parent.parent


def submission_code(name):
    """The code of one of the test suite's wrong submissions or right variants (autograder/testdata/)."""
    (code,) = named(name).answers.values()
    return code


def kernel_title(assignment, kernel):
    return f"{assignment[:4]} {kernel.function}, {kernel.sizes}"


def reference_cells(assignment):
    return answer_cells(load_notebook(ROOT / "solutions" / assignment / f"{assignment}.ipynb"))


def harness_seconds(reference, function, make_args, repeats=9):
    """CPU seconds of a timed call of a kernel that does no work (the least of ``repeats``, as the
    time budget takes it), and the reference's median."""
    args = make_args(0)
    value = reference.function(function).run(args, detect_changes=False).value
    null = Sandbox({budgets.HARNESS_KERNEL: budgets.harness_kernel_source(value)})
    try:
        spent = [null.function(budgets.HARNESS_KERNEL).run(args, detect_changes=False).cpu_seconds
                 for _ in range(repeats)]
        real = [reference.function(function).run(args, detect_changes=False).cpu_seconds for _ in range(repeats)]
    finally:
        null.close()
    return float(np.min(spent)), float(np.median(real))


def loop_measurement(func, rule, make_args, name):
    """The loop rule's counts of one version: {"batch": [two sizes], "counts": [two {event: count}],
    "per_element": events added per element, "ok": whether it keeps the rule}."""
    counted = budgets.loop_counts_of(func, rule, make_args, name=name)
    per_element = sum(budgets.loop_growth(counted).values())
    return {"batch": [size for size, _ in counted], "counts": [counts for _, counts in counted],
            "per_element": per_element, "ok": per_element < rule.per_element}


def measure(assignment, kernel):
    """Rows (version, memory used in units, memory verdict, time ratio, time verdict, own s, reference s,
    loop rule's measurement or None) of the reference and the declared versions, and the harness's cost."""
    cells = reference_cells(assignment)
    function, memory_budget, time_budget = kernel.function, kernel.memory, kernel.time
    reference = Sandbox(cells)
    rows = []
    try:
        for label, name, _ in [("reference", None, ()), *kernel.versions]:
            # the reference against itself runs in a worker of its own, as a student's kernel would
            sandbox = Sandbox(cells if name is None else {**cells, function: submission_code(name)})
            try:
                used = None
                if memory_budget is not None:
                    args = kernel.memory_inputs()
                    used = budgets.memory_used(sandbox.function(function), args, memory_budget,
                                               kernel.unit_bytes(args), name=function)[0]
                ratio = own = theirs = loop = None
                if time_budget is not None and time_budget.loop_rule is not None:
                    loop = loop_measurement(sandbox.function(function), time_budget.loop_rule, kernel.arguments,
                                            function)
                if time_budget is not None and (loop is None or loop["ok"]):  # as grading: a loop is not timed
                    ratio, own, theirs = budgets.time_ratio(
                        sandbox.function(function), reference.function(function), kernel.arguments,
                        time_budget.repeats, name=function)
            finally:
                sandbox.close()
            memory_ok = used is None or used <= memory_budget.multiple + memory_budget.tolerance
            time_ok = ratio is None or ratio <= time_budget.ratio
            rows.append((label, used, memory_ok, ratio, time_ok, own, theirs, loop))
        overhead = harness_seconds(reference, function, kernel.arguments) if time_budget is not None else None
    finally:
        reference.close()
    return rows, overhead


def report(title, rows, overhead, memory_budget, time_budget):
    print(f"\n{title}")
    unit = memory_budget.unit_name if memory_budget else "-"
    print(f"  {'version':26s} {'memory (x ' + unit + ')':>14s}  "
          f"{'time ratio':>10s}  {'median ms':>9s}  {'reference ms':>12s}")
    for label, used, memory_ok, ratio, time_ok, own, theirs, loop in rows:
        loop_ok = loop is None or loop["ok"]
        verdict = "passes" if memory_ok and time_ok and loop_ok else "FAILS " + " and ".join(
            w for w, ok in (("memory", memory_ok), ("loop rule", loop_ok), ("time", time_ok)) if not ok)
        memory = f"{used:14.2f}" if used is not None else f"{'(no budget)':>14s}"
        timing = (f"{ratio:10.2f}  {own * 1e3:9.2f}  {theirs * 1e3:12.2f}" if ratio is not None
                  else f"{'(not timed)' if loop_ok is False else '(no budget)':>10s}  {'':9s}  {'':12s}")
        print(f"  {label:26s} {memory}  {timing}   {verdict}")
        if loop is not None:
            print(f"  {'':26s} loop rule: {loop_text(loop)}")
    if overhead is not None:
        spent, real = overhead
        print(f"  harness per timed call: {spent * 1e3:.3f} ms CPU, {100 * spent / real:.1f}% of the reference's "
              f"{real * 1e3:.2f} ms (taken off both times before the ratio)")
    memory_text = (f"memory <= {memory_budget.multiple:g} (+{memory_budget.tolerance:g} tolerance) arrays the size "
                   f"of {memory_budget.unit_name}; " if memory_budget else "no memory budget; ")
    time_text = f"time <= {time_budget.ratio:g} x reference" if time_budget else "no time budget"
    if time_budget and time_budget.loop_rule:
        time_text += (f" and under {time_budget.loop_rule.per_element:g} events per added "
                      f"{time_budget.loop_rule.unit} (loop rule)")
    print(f"  budgets: {memory_text}{time_text}")


def loop_text(loop):
    """The loop rule's counts in one line: lines/calls/arrays at each batch size, and the growth."""
    sizes = "; ".join(f"batch {size}: {counts['lines']}/{counts['calls']}/{counts['arrays']}"
                      for size, counts in zip(loop["batch"], loop["counts"], strict=True))
    return f"lines/calls/arrays {sizes}; {loop['per_element']:.3f} per element"


def selected_kernels(selected):
    """[(assignment, CoreKernel)] of the problem sets named in ``selected`` ("ps08"; none: all)."""
    return [(a, k) for a, k in core_kernels() if not selected or a[:4] in selected]


def run(selected, competing):
    """Measure the selected kernels in this process's setting; returns [(title, rows, overhead, kernel)]."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if competing else None
    results = []
    try:
        for assignment, kernel in selected_kernels(selected):
            rows, overhead = measure(assignment, kernel)
            results.append((kernel_title(assignment, kernel), rows, overhead, kernel))
    finally:
        if hog:
            hog.kill()
            hog.wait()
    return results


def main(selected=()):
    for competing in (False, True):
        setting = "with a competing CPU-bound process" if competing else "alone"
        for title, rows, overhead, kernel in run(selected, competing):
            report(f"{title}, {setting}", rows, overhead, kernel.memory, kernel.time)


# --- the portability table ------------------------------------------------------------------------

def _has_avx512():
    with open("/proc/cpuinfo") as info:
        return " avx512f" in info.read()


def configurations():
    kernels = ["", "Haswell"] + (["SkylakeX"] if _has_avx512() else [])
    return [(kernel, threads, competing) for kernel in kernels for threads in (1, 2) for competing in (False, True)]


def _one_configuration(selected, competing):
    """Run in a child process: print the measurements as JSON."""
    out = []
    for title, rows, overhead, kernel in run(selected, competing):
        memory, time = kernel.memory, kernel.time
        out.append({"title": title, "rows": rows, "overhead": overhead,
                    "memory_limit": memory.multiple + memory.tolerance if memory else None,
                    "time_limit": time.ratio if time else None,
                    "breaks": {label: sorted(breaks) for label, _, breaks in kernel.versions}})
    print(json.dumps(out))


def portability(selected):
    table, loops, failures = {}, {}, []
    for kernel, threads, competing in configurations():
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        if kernel:
            env["OPENBLAS_CORETYPE"] = kernel
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
        args = [sys.executable, __file__, "--one", "--competing" if competing else "--alone", *selected]
        done = subprocess.run(args, env=env, capture_output=True, text=True)
        column = f"{kernel or 'default'}/{threads}t/{'load' if competing else 'alone'}"
        if done.returncode != 0:
            failures.append(f"{column} did not run: {done.stderr.strip().splitlines()[-1]}")
            continue
        for kernel_result in json.loads(done.stdout.splitlines()[-1]):
            for label, used, _, ratio, _, _, _, loop in kernel_result["rows"]:
                cell = table.setdefault((kernel_result["title"].split(",")[0], label), {})
                cell[column] = (used, ratio)
                failures += _margin_failures(kernel_result, label, used, ratio, column, loop)
                if loop is not None:
                    loops.setdefault((kernel_result["title"].split(",")[0], label), {})[column] = loop
            failures += _harness_failures(kernel_result, column)
            spent, real = kernel_result["overhead"] or (None, None)
            if spent is not None:
                cell = table.setdefault((kernel_result["title"].split(",")[0], "harness per call (% of ref)"), {})
                cell[column] = (None, 100 * spent / real)
        print(f"measured {column}", file=sys.stderr)
    columns = [f"{k or 'default'}/{t}t/{'load' if c else 'alone'}" for k, t, c in configurations()]
    print("memory used (named arrays) / time ratio to the reference, per BLAS kernel / grading threads / load")
    print(f"{'kernel':34s} {'version':28s} " + " ".join(f"{c:>22s}" for c in columns))
    for (title, label), cells in table.items():
        values = []
        for column in columns:
            used, ratio = cells.get(column, (None, None))
            memory = "-" if used is None else f"{used:.2f}"
            time_ratio = "-" if ratio is None else f"{ratio:.2f}"
            values.append(f"{memory:>9s} / {time_ratio:>8s}")
        print(f"{title:34s} {label:28s} " + " ".join(f"{v:>22s}" for v in values))
    failures += print_loop_counts(loops)
    print("\nmargins: " + ("all hold" if not failures else "; ".join(failures)))
    return 1 if failures else 0


def print_loop_counts(loops):
    """Print the loop rule's counts of each version (from the first configuration); returns failures:
    counts that differ between configurations."""
    print("\nloop rule: events of one call (lines of the kernel's code / Python calls / arrays made from "
          "the arguments) on the budget inputs and on a batch twice as large")
    failures = []
    for (title, label), by_column in loops.items():
        first_column, first = next(iter(by_column.items()))
        verdict = "keeps the rule" if first["ok"] else "BREAKS the rule"
        print(f"{title:34s} {label:28s} {loop_text(first)}: {verdict}")
        differing = [c for c, loop in by_column.items() if loop["counts"] != first["counts"]]
        if differing:
            failures.append(f"{title} {label} loop counts differ between {first_column} and {', '.join(differing)}")
    return failures


def _margin_failures(result, label, used, ratio, column, loop=None):
    """Where a measurement sits too near its limit for the verdict to be the same on every machine,
    or a loop rule verdict is not the one expected.

    The reference must use at most half of each limit; a version that breaks a budget, at least 1.5
    times the limit; a version that keeps a time budget, at most the limit over 1.5. A version that
    breaks the loop rule fails its time cell whatever its time: its time is not judged.
    """
    breaks = set(result["breaks"].get(label, ()))
    found = []
    if loop is not None and loop["ok"] == ("loop" in breaks):
        found.append(f"{result['title'].split(',')[0]} {label} loop rule {loop['per_element']:.3f} per element "
                     f"({column})")
    for budget, value in (("time", ratio), ("memory", used)):
        limit = result[f"{budget}_limit"]
        if value is None or limit is None or (budget == "time" and "loop" in breaks):
            continue
        if budget in breaks:
            near = value < 1.5 * limit
        elif label == "reference":
            near = value > limit / 2
        else:  # memory repeats to within a few hundredths of a unit; times vary by tens of percent
            near = value > (limit / 1.5 if budget == "time" else limit)
        if near:
            found.append(f"{result['title'].split(',')[0]} {label} {budget} {value:.2f} ({column})")
    return found


HARNESS_SHARE = 0.05  # the harness's own cost per timed call, at most this share of the reference's time


def _harness_failures(result, column):
    spent, real = result["overhead"] or (None, None)
    if spent is None or spent <= HARNESS_SHARE * real:
        return []
    return [f"{result['title'].split(',')[0]} harness {100 * spent / real:.1f}% of the reference ({column})"]


# --- floors: a student's own estimate of the time ratio ------------------------------------------

def floors(selected):
    """In a plain process (as a student's kernel): each time budget's reference over its floor,
    and the ratio a student's run estimates for the reference and for each slow version."""
    print(f"{'kernel':34s} {'version':26s} {'reference/floor':>15s} {'estimated ratio':>16s}")
    for assignment, kernel in selected_kernels(selected):
        function, time_budget = kernel.function, kernel.time
        if time_budget is None or time_budget.floor is None:
            continue
        namespace = answer_namespace(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
        for label, name, _ in [("reference", None, ()), *kernel.versions]:
            space = dict(namespace)
            if name is not None:
                exec(submission_code(name), space)
            estimates = [budgets.estimated_ratio(space[function], time_budget, kernel.arguments, name=function)
                         for _ in range(3)]
            estimate = float(np.median([e[0] for e in estimates]))
            raw = estimate * time_budget.reference_over_floor
            print(f"{kernel_title(assignment, kernel).split(',')[0]:34s} {label:26s} {raw:15.2f} {estimate:16.2f}")


if __name__ == "__main__":
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    chosen = [a for a in sys.argv[1:] if not a.startswith("--")]
    # The budget inputs derive from a course secret; any secret calibrates the same sizes.
    with using_secret(find_secret(ROOT) or secrets.token_hex(32)):
        if "--one" in flags:
            _one_configuration(chosen, "--competing" in flags)
        elif "--floors" in flags:
            floors(chosen)
        elif "--portability" in flags:
            sys.exit(portability(chosen))
        else:
            main(chosen)
