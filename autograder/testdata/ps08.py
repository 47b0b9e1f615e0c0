"""Problem set 8 (matrix factorization): wrong, slow and memory-hungry answers."""

from autograder.testdata import correct_variants
from autograder.testdata.table import PS08, WrongSubmission, edited

SPARSE_DROPPING_REPEATS = """
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    n, m = shape
    d = U.shape[1]
    PV, PtU = np.zeros((n, d)), np.zeros((m, d))
    cross = 0.0
    for l in range(d):
        PV[rows, l] += vals * V[cols, l]
        PtU[cols, l] += vals * U[rows, l]
        cross += np.sum(vals * U[rows, l] * V[cols, l])
    UtU, VtV = U.T @ U, V.T @ V
    f = vals @ vals - 2 * cross + np.sum(UtU * VtV) + lam * (np.sum(U * U) + np.sum(V * V))
    return float(f), -2 * PV + 2 * U @ VtV + 2 * lam * U, -2 * PtU + 2 * V @ UtU + 2 * lam * V
"""

WRONG = [
    WrongSubmission(
        "mf_gradient_sign_erratum", PS08, {"mf_loss_and_grad": """
def mf_loss_and_grad(P, U, V, lam=0.0):
    f = np.sum((P - U @ V.T) ** 2) + lam * (np.sum(U ** 2) + np.sum(V ** 2))
    dU = 2 * (P @ V - U @ V.T @ V) + 2 * lam * U
    dV = 2 * (P.T @ U - V @ U.T @ U) + 2 * lam * V
    return float(f), dU, dV
"""},
        frozenset({"test_mf_loss_and_grad_gradient", "test_mf_loss_and_grad_ridge"}), "wrong sign",
    ),
    WrongSubmission(
        "mf_ridge_without_factor_2", PS08,
        edited(PS08, "mf_loss_and_grad",
            ("2.0 * (lam * U - residual @ V)", "lam * U - 2.0 * residual @ V"),
            ("2.0 * (lam * V - residual.T @ U)", "lam * V - 2.0 * residual.T @ U")),
        frozenset({"test_mf_loss_and_grad_ridge"}), "instead of 2 * lam * U",
    ),
    WrongSubmission(
        "sparse_forms_dense_P", PS08, {"mf_loss_and_grad_sparse": """
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    P = np.zeros(shape)
    P[rows, cols] = vals
    R = P - U @ V.T
    f = np.sum(R * R) + lam * (np.sum(U * U) + np.sum(V * V))
    return float(f), -2 * R @ V + 2 * lam * U, -2 * R.T @ U + 2 * lam * V
"""},
        frozenset({"test_mf_loss_and_grad_sparse_memory_budget", "test_mf_loss_and_grad_sparse_time_budget"}),
        "Never form an n x m array",
    ),
    WrongSubmission(
        "sparse_gathers_nnz_by_d", PS08,
        {"mf_loss_and_grad_sparse": '''
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    n, m = shape
    d = U.shape[1]
    V_rows, U_rows = vals[:, None] * V[cols], vals[:, None] * U[rows]  # (nnz, d) each
    PV = np.stack([np.bincount(rows, weights=V_rows[:, l], minlength=n) for l in range(d)], axis=1)
    PtU = np.stack([np.bincount(cols, weights=U_rows[:, l], minlength=m) for l in range(d)], axis=1)
    UtU, VtV = U.T @ U, V.T @ V
    f = np.vdot(vals, vals) - 2.0 * np.vdot(U, PV) + np.vdot(UtU, VtV) + lam * (np.trace(UtU) + np.trace(VtV))
    return float(f), 2.0 * (U @ (VtV + lam * np.eye(d)) - PV), 2.0 * (V @ (UtU + lam * np.eye(d)) - PtU)
'''},
        frozenset({"test_mf_loss_and_grad_sparse_memory_budget"}), "nor an nnz x d one",
    ),
    WrongSubmission(
        # a right answer (correct_variants.py), whose np.add.at scatters two nnz x d arrays
        "sparse_add_at_nnz_by_d", PS08, {"mf_loss_and_grad_sparse": correct_variants.PS08["mf_loss_and_grad_sparse"]},
        frozenset({"test_mf_loss_and_grad_sparse_memory_budget"}), "nor an nnz x d one",
    ),
    WrongSubmission(
        "sparse_loop_over_nonzeros", PS08, {"mf_loss_and_grad_sparse": """
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    PV, PtU = np.zeros_like(U), np.zeros_like(V)
    for r, c, v in zip(rows, cols, vals):
        PV[r] += v * V[c]
        PtU[c] += v * U[r]
    UtU, VtV = U.T @ U, V.T @ V
    f = vals @ vals - 2 * np.sum(U * PV) + np.sum(UtU * VtV) + lam * (np.sum(U * U) + np.sum(V * V))
    return float(f), -2 * PV + 2 * U @ VtV + 2 * lam * U, -2 * PtU + 2 * V @ UtU + 2 * lam * V
"""},
        frozenset({"test_mf_loss_and_grad_sparse_time_budget"}), "for each nonzero",
    ),
    WrongSubmission(
        "sparse_drops_repeated_indices", PS08, {"mf_loss_and_grad_sparse": SPARSE_DROPPING_REPEATS},
        frozenset({"test_mf_loss_and_grad_sparse_gradient", "test_mf_loss_and_grad_sparse_time_budget"}),
        "repeated indices were dropped",
    ),
    WrongSubmission(
        "symmetric_assumes_P_symmetric", PS08,
        edited(PS08, "symmetric_mf_loss_and_grad",
            ("both_sides = residual + residual.T", "both_sides = 2.0 * residual")),
        frozenset({"test_symmetric_mf_loss_and_grad_dU", "test_symmetric_mf_loss_and_grad_dB"}),
        "right only for a symmetric P",
    ),
    WrongSubmission(
        "symmetric_seed_unfinished", PS08,
        edited(PS08, "symmetric_mf_loss_and_grad",
            ("dU = -2.0 * (S_UB @ B.T)", "dU = -2.0 * residual[:, :U.shape[1]] * np.diag(B @ B.T @ U.T)")),
        frozenset({"test_symmetric_mf_loss_and_grad_dU"}), "unfinished formula",
    ),
    WrongSubmission(
        "biases_summed_over_the_wrong_axis", PS08,
        edited(PS08, "biased_mf_loss_and_grad",
            ("residual.sum(axis=1)", "residual.sum(axis=0)"),
            ("-2.0 * residual.sum(axis=0)  # b_j", "-2.0 * residual.sum(axis=1)  # b_j")),
        frozenset({"test_biased_mf_loss_and_grad_gradients"}), "wrong shape",
    ),
]
