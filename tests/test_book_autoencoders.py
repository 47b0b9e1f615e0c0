"""Numerical checks of every derivative stated in book/autoencoders.md.

The formulas are written here independently from the chapter's mathematics and
compared with central differences of the loss J = (1/2t) ||Z_k - X||_F^2.
Layer sizes are symmetric (n_j = n_{k-j}) but no weight matrix is square, so a
transposed term cannot pass by accident.
"""

import numpy as np
import pytest

from autograder.finite_differences import central_gradient, relative_error

TOL = 1e-7
T = 6

ACTIVATIONS = {
    # name: (f, f' as a function of the pre-activation A)
    "tanh": (np.tanh, lambda A: 1.0 - np.tanh(A) ** 2),
    "identity": (lambda A: A, lambda A: np.ones_like(A)),
    "sin": (np.sin, np.cos),
}


@pytest.fixture
def rng():
    return np.random.default_rng(20260306)


def make_problem(rng, sizes, scale=0.7):
    k = len(sizes) - 1
    K = k // 2
    X = rng.standard_normal((T, sizes[0]))
    Ws = [scale * rng.standard_normal((sizes[j], sizes[j + 1])) for j in range(K)]
    bs = [0.3 * rng.standard_normal(sizes[j + 1]) for j in range(k)]
    return X, Ws, bs


def logical(Ws, j, k):
    """W~_j for 1-based layer j: W_j in the encoder, W_{k-j+1}^T in the decoder."""
    K = k // 2
    return Ws[j - 1] if j <= K else Ws[k - j].T


def scale_of(alphas, j, k):
    """alpha_j for 1-based layer j; alphas holds alpha_K, ..., alpha_k (or is None)."""
    K = k // 2
    if alphas is None or j < K:
        return 1.0
    return alphas[j - K]


def loss(X, Ws, bs, acts, alphas=None):
    k = len(bs)
    Z = X
    for j in range(1, k + 1):
        f = ACTIVATIONS[acts[j - 1]][0]
        Z = scale_of(alphas, j, k) * f(Z @ logical(Ws, j, k) + bs[j - 1])
    return 0.5 * np.sum((Z - X) ** 2) / X.shape[0]


def chapter_gradients(X, Ws, bs, acts, alphas=None):
    """dJ/dW_j = Z_{j-1}^T D_j + D_{k-j+1}^T Z_{k-j}, dJ/db_j = D_j^T 1,
    dJ/dalpha_j = f_j(A_j) . E_j, with E_k = (Z_k - X)/t, D_j = alpha_j f'_j(A_j) * E_j,
    E_{j-1} = D_j W~_j^T.  Also returns the E_j and D_j (1-based dicts)."""
    t = X.shape[0]
    k = len(bs)
    K = k // 2
    Z, A, F = {0: X}, {}, {}
    for j in range(1, k + 1):
        A[j] = Z[j - 1] @ logical(Ws, j, k) + bs[j - 1]
        F[j] = ACTIVATIONS[acts[j - 1]][0](A[j])
        Z[j] = scale_of(alphas, j, k) * F[j]
    E, D = {k: (Z[k] - X) / t}, {}
    for j in range(k, 0, -1):
        D[j] = scale_of(alphas, j, k) * ACTIVATIONS[acts[j - 1]][1](A[j]) * E[j]
        E[j - 1] = D[j] @ logical(Ws, j, k).T
    dWs = [Z[j - 1].T @ D[j] + D[k - j + 1].T @ Z[k - j] for j in range(1, K + 1)]
    dbs = [D[j].sum(axis=0) for j in range(1, k + 1)]
    dalphas = np.array([np.sum(F[j] * E[j]) for j in range(K, k + 1)])
    return dWs, dbs, dalphas, E, D, Z, F


def check_weights_and_biases(X, Ws, bs, acts, alphas=None):
    dWs, dbs, *_ = chapter_gradients(X, Ws, bs, acts, alphas)
    for j, W in enumerate(Ws):
        def J_of_W(W_, j=j):
            trial = list(Ws)
            trial[j] = W_
            return loss(X, trial, bs, acts, alphas)

        assert dWs[j].shape == W.shape
        assert relative_error(dWs[j], central_gradient(J_of_W, W)) < TOL, f"W_{j + 1}"
    for j, b in enumerate(bs):
        def J_of_b(b_, j=j):
            trial = list(bs)
            trial[j] = b_
            return loss(X, Ws, trial, acts, alphas)

        assert dbs[j].shape == b.shape
        assert relative_error(dbs[j], central_gradient(J_of_b, b)) < TOL, f"b_{j + 1}"


