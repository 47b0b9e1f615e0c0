"""Calibrate and check the budgets of the core kernels, in the grading sandbox.

    python scripts/benchmark_budgets.py                # every kernel, this machine's setting
    python scripts/benchmark_budgets.py ps08 ps09      # only the kernels of these problem sets
    python scripts/benchmark_budgets.py --portability  # the portability table (below)
    python scripts/benchmark_budgets.py --floors       # the reference over its floor, as a student's run uses

For each kernel it grades the reference and the known slow or unfused versions
as the grader does (memory in a fresh worker, time as the ratio of CPU times
to the reference, interleaved), and the harness's own cost per timed call (a
kernel that returns ready-made outputs), as a fraction of the reference's time.

--portability repeats this in fresh processes for every combination of the BLAS
kernel (OPENBLAS_CORETYPE unset, Haswell, SkylakeX where the CPU has AVX-512),
the grading process's BLAS threads (1 and 2) and load (alone, and beside a
CPU-bound process), and prints one table: the reference must stay at or below
half of each limit, each version that breaks a budget at or above 1.5 times
its limit, each version that keeps a time budget at or below its limit over
1.5, and the harness's own cost at or below 5% of the reference's time.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import numpy as np

from autograder import budgets
from autograder.assignments import ps02_linear_layers as ps02
from autograder.assignments import ps03_softmax_cross_entropy as ps03
from autograder.assignments import ps04_feedforward_networks as ps04
from autograder.assignments import ps06_nonlinear_least_squares as ps06
from autograder.assignments import ps07_word_embeddings as ps07
from autograder.assignments import ps08_matrix_factorization as ps08
from autograder.assignments import ps09_weighted_factorization as ps09
from autograder.assignments import using_secret
from autograder.notebooks import answer_cells, answer_namespace
from autograder.notebooks import load as load_notebook
from autograder.sandbox.remote import Sandbox
from autograder.secret import find_secret

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from submissions import WRONG_SUBMISSIONS  # noqa: E402 (the slow versions the tests grade)


def wrong_submission(name):
    """The code of one of the test suite's wrong submissions (tests/submissions.py)."""
    (answers,) = [w.answers for w in WRONG_SUBMISSIONS if w.name == name]
    (code,) = answers.values()
    return code


DENSE_TANH_VERSIONS = {
    "loop over the batch": wrong_submission("dense_tanh_python_loop"),
    "unfused temporaries": wrong_submission("dense_tanh_unfused"),
}
SOFTMAX_CROSS_ENTROPY_VERSIONS = {
    "loop over the examples": wrong_submission("fused_loop_over_examples"),
    "unfused temporaries": wrong_submission("fused_unfused_temporaries"),
}
LABELS_VERSIONS = {
    "loop over the examples": wrong_submission("labels_loop_over_examples"),
    "dense one-hot targets": wrong_submission("labels_build_one_hot"),
}
MLP_VERSIONS = {"loop over the examples": wrong_submission("mlp_loop_over_examples")}
TANH_VERSIONS = {"unfused temporaries": wrong_submission("tanh_unfused_temporaries")}
SGNS_VERSIONS = {"loop over the batch": wrong_submission("sgns_loop_over_the_batch")}
SPARSE_MF_VERSIONS = {
    "dense n x m array": wrong_submission("sparse_forms_dense_P"),
    "nnz x d gathers": wrong_submission("sparse_gathers_nnz_by_d"),
    "one-shot np.add.at": wrong_submission("sparse_add_at_nnz_by_d"),
}
ROW_GRAD_VERSIONS = {"row of the whole gradient": wrong_submission("row_grad_from_the_whole_gradient")}
IMPLICIT_VERSIONS = {"dense solve per user": wrong_submission("implicit_dense_solve_per_user")}

