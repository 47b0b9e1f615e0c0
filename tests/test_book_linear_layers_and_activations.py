"""Numerical checks of every derivative stated in book/linear_layers_and_activations.md.

Each formula is written here independently from the chapter's mathematics and
compared with central differences of a scalar loss.  Sizes t, n, m are all
different so that a transposed formula cannot pass by accident.
"""

import warnings

import numpy as np
import pytest

from autograder.finite_differences import central_gradient, relative_error

T, N, M = 5, 3, 4
TOL = 1e-7


@pytest.fixture
def rng():
    return np.random.default_rng(20260303)


def logistic(a):
    """Reference sigmoid for tests, evaluated where exp(-a) cannot overflow."""
    return 1.0 / (1.0 + np.exp(-a))


def away_from_zero(rng, shape, gap=0.05):
    """Standard normal entries pushed away from 0 by gap (ReLU's kink is at 0)."""
    A = rng.standard_normal(shape)
    return A + gap * np.where(A >= 0, 1.0, -1.0)


# ---------------------------------------------------------------------------
# Linear layer A = X W + 1 b^T, W in R^{n x m}; J = G . A so dJ/dA = G.
# ---------------------------------------------------------------------------


@pytest.fixture
def linear(rng):
    X = rng.standard_normal((T, N))
    W = rng.standard_normal((N, M))
    b = rng.standard_normal(M)
    G = rng.standard_normal((T, M))
    return X, W, b, G


def test_linear_dW_is_XT_G(linear):
    X, W, b, G = linear
    formula = X.T @ G
    numeric = central_gradient(lambda W_: np.sum(G * (X @ W_ + b)), W)
    assert formula.shape == W.shape
    assert relative_error(formula, numeric) < TOL


def test_linear_db_is_column_sums_of_G(linear):
    X, W, b, G = linear
    formula = np.ones(T) @ G
    numeric = central_gradient(lambda b_: np.sum(G * (X @ W + b_)), b)
    assert formula.shape == (M,)
    assert relative_error(formula, numeric) < TOL


def test_linear_dX_is_G_WT(linear):
    X, W, b, G = linear
    formula = G @ W.T
    numeric = central_gradient(lambda X_: np.sum(G * (X_ @ W + b)), X)
    assert formula.shape == X.shape
    assert relative_error(formula, numeric) < TOL


def test_linear_grads_with_nonlinear_loss(rng):
    """Same formulas with G = dJ/dA of J = 1/2 ||A - Y||^2 (G depends on A)."""
    X = rng.standard_normal((T, N))
    W = rng.standard_normal((N, M))
    b = rng.standard_normal(M)
    Y = rng.standard_normal((T, M))
    G = X @ W + b - Y

    def loss(X_, W_, b_):
        return 0.5 * np.sum((X_ @ W_ + b_ - Y) ** 2)

    assert relative_error(X.T @ G, central_gradient(lambda W_: loss(X, W_, b), W)) < TOL
    assert relative_error(G.sum(axis=0), central_gradient(lambda b_: loss(X, W, b_), b)) < TOL
    assert relative_error(G @ W.T, central_gradient(lambda X_: loss(X_, W, b), X)) < TOL


def test_bias_as_extra_column(linear):
    """Exercise linear-ex-bias-column: [X 1]^T G stacks dJ/dW on top of dJ/db."""
    X, W, b, G = linear
    X_aug = np.hstack([X, np.ones((T, 1))])
    W_aug = np.vstack([W, b[None, :]])
    assert relative_error(X_aug @ W_aug, X @ W + b) < 1e-15
    formula = X_aug.T @ G
    numeric = central_gradient(lambda V: np.sum(G * (X_aug @ V)), W_aug)
    assert relative_error(formula, numeric) < TOL
    assert relative_error(formula[:N], X.T @ G) < 1e-15
    assert relative_error(formula[N], G.sum(axis=0)) < 1e-15


def test_weight_gradient_is_sum_of_outer_products(linear):
    """Exercise linear-ex-outer: X^T G = sum_i x_i^T g_i, each of rank one."""
    X, _, _, G = linear
    total = sum(np.outer(X[i], G[i]) for i in range(T))
    assert relative_error(X.T @ G, total) < 1e-14
    assert np.linalg.matrix_rank(np.outer(X[0], G[0])) == 1


# ---------------------------------------------------------------------------
# PyTorch layout A = X W^T + 1 b^T, W in R^{m x n}.
# ---------------------------------------------------------------------------


@pytest.fixture
def torch_layout(rng):
    X = rng.standard_normal((T, N))
    W = rng.standard_normal((M, N))
    b = rng.standard_normal(M)
    G = rng.standard_normal((T, M))
    return X, W, b, G


