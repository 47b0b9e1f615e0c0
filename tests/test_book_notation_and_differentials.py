"""Numerical checks of every result stated in book/notation_and_differentials.md.

Each gradient is written here independently from the chapter's formulas and
compared with central differences of the function itself.  The identities of
the chapter are checked on random inputs; the differential rules are checked
as directional derivatives (central differences along a random direction).
All shapes are non-square so that a transposed result cannot pass.
"""

import numpy as np
import pytest

from autograder.finite_differences import central_gradient, relative_error

TOL = 1e-7


def frob(A, B):
    """The Frobenius product A . B = sum_ij A_ij B_ij."""
    return float(np.sum(A * B))


def rowwise(A, B):
    """The row-wise product: one dot product per row."""
    return np.sum(A * B, axis=1)


def along(F, h=1e-6):
    """Central-difference derivative at 0 of the array-valued F(eps)."""
    return (F(h) - F(-h)) / (2 * h)


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


# ---------------------------------------------------------------------------
# The three products and the identities
# ---------------------------------------------------------------------------


def test_frobenius_is_trace_and_norm(rng):
    A, B = rng.standard_normal((2, 4, 3))
    assert np.isclose(frob(A, B), np.trace(A.T @ B))
    assert np.isclose(frob(A, B), np.trace(A @ B.T))
    assert np.isclose(frob(A, A), np.linalg.norm(A, "fro") ** 2)
    a, b = rng.standard_normal((2, 5))
    assert np.isclose(frob(a, b), a @ b)


def test_trace_is_cyclic(rng):
    P = rng.standard_normal((3, 5))
    Q = rng.standard_normal((5, 3))
    assert np.isclose(np.trace(P @ Q), np.trace(Q @ P))


def test_identity_S_symmetry_and_transpose(rng):
    A, B = rng.standard_normal((2, 4, 3))
    assert np.isclose(frob(A, B), frob(B, A))
    assert np.isclose(frob(A, B), frob(A.T, B.T))


def test_identity_H_move_hadamard(rng):
    A, B, C = rng.standard_normal((3, 4, 3))
    assert np.isclose(frob(A, B * C), frob(A * B, C))


def test_identity_M_move_product(rng):
    p, q, r = 4, 3, 5
    A = rng.standard_normal((p, r))
    B = rng.standard_normal((p, q))
    C = rng.standard_normal((q, r))
    lhs = frob(A, B @ C)
    assert np.isclose(lhs, frob(B.T @ A, C))
    assert np.isclose(lhs, frob(A @ C.T, B))
    # the index form used in the exercise: sum_ijk A_ik B_ij C_jk
    assert np.isclose(lhs, np.einsum("ik,ij,jk->", A, B, C))


def test_rowwise_product_and_identity_R(rng):
    A, B = rng.standard_normal((2, 4, 3))
    ones_rows, ones_cols = np.ones(4), np.ones(3)
    r = rowwise(A, B)
    assert r.shape == (4,)
    assert np.allclose(r, (A * B) @ ones_cols)
    assert np.allclose(r, [A[i] @ B[i] for i in range(4)])
    assert np.isclose(ones_rows @ r, frob(A, B))
    # 1^T (A o B) alone is the row of column sums, not a scalar
    col_sums = ones_rows @ (A * B)
    assert col_sums.shape == (3,)
    assert np.isclose(col_sums @ ones_cols, frob(A, B))


def test_ones_vector_sums_and_broadcast(rng):
    t, n, m = 5, 3, 4
    G = rng.standard_normal((t, m))
    X = rng.standard_normal((t, n))
    W = rng.standard_normal((n, m))
    b = rng.standard_normal(m)
    assert np.allclose(np.ones(t) @ G, G.sum(axis=0))
    assert np.allclose(G @ np.ones(m), G.sum(axis=1))
    outer = np.outer(np.ones(t), b)
    assert outer.shape == (t, m)
    assert np.allclose(outer, np.tile(b, (t, 1)))
    # XW + 1 b^T is what NumPy broadcasting computes
    assert np.allclose(X @ W + outer, X @ W + b)