# Which budget each version is known to break ("memory", "time" or both); the reference breaks none.
BREAKS = {
    "loop over the batch": {"time"}, "loop over the examples": {"time"}, "unfused temporaries": {"memory"},
    "dense one-hot targets": {"memory"}, "dense n x m array": {"memory", "time"}, "nnz x d gathers": {"memory"},
    "one-shot np.add.at": {"memory"}, "row of the whole gradient": {"memory"}, "dense solve per user": {"time"},
}
# (title, assignment, function, versions, make_args, memory budget, time budget, the named array's bytes)
KERNELS = [
    ("ps02 dense_tanh_backward, t, n, m = " + ", ".join(map(str, ps02.BUDGET_SIZES)),
     "ps02_linear_layers", "dense_tanh_backward", DENSE_TANH_VERSIONS, ps02.dense_tanh_budget_arguments,
     ps02.DENSE_TANH_MEMORY, ps02.DENSE_TANH_TIME, lambda: ps02.dense_tanh_budget_arguments(0)[3].nbytes),
    ("ps03 softmax_cross_entropy, S, C = " + ", ".join(map(str, ps03.BUDGET_SHAPE)),
     "ps03_softmax_cross_entropy", "softmax_cross_entropy", SOFTMAX_CROSS_ENTROPY_VERSIONS,
     ps03.fused_budget_arguments, ps03.FUSED_MEMORY, ps03.FUSED_TIME,
     lambda: ps03.fused_budget_arguments(0)[0].nbytes),
    ("ps03 softmax_cross_entropy_labels, S, C = " + ", ".join(map(str, ps03.BUDGET_SHAPE)),
     "ps03_softmax_cross_entropy", "softmax_cross_entropy_labels", LABELS_VERSIONS,
     ps03.labels_budget_arguments, ps03.FUSED_MEMORY, ps03.LABELS_TIME,
     lambda: ps03.labels_budget_arguments(0)[0].nbytes),
    ("ps04 mlp_loss_and_grad, layers " + "-".join(map(str, ps04.BUDGET_LAYERS)) + f", batch {ps04.BUDGET_BATCH}",
     "ps04_feedforward_networks", "mlp_loss_and_grad", MLP_VERSIONS, ps04.mlp_budget_arguments,
     None, ps04.MLP_TIME, lambda: 1),
    ("ps06 tanh_least_squares, m, n, p = " + ", ".join(map(str, ps06.BUDGET_SIZES)),
     "ps06_nonlinear_least_squares", "tanh_least_squares", TANH_VERSIONS, ps06.budget_arguments,
     ps06.TANH_MEMORY, None, lambda: ps06.budget_arguments(0)[2].nbytes),
    ("ps07 sgns_loss_and_grad, V, d, N, K = " + ", ".join(map(str, ps07.BUDGET_SHAPE)),
     "ps07_word_embeddings", "sgns_loss_and_grad", SGNS_VERSIONS, ps07.sgns_budget_arguments,
     None, ps07.SGNS_TIME, lambda: 1),
    ("ps08 mf_loss_and_grad_sparse (memory), n, m, d = " + ", ".join(map(str, ps08.MEMORY_SIZES))
     + f", {ps08.BUDGET_PER_ROW} nonzeros per row",
     "ps08_matrix_factorization", "mf_loss_and_grad_sparse", SPARSE_MF_VERSIONS,
     lambda round_: ps08.sparse_budget_arguments(round_, ps08.MEMORY_SIZES), ps08.SPARSE_MEMORY, None,
     lambda: ps08.sparse_budget_unit_bytes(ps08.sparse_budget_arguments(0, ps08.MEMORY_SIZES))),
    ("ps08 mf_loss_and_grad_sparse (time), n, m, d = " + ", ".join(map(str, ps08.TIME_SIZES))
     + f", {ps08.BUDGET_PER_ROW} nonzeros per row",
     "ps08_matrix_factorization", "mf_loss_and_grad_sparse", SPARSE_MF_VERSIONS, ps08.sparse_budget_arguments,
     None, ps08.SPARSE_TIME, lambda: 1),
    ("ps09 wmf_row_grad, m, n, d = " + ", ".join(map(str, ps09.ROW_BUDGET_SIZES)),
     "ps09_weighted_factorization", "wmf_row_grad", ROW_GRAD_VERSIONS, lambda round_: ps09.row_budget_arguments(),
     ps09.ROW_MEMORY, None, lambda: ps09.row_budget_arguments()[0].nbytes),
    ("ps09 implicit_als_update, m, n, d = " + ", ".join(map(str, ps09.IMPLICIT_BUDGET_SIZES[:3]))
     + f", {ps09.IMPLICIT_BUDGET_SIZES[3]} observations per user",
     "ps09_weighted_factorization", "implicit_als_update", IMPLICIT_VERSIONS, ps09.implicit_budget_arguments,
     None, ps09.IMPLICIT_TIME, lambda: 1),
]

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


def measure(assignment, function, versions, make_args, memory_budget, time_budget, unit_bytes):
    """Rows (version, memory used in units, memory verdict, time ratio, time verdict, own s, reference s)."""
    cells = reference_cells(assignment)
    reference = Sandbox(cells)
    rows = []
    try:
        for label, code in [("reference", None), *versions.items()]:
            # the reference against itself runs in a worker of its own, as a student's kernel would
            sandbox = Sandbox(cells if code is None else {**cells, function: code})
            try:
                used = None
                if memory_budget is not None:
                    args = make_args(0)
                    used = budgets.memory_used(sandbox.function(function), args, memory_budget, unit_bytes,
                                               name=function)[0]
                ratio = own = theirs = None
                if time_budget is not None:
                    ratio, own, theirs = budgets.time_ratio(
                        sandbox.function(function), reference.function(function), make_args,
                        time_budget.repeats, name=function)
            finally:
                sandbox.close()
            memory_ok = used is None or used <= memory_budget.multiple + memory_budget.tolerance
            time_ok = ratio is None or ratio <= time_budget.ratio
            rows.append((label, used, memory_ok, ratio, time_ok, own, theirs))
        overhead = harness_seconds(reference, function, make_args) if time_budget is not None else None
    finally:
        reference.close()
    return rows, overhead


