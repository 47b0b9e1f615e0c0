"""Numerical checks of every derivative stated in book/weighted_factorization.md.

f(W, H) = sum_ij C_ij (Y_ij - W_i. H_j.^T)^2 + lam (||W||_F^2 + ||H||_F^2) with
Y, C in R^{m x n}, W in R^{m x d}, H in R^{n x d}.  Each formula is written here
independently from the chapter's mathematics and compared with central
differences.  The sizes m, n, d are all different so that a transposed formula
cannot pass by accident.
"""

import numpy as np
import pytest

from autograder.finite_differences import central_gradient, relative_error

M, N, D = 5, 7, 3
LAM = 0.4
TOL = 1e-7


@pytest.fixture
def problem():
    rng = np.random.default_rng(20260310)
    Y = rng.standard_normal((M, N))
    C = rng.uniform(0.0, 2.0, size=(M, N))
    W = rng.standard_normal((M, D))
    H = rng.standard_normal((N, D))
    return Y, C, W, H


def objective(Y, C, W, H, lam=LAM):
    residual = Y - W @ H.T
    return np.sum(C * residual * residual) + lam * (np.sum(W * W) + np.sum(H * H))


def test_entry_derivative_by_index_formula(problem):
    """df/dW_kl = -2 sum_j C_kj (Y_kj - W_k. H_j.^T) H_jl + 2 lam W_kl."""
    Y, C, W, H = problem
    formula = np.zeros_like(W)
    for k in range(M):
        for l in range(D):
            total = 0.0
            for j in range(N):
                prediction = sum(W[k, r] * H[j, r] for r in range(D))
                total += C[k, j] * (Y[k, j] - prediction) * H[j, l]
            formula[k, l] = -2.0 * total + 2.0 * LAM * W[k, l]
    numeric = central_gradient(lambda W_: objective(Y, C, W_, H), W)
    assert relative_error(formula, numeric) < TOL


@pytest.mark.parametrize("k", range(M))
def test_row_derivative(problem, k):
    """df/dW_k. = -2 (C_k. * (Y_k. - W_k. H^T)) H + 2 lam W_k., shape (d,)."""
    Y, C, W, H = problem
    formula = -2.0 * (C[k] * (Y[k] - W[k] @ H.T)) @ H + 2.0 * LAM * W[k]

    def as_function_of_row(w):
        W_ = W.copy()
        W_[k] = w
        return objective(Y, C, W_, H)

    numeric = central_gradient(as_function_of_row, W[k].copy())
    assert formula.shape == (D,)
    assert relative_error(formula, numeric) < TOL


def test_full_gradient_W(problem):
    """df/dW = -2 E H + 2 lam W with E = C * (Y - W H^T)."""
    Y, C, W, H = problem
    E = C * (Y - W @ H.T)
    formula = -2.0 * E @ H + 2.0 * LAM * W
    numeric = central_gradient(lambda W_: objective(Y, C, W_, H), W)
    assert formula.shape == W.shape
    assert relative_error(formula, numeric) < TOL


def test_full_gradient_H(problem):
    """df/dH = -2 E^T W + 2 lam H with E = C * (Y - W H^T)."""
    Y, C, W, H = problem
    E = C * (Y - W @ H.T)
    formula = -2.0 * E.T @ W + 2.0 * LAM * H
    numeric = central_gradient(lambda H_: objective(Y, C, W, H_), H)
    assert formula.shape == H.shape
    assert relative_error(formula, numeric) < TOL


def test_squared_weights_exercise(problem):
    """g = ||C * (Y - W H^T)||_F^2 has dg/dW = -2 (C * C * R) H."""
    Y, C, W, H = problem
    formula = -2.0 * (C * C * (Y - W @ H.T)) @ H
    numeric = central_gradient(lambda W_: np.sum((C * (Y - W_ @ H.T)) ** 2), W)
    assert relative_error(formula, numeric) < TOL


def gradient_is_zero(numeric, scale):
    return np.linalg.norm(numeric) < 1e-6 * scale


def test_wals_row_update_zeroes_row_gradient_and_minimizes(problem):
    """W_k.^T = (H^T diag(C_k.) H + lam I)^{-1} H^T diag(C_k.) Y_k.^T for every row."""
    Y, C, W, H = problem
    W_new = np.empty_like(W)
    for k in range(M):
        A = H.T @ np.diag(C[k]) @ H + LAM * np.eye(D)
        W_new[k] = np.linalg.solve(A, H.T @ np.diag(C[k]) @ Y[k])
    numeric = central_gradient(lambda W_: objective(Y, C, W_, H), W_new)
    scale = np.linalg.norm(2.0 * (C * Y) @ H)
    assert gradient_is_zero(numeric, scale)
    rng = np.random.default_rng(3)
    best = objective(Y, C, W_new, H)
    for _ in range(5):
        assert objective(Y, C, W_new + 1e-3 * rng.standard_normal(W.shape), H) > best