def test_identity_B_broadcast(rng):
    t, m = 5, 4
    G = rng.standard_normal((t, m))
    v = rng.standard_normal(m)
    lhs = frob(G, np.outer(np.ones(t), v))
    assert np.isclose(lhs, frob(G.T @ np.ones(t), v))
    # the [M] route: (1^T G) . v^T
    assert np.isclose(lhs, frob((np.ones((1, t)) @ G), v.reshape(1, m)))


# ---------------------------------------------------------------------------
# The gradient and the differential rules
# ---------------------------------------------------------------------------


def test_directional_derivative_is_gradient_dot_direction(rng):
    # J(X) = 1/2 ||AX - B||^2, gradient A^T (AX - B), along a random V
    A = rng.standard_normal((5, 3))
    B = rng.standard_normal((5, 2))
    X, V = rng.standard_normal((2, 3, 2))

    def J(Y):
        return 0.5 * np.sum((A @ Y - B) ** 2)

    slope = along(lambda e: np.array(J(X + e * V)))
    assert relative_error(slope, frob(A.T @ (A @ X - B), V)) < TOL


def test_rule_product(rng):
    X, dX = rng.standard_normal((2, 3, 4))
    Y, dY = rng.standard_normal((2, 4, 2))
    num = along(lambda e: (X + e * dX) @ (Y + e * dY))
    assert relative_error(num, dX @ Y + X @ dY) < TOL
    # the order of the factors matters: dY X is not even defined here, and
    # for square factors it is wrong
    S, dS = rng.standard_normal((2, 3, 3))
    T, dT = rng.standard_normal((2, 3, 3))
    num_sq = along(lambda e: (S + e * dS) @ (T + e * dT))
    assert relative_error(num_sq, dS @ T + S @ dT) < TOL
    assert relative_error(num_sq, T @ dS + dT @ S) > 0.1


def test_rule_transpose_sum_scaling(rng):
    X, dX, Y, dY = rng.standard_normal((4, 3, 4))
    alpha = 1.7
    assert relative_error(along(lambda e: (X + e * dX).T), dX.T) < TOL
    assert relative_error(
        along(lambda e: (X + e * dX) - (Y + e * dY)), dX - dY
    ) < TOL
    assert relative_error(along(lambda e: alpha * (X + e * dX)), alpha * dX) < TOL


def test_rule_frobenius_and_hadamard(rng):
    X, dX, Y, dY = rng.standard_normal((4, 3, 4))
    num = along(lambda e: np.array(frob(X + e * dX, Y + e * dY)))
    assert relative_error(num, frob(dX, Y) + frob(X, dY)) < TOL
    num_h = along(lambda e: (X + e * dX) * (Y + e * dY))
    assert relative_error(num_h, dX * Y + X * dY) < TOL


def test_rule_trace(rng):
    X, dX = rng.standard_normal((2, 4, 4))
    num = along(lambda e: np.array(np.trace(X + e * dX)))
    assert relative_error(num, np.trace(dX)) < TOL
    assert np.isclose(np.trace(dX), frob(np.eye(4), dX))


def test_rule_elementwise_tanh(rng):
    X, dX = rng.standard_normal((2, 3, 4))
    num = along(lambda e: np.tanh(X + e * dX))
    T = np.tanh(X)
    assert relative_error(num, (1 - T * T) * dX) < TOL


def test_rule_rowwise(rng):
    # g(z) = 1/2 ||z - y||^2 applied to each row, with a target row per row
    Z, dZ, Y = rng.standard_normal((3, 5, 3))

    def g(M):
        return 0.5 * np.sum((M - Y) ** 2, axis=1)

    num = along(lambda e: g(Z + e * dZ))
    assert num.shape == (5,)
    assert relative_error(num, rowwise(Z - Y, dZ)) < TOL