# ---------------------------------------------------------------------------
# Tied weights, eq. autoencoder-eq-tied-grad
# ---------------------------------------------------------------------------


def test_tied_K1_weight_is_sum_of_two_terms(rng):
    """K = 1: dJ/dW = X^T D_1 + D_2^T Z_1 (eq. autoencoder-eq-k1)."""
    X, Ws, bs = make_problem(rng, [5, 3, 5])
    acts = ["tanh", "identity"]
    dWs, _, _, _, D, Z, _ = chapter_gradients(X, Ws, bs, acts)
    formula = X.T @ D[1] + D[2].T @ Z[1]
    assert np.allclose(formula, dWs[0])
    numeric = central_gradient(lambda W: loss(X, [W], bs, acts), Ws[0])
    assert relative_error(formula, numeric) < TOL
    # each term alone is wrong by order one
    assert relative_error(X.T @ D[1], numeric) > 1e-2
    assert relative_error(D[2].T @ Z[1], numeric) > 1e-2


def test_tied_K1_biases(rng):
    X, Ws, bs = make_problem(rng, [5, 3, 5])
    check_weights_and_biases(X, Ws, bs, ["tanh", "identity"])


def test_tied_K1_with_nonlinear_output(rng):
    X, Ws, bs = make_problem(rng, [4, 2, 4])
    check_weights_and_biases(X, Ws, bs, ["tanh", "tanh"])


def test_tied_K2_weights_and_biases(rng):
    X, Ws, bs = make_problem(rng, [5, 3, 2, 3, 5])
    check_weights_and_biases(X, Ws, bs, ["tanh", "sin", "tanh", "identity"])


def test_tied_K3_weights_and_biases(rng):
    X, Ws, bs = make_problem(rng, [6, 4, 3, 2, 3, 4, 6], scale=0.6)
    check_weights_and_biases(X, Ws, bs, ["tanh", "tanh", "sin", "tanh", "sin", "identity"])


def test_tied_K2_recursion_in_actual_matrices(rng):
    """Eq. autoencoder-eq-delta-actual: E_j = D_{j+1} W_{k-j} for K <= j < k, D_{j+1} W_{j+1}^T for j < K."""
    X, Ws, bs = make_problem(rng, [5, 3, 2, 3, 5])
    _, _, _, E, D, _, _ = chapter_gradients(X, Ws, bs, ["tanh", "tanh", "tanh", "identity"])
    k, K = 4, 2
    for j in range(1, k):
        expected = D[j + 1] @ (Ws[k - j - 1] if j >= K else Ws[j].T)
        assert np.allclose(E[j], expected)


def test_E_and_Delta_are_gradients_of_J_wrt_Z_and_A(rng):
    """E_j = dJ/dZ_j and D_j = dJ/dA_j, the definitions the recursion rests on."""
    sizes = [5, 3, 2, 3, 5]
    X, Ws, bs = make_problem(rng, sizes)
    acts = ["tanh", "sin", "tanh", "identity"]
    alphas = np.array([1.2, -0.8, 0.9])
    _, _, _, E, D, Z, _ = chapter_gradients(X, Ws, bs, acts, alphas)
    k = 4

    def rest_from_Z(Zj, j):
        Zc = Zj
        for i in range(j + 1, k + 1):
            f = ACTIVATIONS[acts[i - 1]][0]
            Zc = scale_of(alphas, i, k) * f(Zc @ logical(Ws, i, k) + bs[i - 1])
        return 0.5 * np.sum((Zc - X) ** 2) / T

    def rest_from_A(Aj, j):
        Zj = scale_of(alphas, j, k) * ACTIVATIONS[acts[j - 1]][0](Aj)
        return rest_from_Z(Zj, j)

    for j in range(1, k + 1):
        assert relative_error(E[j], central_gradient(lambda Zj, j=j: rest_from_Z(Zj, j), Z[j])) < TOL
        Aj = Z[j - 1] @ logical(Ws, j, k) + bs[j - 1]
        assert relative_error(D[j], central_gradient(lambda A_, j=j: rest_from_A(A_, j), Aj)) < TOL


