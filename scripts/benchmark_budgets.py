"""Calibrate the budgets of the core kernels: measure, in the grading sandbox,
the reference kernel and typical slow versions against their budgets, alone
and with a competing CPU-bound process on the machine.

    python scripts/benchmark_budgets.py            # every kernel
    python scripts/benchmark_budgets.py ps08 ps09  # only the kernels of these problem sets

Prints, per kernel and version: the memory used beyond the outputs (in arrays
of the named size) and the time ratio to the reference, each against its budget.
"""

import subprocess
import sys
from pathlib import Path

from autograder import budgets
from autograder.assignments import ps02_linear_layers as ps02
from autograder.assignments import ps03_softmax_cross_entropy as ps03
from autograder.assignments import ps04_feedforward_networks as ps04
from autograder.assignments import ps06_nonlinear_least_squares as ps06
from autograder.assignments import ps07_word_embeddings as ps07
from autograder.assignments import ps08_matrix_factorization as ps08
from autograder.assignments import ps09_weighted_factorization as ps09
from autograder.notebooks import answer_cells
from autograder.notebooks import load as load_notebook
from autograder.sandbox.remote import Sandbox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from submissions import WRONG_SUBMISSIONS  # noqa: E402 (the slow versions the tests grade)

SOFTMAX_CROSS_ENTROPY_VERSIONS = {
    "loop over the examples": '''
def softmax_cross_entropy(A, T):
    S = A.shape[0]
    dA = np.empty_like(A)
    loss = 0.0
    for s in range(S):
        shifted = A[s] - A[s].max()
        exps = np.exp(shifted)
        total = exps.sum()
        loss -= T[s] @ (shifted - np.log(total))
        dA[s] = exps / total - T[s]
    dA /= S
    return loss / S, dA
''',
    "unfused temporaries": '''
def softmax_cross_entropy(A, T):
    shifted = A - A.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -np.sum(T * log_probs) / A.shape[0]
    return float(loss), (np.exp(log_probs) - T) / A.shape[0]
''',
}




def wrong_submission(name):
    """The code of one of the test suite's wrong submissions (tests/submissions.py)."""
    (answers,) = [w.answers for w in WRONG_SUBMISSIONS if w.name == name]
    (code,) = answers.values()
    return code


DENSE_TANH_VERSIONS = {
    "loop over the batch": wrong_submission("dense_tanh_python_loop"),
    "unfused temporaries": wrong_submission("dense_tanh_unfused"),
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
    "one-shot np.add.at": '''
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    PV, PtU = np.zeros_like(U), np.zeros_like(V)
    np.add.at(PV, rows, vals[:, None] * V[cols])
    np.add.at(PtU, cols, vals[:, None] * U[rows])
    UtU, VtV = U.T @ U, V.T @ V
    f = vals @ vals - 2 * np.sum(U * PV) + np.sum(UtU * VtV) + lam * (np.sum(U * U) + np.sum(V * V))
    return float(f), -2 * PV + 2 * U @ VtV + 2 * lam * U, -2 * PtU + 2 * V @ UtU + 2 * lam * V
''',
}
ROW_GRAD_VERSIONS = {"row of the whole gradient": wrong_submission("row_grad_from_the_whole_gradient")}
IMPLICIT_VERSIONS = {"dense solve per user": wrong_submission("implicit_dense_solve_per_user")}

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
     ps03.labels_budget_arguments, ps03.FUSED_MEMORY, ps03.FUSED_TIME,
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


def measure(assignment, function, versions, make_args, memory_budget, time_budget, unit_bytes):
    cells = reference_cells(assignment)
    reference = Sandbox(assignment, cells)
    rows = []
    try:
        for label, code in [("reference", None), *versions.items()]:
            sandbox = reference if code is None else Sandbox(assignment, {**cells, function: code})
            try:
                used = None
                if memory_budget is not None:
                    args = make_args(0)
                    value, traced, resident = sandbox.measure_memory(function, args)
                    used = (max(traced, resident) - budgets._nbytes(value)) / unit_bytes
                ratio = own = theirs = None
                if time_budget is not None:
                    ratio, own, theirs = budgets.time_ratio(
                        sandbox.function(function), reference.function(function), make_args,
                        time_budget.repeats, name=function)
            finally:
                if sandbox is not reference:
                    sandbox.close()
            memory_ok = used is None or used <= memory_budget.multiple + memory_budget.tolerance
            time_ok = ratio is None or ratio <= time_budget.ratio
            rows.append((label, used, memory_ok, ratio, time_ok, own, theirs))
    finally:
        reference.close()
    return rows


def report(title, rows, memory_budget, time_budget):
    print(f"\n{title}")
    unit = memory_budget.unit_name if memory_budget else "-"
    print(f"  {'version':24s} {'memory (x ' + unit + ')':>14s}  "
          f"{'time ratio':>10s}  {'median ms':>9s}  {'reference ms':>12s}")
    for label, used, memory_ok, ratio, time_ok, own, theirs in rows:
        verdict = "passes" if memory_ok and time_ok else "FAILS " + " and ".join(
            w for w, ok in (("memory", memory_ok), ("time", time_ok)) if not ok)
        memory = f"{used:14.2f}" if used is not None else f"{'(no budget)':>14s}"
        timing = (f"{ratio:10.2f}  {own * 1e3:9.1f}  {theirs * 1e3:12.1f}" if ratio is not None
                  else f"{'(no budget)':>10s}  {'':9s}  {'':12s}")
        print(f"  {label:24s} {memory}  {timing}   {verdict}")
    memory_text = (f"memory <= {memory_budget.multiple:g} (+{memory_budget.tolerance:g} tolerance) arrays the size "
                   f"of {memory_budget.unit_name}; " if memory_budget else "no memory budget; ")
    time_text = f"time <= {time_budget.ratio:g} x reference" if time_budget else "no time budget"
    print(f"  budgets: {memory_text}{time_text}")


def main(selected=()):
    kernels = [k for k in KERNELS if not selected or k[0].split()[0] in selected]
    for competing in (False, True):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if competing else None
        setting = "with a competing CPU-bound process" if competing else "alone"
        try:
            for title, assignment, function, versions, make_args, memory, time, unit in kernels:
                rows = measure(assignment, function, versions, make_args, memory, time, unit())
                report(f"{title}, {setting}", rows, memory, time)
        finally:
            if hog:
                hog.kill()
                hog.wait()


if __name__ == "__main__":
    main(sys.argv[1:])
