"""Graded checks of ps08_matrix_factorization (one function per test cell).

P in R^{n x m}, U in R^{n x d}, V in R^{m x d}; R = P - U V^T and
f = ||R||_F^2 + lam (||U||_F^2 + ||V||_F^2). The sparse kernel receives P as
its nonzeros (rows, cols, vals) and its shape (n, m). The symmetric
factorization has P in R^{n x n}, B in R^{d x k} and f = ||P - U B B^T U^T||_F^2.
"""

import numpy as np

from autograder import budgets, checks
from autograder.assignments import budget_checks, budget_rng, rngs

SMALL, LARGE = (6, 5, 3), (40, 30, 6)  # n, m, d
LAM = 0.37


def _frob2(A):
    return float(np.sum(A * A))


def mf_objective(P, U, V, lam=0.0, a=None, b=None):
    """Trusted loss, written directly from the problem statement (biases optional)."""
    prediction = U @ V.T
    if a is not None:
        prediction = prediction + a[:, None] + b[None, :]
    return _frob2(P - prediction) + lam * (_frob2(U) + _frob2(V))


def _factors(rng, n, m, d):
    return 0.5 * rng.standard_normal((n, d)), 0.5 * rng.standard_normal((m, d))


def _dense_problem(rng, sizes):
    n, m, d = sizes
    return (rng.standard_normal((n, m)), *_factors(rng, n, m, d))


def _sparse_problem(rng, sizes, per_row):
    """Distinct (row, col) pairs in random order; the last row and column stay empty."""
    n, m, d = sizes
    positions = rng.choice((n - 1) * (m - 1), size=per_row * (n - 1), replace=False)
    rows, cols = np.divmod(positions, m - 1)
    vals = rng.standard_normal(positions.size)
    return (rows, cols, vals, (n, m), *_factors(rng, n, m, d))


def _dense(rows, cols, vals, shape):
    P = np.zeros(shape)
    P[rows, cols] = vals
    return P


def _check_mf_gradients(student, args, P, lam, *, label, rng, small, func_name, known_mistakes=None):
    """dU and dV returned by ``student(*args)`` against central differences of the trusted loss."""
    value = checks.call(student, *args).value
    _, dU, dV = checks.unpack(value, ("f", "dU", "dV"), func_name=func_name)
    U, V = args[-3], args[-2]
    checks.check_gradients(lambda U_, V_: mf_objective(P, U_, V_, lam), (U, V), (dU, dV), ("dU", "dV"),
                           label=label, rng=None if small else rng, known_mistakes=known_mistakes)


# --- the dense loss -----------------------------------------------------------------------

def _dense_mistakes(P, U, V, lam):
    R = P - U @ V.T
    mistakes = {"dU": {}, "dV": {}}
    if lam:
        mistakes["dU"]["the ridge term differentiated as lam * U instead of 2 * lam * U"] = -2 * R @ V + lam * U
        mistakes["dV"]["the ridge term differentiated as lam * V instead of 2 * lam * V"] = -2 * R.T @ U + lam * V
        mistakes["dU"]["2 (P V - U V^T V) + 2 lam U: the data term has the wrong sign"] = 2 * R @ V + 2 * lam * U
        mistakes["dV"]["2 (P^T U - V U^T U) + 2 lam V: the data term has the wrong sign"] = 2 * R.T @ U + 2 * lam * V
        for name, point, data in (("dU", U, -2 * R @ V), ("dV", V, -2 * R.T @ U)):
            mistakes[name]["no ridge term: the gradient of lam ||X||^2 is 2 lam X"] = data
            mistakes[name]["the ridge term doubled: the gradient of lam ||X||^2 is 2 lam X"] = data + 4 * lam * point
    for name, point, data in (("dU", U, -R @ V), ("dV", V, -R.T @ U)):
        mistakes[name]["the data term without its 2: the gradient of ||R||^2 is -2 R V (and -2 R^T U)"] = (
            data + 2 * lam * point)
    return mistakes


def _dense_loss_mistakes(P, U, V, lam):
    """{description: the f it gives} of the catalogue's mistakes in f."""
    data, ridge = mf_objective(P, U, V), mf_objective(P, U, V, lam) - mf_objective(P, U, V)
    found = {"a 1/2 on the data term: f = ||P - U V^T||^2 (no 1/2) + lam (||U||^2 + ||V||^2)": 0.5 * data + ridge,
             "a mean over the n*m entries instead of the sum: f = ||P - U V^T||^2 + ...": data / P.size + ridge}
    if lam:
        found["the ridge term is missing"] = data
        found["the ridge term on U only"] = data + lam * _frob2(U)
    return found