def test_second_term_transposed_twice_has_wrong_shape(rng):
    X, Ws, bs = make_problem(rng, [5, 3, 2, 3, 5])
    _, _, _, _, D, Z, _ = chapter_gradients(X, Ws, bs, ["tanh", "tanh", "tanh", "identity"])
    assert (Z[3].T @ D[4]).shape == Ws[0].T.shape != Ws[0].shape


# ---------------------------------------------------------------------------
# Scaled activations, eqs. autoencoder-eq-scaled-delta, autoencoder-eq-dalpha, autoencoder-eq-scaled-recursion
# ---------------------------------------------------------------------------


def check_alphas(X, Ws, bs, acts, alphas):
    _, _, dalphas, _, _, _, _ = chapter_gradients(X, Ws, bs, acts, alphas)
    numeric = central_gradient(lambda a: loss(X, Ws, bs, acts, a), alphas)
    assert dalphas.shape == alphas.shape
    assert relative_error(dalphas, numeric) < TOL
    return dalphas


def test_scaled_K1_all_gradients(rng):
    X, Ws, bs = make_problem(rng, [5, 3, 5])
    acts = ["tanh", "identity"]
    alphas = np.array([1.4, 0.7])
    check_weights_and_biases(X, Ws, bs, acts, alphas)
    check_alphas(X, Ws, bs, acts, alphas)


def test_scaled_K2_all_gradients(rng):
    X, Ws, bs = make_problem(rng, [5, 3, 2, 3, 5])
    acts = ["tanh", "tanh", "sin", "identity"]
    alphas = np.array([1.3, -0.7, 0.8])
    check_weights_and_biases(X, Ws, bs, acts, alphas)
    check_alphas(X, Ws, bs, acts, alphas)


def test_scaled_K3_all_gradients(rng):
    X, Ws, bs = make_problem(rng, [6, 4, 3, 2, 3, 4, 6], scale=0.6)
    acts = ["tanh", "sin", "tanh", "tanh", "sin", "identity"]
    alphas = np.array([0.9, 1.2, -1.1, 0.6])
    check_weights_and_biases(X, Ws, bs, acts, alphas)
    check_alphas(X, Ws, bs, acts, alphas)


def test_dalpha_two_forms_agree_when_alpha_nonzero(rng):
    """f_j(A_j) . E_j = (1/alpha_j) Z_j . E_j for alpha_j != 0."""
    X, Ws, bs = make_problem(rng, [5, 3, 2, 3, 5])
    alphas = np.array([1.3, -0.7, 0.8])
    _, _, dalphas, E, _, Z, _ = chapter_gradients(X, Ws, bs, ["tanh", "tanh", "tanh", "identity"], alphas)
    other = np.array([np.sum(Z[j] * E[j]) / alphas[j - 2] for j in (2, 3, 4)])
    assert relative_error(dalphas, other) < 1e-12


def test_dalpha_at_zero_scale(rng):
    """At alpha_j = 0 the form f_j(A_j) . E_j is finite, nonzero and correct; all
    gradients below layer j vanish."""
    X, Ws, bs = make_problem(rng, [5, 3, 2, 3, 5])
    acts = ["tanh", "tanh", "tanh", "identity"]
    alphas = np.array([1.3, 0.0, 0.8])  # alpha_3 = 0
    dalphas = check_alphas(X, Ws, bs, acts, alphas)
    assert np.all(np.isfinite(dalphas)) and abs(dalphas[1]) > 1e-3
    check_weights_and_biases(X, Ws, bs, acts, alphas)
    _, _, _, _, D, _, _ = chapter_gradients(X, Ws, bs, acts, alphas)
    assert all(np.all(D[j] == 0) for j in (1, 2, 3))


def test_scaled_all_ones_is_plain_tied(rng):
    X, Ws, bs = make_problem(rng, [5, 3, 2, 3, 5])
    acts = ["tanh", "tanh", "tanh", "identity"]
    plain = chapter_gradients(X, Ws, bs, acts)
    scaled = chapter_gradients(X, Ws, bs, acts, np.ones(3))
    for a, b in zip(plain[0] + plain[1], scaled[0] + scaled[1], strict=True):
        assert np.array_equal(a, b)