def test_torch_dW_is_GT_X(torch_layout):
    X, W, b, G = torch_layout
    formula = G.T @ X
    numeric = central_gradient(lambda W_: np.sum(G * (X @ W_.T + b)), W)
    assert formula.shape == W.shape == (M, N)
    assert relative_error(formula, numeric) < TOL


def test_torch_dX_is_G_W(torch_layout):
    X, W, b, G = torch_layout
    formula = G @ W
    numeric = central_gradient(lambda X_: np.sum(G * (X_ @ W.T + b)), X)
    assert formula.shape == X.shape
    assert relative_error(formula, numeric) < TOL


def test_torch_db_is_column_sums_of_G(torch_layout):
    X, W, b, G = torch_layout
    formula = G.T @ np.ones(T)
    numeric = central_gradient(lambda b_: np.sum(G * (X @ W.T + b_)), b)
    assert formula.shape == (M,)
    assert relative_error(formula, numeric) < TOL


def test_torch_layout_is_transpose_of_ours(torch_layout):
    """dJ/dW_torch = (dJ/dW_ours)^T when W_torch = W_ours^T."""
    X, W, b, G = torch_layout
    W_ours = W.T.copy()  # n x m: the same layer in the A = X W + 1 b^T layout
    assert relative_error(X @ W.T + b, X @ W_ours + b) == 0.0
    assert relative_error(G.T @ X, (X.T @ G).T) == 0.0
    assert relative_error(G @ W, G @ W_ours.T) == 0.0


# ---------------------------------------------------------------------------
# Element-wise activations Z = f(A), J = G . Z so dJ/dZ = G.
# ---------------------------------------------------------------------------


@pytest.fixture
def act(rng):
    A = away_from_zero(rng, (T, M)) * 2.0
    G = rng.standard_normal((T, M))
    return A, G


def test_sigmoid_scalar_derivative():
    """sigma'(a) = sigma(a) (1 - sigma(a)) at a few scalars."""
    for a in (-3.0, -0.7, 0.0, 0.4, 2.5):
        s = logistic(a)
        numeric = (logistic(a + 1e-6) - logistic(a - 1e-6)) / 2e-6
        assert abs(s * (1 - s) - numeric) < 1e-9
    assert abs(logistic(0.0) * (1 - logistic(0.0)) - 0.25) < 1e-15


def test_sigmoid_symmetry():
    a = np.linspace(-30, 30, 121)
    assert np.max(np.abs(logistic(-a) - (1 - logistic(a)))) < 1e-15


def test_sigmoid_backward_in_terms_of_output(act):
    A, G = act
    Z = logistic(A)
    formula = G * Z * (1 - Z)
    numeric = central_gradient(lambda A_: np.sum(G * logistic(A_)), A)
    assert relative_error(formula, numeric) < TOL


def test_seed_sigmoid_has_the_opposite_sign():
    """The erratum: s(x) = 1/(1 + e^x) has s' = -s (1 - s), not +s (1 - s)."""
    def s(x):
        return 1.0 / (1.0 + np.exp(x))

    for x in (-2.0, -0.3, 0.5, 1.7):
        numeric = (s(x + 1e-6) - s(x - 1e-6)) / 2e-6
        assert abs(-s(x) * (1 - s(x)) - numeric) < 1e-9
        assert abs(s(x) * (1 - s(x)) - numeric) > 1e-2
        assert abs(s(x) - logistic(-x)) < 1e-15


def test_tanh_backward_in_terms_of_output(act):
    A, G = act
    Z = np.tanh(A)
    formula = G * (1 - Z * Z)
    numeric = central_gradient(lambda A_: np.sum(G * np.tanh(A_)), A)
    assert relative_error(formula, numeric) < TOL


def test_tanh_is_rescaled_sigmoid():
    """Exercise linear-ex-tanh-sigmoid: tanh a = 2 sigma(2a) - 1, tanh' = 4 s (1 - s)."""
    a = np.linspace(-6, 6, 49)
    s = logistic(2 * a)
    assert np.max(np.abs(np.tanh(a) - (2 * s - 1))) < 1e-15
    assert np.max(np.abs((1 - np.tanh(a) ** 2) - 4 * s * (1 - s))) < 1e-14


def test_relu_backward_mask_of_input(act):
    A, G = act
    formula = G * (A > 0)
    numeric = central_gradient(lambda A_: np.sum(G * np.maximum(A_, 0.0)), A)
    assert relative_error(formula, numeric) < TOL
    # multiplying by the output instead of the mask is wrong
    assert relative_error(G * np.maximum(A, 0.0), numeric) > 0.1