def test_grad_frobenius_norm_squared(rng):
    X = rng.standard_normal((3, 4))
    num = central_gradient(lambda Y: np.sum(Y * Y), X)
    assert relative_error(2 * X, num) < TOL


def test_grad_trace_is_identity(rng):
    X = rng.standard_normal((4, 4))
    num = central_gradient(lambda Y: np.trace(Y), X)
    assert relative_error(np.eye(4), num) < TOL


def test_identification_rule_reads_entries(rng):
    # dJ = A . dX for J(X) = A . X: perturbing entry (i, j) changes J by A_ij
    A = rng.standard_normal((3, 4))
    X = rng.standard_normal((3, 4))
    num = central_gradient(lambda Y: frob(A, Y), X)
    assert relative_error(A, num) < TOL
    E = np.zeros((3, 4))
    E[1, 2] = 1.0
    assert np.isclose(frob(A, E), A[1, 2])


# ---------------------------------------------------------------------------
# Worked examples
# ---------------------------------------------------------------------------


def test_grad_linear_function_of_vector(rng):
    a, x = rng.standard_normal((2, 6))
    assert relative_error(a, central_gradient(lambda y: a @ y, x)) < TOL
    assert relative_error(a, central_gradient(lambda y: y @ a, x)) < TOL


def test_grad_trace_quadratic(rng):
    n, p = 4, 3
    A = rng.standard_normal((n, n))  # not symmetric
    X = rng.standard_normal((n, p))
    num = central_gradient(lambda Y: np.trace(Y.T @ A @ Y), X)
    formula = (A + A.T) @ X
    assert formula.shape == (n, p)
    assert relative_error(formula, num) < TOL


def test_trace_quadratic_index_form(rng):
    # J = sum_klr X_kr A_kl X_lr and the per-entry (AX)_ij + (A^T X)_ij
    n, p = 4, 3
    A = rng.standard_normal((n, n))
    X = rng.standard_normal((n, p))
    assert np.isclose(np.einsum("kr,kl,lr->", X, A, X), np.trace(X.T @ A @ X))
    per_entry = np.einsum("il,lj->ij", A, X) + np.einsum("kj,ki->ij", X, A)
    assert np.allclose(per_entry, (A + A.T) @ X)


def test_two_AX_only_for_symmetric_A(rng):
    n, p = 4, 3
    A = rng.standard_normal((n, n))
    X = rng.standard_normal((n, p))
    num = central_gradient(lambda Y: np.trace(Y.T @ A @ Y), X)
    assert relative_error(2 * A @ X, num) > 0.1
    S = A + A.T
    num_sym = central_gradient(lambda Y: np.trace(Y.T @ S @ Y), X)
    assert relative_error(2 * S @ X, num_sym) < TOL


def test_quadratic_counterexample():
    A = np.array([[0.0, 1.0], [0.0, 0.0]])
    x = np.array([0.7, -1.3])
    num = central_gradient(lambda y: y @ A @ y, x)
    assert np.isclose(x @ A @ x, x[0] * x[1])
    assert relative_error(np.array([x[1], x[0]]), num) < TOL
    assert relative_error((A + A.T) @ x, num) < TOL
    assert np.allclose(2 * A @ x, [2 * x[1], 0.0])
    assert relative_error(2 * A @ x, num) > 0.1
    # only the symmetric part of A matters
    assert np.isclose(x @ A @ x, x @ (0.5 * (A + A.T)) @ x)


def test_grad_quadratic_form_vector(rng):
    A = rng.standard_normal((5, 5))
    x = rng.standard_normal(5)
    num = central_gradient(lambda y: y @ A @ y, x)
    assert relative_error((A + A.T) @ x, num) < TOL


