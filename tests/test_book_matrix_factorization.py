"""Numerical checks of every derivative stated in book/matrix_factorization.md.

Each formula is written here independently from the chapter's mathematics and
compared with central differences of the loss.  The sizes n, m, d are all
different so that a transposed formula cannot pass by accident, and the square
P of the symmetric factorization is deliberately not symmetric.
"""

import numpy as np
import pytest

from autograder.finite_differences import central_gradient, relative_error

N, M, D = 6, 5, 3
LAM = 0.37
TOL = 1e-7


@pytest.fixture
def rng():
    return np.random.default_rng(20260309)


def frob2(A):
    return float(np.sum(A * A))


# ---------------------------------------------------------------------------
# Dense loss f = ||P - U V^T||^2 + lam (||U||^2 + ||V||^2)
# ---------------------------------------------------------------------------


@pytest.fixture
def dense(rng):
    P = rng.standard_normal((N, M))
    U = rng.standard_normal((N, D))
    V = rng.standard_normal((M, D))
    return P, U, V


def dense_loss(P, U, V, lam):
    return frob2(P - U @ V.T) + lam * (frob2(U) + frob2(V))


@pytest.mark.parametrize("lam", [0.0, LAM])
def test_dense_grad_U_is_minus_2RV_plus_2lamU(dense, lam):
    P, U, V = dense
    R = P - U @ V.T
    formula = -2.0 * R @ V + 2.0 * lam * U
    numeric = central_gradient(lambda X: dense_loss(P, X, V, lam), U)
    assert formula.shape == U.shape
    assert relative_error(formula, numeric) < TOL


@pytest.mark.parametrize("lam", [0.0, LAM])
def test_dense_grad_V_is_minus_2RTU_plus_2lamV(dense, lam):
    P, U, V = dense
    R = P - U @ V.T
    formula = -2.0 * R.T @ U + 2.0 * lam * V
    numeric = central_gradient(lambda X: dense_loss(P, U, X, lam), V)
    assert formula.shape == V.shape
    assert relative_error(formula, numeric) < TOL


def test_ridge_term_alone_is_2lamU(rng):
    U = rng.standard_normal((N, D))
    numeric = central_gradient(lambda X: LAM * frob2(X), U)
    assert relative_error(2.0 * LAM * U, numeric) < TOL


def test_seed_sign_is_wrong(dense):
    P, U, V = dense
    seed = 2.0 * (P @ V - U @ V.T @ V)
    numeric = central_gradient(lambda X: dense_loss(P, X, V, 0.0), U)
    assert relative_error(seed, numeric) > 0.5
    assert relative_error(-seed, numeric) < TOL


def test_squared_norm_differential_is_2R(rng):
    R0 = rng.standard_normal((N, M))
    assert relative_error(2.0 * R0, central_gradient(frob2, R0)) < TOL


# ---------------------------------------------------------------------------
# Gram trick for P given by its nonzeros (rows, cols, vals)
# ---------------------------------------------------------------------------


@pytest.fixture
def sparse(rng):
    nnz = 11
    flat = rng.choice(N * M, size=nnz, replace=False)
    rows, cols = np.divmod(flat, M)
    vals = rng.standard_normal(nnz)
    U = rng.standard_normal((N, D))
    V = rng.standard_normal((M, D))
    P = np.zeros((N, M))
    P[rows, cols] = vals
    return rows, cols, vals, P, U, V


def scatter_PV(rows, cols, vals, V, n):
    """(P V)_i. = sum over nonzeros k in row i of vals_k V_{cols_k}."""
    out = np.zeros((n, V.shape[1]))
    np.add.at(out, rows, vals[:, None] * V[cols])
    return out


def test_scatter_add_gives_PV_and_PTU(sparse):
    rows, cols, vals, P, U, V = sparse
    assert relative_error(scatter_PV(rows, cols, vals, V, N), P @ V) < 1e-14
    assert relative_error(scatter_PV(cols, rows, vals, U, M), P.T @ U) < 1e-14
    bincount_cols = np.column_stack(
        [np.bincount(rows, weights=vals * V[cols, l], minlength=N) for l in range(D)])
    assert relative_error(bincount_cols, P @ V) < 1e-14


def test_gram_loss_identity(sparse):
    rows, cols, vals, P, U, V = sparse
    PV = scatter_PV(rows, cols, vals, V, N)
    gram = float(vals @ vals) - 2.0 * np.trace(U.T @ PV) + np.trace((U.T @ U) @ (V.T @ V))
    assert abs(gram - frob2(P - U @ V.T)) < 1e-12 * frob2(P - U @ V.T)
    assert abs(np.sum(U * PV) - np.trace(U.T @ P @ V)) < 1e-12


def test_gram_grad_U(sparse):
    rows, cols, vals, P, U, V = sparse
    formula = -2.0 * scatter_PV(rows, cols, vals, V, N) + 2.0 * U @ (V.T @ V) + 2.0 * LAM * U
    numeric = central_gradient(lambda X: dense_loss(P, X, V, LAM), U)
    assert relative_error(formula, numeric) < TOL