def test_item_update_exercise_zeroes_gradient(problem):
    """H_j.^T = (W^T diag(C_.j) W + lam I)^{-1} W^T diag(C_.j) Y_.j."""
    Y, C, W, H = problem
    H_new = np.empty_like(H)
    for j in range(N):
        A = W.T @ np.diag(C[:, j]) @ W + LAM * np.eye(D)
        H_new[j] = np.linalg.solve(A, W.T @ np.diag(C[:, j]) @ Y[:, j])
    numeric = central_gradient(lambda H_: objective(Y, C, W, H_), H_new)
    scale = np.linalg.norm(2.0 * (C * Y).T @ W)
    assert gradient_is_zero(numeric, scale)


def test_unweighted_closed_form_exercise(problem):
    """C = 11^T: W = Y H (H^T H + lam I)^{-1} is a stationary point."""
    Y, _, _, H = problem
    ones = np.ones((M, N))
    W_star = Y @ H @ np.linalg.inv(H.T @ H + LAM * np.eye(D))
    numeric = central_gradient(lambda W_: objective(Y, ones, W_, H), W_star)
    assert gradient_is_zero(numeric, np.linalg.norm(2.0 * Y @ H))


def test_kronecker_normal_equations_are_block_diagonal(problem):
    """vec(W H^T) = (H kron I_m) vec W, and the joint matrix has blocks H^T diag(C_k.) H."""
    Y, C, W, H = problem
    K = np.kron(H, np.eye(M))
    assert np.allclose(K @ W.ravel(order="F"), (W @ H.T).ravel(order="F"))
    joint = K.T @ np.diag(C.ravel(order="F")) @ K + LAM * np.eye(M * D)
    for k in range(M):
        for k2 in range(M):
            block = joint[np.ix_(k + M * np.arange(D), k2 + M * np.arange(D))]
            expected = H.T @ np.diag(C[k]) @ H + LAM * np.eye(D) if k == k2 else 0.0 * block
            assert np.allclose(block, expected)
    # The joint solve gives the same W as the row-wise solves, and zeroes the gradient.
    w = np.linalg.solve(joint, K.T @ np.diag(C.ravel(order="F")) @ Y.ravel(order="F"))
    W_joint = w.reshape((M, D), order="F")
    numeric = central_gradient(lambda W_: objective(Y, C, W_, H), W_joint)
    assert gradient_is_zero(numeric, np.linalg.norm(2.0 * (C * Y) @ H))


def test_implicit_feedback_gram_trick():
    """H^T C^k H = H^T H + sum_{j in S_k} alpha R_kj H_j.^T H_j., and the update zeroes the gradient."""
    rng = np.random.default_rng(7)
    m, n, d, alpha, lam = 4, 12, 3, 5.0, 0.2
    R = np.where(rng.random((m, n)) < 0.25, rng.integers(1, 6, size=(m, n)), 0).astype(float)
    R[:, 0] = np.maximum(R[:, 0], 1.0)  # every user has at least one observation
    P = (R > 0).astype(float)
    C = 1.0 + alpha * R
    H = rng.standard_normal((n, d))
    gram = H.T @ H
    W_new = np.empty((m, d))
    for k in range(m):
        seen = np.flatnonzero(R[k])
        dense = H.T @ np.diag(C[k]) @ H
        trick = gram + sum(alpha * R[k, j] * np.outer(H[j], H[j]) for j in seen)
        assert np.allclose(trick, dense)
        rhs = sum((1.0 + alpha * R[k, j]) * H[j] for j in seen)
        assert np.allclose(rhs, H.T @ np.diag(C[k]) @ P[k])
        W_new[k] = np.linalg.solve(trick + lam * np.eye(d), rhs)

    def implicit_objective(W_):
        return np.sum(C * (P - W_ @ H.T) ** 2) + lam * np.sum(W_ * W_)

    numeric = central_gradient(implicit_objective, W_new)
    assert gradient_is_zero(numeric, np.linalg.norm(2.0 * (C * P) @ H))
    # and it is the gradient formula of the chapter with Y = P, evaluated at W_new
    formula = -2.0 * (C * (P - W_new @ H.T)) @ H + 2.0 * lam * W_new
    assert np.linalg.norm(formula) < 1e-10 * np.linalg.norm(2.0 * (C * P) @ H)
