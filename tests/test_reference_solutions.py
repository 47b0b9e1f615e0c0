"""Every reference solution against central differences of its own loss.

The losses are written here from the problem statements, independently of the
grading modules; the reference code is read from the source notebooks, where it
exists once.
"""

import numpy as np
import pytest
from conftest import source_path

from autograder.finite_differences import central_gradient, relative_error
from autograder.notebooks import answer_namespace

rng = np.random.default_rng(2026)
PS01 = answer_namespace(source_path("ps01_gradient_checking"))
PS02 = answer_namespace(source_path("ps02_linear_layers"))
PS03 = answer_namespace(source_path("ps03_softmax_cross_entropy"))
PS04 = answer_namespace(source_path("ps04_feedforward_networks"))
PS05 = answer_namespace(source_path("ps05_autoencoders"))
PS06 = answer_namespace(source_path("ps06_nonlinear_least_squares"))
PS07 = answer_namespace(source_path("ps07_word_embeddings"))
PS08 = answer_namespace(source_path("ps08_matrix_factorization"))
PS09 = answer_namespace(source_path("ps09_weighted_factorization"))
TOL = 1e-7


def assert_gradient(loss, X, grad):
    assert grad.shape == X.shape
    assert relative_error(grad, central_gradient(loss, X)) < TOL


def test_numerical_gradient_matches_the_trusted_one():
    f = lambda X: float(np.sum(np.cos(X) * X**2))  # noqa: E731
    X = rng.standard_normal((3, 4))
    before = X.copy()
    assert relative_error(PS01["numerical_gradient"](f, X), central_gradient(f, X)) < 1e-9
    assert np.array_equal(X, before)


def test_directional_derivative_and_relative_error():
    f = lambda X: float(np.sum(np.cos(X) * X**2))  # noqa: E731
    X, V = rng.standard_normal((2, 3, 4))
    exact = np.sum((-np.sin(X) * X**2 + 2 * X * np.cos(X)) * V)
    assert abs(PS01["directional_derivative"](f, X, V) - exact) < 1e-7
    assert PS01["relative_error"](np.zeros(3), np.zeros(3)) == 0.0
    assert PS01["relative_error"](np.array([3.0, 4.0]), np.array([0.0, 4.0])) == pytest.approx(0.6)


def test_grad_trace_quadratic():
    A, X = rng.standard_normal((5, 5)), rng.standard_normal((5, 3))
    assert_gradient(lambda X: np.trace(X.T @ A @ X), X, PS01["grad_trace_quadratic"](A, X))


@pytest.mark.parametrize("weighted", [False, True])
def test_least_squares_gradients(weighted):
    A, X, B = rng.standard_normal((6, 4)), rng.standard_normal((4, 3)), rng.standard_normal((6, 3))
    M = rng.uniform(0.5, 2, (6, 3)) if weighted else np.ones((6, 3))
    loss = lambda X: 0.5 * np.linalg.norm(M * (A @ X - B)) ** 2  # noqa: E731
    grad = PS01["grad_weighted_least_squares"](A, X, B, M) if weighted else PS01["grad_least_squares"](A, X, B)
    assert_gradient(loss, X, grad)


def _layer_data(torch_layout=False):
    X = rng.standard_normal((5, 3))
    W = rng.standard_normal((4, 3) if torch_layout else (3, 4))
    b, C = rng.standard_normal(4), rng.standard_normal((5, 4))
    return X, W, b, C


@pytest.mark.parametrize("torch_layout", [False, True])
def test_linear_layer_gradients(torch_layout):
    X, W, b, C = _layer_data(torch_layout)
    forward = (lambda X, W, b: X @ W.T + b) if torch_layout else PS02["linear_forward"]
    backward = PS02["linear_backward_torch" if torch_layout else "linear_backward"]
    loss = lambda X, W, b: float(np.sum(C * np.sin(forward(X, W, b))))  # noqa: E731
    G = C * np.cos(forward(X, W, b))
    dX, dW, db = backward(G, X, W)
    assert_gradient(lambda X_: loss(X_, W, b), X, dX)
    assert_gradient(lambda W_: loss(X, W_, b), W, dW)
    assert_gradient(lambda b_: loss(X, W, b_), b, db)


