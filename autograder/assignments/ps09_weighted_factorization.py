"""Graded checks of ps09_weighted_factorization (one function per test cell).

Y, C in R^{m x n} (targets and nonnegative weights), W in R^{m x d}, H in R^{n x d};
f = sum_ij C_ij (Y_ij - W_i . H_j)^2 + lam (||W||_F^2 + ||H||_F^2). Implicit
feedback: counts R in R^{m x n} given by their nonzeros, P = 1[R > 0], C = 1 + alpha R.
"""

import numpy as np

from autograder import budgets, checks
from autograder.assignments import budget_checks, budget_rng, rngs

SMALL, LARGE = (6, 5, 3), (30, 40, 6)  # m, n, d
LAM = 0.37


def wmf_objective(Y, C, W, H, lam=0.0, row_lams=None):
    """Trusted loss, written directly from the problem statement."""
    residual = Y - W @ H.T
    if row_lams is None:
        penalty = lam * (np.sum(W * W) + np.sum(H * H))
    else:
        penalty = float(row_lams @ np.sum(W * W, axis=1))
    return float(np.sum(C * residual * residual)) + penalty


def _problem(rng, sizes):
    m, n, d = sizes
    Y = rng.standard_normal((m, n))
    C = rng.uniform(0.0, 3.0, (m, n))
    C[rng.random((m, n)) < 0.3] = 0.0  # missing entries weigh nothing
    return Y, C, 0.5 * rng.standard_normal((m, d)), 0.5 * rng.standard_normal((n, d))


def minimising_W(Y, C, H, row_lams, *, weighted_targets=None):
    """Trusted row-by-row minimiser: solve (H^T diag(C_k) H + lam_k I) w = H^T diag(C_k) Y_k.

    ``weighted_targets`` replaces C * Y on the right-hand side (to build graded
    mistakes). Least squares, so that the systems of mistakes without the ridge
    term may be singular.
    """
    d = H.shape[1]
    targets = C * Y if weighted_targets is None else weighted_targets
    W = np.empty((Y.shape[0], d))
    for k in range(Y.shape[0]):
        system = H.T @ np.diag(C[k]) @ H + row_lams[k] * np.eye(d)
        W[k] = np.linalg.lstsq(system, H.T @ targets[k], rcond=None)[0]
    return W


# --- the loss and its gradients -----------------------------------------------------------

def _wmf_mistakes(Y, C, W, H, lam):
    residual = Y - W @ H.T
    weighted = C * residual
    found = {
        "dW": {"the weights are missing: -2 (Y - W H^T) H, without C": -2 * residual @ H + 2 * lam * W,
               "the ridge term differentiated as lam * W instead of 2 * lam * W": -2 * weighted @ H + lam * W},
        "dH": {"the weights are missing: -2 (Y - W H^T)^T W, without C": -2 * residual.T @ W + 2 * lam * H,
               "the ridge term differentiated as lam * H instead of 2 * lam * H": -2 * weighted.T @ W + lam * H},
    }
    for name, point, data in (("dW", W, -2 * weighted @ H), ("dH", H, -2 * weighted.T @ W)):
        found[name]["no ridge term: the gradient of lam ||X||^2 is 2 lam X"] = data
        found[name]["the weights applied twice: E = C * (Y - W H^T) holds C once"] = (
            -2 * (C * weighted) @ H + 2 * lam * W if name == "dW" else -2 * (C * weighted).T @ W + 2 * lam * H)
        found[name]["the data term without its 2: -2 E H (and -2 E^T W)"] = data / 2 + 2 * lam * point
    return found


def wmf_loss_and_grad_value(wmf_loss_and_grad, case="hidden"):
    """f = sum C (Y - W H^T)^2 + lam (||W||^2 + ||H||^2), with and without the ridge term."""
    for rng in rngs(case):
        for lam in (0.0, LAM):
            Y, C, W, H = _problem(rng, SMALL)
            value = checks.call(wmf_loss_and_grad, Y, C, W, H, lam).value
            f, _, _ = checks.unpack(value, ("f", "dW", "dH"), func_name="wmf_loss_and_grad")
            checks.check_scalar(
                f, wmf_objective(Y, C, W, H, lam), name=f"f returned by wmf_loss_and_grad (lam={lam})",
                known_mistakes={"the weights C are missing": wmf_objective(Y, np.ones_like(C), W, H, lam)})