def _check_dense(student, case, lam):
    for rng in rngs(case):
        for sizes in (SMALL, LARGE):
            P, U, V = _dense_problem(rng, sizes)
            label = f"mf_loss_and_grad(P, U, V, lam={lam}) with n, m, d = {sizes}"
            _check_mf_gradients(student, (P, U, V, lam), P, lam, label=label, rng=rng, small=sizes == SMALL,
                                func_name="mf_loss_and_grad", known_mistakes=_dense_mistakes(P, U, V, lam))


def mf_loss_and_grad_value(mf_loss_and_grad, case="hidden"):
    """f = ||P - U V^T||^2 + lam (||U||^2 + ||V||^2), with and without the ridge term."""
    for rng in rngs(case):
        for lam in (0.0, LAM):
            P, U, V = _dense_problem(rng, SMALL)
            value = checks.call(mf_loss_and_grad, P, U, V, lam).value
            f, _, _ = checks.unpack(value, ("f", "dU", "dV"), func_name="mf_loss_and_grad")
            checks.check_scalar(f, mf_objective(P, U, V, lam), name=f"f returned by mf_loss_and_grad (lam={lam})",
                                known_mistakes=_dense_loss_mistakes(P, U, V, lam))


def mf_loss_and_grad_gradient(mf_loss_and_grad, case="hidden"):
    """dU = -2 R V and dV = -2 R^T U (lam = 0), against central differences and the Taylor test."""
    _check_dense(mf_loss_and_grad, case, 0.0)


def mf_loss_and_grad_ridge(mf_loss_and_grad, case="hidden"):
    """The ridge term adds 2 lam U and 2 lam V."""
    _check_dense(mf_loss_and_grad, case, LAM)


def mf_loss_and_grad_inputs_unchanged(mf_loss_and_grad, case="hidden"):
    """P, U and V are left exactly as they were."""
    for rng in rngs(case):
        P, U, V = _dense_problem(rng, LARGE)
        checks.check_inputs_unchanged(mf_loss_and_grad, (P, U, V, LAM), ("P", "U", "V", "lam"),
                                      name="mf_loss_and_grad")


# --- the sparse kernel --------------------------------------------------------------------

DROPPED = ("repeated indices were dropped: PV[rows] += ... keeps one contribution per row, but a row of P "
           "has several nonzeros (use np.bincount or np.add.at, which add them all up)")


def _dropping_duplicates(rows, cols, vals, shape, U, V, lam):
    """The gradients computed with out[idx] += g, which keeps one contribution per index."""
    PV, PtU = np.zeros_like(U), np.zeros_like(V)
    PV[rows] += vals[:, None] * V[cols]
    PtU[cols] += vals[:, None] * U[rows]
    return (-2 * PV + 2 * U @ (V.T @ V) + 2 * lam * U, -2 * PtU + 2 * V @ (U.T @ U) + 2 * lam * V)


SPARSE_SIZES = ((SMALL, 3), (LARGE, 8))  # (n, m, d) and nonzeros per row


def mf_loss_and_grad_sparse_value(mf_loss_and_grad_sparse, case="hidden"):
    """The same f as the dense loss, from the nonzeros."""
    for rng in rngs(case):
        for sizes, per_row in SPARSE_SIZES:
            for lam in (0.0, LAM):
                args = _sparse_problem(rng, sizes, per_row)
                value = checks.call(mf_loss_and_grad_sparse, *args, lam).value
                f, _, _ = checks.unpack(value, ("f", "dU", "dV"), func_name="mf_loss_and_grad_sparse")
                P = _dense(*args[:4])
                checks.check_scalar(f, mf_objective(P, *args[4:], lam),
                                    name=f"f returned by mf_loss_and_grad_sparse (n, m, d = {sizes}, lam={lam})")


def mf_loss_and_grad_sparse_gradient(mf_loss_and_grad_sparse, case="hidden"):
    """dU and dV, with several nonzeros per row and column and an empty row and column."""
    for rng in rngs(case):
        for sizes, per_row in SPARSE_SIZES:
            args = _sparse_problem(rng, sizes, per_row) + (LAM,)
            dropped_U, dropped_V = _dropping_duplicates(*args)
            _check_mf_gradients(
                mf_loss_and_grad_sparse, args, _dense(*args[:4]), LAM,
                label=f"mf_loss_and_grad_sparse with n, m, d = {sizes} and {per_row} nonzeros per row",
                rng=rng, small=sizes == SMALL, func_name="mf_loss_and_grad_sparse",
                known_mistakes={"dU": {DROPPED: dropped_U}, "dV": {DROPPED: dropped_V}},
            )