def test_grad_least_squares(rng):
    m, n, p = 5, 3, 2
    A = rng.standard_normal((m, n))
    B = rng.standard_normal((m, p))
    X = rng.standard_normal((n, p))
    num = central_gradient(lambda Y: 0.5 * np.sum((A @ Y - B) ** 2), X)
    formula = A.T @ (A @ X - B)
    assert formula.shape == (n, p)
    assert relative_error(formula, num) < TOL


def test_least_squares_per_entry_and_per_column(rng):
    m, n, p = 5, 3, 2
    A = rng.standard_normal((m, n))
    B = rng.standard_normal((m, p))
    X = rng.standard_normal((n, p))
    R = A @ X - B
    grad = A.T @ R
    # per entry: sum_k A_ki R_kj
    for i in range(n):
        for j in range(p):
            assert np.isclose(grad[i, j], sum(A[k, i] * R[k, j] for k in range(m)))
    # per column: column j is the gradient of 1/2 ||A x_j - b_j||^2 in x_j
    for j in range(p):
        bj = B[:, j]
        num = central_gradient(lambda y, bj=bj: 0.5 * np.sum((A @ y - bj) ** 2), X[:, j])
        assert relative_error(A.T @ (A @ X[:, j] - B[:, j]), num) < TOL
        assert np.allclose(grad[:, j], A.T @ (A @ X[:, j] - B[:, j]))


def test_least_squares_normal_equations(rng):
    A = rng.standard_normal((6, 3))
    B = rng.standard_normal((6, 2))
    X = np.linalg.solve(A.T @ A, A.T @ B)
    num = central_gradient(lambda Y: 0.5 * np.sum((A @ Y - B) ** 2), X)
    assert np.max(np.abs(num)) < 1e-7
    assert np.max(np.abs(A.T @ (A @ X - B))) < 1e-12


# The linear layer A = XW + 1 b^T, with a fixed nonlinear loss of A.


def _layer_problem(rng):
    t, n, m = 5, 3, 4
    X = rng.standard_normal((t, n))
    W = rng.standard_normal((n, m))
    b = rng.standard_normal(m)
    C = rng.standard_normal((t, m))

    def loss_of_A(A):
        return np.sum(C * np.tanh(A)) + 0.25 * np.sum(A**2)

    def upstream(A):  # dJ/dA for the loss above
        return C * (1 - np.tanh(A) ** 2) + 0.5 * A

    return X, W, b, loss_of_A, upstream


def test_layer_upstream_gradient(rng):
    X, W, b, loss_of_A, upstream = _layer_problem(rng)
    A = X @ W + b
    assert relative_error(upstream(A), central_gradient(loss_of_A, A)) < TOL


def test_layer_grad_W(rng):
    X, W, b, loss_of_A, upstream = _layer_problem(rng)
    G = upstream(X @ W + b)
    num = central_gradient(lambda V: loss_of_A(X @ V + b), W)
    formula = X.T @ G
    assert formula.shape == W.shape
    assert relative_error(formula, num) < TOL
    # the transposed products are wrong (they do not even have W's shape)
    assert (G.T @ X).shape != W.shape


def test_layer_grad_b_sums_over_batch(rng):
    X, W, b, loss_of_A, upstream = _layer_problem(rng)
    G = upstream(X @ W + b)
    num = central_gradient(lambda c: loss_of_A(X @ W + c), b)
    formula = np.ones(X.shape[0]) @ G
    assert formula.shape == b.shape == (W.shape[1],)
    assert relative_error(formula, num) < TOL
    assert np.allclose(formula, G.T @ np.ones(X.shape[0]))
    # the mean over the batch is off by the factor t
    assert relative_error(G.mean(axis=0), num) > 0.1


def test_layer_grad_X(rng):
    X, W, b, loss_of_A, upstream = _layer_problem(rng)
    G = upstream(X @ W + b)
    num = central_gradient(lambda Y: loss_of_A(Y @ W + b), X)
    formula = G @ W.T
    assert formula.shape == X.shape
    assert relative_error(formula, num) < TOL


