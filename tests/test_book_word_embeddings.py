"""Numerical checks of every derivative stated in book/word_embeddings.md.

Each formula is written here independently from the chapter's mathematics and
compared with central differences.  Sizes are all different so that a
transposed formula cannot pass by accident, and the batches contain repeated
indices so that a gradient which drops duplicates cannot pass either.
"""

import numpy as np
import pytest

from autograder.finite_differences import central_gradient, relative_error

TOL = 1e-7
V, D = 7, 3


@pytest.fixture
def rng():
    return np.random.default_rng(20260308)


def sig(x):
    """Reference sigmoid for tests (inputs here are moderate, no overflow)."""
    return 1.0 / (1.0 + np.exp(-x))


def log_sig_reference(x):
    """log sigma(x) = -log(1 + e^{-x}), fine for the moderate inputs used here."""
    return -np.log1p(np.exp(-x))


# ---------------------------------------------------------------------------
# The sigmoid and its logarithm (scalars, checked on a vector of points).
# ---------------------------------------------------------------------------


@pytest.fixture
def points(rng):
    return rng.uniform(-6.0, 6.0, size=9)


def test_sigmoid_derivative_is_sigma_times_one_minus_sigma(points):
    formula = sig(points) * (1.0 - sig(points))
    numeric = central_gradient(lambda x: np.sum(sig(x)), points)
    assert relative_error(formula, numeric) < TOL


def test_sigmoid_symmetry():
    x = np.linspace(-8.0, 8.0, 33)
    np.testing.assert_allclose(sig(-x), 1.0 - sig(x), rtol=1e-12, atol=1e-15)


def test_log_sigmoid_derivative_is_sigma_of_minus_x(points):
    formula = sig(-points)
    numeric = central_gradient(lambda x: np.sum(log_sig_reference(x)), points)
    assert relative_error(formula, numeric) < TOL


def test_log_sigmoid_of_minus_x_derivative_is_minus_sigma(points):
    formula = -sig(points)
    numeric = central_gradient(lambda x: np.sum(log_sig_reference(-x)), points)
    assert relative_error(formula, numeric) < TOL


def test_log_sigmoid_second_derivative_exercise(points):
    formula = -sig(points) * sig(-points)
    numeric = central_gradient(lambda x: np.sum(sig(-x)), points)  # derivative of (log sigma)'
    assert relative_error(formula, numeric) < TOL


def test_stable_log_sigmoid_formula_agrees_and_is_finite():
    x = np.array([-1000.0, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1000.0])
    stable = np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))
    assert np.all(np.isfinite(stable))
    moderate = np.abs(x) <= 40
    np.testing.assert_allclose(stable[moderate], log_sig_reference(x[moderate]), rtol=1e-14)
    np.testing.assert_allclose(stable[x <= -800], x[x <= -800], rtol=1e-15)
    np.testing.assert_allclose(stable[x == 40.0], -np.exp(-40.0), rtol=1e-12)


# ---------------------------------------------------------------------------
# One scored pair: d/dv log sigma(y u.v) = y sigma(-y s) u, and symmetrically.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("y", [1.0, -1.0])
def test_pair_gradient_wrt_v(rng, y):
    u, v = rng.standard_normal(D), rng.standard_normal(D)
    s = u @ v
    formula = y * sig(-y * s) * u
    numeric = central_gradient(lambda v_: log_sig_reference(y * (u @ v_)), v)
    assert relative_error(formula, numeric) < TOL


@pytest.mark.parametrize("y", [1.0, -1.0])
def test_pair_gradient_wrt_u(rng, y):
    u, v = rng.standard_normal(D), rng.standard_normal(D)
    s = u @ v
    formula = y * sig(-y * s) * v
    numeric = central_gradient(lambda u_: log_sig_reference(y * (u_ @ v)), u)
    assert relative_error(formula, numeric) < TOL