def test_tanh_derivative_needs_F_not_Z(rng):
    """With Z_j = alpha_j F_j, 1 - Z_j * Z_j is not tanh'(A_j) unless alpha_j = +-1."""
    X, Ws, bs = make_problem(rng, [5, 3, 5])
    acts = ["tanh", "identity"]
    alphas = np.array([1.5, 0.8])
    _, _, _, E, _, Z, F = chapter_gradients(X, Ws, bs, acts, alphas)
    right = alphas[0] * (1 - F[1] * F[1]) * E[1]
    wrong = alphas[0] * (1 - Z[1] * Z[1]) * E[1]
    A1 = X @ Ws[0] + bs[0]

    def J_of_A1(A):
        Z1 = alphas[0] * np.tanh(A)
        Z2 = alphas[1] * (Z1 @ Ws[0].T + bs[1])
        return 0.5 * np.sum((Z2 - X) ** 2) / T

    numeric = central_gradient(J_of_A1, A1)
    assert relative_error(right, numeric) < TOL
    assert relative_error(wrong, numeric) > 1e-2


# ---------------------------------------------------------------------------
# The exercises
# ---------------------------------------------------------------------------


def test_exercise_sharing_rule(rng):
    """J(W) = F(W, W^T) has gradient F_U + F_V^T; here F(U, V) = sum(sin(X U V) * C)."""
    X = rng.standard_normal((T, 4))
    C = rng.standard_normal((T, 4))
    W = rng.standard_normal((4, 3))

    def F(U, V):
        return np.sum(np.sin(X @ U @ V) * C)

    G = np.cos(X @ W @ W.T) * C            # dF/d(XUV)
    F_U = X.T @ G @ W                      # (X^T G V^T) at V = W^T
    F_V = (X @ W).T @ G                    # (XU)^T G at U = W
    assert relative_error(F_U, central_gradient(lambda U: F(U, W.T), W)) < TOL
    # a C-ordered copy: central_gradient perturbs a flat view of its argument
    assert relative_error(F_V, central_gradient(lambda V: F(W, V), np.ascontiguousarray(W.T))) < TOL
    assert relative_error(F_U + F_V.T, central_gradient(lambda W_: F(W_, W_.T), W)) < TOL


def test_exercise_linear_tied(rng):
    """J = (1/2t)||X W W^T - X||^2: dJ/dW = (1/t)(X^T R W + R^T X W)."""
    X = rng.standard_normal((T, 5))
    W = rng.standard_normal((5, 2))
    R = X @ W @ W.T - X
    formula = (X.T @ R @ W + R.T @ X @ W) / T
    numeric = central_gradient(lambda W_: 0.5 * np.sum((X @ W_ @ W_.T - X) ** 2) / T, W)
    assert relative_error(formula, numeric) < TOL


def test_exercise_linear_tied_bound_is_attained(rng):
    X = rng.standard_normal((T, 5))
    m = 2
    _, sigma, Vt = np.linalg.svd(X, full_matrices=False)
    W = Vt[:m].T
    J = 0.5 * np.sum((X @ W @ W.T - X) ** 2) / T
    assert np.isclose(J, 0.5 * np.sum(sigma[m:] ** 2) / T)
    for _ in range(20):  # and no random W does better
        W_ = rng.standard_normal((5, m))
        assert 0.5 * np.sum((X @ W_ @ W_.T - X) ** 2) / T >= J - 1e-12


def test_exercise_product_of_scales(rng):
    """K = 1, identity output, no output bias: alpha_1 dJ/dalpha_1 = alpha_2 dJ/dalpha_2."""
    X, Ws, bs = make_problem(rng, [5, 3, 5])
    bs[1] = np.zeros(5)
    acts = ["tanh", "identity"]
    alphas = np.array([1.4, 0.6])
    dalphas = check_alphas(X, Ws, bs, acts, alphas)
    assert np.isclose(alphas[0] * dalphas[0], alphas[1] * dalphas[1], rtol=1e-10, atol=0)
