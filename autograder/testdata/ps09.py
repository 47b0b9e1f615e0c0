"""Problem set 9 (weighted factorization): wrong and slow answers."""

from autograder.testdata.table import PS09, WrongSubmission, edited

IMPLICIT_CELLS = {"test_implicit_als_update_values", "test_implicit_als_update_time_budget"}

WRONG = [
    WrongSubmission(
        "wmf_gradient_without_weights", PS09,
        edited(PS09, "wmf_loss_and_grad",
            ("dW = 2.0 * (lam * W - weighted @ H)", "dW = 2.0 * (lam * W - residual @ H)"),
            ("dH = 2.0 * (lam * H - weighted.T @ W)", "dH = 2.0 * (lam * H - residual.T @ W)")),
        frozenset({"test_wmf_loss_and_grad_gradient"}), "the weights are missing", kind="known_mistake",
    ),
    WrongSubmission(
        "row_grad_from_the_whole_gradient", PS09, {"wmf_row_grad": """
def wmf_row_grad(Y, C, W, H, k, lam=0.0):
    E = C * (Y - W @ H.T)
    return (-2 * E @ H + 2 * lam * W)[k]
"""},
        frozenset({"test_wmf_row_grad_memory_budget"}), "never form W @ H.T", kind="too_much_memory",
    ),
    WrongSubmission(
        "row_grad_without_ridge", PS09,
        edited(PS09, "wmf_row_grad", ("2.0 * (lam * W[k] - weighted_row @ H)", "-2.0 * weighted_row @ H")),
        frozenset({"test_wmf_row_grad_values"}), "the ridge term is missing", kind="known_mistake",
    ),
    WrongSubmission(
        "wals_ignores_the_weights", PS09, {"wals_update_W": """
def wals_update_W(Y, C, H, lam):
    d = H.shape[1]
    return np.linalg.solve(H.T @ H + lam * np.eye(d), H.T @ Y.T).T
"""},
        frozenset({"test_wals_update_W_values"}), "without the weights C", kind="known_mistake",
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
        frozenset({"test_implicit_als_update_time_budget"}), "no product with all n items per user", kind="too_slow",
    ),
    WrongSubmission(
        "implicit_unobserved_left_out", PS09,
        edited(PS09, "implicit_als_update", ("shared = H.T @ H + lam * np.eye(d)", "shared = lam * np.eye(d)")),
        frozenset(IMPLICIT_CELLS), "the system without H^T H", kind="known_mistake",
    ),
    WrongSubmission(
        "implicit_preferences_are_counts", PS09,
        edited(PS09, "implicit_als_update",
            ("np.where(seen, 1.0 + weight, 0.0)", "np.where(seen, (1.0 + weight) * vals[order][where], 0.0)")),
        frozenset(IMPLICIT_CELLS), "preferences set to the counts", kind="known_mistake",
    ),
    WrongSubmission(
        "row_penalties_averaged", PS09, {"wals_update_W_row_penalties": """
def wals_update_W_row_penalties(Y, C, H, lams):
    return wals_update_W(Y, C, H, lams.mean())
"""},
        frozenset({"test_wals_update_W_row_penalties_values"}), "one lam for every row", kind="known_mistake",
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


# The catalogue's mistakes (autograder/assignments/ps09_weighted_factorization.py), each named by the first message.
WRONG += [
    WrongSubmission(
        "wmf_ridge_missing_from_gradient", PS09,
        edited(PS09, "wmf_loss_and_grad", ("dW = 2.0 * (lam * W - weighted @ H)", "dW = -2.0 * weighted @ H"),
               ("dH = 2.0 * (lam * H - weighted.T @ W)", "dH = -2.0 * weighted.T @ W")),
        frozenset({"test_wmf_loss_and_grad_gradient"}), "no ridge term", kind="known_mistake",
    ),
    WrongSubmission(
        "wmf_weights_twice", PS09,
        edited(PS09, "wmf_loss_and_grad",
               ("dW = 2.0 * (lam * W - weighted @ H)", "dW = 2.0 * (lam * W - (C * weighted) @ H)"),
               ("dH = 2.0 * (lam * H - weighted.T @ W)", "dH = 2.0 * (lam * H - (C * weighted).T @ W)")),
        frozenset({"test_wmf_loss_and_grad_gradient"}), "the weights applied twice", kind="known_mistake",
    ),
]

# Right but far too slow: an n x n diagonal per user takes minutes where the reference takes milliseconds.
# The call limit stops it; the message compares it with the reference on the same input, not "an endless loop".
WRONG += [
    WrongSubmission(
        "implicit_diagonal_matrix_per_user", PS09, {"implicit_als_update": """
def implicit_als_update(rows, cols, vals, shape, H, alpha, lam):
    m, n = shape
    d = H.shape[1]
    R = np.zeros((m, n))
    R[rows, cols] = vals
    W = np.zeros((m, d))
    for k in range(m):
        C_k = np.diag(1.0 + alpha * R[k])
        p_k = (R[k] > 0).astype(float)
        W[k] = np.linalg.solve(H.T @ C_k @ H + lam * np.eye(d), H.T @ C_k @ p_k)
    return W
"""},
        frozenset({"test_implicit_als_update_time_budget"}), "where the reference takes",
        past_the_call_limit=True, kind="too_slow",
    ),
]