def mf_loss_and_grad_sparse_inputs_unchanged(mf_loss_and_grad_sparse, case="hidden"):
    """rows, cols, vals, U and V are left exactly as they were."""
    for rng in rngs(case):
        args = _sparse_problem(rng, LARGE, 8) + (LAM,)
        checks.check_inputs_unchanged(mf_loss_and_grad_sparse, args,
                                      ("rows", "cols", "vals", "shape", "U", "V", "lam"),
                                      name="mf_loss_and_grad_sparse")


# Budgets, calibrated with scripts/benchmark_budgets.py. Memory is measured on
# a problem where one dense n x m array is 27 times the data (U, V and vals);
# time on a larger one, where the dense kernel is many times slower. (Memory on
# the larger problem would make a dense kernel's first call page in 1.5 GB.)
MEMORY_SIZES, TIME_SIZES, BUDGET_PER_ROW = (3000, 2000, 32), (9000, 7000, 32), 20  # n, m, d; nonzeros per row


def sparse_floor(rows, cols, vals, shape, U, V, lam=0.0):
    """The work no mf_loss_and_grad_sparse avoids: the Gram matrices, their products with
    U and V, and one pass over the nonzeros."""
    UtU, VtV = U.T @ U, V.T @ V
    return U @ VtV, V @ UtU, np.bincount(rows, vals, shape[0])


def sparse_budget_arguments(round_, sizes=TIME_SIZES):
    return _sparse_problem(budget_rng("ps08_sparse", round_), sizes, BUDGET_PER_ROW) + (LAM,)


def sparse_loop_arguments(round_, scale=1):
    """The memory budget's problem with ``scale`` times as many rows (and so nonzeros): the loop rule's
    inputs (the time budget's, doubled, would make a dense kernel hold gigabytes)."""
    n, m, d = MEMORY_SIZES
    return sparse_budget_arguments(round_, (round(scale * n), m, d))


def sparse_budget_unit_bytes(args):
    """Bytes of the data U, V and vals among the kernel's arguments."""
    _, _, vals, _, U, V, _ = args
    return U.nbytes + V.nbytes + vals.nbytes


SPARSE = budgets.CoreKernel(
    "mf_loss_and_grad_sparse", "n, m, d = " + ", ".join(map(str, TIME_SIZES)) + " (time), "
    + ", ".join(map(str, MEMORY_SIZES)) + f" (memory, loop rule), {BUDGET_PER_ROW} nonzeros per row",
    sparse_budget_arguments,
    memory=budgets.MemoryBudget(multiple=3.0, unit_name="the data U, V and vals ((n + m) d + nnz numbers)",
                                outputs=lambda args: ((), args[4].shape, args[5].shape)),
    # reference_over_floor: measured with scripts/benchmark_budgets.py --floors
    time=budgets.TimeBudget(ratio=10.0, floor=sparse_floor, reference_over_floor=14.0,
                            loop_rule=budgets.LoopRule(lambda args: len(args[0]), "nonzero",
                                                       arguments=sparse_loop_arguments)),
    memory_arguments=lambda round_: sparse_budget_arguments(round_, MEMORY_SIZES),
    unit_bytes=sparse_budget_unit_bytes,
    memory_advice="Never form an n x m array, nor an nnz x d one (V[cols] gathers nnz rows of d numbers): build "
                  "P V and P^T U one column at a time with np.bincount (or np.add.at on one column), and take the "
                  "rest from the Gram matrices U^T U and V^T V.",
    time_advice="Use the Gram trick: f, dU and dV need only P V and P^T U, accumulated over the nonzeros with "
                "np.bincount (no Python loop), and the d x d matrices U^T U and V^T V; never an n x m array.",
    memory_doc="Memory O((n + m) d + nnz): no n x m array and no nnz x d array.",
    time_doc="No Python loop over the nonzeros, and within the time budget of the reference kernel (the Gram "
             "trick).",
    versions=(("dense n x m array", "sparse_forms_dense_P", {"memory", "time"}),
              ("nnz x d gathers", "sparse_gathers_nnz_by_d", {"memory"}),
              ("one-shot np.add.at", "sparse_add_at_nnz_by_d", {"memory"}),
              ("loop over the nonzeros", "sparse_loop_over_nonzeros", {"loop"})),
)
mf_loss_and_grad_sparse_memory_budget, mf_loss_and_grad_sparse_time_budget = budget_checks(SPARSE)