def wmf_loss_and_grad_gradient(wmf_loss_and_grad, case="hidden"):
    """dW = -2 E H + 2 lam W and dH = -2 E^T W + 2 lam H with E = C * (Y - W H^T)."""
    for rng in rngs(case):
        for sizes in (SMALL, LARGE):
            Y, C, W, H = _problem(rng, sizes)
            value = checks.call(wmf_loss_and_grad, Y, C, W, H, LAM).value
            _, dW, dH = checks.unpack(value, ("f", "dW", "dH"), func_name="wmf_loss_and_grad")
            checks.check_gradients(
                lambda W_, H_, Y=Y, C=C: wmf_objective(Y, C, W_, H_, LAM), (W, H), (dW, dH), ("dW", "dH"),
                label=f"wmf_loss_and_grad with m, n, d = {sizes} and lam={LAM}",
                rng=None if sizes == SMALL else rng, known_mistakes=_wmf_mistakes(Y, C, W, H, LAM))


def wmf_loss_and_grad_inputs_unchanged(wmf_loss_and_grad, case="hidden"):
    """Y, C, W and H are left exactly as they were."""
    for rng in rngs(case):
        checks.check_inputs_unchanged(wmf_loss_and_grad, (*_problem(rng, LARGE), LAM),
                                      ("Y", "C", "W", "H", "lam"), name="wmf_loss_and_grad")


# --- one row of the gradient --------------------------------------------------------------

def wmf_row_grad_values(wmf_row_grad, case="hidden"):
    """The gradient with respect to row k of W, for several k, against central differences."""
    for rng in rngs(case):
        for lam in (0.0, LAM):
            Y, C, W, H = _problem(rng, SMALL)
            for k in (0, 2, SMALL[0] - 1):
                got = checks.call(wmf_row_grad, Y, C, W, H, k, lam).value

                def loss(w, k=k, lam=lam, Y=Y, C=C, W=W, H=H):
                    changed = W.copy()
                    changed[k] = w
                    return wmf_objective(Y, C, changed, H, lam)

                residual = C[k] * (Y[k] - W[k] @ H.T)
                checks.check_gradient_entrywise(
                    loss, W[k], got, name=f"wmf_row_grad(Y, C, W, H, k={k}, lam={lam})",
                    known_mistakes={"the ridge term is missing": -2 * residual @ H} if lam else {},
                )


ROW_BUDGET_SIZES = (3000, 2000, 16)  # m, n, d: Y holds 48 MB


def row_budget_arguments(round_=0):
    return (*_problem(budget_rng("ps09_row", round_), ROW_BUDGET_SIZES), 17, LAM)


ROW_GRAD = budgets.CoreKernel(
    "wmf_row_grad", "m, n, d = " + ", ".join(map(str, ROW_BUDGET_SIZES)), row_budget_arguments,
    memory=budgets.MemoryBudget(multiple=0.0, unit_name="Y (m x n)", outputs=lambda args: args[2].shape[1:]),
    unit_bytes=lambda args: args[0].nbytes,
    memory_advice="Only row k enters: C[k] * (Y[k] - H @ W[k]) has n entries; never form W @ H.T or any other "
                  "m x n array.",
    memory_doc="O(n d) work and memory: no m x n array (only row k of the residual is needed).",
    versions=(("row of the whole gradient", "row_grad_from_the_whole_gradient", {"memory"}),),
)
(wmf_row_grad_memory_budget,) = budget_checks(ROW_GRAD)


# --- weighted alternating least squares ---------------------------------------------------

def _check_update(student, case, *, row_lams, func_name):
    for rng in rngs(case):
        for sizes in (SMALL, LARGE):
            Y, C, _, H = _problem(rng, sizes)
            lams = rng.uniform(0.1, 2.0, sizes[0]) if row_lams else np.full(sizes[0], LAM)
            got = checks.call(student, Y, C, H, lams if row_lams else LAM).value
            want = minimising_W(Y, C, H, lams)
            mistakes = {
                "the minimiser without the weights C (plain ALS)": minimising_W(Y, np.ones_like(C), H, lams),
                "the minimiser without the ridge term lam I": minimising_W(Y, C, H, np.zeros(sizes[0])),
            }
            if row_lams:
                mistakes["one lam for every row (the mean of lams)"] = minimising_W(
                    Y, C, H, np.full(sizes[0], lams.mean()))
            checks.check_close(got, want, name=f"{func_name} with m, n, d = {sizes}", known_mistakes=mistakes)


def wals_update_W_values(wals_update_W, case="hidden"):
    """The W minimising f for fixed H: every row solves its own d x d system."""
    _check_update(wals_update_W, case, row_lams=False, func_name="wals_update_W")


def wals_update_W_inputs_unchanged(wals_update_W, case="hidden"):
    """Y, C and H are left exactly as they were."""
    for rng in rngs(case):
        Y, C, _, H = _problem(rng, LARGE)
        checks.check_inputs_unchanged(wals_update_W, (Y, C, H, LAM), ("Y", "C", "H", "lam"), name="wals_update_W")