def test_relu_central_difference_at_the_kink():
    """Exercise linear-ex-relu-fd: (a + h) / 2h for |a| < h, 1/2 at a = 0."""
    h = 1e-3

    def relu(a):
        return max(a, 0.0)

    def fd(a):
        return (relu(a + h) - relu(a - h)) / (2 * h)

    assert abs(fd(0.0) - 0.5) < 1e-12
    for a in (-0.7e-3, -0.2e-3, 0.3e-3, 0.9e-3):
        assert abs(fd(a) - (a + h) / (2 * h)) < 1e-9
    assert fd(2e-3) == pytest.approx(1.0, abs=1e-12)
    assert fd(-2e-3) == 0.0


def test_general_elementwise_rule(act):
    """dJ/dA = G * f'(A) for an activation not in the chapter's list (softplus)."""
    A, G = act
    formula = G * logistic(A)  # softplus' = sigmoid
    numeric = central_gradient(lambda A_: np.sum(G * np.log1p(np.exp(A_))), A)
    assert relative_error(formula, numeric) < TOL


# ---------------------------------------------------------------------------
# Numerically stable sigmoid, eq. linear-eq-stable-sigmoid (math checked here).
# ---------------------------------------------------------------------------


def split_formula(a):
    u = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + u), u / (1.0 + u))


def test_stable_sigmoid_agrees_with_definition():
    a = np.linspace(-30, 30, 241)
    assert np.max(np.abs(split_formula(a) - logistic(a))) < 1e-16
    # relative accuracy for very negative a, where sigma(a) ~ e^a
    b = np.array([-50.0, -200.0, -700.0])
    assert np.max(np.abs(split_formula(b) / np.exp(b) - 1)) < 1e-14


def test_stable_sigmoid_does_not_warn_and_naive_does():
    a = np.array([-1000.0, -710.0, 0.0, 710.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = split_formula(a)
    assert np.all(np.isfinite(out))
    assert out[0] == 0.0 and out[-1] == 1.0 and out[2] == 0.5
    with pytest.warns(RuntimeWarning, match="overflow"):
        logistic(a)
    assert np.log(np.finfo(np.float64).max) == pytest.approx(709.78, abs=0.01)


def test_tanh_form_of_sigmoid_loses_small_values():
    """1/2 (1 + tanh(a/2)) returns 0 for sigma(-40) ~ 4.2e-18."""
    assert np.tanh(-20.0) == -1.0
    assert 0.5 * (1 + np.tanh(-20.0)) == 0.0
    assert split_formula(np.array([-40.0]))[0] == pytest.approx(4.248e-18, rel=1e-3)


# ---------------------------------------------------------------------------
# Dense layers Z = f(X W + 1 b^T), with a nonlinear loss J = 1/2 ||Z - Y||^2.
# ---------------------------------------------------------------------------


@pytest.fixture
def dense(rng):
    X = rng.standard_normal((T, N))
    W = rng.standard_normal((N, M)) / np.sqrt(N)
    b = 0.1 * rng.standard_normal(M)
    Y = rng.uniform(-0.5, 0.5, (T, M))
    return X, W, b, Y


def _dense_checks(X, W, b, Y, f, delta_from_output):
    def loss(X_, W_, b_):
        return 0.5 * np.sum((f(X_ @ W_ + b_) - Y) ** 2)

    Z = f(X @ W + b)
    G = Z - Y
    D = delta_from_output(G, Z)
    assert relative_error(D @ W.T, central_gradient(lambda X_: loss(X_, W, b), X)) < TOL
    assert relative_error(X.T @ D, central_gradient(lambda W_: loss(X, W_, b), W)) < TOL
    assert relative_error(D.T @ np.ones(T), central_gradient(lambda b_: loss(X, W, b_), b)) < TOL


def test_dense_tanh_backward(dense):
    X, W, b, Y = dense
    _dense_checks(X, W, b, Y, np.tanh, lambda G, Z: G * (1 - Z * Z))


def test_dense_tanh_weight_gradient_index_form(dense):
    """dJ/dW_pq = sum_i X_ip G_iq (1 - Z_iq^2), written with explicit loops."""
    X, W, b, Y = dense
    Z = np.tanh(X @ W + b)
    G = Z - Y
    entry = np.zeros((N, M))
    for p in range(N):
        for q in range(M):
            entry[p, q] = sum(X[i, p] * G[i, q] * (1 - Z[i, q] ** 2) for i in range(T))
    numeric = central_gradient(lambda W_: 0.5 * np.sum((np.tanh(X @ W_ + b) - Y) ** 2), W)
    assert relative_error(entry, numeric) < TOL


def test_dense_sigmoid_backward(dense):
    """Exercise linear-ex-dense-sigmoid."""
    X, W, b, Y = dense
    _dense_checks(X, W, b, Y + 0.5, logistic, lambda G, Z: G * Z * (1 - Z))