def test_pair_table_positive_and_negative(rng):
    u, v = rng.standard_normal(D), rng.standard_normal(D)
    s = u @ v
    pos = central_gradient(lambda v_: log_sig_reference(u @ v_), v)
    neg = central_gradient(lambda v_: log_sig_reference(-(u @ v_)), v)
    assert relative_error((1.0 - sig(s)) * u, pos) < TOL
    assert relative_error(-sig(s) * u, neg) < TOL


# ---------------------------------------------------------------------------
# Bilinear form f = u^T B v, u in R^m, B in R^{m x n}, v in R^n, m != n.
# ---------------------------------------------------------------------------


@pytest.fixture
def bilinear(rng):
    m, n = 4, 3
    return rng.standard_normal(m), rng.standard_normal((m, n)), rng.standard_normal(n)


def test_bilinear_grad_u_is_Bv(bilinear):
    u, B, v = bilinear
    numeric = central_gradient(lambda u_: u_ @ B @ v, u)
    assert relative_error(B @ v, numeric) < TOL


def test_bilinear_grad_B_is_outer_u_v(bilinear):
    u, B, v = bilinear
    formula = np.outer(u, v)
    numeric = central_gradient(lambda B_: u @ B_ @ v, B)
    assert formula.shape == B.shape
    assert relative_error(formula, numeric) < TOL


def test_bilinear_grad_v_is_BT_u(bilinear):
    u, B, v = bilinear
    numeric = central_gradient(lambda v_: u @ B @ v_, v)
    assert relative_error(B.T @ u, numeric) < TOL


@pytest.mark.parametrize("y", [1.0, -1.0])
def test_bilinear_score_exercise(rng, y):
    u, B, v = rng.standard_normal(D), rng.standard_normal((D, D)), rng.standard_normal(D)
    s = u @ B @ v
    c = y * sig(-y * s)
    for formula, var, f in [
        (c * B @ v, u, lambda u_: log_sig_reference(y * (u_ @ B @ v))),
        (c * np.outer(u, v), B, lambda B_: log_sig_reference(y * (u @ B_ @ v))),
        (c * B.T @ u, v, lambda v_: log_sig_reference(y * (u @ B @ v_))),
    ]:
        assert relative_error(formula, central_gradient(f, var)) < TOL


# ---------------------------------------------------------------------------
# Gathering: d/dW of G . (S W) is S^T G, with repeated rows in S.
# ---------------------------------------------------------------------------


def test_gather_gradient_is_selection_transpose(rng):
    rows = np.array([0, 2, 0, 5, 0, 2])
    S = np.eye(V)[rows]
    W = rng.standard_normal((V, D))
    G = rng.standard_normal((rows.size, D))
    numeric = central_gradient(lambda W_: np.sum(G * W_[rows]), W)
    assert relative_error(S.T @ G, numeric) < TOL


# ---------------------------------------------------------------------------
# The SGNS batch loss and its batched gradient.
# ---------------------------------------------------------------------------


def sgns_loss_loops(W_in, W_out, centers, contexts, negatives):
    """The loss (sgns-eq-loss), written with explicit loops."""
    total = 0.0
    for b in range(len(centers)):
        v = W_in[centers[b]]
        total += log_sig_reference(W_out[contexts[b]] @ v)
        for n in negatives[b]:
            total += log_sig_reference(-(W_out[n] @ v))
    return -total / len(centers)


def sgns_grad_one_hot(W_in, W_out, centers, contexts, negatives):
    """The gradient from (sgns-eq-coefficients) and (sgns-eq-batch-grad) with dense S."""
    N, K = negatives.shape
    i_rows = np.repeat(centers, K + 1)
    o_rows = np.concatenate([contexts[:, None], negatives], axis=1).reshape(-1)
    y = np.where(np.arange(N * (K + 1)) % (K + 1) == 0, 1.0, -1.0)
    S_in, S_out = np.eye(len(W_in))[i_rows], np.eye(len(W_out))[o_rows]
    Vb, Ub = S_in @ W_in, S_out @ W_out
    s = np.einsum("pk,pk->p", Ub, Vb)
    g = -y * sig(-y * s) / N
    return S_in.T @ (g[:, None] * Ub), S_out.T @ (g[:, None] * Vb)