def test_linear_forward_value():
    X, W, b, _ = _layer_data()
    expected = np.einsum("tn,nm->tm", X, W) + b[None, :]
    assert np.allclose(PS02["linear_forward"](X, W, b), expected)


def test_sigmoid_values_and_stability():
    a = np.array([-1e308, -800.0, -3.0, 0.0, 2.0, 800.0, 1e308])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = PS02["sigmoid"](a)
    assert np.allclose(s[2:5], [1 / (1 + np.exp(3.0)), 0.5, 1 / (1 + np.exp(-2.0))])
    assert s[0] == 0.0 and s[-1] == 1.0 and s[1] >= 0.0 and s[-2] == 1.0


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_backward(name):
    A = rng.standard_normal((4, 5))
    A[np.abs(A) < 1e-3] = 0.1
    C = rng.standard_normal(A.shape)
    forward = {"sigmoid": lambda A: 1 / (1 + np.exp(-A)), "tanh": np.tanh, "relu": lambda A: np.maximum(A, 0)}[name]
    second = A if name == "relu" else forward(A)
    grad = PS02[f"{name}_backward"](C, second)
    assert_gradient(lambda A_: float(np.sum(C * forward(A_))), A, grad)


@pytest.mark.parametrize("activation", ["tanh", "softplus"])
def test_dense_layer_kernels(activation):
    X, W, b, C = _layer_data()
    f = {"tanh": np.tanh, "softplus": lambda A: np.log1p(np.exp(A))}[activation]
    loss = lambda X, W, b: 0.5 * float(np.sum((f(X @ W + b) - C) ** 2))  # noqa: E731
    Z = f(X @ W + b)
    G = Z - C
    if activation == "tanh":
        dX, dW, db = PS02["dense_tanh_backward"](G, X, W, Z)
    else:
        dX, dW, db = PS02["dense_softplus_backward"](G, X, W, b)
    assert_gradient(lambda X_: loss(X_, W, b), X, dX)
    assert_gradient(lambda W_: loss(X, W_, b), W, dW)
    assert_gradient(lambda b_: loss(X, W, b_), b, db)