def wals_update_W_row_penalties_values(wals_update_W_row_penalties, case="hidden"):
    """Transfer task: the minimiser when row k of W has its own penalty lams[k]."""
    _check_update(wals_update_W_row_penalties, case, row_lams=True, func_name="wals_update_W_row_penalties")


# --- implicit feedback --------------------------------------------------------------------

ALPHA = 4.0


def implicit_problem(rng, m, n, d, per_user):
    """Counts in random order; the last user has no observations at all."""
    observed = [rng.choice(n, size=per_user, replace=False) for _ in range(m - 1)]
    rows = np.repeat(np.arange(m - 1), per_user)
    cols = np.concatenate(observed)
    order = rng.permutation(rows.size)
    vals = rng.integers(1, 6, rows.size).astype(float)
    return rows[order], cols[order], vals, (m, n), rng.standard_normal((n, d)) / np.sqrt(d)


def _dense_counts(rows, cols, vals, shape):
    R = np.zeros(shape)
    R[rows, cols] = vals
    return R


def implicit_minimiser(rows, cols, vals, shape, H, alpha, lam):
    """Trusted update from the dense P and C (small problems only)."""
    R = _dense_counts(rows, cols, vals, shape)
    return minimising_W((R > 0).astype(float), 1.0 + alpha * R, H, np.full(shape[0], lam))


def _implicit_mistakes(args, alpha, lam):
    R = _dense_counts(*args[:4])
    P, C, H, lams = (R > 0).astype(float), 1.0 + alpha * R, args[4], np.full(R.shape[0], lam)
    return {
        "the system without H^T H: the shared part of H^T C_k H is missing, so the unobserved items "
        "(preference 0, confidence 1) no longer pull the prediction down":
            minimising_W(P, alpha * R, H, lams, weighted_targets=C * P),
        "the preferences set to the counts R instead of 1[R > 0]": minimising_W(R, C, H, lams),
        "the right-hand side H^T (alpha R) instead of H^T C_k P_k = H^T (1 + alpha R) on the observed items":
            minimising_W(P, C, H, lams, weighted_targets=alpha * R),
    }


def implicit_als_update_values(implicit_als_update, case="hidden"):
    """The new W, against the dense solve, including a user with no observations."""
    for rng in rngs(case):
        for sizes in ((6, 8, 3, 3), (25, 40, 5, 6)):
            args = implicit_problem(rng, *sizes)
            got = checks.call(implicit_als_update, *args, ALPHA, LAM).value
            checks.check_close(got, implicit_minimiser(*args, ALPHA, LAM),
                               name=f"implicit_als_update with m, n, d = {sizes[:3]} and {sizes[3]} items per user",
                               known_mistakes=_implicit_mistakes(args, ALPHA, LAM))


def implicit_als_update_inputs_unchanged(implicit_als_update, case="hidden"):
    """rows, cols, vals and H are left exactly as they were."""
    for rng in rngs(case):
        args = implicit_problem(rng, 25, 40, 5, 6)
        checks.check_inputs_unchanged(implicit_als_update, (*args, ALPHA, LAM),
                                      ("rows", "cols", "vals", "shape", "H", "alpha", "lam"),
                                      name="implicit_als_update")


# Calibrated with scripts/benchmark_budgets.py.
def implicit_floor(rows, cols, vals, shape, H, alpha, lam):
    """The work no implicit_als_update avoids: H^T H and one d x d solve per user."""
    users, d = shape[0], H.shape[1]
    gram = H.T @ H + lam * np.eye(d)
    return np.linalg.solve(np.broadcast_to(gram, (users, d, d)), np.ones((users, d, 1)))


IMPLICIT_BUDGET_SIZES = (500, 5000, 32, 20)  # users, items, d, observations per user


def implicit_budget_arguments(round_):
    return (*implicit_problem(budget_rng("ps09_implicit", round_), *IMPLICIT_BUDGET_SIZES), 40.0, 0.1)


IMPLICIT = budgets.CoreKernel(
    "implicit_als_update", "m, n, d = " + ", ".join(map(str, IMPLICIT_BUDGET_SIZES[:3]))
    + f", {IMPLICIT_BUDGET_SIZES[3]} observations per user", implicit_budget_arguments,
    # reference_over_floor: measured with scripts/benchmark_budgets.py --floors
    time=budgets.TimeBudget(ratio=4.0, floor=implicit_floor, reference_over_floor=1.72),
    time_advice="Compute H^T H + lam I once; per user, add only the correction H_k^T diag(alpha r_k) H_k from the "
                "rows H_k of H for their observed items, and solve with H_k^T (1 + alpha r_k): no product with all "
                "n items per user.",
    time_doc="Within the time budget of the reference, which uses the Gram trick.",
    versions=(("dense solve per user", "implicit_dense_solve_per_user", {"time"}),),
)
(implicit_als_update_time_budget,) = budget_checks(IMPLICIT)