@pytest.fixture
def batch(rng):
    W_in = 0.7 * rng.standard_normal((V, D))
    W_out = 0.7 * rng.standard_normal((V, D))
    centers = np.array([1, 4, 1, 1, 6])
    contexts = np.array([3, 3, 0, 3, 1])
    negatives = np.array([[2, 1], [4, 4], [3, 2], [1, 0], [5, 5]])
    return W_in, W_out, centers, contexts, negatives


def test_sgns_batch_gradient_wrt_W_in(batch):
    W_in, W_out, c, o, n = batch
    formula, _ = sgns_grad_one_hot(W_in, W_out, c, o, n)
    numeric = central_gradient(lambda W: sgns_loss_loops(W, W_out, c, o, n), W_in)
    assert formula.shape == W_in.shape
    assert relative_error(formula, numeric) < TOL


def test_sgns_batch_gradient_wrt_W_out(batch):
    W_in, W_out, c, o, n = batch
    _, formula = sgns_grad_one_hot(W_in, W_out, c, o, n)
    numeric = central_gradient(lambda W: sgns_loss_loops(W_in, W, c, o, n), W_out)
    assert formula.shape == W_out.shape
    assert relative_error(formula, numeric) < TOL


def test_sgns_rows_formula_and_buffered_bug(batch):
    """Row formula (sgns-eq-batch-rows) with np.add.at; `+=` with fancy indices differs."""
    W_in, W_out, c, o, n = batch
    N, K = n.shape
    i_rows = np.repeat(c, K + 1)
    o_rows = np.concatenate([o[:, None], n], axis=1).reshape(-1)
    y = np.tile(np.r_[1.0, -np.ones(K)], N)
    s = np.sum(W_in[i_rows] * W_out[o_rows], axis=1)
    g = -y * sig(-y * s) / N
    added = np.zeros_like(W_in)
    np.add.at(added, i_rows, g[:, None] * W_out[o_rows])
    numeric = central_gradient(lambda W: sgns_loss_loops(W, W_out, c, o, n), W_in)
    assert relative_error(added, numeric) < TOL
    buffered = np.zeros_like(W_in)
    buffered[i_rows] += g[:, None] * W_out[o_rows]
    assert relative_error(buffered, numeric) > 0.1


def test_duplicates_exercise(rng):
    """N copies of one positive pair: the gradient is that of a single pair."""
    W_in, W_out = rng.standard_normal((V, D)), rng.standard_normal((V, D))
    N = 4
    c, o, n = np.full(N, 2), np.full(N, 5), np.zeros((N, 0), dtype=int)
    numeric = central_gradient(lambda W: sgns_loss_loops(W, W_out, c, o, n), W_in)
    s = W_out[5] @ W_in[2]
    expected = np.zeros_like(W_in)
    expected[2] = -sig(-s) * W_out[5]
    assert relative_error(expected, numeric) < TOL


# ---------------------------------------------------------------------------
# The shifted-PMI optimum: the derivative of l_wc vanishes at s*.
# ---------------------------------------------------------------------------


def test_pmi_optimum_is_stationary_and_a_maximum():
    count_wc, count_w, q_c, K = 13.0, 120.0, 0.04, 5
    s_star = np.log(count_wc / (count_w * q_c)) - np.log(K)

    def ell(s):
        return count_wc * log_sig_reference(s) + K * count_w * q_c * log_sig_reference(-s)

    deriv = central_gradient(lambda s: np.sum(ell(s)), np.array([s_star]))
    assert abs(deriv[0]) < 1e-7 * count_wc
    formula = count_wc * sig(-s_star) - K * count_w * q_c * sig(s_star)
    assert abs(formula) < 1e-12 * count_wc
    assert ell(s_star) > ell(s_star + 0.1) and ell(s_star) > ell(s_star - 0.1)