def test_gram_grad_V(sparse):
    rows, cols, vals, P, U, V = sparse
    formula = -2.0 * scatter_PV(cols, rows, vals, U, M) + 2.0 * V @ (U.T @ U) + 2.0 * LAM * V
    numeric = central_gradient(lambda X: dense_loss(P, U, X, LAM), V)
    assert relative_error(formula, numeric) < TOL


def test_gram_term_differential(rng):
    """d tr((U^T U)(V^T V)) = 2 U (V^T V) . dU."""
    U = rng.standard_normal((N, D))
    V = rng.standard_normal((M, D))
    numeric = central_gradient(lambda X: np.trace((X.T @ X) @ (V.T @ V)), U)
    assert relative_error(2.0 * U @ (V.T @ V), numeric) < TOL


def test_buffered_fancy_add_drops_repeats():
    target = np.zeros(3)
    target[np.array([2, 2])] += np.array([1.0, 1.0])
    assert target[2] == 1.0  # why the chapter insists on np.add.at / np.bincount


# ---------------------------------------------------------------------------
# Symmetric factorization f = ||P - U B B^T U^T||^2, P square, not symmetric
# ---------------------------------------------------------------------------


@pytest.fixture
def symmetric(rng):
    P = rng.standard_normal((N, N))
    U = 0.6 * rng.standard_normal((N, D))  # keep U B B^T U^T about the size of P
    B = 0.6 * rng.standard_normal((D, D))
    return P, U, B


def sym_loss(P, U, B):
    return frob2(P - U @ B @ B.T @ U.T)


def test_symmetric_grad_U(symmetric):
    P, U, B = symmetric
    R = P - U @ B @ B.T @ U.T
    formula = -2.0 * (R + R.T) @ U @ B @ B.T
    numeric = central_gradient(lambda X: sym_loss(P, X, B), U)
    assert formula.shape == U.shape
    assert relative_error(formula, numeric) < TOL


def test_symmetric_grad_B(symmetric):
    P, U, B = symmetric
    R = P - U @ B @ B.T @ U.T
    formula = -2.0 * U.T @ (R + R.T) @ U @ B
    numeric = central_gradient(lambda X: sym_loss(P, U, X), B)
    assert formula.shape == B.shape
    assert relative_error(formula, numeric) < TOL


def test_symmetric_grads_rectangular_B(rng):
    """The chapter notes the formulas hold for B in R^{d x k} as well."""
    P = rng.standard_normal((N, N))
    U = rng.standard_normal((N, D))
    B = rng.standard_normal((D, D + 1))
    R = P - U @ B @ B.T @ U.T
    numeric_U = central_gradient(lambda X: sym_loss(P, X, B), U)
    numeric_B = central_gradient(lambda X: sym_loss(P, U, X), B)
    assert relative_error(-2.0 * (R + R.T) @ U @ B @ B.T, numeric_U) < TOL
    assert relative_error(-2.0 * U.T @ (R + R.T) @ U @ B, numeric_B) < TOL


def test_symmetric_P_gives_4R_forms(symmetric):
    P, U, B = symmetric
    Ps = 0.5 * (P + P.T)
    R = Ps - U @ B @ B.T @ U.T
    assert relative_error(-4.0 * R @ U @ B @ B.T,
                          central_gradient(lambda X: sym_loss(Ps, X, B), U)) < TOL
    assert relative_error(-4.0 * U.T @ R @ U @ B,
                          central_gradient(lambda X: sym_loss(Ps, U, X), B)) < TOL


def test_2R_is_wrong_for_nonsymmetric_P(symmetric):
    P, U, B = symmetric
    R = P - U @ B @ B.T @ U.T
    numeric = central_gradient(lambda X: sym_loss(P, X, B), U)
    assert relative_error(-4.0 * R @ U @ B @ B.T, numeric) > 0.1


def test_only_symmetric_part_of_P_matters(symmetric):
    """Exercise mf-ex-index-B (b): f = ||P_s - M||^2 + ||P_a||^2."""
    P, U, B = symmetric
    Ps, Pa = 0.5 * (P + P.T), 0.5 * (P - P.T)
    Mx = U @ B @ B.T @ U.T
    assert abs(sym_loss(P, U, B) - frob2(Ps - Mx) - frob2(Pa)) < 1e-10 * sym_loss(P, U, B)


def test_als_update_zeroes_the_gradient(dense):
    """Exercise mf-ex-als: U = P V (V^T V + lam I)^{-1} minimises over U."""
    P, U, V = dense
    U_star = np.linalg.solve(V.T @ V + LAM * np.eye(D), (P @ V).T).T
    numeric = central_gradient(lambda X: dense_loss(P, X, V, LAM), U_star)
    assert np.linalg.norm(numeric) < 1e-6