def report(title, rows, overhead, memory_budget, time_budget):
    print(f"\n{title}")
    unit = memory_budget.unit_name if memory_budget else "-"
    print(f"  {'version':26s} {'memory (x ' + unit + ')':>14s}  "
          f"{'time ratio':>10s}  {'median ms':>9s}  {'reference ms':>12s}")
    for label, used, memory_ok, ratio, time_ok, own, theirs in rows:
        verdict = "passes" if memory_ok and time_ok else "FAILS " + " and ".join(
            w for w, ok in (("memory", memory_ok), ("time", time_ok)) if not ok)
        memory = f"{used:14.2f}" if used is not None else f"{'(no budget)':>14s}"
        timing = (f"{ratio:10.2f}  {own * 1e3:9.2f}  {theirs * 1e3:12.2f}" if ratio is not None
                  else f"{'(no budget)':>10s}  {'':9s}  {'':12s}")
        print(f"  {label:26s} {memory}  {timing}   {verdict}")
    if overhead is not None:
        spent, real = overhead
        print(f"  harness per timed call: {spent * 1e3:.3f} ms CPU, {100 * spent / real:.1f}% of the reference's "
              f"{real * 1e3:.2f} ms (taken off both times before the ratio)")
    memory_text = (f"memory <= {memory_budget.multiple:g} (+{memory_budget.tolerance:g} tolerance) arrays the size "
                   f"of {memory_budget.unit_name}; " if memory_budget else "no memory budget; ")
    time_text = f"time <= {time_budget.ratio:g} x reference" if time_budget else "no time budget"
    print(f"  budgets: {memory_text}{time_text}")


def selected_kernels(selected):
    return [k for k in KERNELS if not selected or k[0].split()[0] in selected]


def run(selected, competing):
    """Measure the selected kernels in this process's setting; returns [(title, rows, overhead, budgets)]."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if competing else None
    results = []
    try:
        for title, assignment, function, versions, make_args, memory, time, unit in selected_kernels(selected):
            rows, overhead = measure(assignment, function, versions, make_args, memory, time, unit())
            results.append((title, rows, overhead, memory, time))
    finally:
        if hog:
            hog.kill()
            hog.wait()
    return results


def main(selected=()):
    for competing in (False, True):
        setting = "with a competing CPU-bound process" if competing else "alone"
        for title, rows, overhead, memory, time in run(selected, competing):
            report(f"{title}, {setting}", rows, overhead, memory, time)


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
    for title, rows, overhead, memory, time in run(selected, competing):
        out.append({"title": title, "rows": rows, "overhead": overhead,
                    "memory_limit": memory.multiple + memory.tolerance if memory else None,
                    "time_limit": time.ratio if time else None})
    print(json.dumps(out))


def portability(selected):
    table, failures = {}, []
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
            for label, used, _, ratio, _, _, _ in kernel_result["rows"]:
                cell = table.setdefault((kernel_result["title"].split(",")[0], label), {})
                cell[column] = (used, ratio)
                failures += _margin_failures(kernel_result, label, used, ratio, column)
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
    print("\nmargins: " + ("all hold" if not failures else "; ".join(failures)))
    return 1 if failures else 0


def _margin_failures(result, label, used, ratio, column):
    """Where a measurement sits too near its limit for the verdict to be the same on every machine.

    The reference must use at most half of each limit; a version that breaks a budget, at least 1.5
    times the limit; a version that keeps a time budget, at most the limit over 1.5.
    """
    breaks = set() if label == "reference" else BREAKS.get(label, set())
    found = []
    for budget, value in (("time", ratio), ("memory", used)):
        limit = result[f"{budget}_limit"]
        if value is None or limit is None:
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
    for title, assignment, function, versions, make_args, _, time_budget, _ in selected_kernels(selected):
        if time_budget is None or time_budget.floor is None:
            continue
        namespace = answer_namespace(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
        for label, code in [("reference", None), *versions.items()]:
            space = dict(namespace)
            if code is not None:
                exec(code, space)
            estimates = [budgets.estimated_ratio(space[function], time_budget, make_args, name=function)
                         for _ in range(3)]
            estimate = float(np.median([e[0] for e in estimates]))
            raw = estimate * time_budget.reference_over_floor
            print(f"{title.split(',')[0]:34s} {label:26s} {raw:15.2f} {estimate:16.2f}")


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
