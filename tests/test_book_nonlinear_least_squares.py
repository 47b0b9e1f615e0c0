"""Numerical checks of every derivative stated in book/nonlinear_least_squares.md.

Setting: Y in R^{m x n}, X in R^{n x p}, C in R^{m x p}, Z = tanh(YX) and
f(X) = 1/2 ||tanh(YX) - C||_F^2.  Each formula is written here independently
from the chapter's mathematics and compared with central differences.  The
sizes m, n, p are all different so that a transposed formula cannot pass.
"""

import numpy as np
import pytest

from autograder.finite_differences import central_gradient, relative_error

M, N, P = 6, 4, 3
TOL = 1e-7


@pytest.fixture
def problem():
    rng = np.random.default_rng(20260307)
    Y = rng.standard_normal((M, N))
    X = rng.standard_normal((N, P)) / np.sqrt(N)
    C = rng.uniform(-0.9, 0.9, (M, P))
    return Y, X, C


def loss(Y, X, C):
    return 0.5 * np.sum((np.tanh(Y @ X) - C) ** 2)


def bracket(Y, X, C):
    """Delta = (Z - C) * (1 - Z * Z), the gradient with respect to S = YX."""
    Z = np.tanh(Y @ X)
    return (Z - C) * (1.0 - Z**2)


def test_trace_expansion_keeps_every_term(problem):
    Y, X, C = problem
    Z = np.tanh(Y @ X)
    R = Z - C
    expanded = 0.5 * (np.trace(Z.T @ Z) - 2.0 * np.trace(C.T @ Z) + np.trace(C.T @ C))
    double_sum = 0.5 * sum(R[k, l] ** 2 for k in range(M) for l in range(P))
    assert np.isclose(0.5 * np.trace(R.T @ R), loss(Y, X, C))
    assert np.isclose(0.5 * np.trace(R @ R.T), loss(Y, X, C))
    assert np.isclose(expanded, loss(Y, X, C))
    assert np.isclose(double_sum, loss(Y, X, C))


def test_differential_df_equals_residual_dot_dZ(problem):
    Y, X, C = problem
    rng = np.random.default_rng(1)
    dX = rng.standard_normal(X.shape)
    Z = np.tanh(Y @ X)
    dZ = (1.0 - Z * Z) * (Y @ dX)
    df = np.sum((Z - C) * dZ)
    h = 1e-6
    numeric = (loss(Y, X + h * dX, C) - loss(Y, X - h * dX, C)) / (2 * h)
    assert abs(df - numeric) < TOL * max(1.0, abs(numeric))


def test_matrix_gradient(problem):
    Y, X, C = problem
    formula = Y.T @ bracket(Y, X, C)
    numeric = central_gradient(lambda X_: loss(Y, X_, C), X)
    assert formula.shape == (N, P)
    assert relative_error(formula, numeric) < TOL


def test_entry_formula_every_entry(problem):
    """df/dx_ij = sum_k y_ki (1 - z_kj^2)(z_kj - c_kj), using column j of Z only."""
    Y, X, C = problem
    numeric = central_gradient(lambda X_: loss(Y, X_, C), X)
    entries = np.empty((N, P))
    for i in range(N):
        for j in range(P):
            z_col = np.tanh(Y @ X[:, j])  # column j of Z: m entries, O(mn)
            entries[i, j] = sum(Y[k, i] * (1.0 - z_col[k] ** 2) * (z_col[k] - C[k, j]) for k in range(M))
    assert relative_error(entries, numeric) < TOL


def test_delta_is_gradient_with_respect_to_preactivations(problem):
    Y, X, C = problem
    S = Y @ X
    numeric = central_gradient(lambda S_: 0.5 * np.sum((np.tanh(S_) - C) ** 2), S)
    assert relative_error(bracket(Y, X, C), numeric) < TOL


def test_transposed_Y_is_detected_with_square_Y():
    rng = np.random.default_rng(3)
    Y = rng.standard_normal((N, N))
    X = rng.standard_normal((N, P))
    C = rng.uniform(-0.9, 0.9, (N, P))
    numeric = central_gradient(lambda X_: loss(Y, X_, C), X)
    assert relative_error(Y.T @ bracket(Y, X, C), numeric) < TOL
    assert relative_error(Y @ bracket(Y, X, C), numeric) > 1e-2


def test_exercise_one_row_is_outer_product(problem):
    """f_1 = 1/2 (R R^T)_11 has gradient y_1^T delta_1 (rank one); the rows add up to the gradient."""
    Y, X, C = problem

    def first_row_loss(X_):
        R = np.tanh(Y @ X_) - C
        return 0.5 * (R @ R.T)[0, 0]

    Delta = bracket(Y, X, C)
    formula = np.outer(Y[0], Delta[0])
    numeric = central_gradient(first_row_loss, X)
    assert relative_error(formula, numeric) < TOL
    assert np.linalg.matrix_rank(formula) == 1
    total = sum(np.outer(Y[k], Delta[k]) for k in range(M))
    assert relative_error(total, central_gradient(lambda X_: loss(Y, X_, C), X)) < TOL


def test_exercise_gradient_with_respect_to_Y(problem):
    Y, X, C = problem
    formula = bracket(Y, X, C) @ X.T
    numeric = central_gradient(lambda Y_: loss(Y_, X, C), Y)
    assert formula.shape == (M, N)
    assert relative_error(formula, numeric) < TOL


@pytest.mark.parametrize("j", range(P))
def test_exercise_one_column_of_the_gradient(problem, j):
    Y, X, C = problem
    z_col = np.tanh(Y @ X[:, j])
    formula = Y.T @ ((z_col - C[:, j]) * (1.0 - z_col * z_col))
    numeric = central_gradient(lambda X_: loss(Y, X_, C), X)[:, j]
    assert formula.shape == (N,)
    assert relative_error(formula, numeric) < TOL