def _softmax_rows(A):
    E = np.exp(A - A.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _cross_entropy_after_softmax(A, T):
    return -float(np.sum(T * np.log(_softmax_rows(A)))) / A.shape[0]


def test_softmax_and_its_backward_pass():
    A, C = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    Y = PS03["softmax"](A)
    assert np.allclose(Y, _softmax_rows(A)) and np.allclose(Y.sum(axis=1), 1.0)
    assert_gradient(lambda A_: float(np.sum(C * _softmax_rows(A_))), A, PS03["softmax_backward"](C, Y))


def test_cross_entropy_and_its_gradient():
    Z = _softmax_rows(0.5 * rng.standard_normal((4, 5)))
    T = _softmax_rows(rng.standard_normal((4, 5)))
    loss = lambda Z_: -float(np.sum(T * np.log(Z_))) / 4  # noqa: E731
    assert PS03["cross_entropy"](Z, T) == pytest.approx(loss(Z))
    assert_gradient(loss, Z, PS03["cross_entropy_backward"](Z, T))


@pytest.mark.parametrize("targets", ["soft", "one-hot"])
def test_fused_softmax_cross_entropy(targets):
    A = 3 * rng.standard_normal((5, 4))
    y = rng.integers(0, 4, 5)
    T = _softmax_rows(rng.standard_normal((5, 4))) if targets == "soft" else np.eye(4)[y]
    loss, dA = PS03["softmax_cross_entropy"](A, T)
    assert loss == pytest.approx(_cross_entropy_after_softmax(A, T))
    assert_gradient(lambda A_: _cross_entropy_after_softmax(A_, T), A, dA)
    if targets == "one-hot":
        loss_labels, dA_labels = PS03["softmax_cross_entropy_labels"](A, y)
        assert loss_labels == pytest.approx(loss)
        assert_gradient(lambda A_: _cross_entropy_after_softmax(A_, T), A, dA_labels)


def test_label_smoothing_transfer_task():
    A, y, eps = 2 * rng.standard_normal((5, 4)), rng.integers(0, 4, 5), 0.2
    T = (1 - eps) * np.eye(4)[y] + eps / 4
    loss, dA = PS03["label_smoothing_loss_and_grad"](A, y, eps)
    assert loss == pytest.approx(_cross_entropy_after_softmax(A, T))
    assert_gradient(lambda A_: _cross_entropy_after_softmax(A_, T), A, dA)


def _network_objective(params, X, Y, activations, loss, weight_decay=0.0, l1=0.0):
    """J of a fully connected network, written out layer by layer."""
    functions = {"identity": lambda A: A, "tanh": np.tanh, "sigmoid": lambda A: 1 / (1 + np.exp(-A)),
                 "relu": lambda A: np.where(A > 0, A, 0.0), "softmax": _softmax_rows}
    Z = X
    for (W, b), name in zip(params, activations, strict=True):
        Z = functions[name](Z @ W + b)
    data = -np.sum(Y * np.log(Z)) if loss == "softmax_nll" else 0.5 * np.sum((Z - Y) ** 2)
    weights = [W for W, _ in params]
    return data / X.shape[0] + 0.5 * weight_decay * sum(np.sum(W**2) for W in weights) + l1 * sum(
        np.sum(np.abs(W)) for W in weights)


@pytest.mark.parametrize("activations, loss, weight_decay", [
    (("tanh", "identity"), "mse", 0.0),
    (("sigmoid", "relu", "identity"), "mse", 0.2),
    (("tanh", "softmax"), "softmax_nll", 0.1),
    (("softmax",), "softmax_nll", 0.0),
])
def test_mlp_gradients(activations, loss, weight_decay):
    sizes = [3, 4, 5][: len(activations)] + [2]
    params = [(rng.standard_normal((m, n)), rng.standard_normal(n)) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    X = rng.standard_normal((6, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 6)] if loss == "softmax_nll" else rng.standard_normal((6, 2))
    for name, l1 in (("mlp_loss_and_grad", 0.0), ("mlp_l1_loss_and_grad", 0.3)):
        if name == "mlp_l1_loss_and_grad":
            J, grads = PS04[name](params, X, Y, list(activations), loss, l1)
            decay = 0.0
        else:
            J, grads = PS04[name](params, X, Y, list(activations), loss, weight_decay)
            decay = weight_decay
        assert J == pytest.approx(_network_objective(params, X, Y, activations, loss, decay, l1))
        for j, (dW, db) in enumerate(grads):
            for part, grad in ((0, dW), (1, db)):
                def objective(P, j=j, part=part, decay=decay, l1=l1):
                    changed = [list(layer) for layer in params]
                    changed[j][part] = P
                    return _network_objective(changed, X, Y, activations, loss, decay, l1)
                assert_gradient(objective, params[j][part], grad)


def _autoencoder_objective(Ws, bs, X, activations, alphas=None, beta=0.0):
    """J of a tied auto-encoder, written out layer by layer."""
    functions = {"identity": lambda A: A, "tanh": np.tanh, "sigmoid": lambda A: 1 / (1 + np.exp(-A)),
                 "relu": lambda A: np.where(A > 0, A, 0.0)}
    K = len(Ws)
    layers = list(Ws) + [W.T for W in reversed(Ws)]
    scales = [1.0] * (K - 1) + (list(alphas) if alphas is not None else [1.0] * (K + 1))
    Z, penalty = X, 0.0
    for j, (W, b, name, scale) in enumerate(zip(layers, bs, activations, scales, strict=True)):
        Z = scale * functions[name](Z @ W + b)
        if j == K - 1:
            penalty = beta * np.sum(np.abs(Z))
    return (0.5 * np.sum((Z - X) ** 2) + penalty) / X.shape[0]


@pytest.mark.parametrize("variant", ["tied", "scaled", "sparse"])
def test_autoencoder_gradients(variant):
    sizes, activations = (6, 4, 3), ["tanh", "sigmoid", "tanh", "identity"]
    Ws = [rng.standard_normal((m, n)) / 2 for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.standard_normal(n) / 2 for n in (4, 3, 4, 6)]
    X = rng.standard_normal((5, 6))
    alphas = rng.uniform(0.5, 1.5, 3) if variant == "scaled" else None
    beta = 0.3 if variant == "sparse" else 0.0
    if variant == "tied":
        J, dWs, dbs = PS05["tied_autoencoder_loss_and_grad"](Ws, bs, X, activations)
    elif variant == "scaled":
        J, dWs, dbs, dalphas = PS05["scaled_tied_autoencoder_loss_and_grad"](Ws, bs, alphas, X, activations)
        assert_gradient(lambda a: _autoencoder_objective(Ws, bs, X, activations, a), alphas, dalphas)
    else:
        J, dWs, dbs = PS05["sparse_tied_autoencoder_loss_and_grad"](Ws, bs, X, activations, beta)
    assert J == pytest.approx(_autoencoder_objective(Ws, bs, X, activations, alphas, beta))
    for params, grads in ((Ws, dWs), (bs, dbs)):
        for index, grad in enumerate(grads):
            def objective(P, params=params, index=index):
                changed = list(params)
                changed[index] = P
                Ws_, bs_ = (changed, bs) if params is Ws else (Ws, changed)
                return _autoencoder_objective(Ws_, bs_, X, activations, alphas, beta)
            assert_gradient(objective, params[index], grad)


@pytest.mark.parametrize("squash", ["tanh", "sigmoid"])
def test_nonlinear_least_squares(squash):
    m, n, p = 300, 4, 3  # more rows than one block of the blocked kernel
    Y, X, C = rng.standard_normal((m, n)) / 2, rng.standard_normal((n, p)), rng.uniform(-1, 1, (m, p))
    g = np.tanh if squash == "tanh" else (lambda A: 1 / (1 + np.exp(-A)))
    objective = lambda X_: 0.5 * np.linalg.norm(g(Y @ X_) - C) ** 2  # noqa: E731
    f, grad = PS06[f"{squash}_least_squares"](X, Y, C)
    assert f == pytest.approx(objective(X))
    assert_gradient(objective, X, grad)
    if squash == "tanh":
        for i, j in ((0, 0), (3, 2), (1, 1)):
            assert PS06["tanh_least_squares_entry"](X, Y, C, i, j) == pytest.approx(grad[i, j])


def test_log_sigmoid_and_bilinear_gradient():
    x = np.array([-1e4, -30.0, -1.0, 0.0, 2.0, 50.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = PS07["log_sigmoid"](x)
    assert np.allclose(got[1:5], np.log(1 / (1 + np.exp(-x[1:5])))) and got[0] == -1e4
    u, B, v = rng.standard_normal(3), rng.standard_normal((3, 4)), rng.standard_normal(4)
    du, dB, dv = PS07["bilinear_grad"](u, B, v)
    assert_gradient(lambda u_: u_ @ B @ v, u, du)
    assert_gradient(lambda B_: u @ B_ @ v, B, dB)
    assert_gradient(lambda v_: u @ B @ v_, v, dv)


@pytest.mark.parametrize("weighted", [False, True])
def test_sgns_gradients_with_repeated_words(weighted):
    V, d, N, K = 6, 3, 8, 3
    W_in, W_out = rng.standard_normal((V, d)), rng.standard_normal((V, d))
    centers, contexts, negatives = rng.integers(0, V, N), rng.integers(0, V, N), rng.integers(0, V, (N, K))
    centers[:3] = 2
    weights = rng.uniform(0.5, 2, N) if weighted else np.ones(N)

    def loss(W_in_, W_out_):  # a loop over pairs, the definition itself
        total = 0.0
        for b in range(N):
            v = W_in_[centers[b]]
            total += weights[b] * np.log(1 / (1 + np.exp(-W_out_[contexts[b]] @ v)))
            total += weights[b] * sum(np.log(1 / (1 + np.exp(W_out_[n] @ v))) for n in negatives[b])
        return -total / N

    args = (W_in, W_out, centers, contexts, negatives)
    if weighted:
        value, dW_in, dW_out = PS07["weighted_sgns_loss_and_grad"](*args, weights)
    else:
        value, dW_in, dW_out = PS07["sgns_loss_and_grad"](*args)
    assert value == pytest.approx(loss(W_in, W_out))
    assert_gradient(lambda W: loss(W, W_out), W_in, dW_in)
    assert_gradient(lambda W: loss(W_in, W), W_out, dW_out)


def _entrywise_mf_loss(P, U, V, lam, a=None, b=None):
    """sum_ij (P_ij - U_i . V_j - a_i - b_j)^2 + lam (||U||^2 + ||V||^2), by loops over entries."""
    total = 0.0
    for i in range(P.shape[0]):
        for j in range(P.shape[1]):
            prediction = U[i] @ V[j] + (0.0 if a is None else a[i] + b[j])
            total += (P[i, j] - prediction) ** 2
    return total + lam * (np.sum(U ** 2) + np.sum(V ** 2))


@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_matrix_factorization_dense_and_sparse(lam):
    n, m, d = 7, 5, 3
    P, U, V = rng.standard_normal((n, m)), rng.standard_normal((n, d)), rng.standard_normal((m, d))
    f, dU, dV = PS08["mf_loss_and_grad"](P, U, V, lam)
    assert f == pytest.approx(_entrywise_mf_loss(P, U, V, lam))
    assert_gradient(lambda X: _entrywise_mf_loss(P, X, V, lam), U, dU)
    assert_gradient(lambda X: _entrywise_mf_loss(P, U, X, lam), V, dV)

    P[rng.random((n, m)) < 0.5] = 0.0
    P[2] = 0.0  # an empty row
    rows, cols = np.nonzero(P)
    shuffle = rng.permutation(rows.size)
    rows, cols = rows[shuffle], cols[shuffle]
    f, dU, dV = PS08["mf_loss_and_grad_sparse"](rows, cols, P[rows, cols], (n, m), U, V, lam)
    assert f == pytest.approx(_entrywise_mf_loss(P, U, V, lam))
    assert_gradient(lambda X: _entrywise_mf_loss(P, X, V, lam), U, dU)
    assert_gradient(lambda X: _entrywise_mf_loss(P, U, X, lam), V, dV)


def test_symmetric_factorization_with_a_nonsymmetric_P():
    n, d, k = 5, 3, 2
    P, U, B = rng.standard_normal((n, n)), rng.standard_normal((n, d)), rng.standard_normal((d, k))
    assert np.abs(P - P.T).max() > 0.1
    loss = lambda U_, B_: float(np.sum((P - U_ @ B_ @ B_.T @ U_.T) ** 2))  # noqa: E731
    f, dU, dB = PS08["symmetric_mf_loss_and_grad"](P, U, B)
    assert f == pytest.approx(loss(U, B))
    assert_gradient(lambda X: loss(X, B), U, dU)
    assert_gradient(lambda X: loss(U, X), B, dB)


def test_matrix_factorization_with_biases():
    n, m, d, lam = 6, 4, 2, 0.2
    P, U, V = rng.standard_normal((n, m)), rng.standard_normal((n, d)), rng.standard_normal((m, d))
    a, b = rng.standard_normal(n), rng.standard_normal(m)
    f, dU, dV, da, db = PS08["biased_mf_loss_and_grad"](P, U, V, a, b, lam)
    assert f == pytest.approx(_entrywise_mf_loss(P, U, V, lam, a, b))
    assert_gradient(lambda X: _entrywise_mf_loss(P, X, V, lam, a, b), U, dU)
    assert_gradient(lambda X: _entrywise_mf_loss(P, U, X, lam, a, b), V, dV)
    assert_gradient(lambda X: _entrywise_mf_loss(P, U, V, lam, X, b), a, da)
    assert_gradient(lambda X: _entrywise_mf_loss(P, U, V, lam, a, X), b, db)


def _weighted_loss(Y, C, W, H, lam, row_lams=None):
    """sum_ij C_ij (Y_ij - W_i . H_j)^2 plus the penalties, by loops over entries."""
    total = sum(C[i, j] * (Y[i, j] - W[i] @ H[j]) ** 2 for i in range(Y.shape[0]) for j in range(Y.shape[1]))
    if row_lams is not None:
        return total + sum(row_lams[i] * W[i] @ W[i] for i in range(W.shape[0]))
    return total + lam * (np.sum(W ** 2) + np.sum(H ** 2))


def test_weighted_factorization_gradients():
    m, n, d, lam = 5, 6, 3, 0.4
    Y, C = rng.standard_normal((m, n)), rng.uniform(0, 2, (m, n))
    W, H = rng.standard_normal((m, d)), rng.standard_normal((n, d))
    f, dW, dH = PS09["wmf_loss_and_grad"](Y, C, W, H, lam)
    assert f == pytest.approx(_weighted_loss(Y, C, W, H, lam))
    assert_gradient(lambda X: _weighted_loss(Y, C, X, H, lam), W, dW)
    assert_gradient(lambda X: _weighted_loss(Y, C, W, X, lam), H, dH)
    for k in range(m):
        assert np.allclose(PS09["wmf_row_grad"](Y, C, W, H, k, lam), dW[k])


def _assert_row_minimiser(loss, W):
    """A minimiser of a convex quadratic: zero gradient, and no nearby point is lower."""
    grad = central_gradient(loss, W)
    assert np.linalg.norm(grad) < 1e-6 * max(1.0, abs(loss(W)))
    for _ in range(3):
        assert loss(W + 1e-3 * rng.standard_normal(W.shape)) > loss(W)


@pytest.mark.parametrize("per_row", [False, True])
def test_weighted_als_updates_minimise(per_row):
    m, n, d = 4, 7, 3
    Y, C, H = rng.standard_normal((m, n)), rng.uniform(0, 2, (m, n)), rng.standard_normal((n, d))
    if per_row:
        lams = rng.uniform(0.1, 3.0, m)
        W = PS09["wals_update_W_row_penalties"](Y, C, H, lams)
        _assert_row_minimiser(lambda W_: _weighted_loss(Y, C, W_, H, 0.0, lams), W)
    else:
        W = PS09["wals_update_W"](Y, C, H, 0.5)
        _assert_row_minimiser(lambda W_: _weighted_loss(Y, C, W_, H, 0.5), W)


def test_implicit_update_minimises_the_confidence_weighted_loss():
    m, n, d, alpha, lam = 5, 8, 3, 3.0, 0.2
    R = rng.integers(1, 5, (m, n)) * (rng.random((m, n)) < 0.4)
    R[3] = 0  # a user without observations
    rows, cols = np.nonzero(R)
    H = rng.standard_normal((n, d))
    W = PS09["implicit_als_update"](rows, cols, R[rows, cols].astype(float), (m, n), H, alpha, lam)
    P, C = (R > 0).astype(float), 1.0 + alpha * R
    assert np.allclose(W[3], 0.0)
    _assert_row_minimiser(lambda W_: _weighted_loss(P, C, W_, H, 0.0, np.full(m, lam)), W)
