"""Problem set 9 (weighted factorization): wrong and slow answers."""

from autograder.testdata.table import PS09, WrongSubmission, edited

IMPLICIT_CELLS = {"test_implicit_als_update_values", "test_implicit_als_update_time_budget"}

WRONG = [
    WrongSubmission(
        "wmf_gradient_without_weights", PS09,
        edited(PS09, "wmf_loss_and_grad",
            ("dW = 2.0 * (lam * W - weighted @ H)", "dW = 2.0 * (lam * W - residual @ H)"),
            ("dH = 2.0 * (lam * H - weighted.T @ W)", "dH = 2.0 * (lam * H - residual.T @ W)")),
        frozenset({"test_wmf_loss_and_grad_gradient"}), "the weights are missing",
    ),
    WrongSubmission(
        "row_grad_from_the_whole_gradient", PS09, {"wmf_row_grad": """
def wmf_row_grad(Y, C, W, H, k, lam=0.0):
    E = C * (Y - W @ H.T)
    return (-2 * E @ H + 2 * lam * W)[k]
"""},
        frozenset({"test_wmf_row_grad_memory_budget"}), "never form W @ H.T",
    ),
    WrongSubmission(
        "row_grad_without_ridge", PS09,
        edited(PS09, "wmf_row_grad", ("2.0 * (lam * W[k] - weighted_row @ H)", "-2.0 * weighted_row @ H")),
        frozenset({"test_wmf_row_grad_values"}), "the ridge term is missing",
    ),
    WrongSubmission(
        "wals_ignores_the_weights", PS09, {"wals_update_W": """
def wals_update_W(Y, C, H, lam):
    d = H.shape[1]
    return np.linalg.solve(H.T @ H + lam * np.eye(d), H.T @ Y.T).T
"""},
        frozenset({"test_wals_update_W_values"}), "without the weights C",
    ),
    WrongSubmission(
        "implicit_dense_solve_per_user", PS09, {"implicit_als_update": """
def implicit_als_update(rows, cols, vals, shape, H, alpha, lam):
    m, n = shape
    d = H.shape[1]
    W = np.zeros((m, d))
    for k in range(m):
        mine = rows == k
        confidence = np.ones(n)
        confidence[cols[mine]] += alpha * vals[mine]
        preference = np.zeros(n)
        preference[cols[mine]] = 1.0
        weighted_H = confidence[:, None] * H
        W[k] = np.linalg.solve(H.T @ weighted_H + lam * np.eye(d), weighted_H.T @ preference)
    return W
"""},
        frozenset({"test_implicit_als_update_time_budget"}), "no product with all n items per user",
    ),
    WrongSubmission(
        "implicit_unobserved_left_out", PS09,
        edited(PS09, "implicit_als_update", ("shared = H.T @ H + lam * np.eye(d)", "shared = lam * np.eye(d)")),
        frozenset(IMPLICIT_CELLS), "the system without H^T H",
    ),
    WrongSubmission(
        "implicit_preferences_are_counts", PS09,
        edited(PS09, "implicit_als_update",
            ("np.where(seen, 1.0 + weight, 0.0)", "np.where(seen, (1.0 + weight) * vals[order][where], 0.0)")),
        frozenset(IMPLICIT_CELLS), "preferences set to the counts",
    ),
    WrongSubmission(
        "row_penalties_averaged", PS09, {"wals_update_W_row_penalties": """
def wals_update_W_row_penalties(Y, C, H, lams):
    return wals_update_W(Y, C, H, lams.mean())
"""},
        frozenset({"test_wals_update_W_row_penalties_values"}), "one lam for every row",
    ),
]

# Right answers in forms the notebook allows: each must score full marks, silently.
RIGHT = [
    WrongSubmission(
        "loss_as_a_0d_array", PS09,
        edited(PS09, "wmf_loss_and_grad",
               ("    return float(f), dW, dH",
                "    return np.tensordot(weighted, residual, axes=2) + lam * (np.vdot(W, W) + np.vdot(H, H)), dW, dH")),
        frozenset(), "",
    ),
]