# --- symmetric factorization --------------------------------------------------------------

SYMMETRIC_SIZES = ((5, 3, 3), (6, 3, 2))  # n, d, k: B square, then rectangular


def symmetric_objective(P, U, B):
    return _frob2(P - U @ B @ B.T @ U.T)


def _symmetric_problem(rng, n, d, k):
    return rng.standard_normal((n, n)), 0.7 * rng.standard_normal((n, d)), 0.7 * rng.standard_normal((d, k))


def _symmetric_mistakes(P, U, B):
    C = B @ B.T
    R = P - U @ C @ U.T
    d = U.shape[1]
    two_R = "2 R instead of R + R^T: that is right only for a symmetric P, and this P is not symmetric"
    mistakes = {"dU": {two_R: -4 * R @ U @ C}, "dB": {two_R: -4 * U.T @ R @ U @ B}}
    if d <= U.shape[0]:
        mistakes["dU"]["the source's unfinished formula -2 (P_ij - (U C U^T)_ij) (C U^T)_jj, which keeps one "
                       "term of each sum: U_pq appears in a whole row and a whole column of U C U^T"] = (
            -2 * R[:, :d] * np.diag(C @ U.T))
    return mistakes


def _check_symmetric(student, case, which):
    for rng in rngs(case):
        for sizes in SYMMETRIC_SIZES:
            P, U, B = _symmetric_problem(rng, *sizes)
            value = checks.call(student, P, U, B).value
            f, dU, dB = checks.unpack(value, ("f", "dU", "dB"), func_name="symmetric_mf_loss_and_grad")
            label = f"symmetric_mf_loss_and_grad with n, d, k = {sizes} and a P that is not symmetric"
            if which == "value":
                checks.check_scalar(f, symmetric_objective(P, U, B), name=f"f returned by {label}")
                continue
            if which == "dU":
                point, grad, objective = U, dU, lambda U_, P=P, B=B: symmetric_objective(P, U_, B)
            else:
                point, grad, objective = B, dB, lambda B_, P=P, U=U: symmetric_objective(P, U, B_)
            checks.check_gradients(objective, [point], [grad], [which], label=label,
                                   known_mistakes=_symmetric_mistakes(P, U, B))


def symmetric_mf_loss_and_grad_value(symmetric_mf_loss_and_grad, case="hidden"):
    """f = ||P - U B B^T U^T||^2."""
    _check_symmetric(symmetric_mf_loss_and_grad, case, "value")


def symmetric_mf_loss_and_grad_dU(symmetric_mf_loss_and_grad, case="hidden"):
    """dU = -2 (R + R^T) U B B^T, against central differences."""
    _check_symmetric(symmetric_mf_loss_and_grad, case, "dU")


def symmetric_mf_loss_and_grad_dB(symmetric_mf_loss_and_grad, case="hidden"):
    """dB = -2 U^T (R + R^T) U B, against central differences."""
    _check_symmetric(symmetric_mf_loss_and_grad, case, "dB")


# --- transfer: user and item biases -------------------------------------------------------

def biased_mf_loss_and_grad_value(biased_mf_loss_and_grad, case="hidden"):
    """f = ||P - U V^T - a 1^T - 1 b^T||^2 + lam (||U||^2 + ||V||^2)."""
    _check_biased(biased_mf_loss_and_grad, case, "value")


def biased_mf_loss_and_grad_gradients(biased_mf_loss_and_grad, case="hidden"):
    """dU, dV, da and db against central differences."""
    _check_biased(biased_mf_loss_and_grad, case, "gradients")


def _check_biased(student, case, which):
    func_name = "biased_mf_loss_and_grad"
    for rng in rngs(case):
        P, U, V = _dense_problem(rng, SMALL)
        a, b = rng.standard_normal(SMALL[0]), rng.standard_normal(SMALL[1])
        value = checks.call(student, P, U, V, a, b, LAM).value
        f, *grads = checks.unpack(value, ("f", "dU", "dV", "da", "db"), func_name=func_name)
        label = f"{func_name} with n, m, d = {SMALL} and lam={LAM}"
        if which == "value":
            checks.check_scalar(f, mf_objective(P, U, V, LAM, a, b), name=f"f returned by {label}")
            continue
        checks.check_gradients(lambda U_, V_, a_, b_, P=P: mf_objective(P, U_, V_, LAM, a_, b_), (U, V, a, b),
                               grads, ("dU", "dV", "da", "db"), label=label)