def test_layer_index_forms_and_per_example(rng):
    X, W, b, _, upstream = _layer_problem(rng)
    G = upstream(X @ W + b)
    t = X.shape[0]
    # sum_s X_si G_sj, sum_s G_sj, sum_c G_ic W_jc
    assert np.allclose(np.einsum("si,sj->ij", X, G), X.T @ G)
    assert np.allclose(np.einsum("sj->j", G), np.ones(t) @ G)
    assert np.allclose(np.einsum("ic,jc->ij", G, W), G @ W.T)
    # sums of per-example outer products and rows
    assert np.allclose(sum(np.outer(X[s], G[s]) for s in range(t)), X.T @ G)
    assert np.allclose(sum(G[s] for s in range(t)), np.ones(t) @ G)
    for s in range(t):
        assert np.allclose((G @ W.T)[s], W @ G[s])


def test_elementwise_activation_upstream(rng):
    # J = 1/2 ||tanh(A) - Y||^2: dJ/dA = G_Z o f'(A) with G_Z = Z - Y
    A, Y = rng.standard_normal((2, 4, 3))
    Z = np.tanh(A)
    num = central_gradient(lambda M: 0.5 * np.sum((np.tanh(M) - Y) ** 2), A)
    assert relative_error((Z - Y) * (1 - Z * Z), num) < TOL


def test_per_example_mean_squared_loss(rng):
    t, m = 6, 3
    Z, Y = rng.standard_normal((2, t, m))

    def J(M):
        return np.mean(0.5 * np.sum((M - Y) ** 2, axis=1))

    num = central_gradient(J, Z)
    assert relative_error((Z - Y) / t, num) < TOL


# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def test_exercise_bilinear(rng):
    p, q = 4, 3
    a = rng.standard_normal(p)
    c = rng.standard_normal(q)
    X = rng.standard_normal((p, q))
    num = central_gradient(lambda Y: a @ Y @ c, X)
    formula = np.outer(a, c)
    assert formula.shape == (p, q)
    assert relative_error(formula, num) < TOL


def test_exercise_ridge(rng):
    t, n, m = 6, 3, 2
    X = rng.standard_normal((t, n))
    Y = rng.standard_normal((t, m))
    W = rng.standard_normal((n, m))
    lam = 0.3

    def J(V):
        return 0.5 * np.sum((X @ V - Y) ** 2) + 0.5 * lam * np.sum(V**2)

    formula = X.T @ (X @ W - Y) + lam * W
    assert relative_error(formula, central_gradient(J, W)) < TOL


def test_exercise_tanh(rng):
    m, n, p = 5, 3, 4
    A = rng.standard_normal((m, n))
    X = rng.standard_normal((n, p))
    C = rng.standard_normal((m, p))
    num = central_gradient(lambda Y: np.sum(C * np.tanh(A @ Y)), X)
    T = np.tanh(A @ X)
    formula = A.T @ (C * (1 - T * T))
    assert formula.shape == (n, p)
    assert relative_error(formula, num) < TOL
    # the per-entry form sum_k A_ki C_kj (1 - T_kj^2)
    for i in range(n):
        for j in range(p):
            entry = sum(A[k, i] * C[k, j] * (1 - T[k, j] ** 2) for k in range(m))
            assert np.isclose(formula[i, j], entry)


def test_exercise_index_clash(rng):
    # the clashing "result" sum_ij R_ij A_ii is a single number for every
    # entry and is not the gradient; the corrected one is A^T R
    n, p = 3, 2
    A = rng.standard_normal((n, n))
    B = rng.standard_normal((n, p))
    X = rng.standard_normal((n, p))
    R = A @ X - B
    num = central_gradient(lambda Y: 0.5 * np.sum((A @ Y - B) ** 2), X)
    clash = np.full((n, p), sum(R[i, j] * A[i, i] for i in range(n) for j in range(p)))
    assert relative_error(clash, num) > 0.1
    assert relative_error(A.T @ R, num) < TOL
