"""Numerical checks of every gradient stated in book/feedforward_networks.md.

The network is Z_0 = X, A_j = Z_{j-1} W_j + 1 b_j^T, Z_j = f_j(A_j), with the
objective J = (1/t) sum_i l(z_i, y_i) + (lam/2) sum_j ||W_j||_F^2.  The
formulas below are written independently from the chapter's mathematics:

    top, squared error   Delta_k = f_k'(A_k) * (Z_k - Y) / t
    top, softmax + NLL   Delta_k = (Z_k - Y) / t            (rows of Y sum to 1)
    recursion            Delta_j = f_j'(A_j) * (Delta_{j+1} W_{j+1}^T)
    gradients            dJ/dW_j = Z_{j-1}^T Delta_j + lam W_j,  dJ/db_j = Delta_j^T 1

and each is compared with central differences on small seeded float64 inputs.
Layer widths are all different, so that a transposed formula cannot pass.
"""

import numpy as np
import pytest

from autograder.finite_differences import central_gradient, relative_error

TOL = 1e-7


# ---------------------------------------------------------------------------
# Independent reference: activations, forward pass, objective, back-propagation
# ---------------------------------------------------------------------------


def logistic(a):
    """Sigmoid for tests; inputs here are small, so exp(-a) cannot overflow."""
    return 1.0 / (1.0 + np.exp(-a))


def row_softmax(A):
    S = A - A.max(axis=1, keepdims=True)
    E = np.exp(S)
    return E / E.sum(axis=1, keepdims=True)


def row_log_softmax(A):
    S = A - A.max(axis=1, keepdims=True)
    return S - np.log(np.exp(S).sum(axis=1, keepdims=True))


ACTIVATIONS = {
    "identity": lambda A: A,
    "tanh": np.tanh,
    "sigmoid": logistic,
    "relu": lambda A: np.maximum(A, 0.0),
    "softmax": row_softmax,
}


def derivative_from_forward(name, A, Z):
    """f'(A) written the way the chapter's table writes it (from Z where possible)."""
    if name == "identity":
        return np.ones_like(A)
    if name == "tanh":
        return 1.0 - Z * Z
    if name == "sigmoid":
        return Z * (1.0 - Z)
    if name == "relu":
        return (A > 0).astype(float)
    raise ValueError(name)


def forward(Ws, bs, X, acts):
    As, Zs = [], [X]
    for W, b, name in zip(Ws, bs, acts, strict=True):
        A = Zs[-1] @ W + b
        As.append(A)
        Zs.append(ACTIVATIONS[name](A))
    return As, Zs


def data_term(Zk, Ak, Y, loss):
    t = Y.shape[0]
    if loss == "mse":
        return 0.5 * np.sum((Zk - Y) ** 2) / t
    return -np.sum(Y * row_log_softmax(Ak)) / t


def objective(Ws, bs, X, Y, acts, loss, lam):
    As, Zs = forward(Ws, bs, X, acts)
    return data_term(Zs[-1], As[-1], Y, loss) + 0.5 * lam * sum(np.sum(W * W) for W in Ws)


def backprop(Ws, bs, X, Y, acts, loss, lam):
    """The chapter's recursion: returns (Deltas, dWs, dbs, dX)."""
    As, Zs = forward(Ws, bs, X, acts)
    t, k = X.shape[0], len(Ws)
    if loss == "mse":
        top = derivative_from_forward(acts[-1], As[-1], Zs[-1]) * (Zs[-1] - Y) / t
    else:
        top = (Zs[-1] - Y) / t
    Deltas = [None] * k
    Deltas[k - 1] = top
    for j in range(k - 2, -1, -1):  # 0-based: Delta_j = f_j'(A_j) * (Delta_{j+1} W_{j+1}^T)
        Deltas[j] = derivative_from_forward(acts[j], As[j], Zs[j + 1]) * (Deltas[j + 1] @ Ws[j + 1].T)
    dWs = [Zs[j].T @ Deltas[j] + lam * Ws[j] for j in range(k)]
    dbs = [Deltas[j].T @ np.ones(t) for j in range(k)]
    dX = Deltas[0] @ Ws[0].T
    return Deltas, dWs, dbs, dX


def make_problem(seed, widths, t, loss):
    rng = np.random.default_rng(seed)
    Ws = [rng.standard_normal((m, n)) / np.sqrt(m) for m, n in zip(widths[:-1], widths[1:], strict=True)]
    bs = [0.5 * rng.standard_normal(n) for n in widths[1:]]
    X = rng.standard_normal((t, widths[0]))
    if loss == "mse":
        Y = rng.standard_normal((t, widths[-1]))
    else:
        Y = np.eye(widths[-1])[rng.integers(0, widths[-1], size=t)]
    return Ws, bs, X, Y


def assert_no_kink(Ws, bs, X, acts, gap=1e-3):
    """ReLU pre-activations must be well away from 0 for central differences."""
    As, _ = forward(Ws, bs, X, acts)
    for A, name in zip(As, acts, strict=True):
        if name == "relu":
            assert np.min(np.abs(A)) > gap


# 2- and 3-layer networks, both heads, different activations, weight decay.
CONFIGS = [
    ("mse", ("tanh", "identity"), (3, 4, 2), 0.1),
    ("mse", ("sigmoid", "sigmoid"), (4, 3, 2), 0.2),
    ("softmax_nll", ("relu", "softmax"), (3, 5, 4), 0.1),
    ("mse", ("relu", "tanh", "identity"), (3, 5, 4, 2), 0.05),
    ("mse", ("sigmoid", "relu", "tanh"), (2, 4, 3, 5), 0.1),
    ("softmax_nll", ("tanh", "sigmoid", "softmax"), (4, 5, 3, 2), 0.1),
    ("softmax_nll", ("tanh", "tanh", "softmax"), (3, 4, 5, 3), 0.1),
]
IDS = ["-".join(acts) + f"-{loss}" for loss, acts, _, _ in CONFIGS]


# ---------------------------------------------------------------------------
# The penalty and the two heads
# ---------------------------------------------------------------------------


def test_penalty_gradient_is_lambda_W():
    """eq. mlp-eq-dpenalty: d/dW (lam/2)||W||_F^2 = lam W."""
    W = np.random.default_rng(1).standard_normal((3, 4))
    lam = 0.3
    numeric = central_gradient(lambda W_: 0.5 * lam * np.sum(W_ * W_), W)
    assert relative_error(lam * W, numeric) < TOL


@pytest.mark.parametrize("name", ["identity", "tanh", "sigmoid", "relu"])
def test_top_delta_squared_error(name):
    """eq. mlp-eq-delta-mse: Delta_k = f_k'(A_k) * (Z_k - Y) / t."""
    rng = np.random.default_rng(2)
    t, n = 5, 3
    A = rng.standard_normal((t, n))
    A += 0.05 * np.sign(A)  # away from ReLU's kink
    Y = rng.standard_normal((t, n))
    f = ACTIVATIONS[name]
    Z = f(A)
    formula = derivative_from_forward(name, A, Z) * (Z - Y) / t
    numeric = central_gradient(lambda A_: 0.5 * np.sum((f(A_) - Y) ** 2) / t, A)
    assert formula.shape == A.shape
    assert relative_error(formula, numeric) < TOL


@pytest.mark.parametrize("labels", ["one-hot", "soft"])
def test_top_delta_softmax_nll(labels):
    """eq. mlp-eq-delta-nll: Delta_k = (Z_k - Y) / t when rows of Y sum to 1 (no f')."""
    rng = np.random.default_rng(3)
    t, C = 6, 4
    A = 2.0 * rng.standard_normal((t, C))
    if labels == "one-hot":
        Y = np.eye(C)[rng.integers(0, C, size=t)]
    else:
        Y = rng.random((t, C))
        Y /= Y.sum(axis=1, keepdims=True)
    formula = (row_softmax(A) - Y) / t
    numeric = central_gradient(lambda A_: -np.sum(Y * np.log(row_softmax(A_))) / t, A)
    assert relative_error(formula, numeric) < TOL


def test_top_delta_softmax_nll_general_targets():
    """Rows of Y not summing to 1: Delta_k = (Z_k * (Y 1) 1^T - Y) / t."""
    rng = np.random.default_rng(4)
    t, C = 5, 3
    A = rng.standard_normal((t, C))
    Y = 2.0 * rng.random((t, C))
    Z = row_softmax(A)
    formula = (Z * Y.sum(axis=1, keepdims=True) - Y) / t
    numeric = central_gradient(lambda A_: -np.sum(Y * np.log(row_softmax(A_))) / t, A)
    assert relative_error(formula, numeric) < TOL
    # and the shortcut (Z - Y) / t is then wrong
    assert relative_error((Z - Y) / t, numeric) > 1e-2


def test_log_sum_exp_form_of_the_loss():
    """-y . ln softmax(a) = -y . a + ln 1^T e^a when 1^T y = 1, and the shifted form is finite."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal(4)
    y = rng.random(4)
    y /= y.sum()
    direct = -y @ np.log(row_softmax(a[None, :])[0])
    lse_form = -y @ a + np.log(np.sum(np.exp(a)))
    assert abs(direct - lse_form) < 1e-12
    # d ln 1^T e^a = softmax(a) . da
    numeric = central_gradient(lambda a_: np.log(np.sum(np.exp(a_))), a)
    assert relative_error(row_softmax(a[None, :])[0], numeric) < TOL
    # the shifted log-softmax stays finite where the naive log of the softmax does not
    big = np.array([[1e4, 0.0, -1e4]])
    with np.errstate(divide="ignore"):
        assert not np.all(np.isfinite(np.log(row_softmax(big))))
    assert np.all(np.isfinite(row_log_softmax(big)))


def test_two_class_softmax_as_tanh():
    """z_1 = 1 / (1 + e^{a_0 - a_1}) = (1 + tanh((a_1 - a_0)/2)) / 2, as in the plotting code."""
    A = np.random.default_rng(6).standard_normal((7, 2)) * 3.0
    via_tanh = 0.5 * (1.0 + np.tanh(0.5 * (A[:, 1] - A[:, 0])))
    assert np.allclose(row_softmax(A)[:, 1], via_tanh, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu"])
def test_activation_derivatives_from_the_output(name):
    """The table: tanh' = 1 - Z*Z, sigmoid' = Z*(1 - Z), ReLU' = 1[A > 0] = 1[Z > 0]."""
    rng = np.random.default_rng(7)
    A = rng.standard_normal((4, 3))
    A += 0.05 * np.sign(A)
    G = rng.standard_normal((4, 3))
    f = ACTIVATIONS[name]
    Z = f(A)
    formula = G * derivative_from_forward(name, A, Z)
    numeric = central_gradient(lambda A_: np.sum(G * f(A_)), A)
    assert relative_error(formula, numeric) < TOL
    if name == "relu":
        assert np.array_equal(A > 0, Z > 0)


# ---------------------------------------------------------------------------
# The recursion and the parameter gradients
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("loss", "acts", "widths", "lam"), CONFIGS, ids=IDS)
def test_recursion_gives_dJ_dA_at_every_layer(loss, acts, widths, lam):
    """eq. mlp-eq-recursion: Delta_j = dJ/dA_j, checked by perturbing A_j directly."""
    Ws, bs, X, Y = make_problem(10, widths, 6, loss)
    assert_no_kink(Ws, bs, X, acts)
    As, _ = forward(Ws, bs, X, acts)
    Deltas, _, _, _ = backprop(Ws, bs, X, Y, acts, loss, lam)
    k = len(Ws)

    def J_from_layer(j):
        def J(Aj):
            Z = ACTIVATIONS[acts[j]](Aj)
            A = Aj
            for i in range(j + 1, k):
                A = Z @ Ws[i] + bs[i]
                Z = ACTIVATIONS[acts[i]](A)
            penalty = 0.5 * lam * sum(np.sum(W * W) for W in Ws)  # constant in A_j
            return data_term(Z, A, Y, loss) + penalty
        return J

    for j in range(k):
        numeric = central_gradient(J_from_layer(j), As[j])
        assert Deltas[j].shape == As[j].shape
        assert relative_error(Deltas[j], numeric) < TOL, f"Delta_{j + 1}"


@pytest.mark.parametrize(("loss", "acts", "widths", "lam"), CONFIGS, ids=IDS)
def test_weight_gradients(loss, acts, widths, lam):
    """eq. mlp-eq-grads: dJ/dW_j = Z_{j-1}^T Delta_j + lam W_j."""
    Ws, bs, X, Y = make_problem(11, widths, 6, loss)
    assert_no_kink(Ws, bs, X, acts)
    _, dWs, _, _ = backprop(Ws, bs, X, Y, acts, loss, lam)
    for j in range(len(Ws)):
        def J(Wj, j=j):
            trial = [Wj if i == j else W for i, W in enumerate(Ws)]
            return objective(trial, bs, X, Y, acts, loss, lam)
        numeric = central_gradient(J, Ws[j])
        assert dWs[j].shape == Ws[j].shape
        assert relative_error(dWs[j], numeric) < TOL, f"W_{j + 1}"


@pytest.mark.parametrize(("loss", "acts", "widths", "lam"), CONFIGS, ids=IDS)
def test_bias_gradients(loss, acts, widths, lam):
    """eq. mlp-eq-grads: dJ/db_j = Delta_j^T 1 (column sums, no penalty term)."""
    Ws, bs, X, Y = make_problem(12, widths, 6, loss)
    assert_no_kink(Ws, bs, X, acts)
    _, _, dbs, _ = backprop(Ws, bs, X, Y, acts, loss, lam)
    for j in range(len(bs)):
        def J(bj, j=j):
            trial = [bj if i == j else b for i, b in enumerate(bs)]
            return objective(Ws, trial, X, Y, acts, loss, lam)
        numeric = central_gradient(J, bs[j])
        assert dbs[j].shape == bs[j].shape == (widths[j + 1],)
        assert relative_error(dbs[j], numeric) < TOL, f"b_{j + 1}"


def test_bias_gradient_does_not_depend_on_weight_decay():
    """Biases are not penalised: dJ/db_j is the same for every lam."""
    loss, acts, widths, _ = CONFIGS[5]
    Ws, bs, X, Y = make_problem(13, widths, 6, loss)
    for j in range(len(bs)):
        grads = []
        for lam in (0.0, 1.0):
            def J(bj, j=j, lam=lam):
                trial = [bj if i == j else b for i, b in enumerate(bs)]
                return objective(Ws, trial, X, Y, acts, loss, lam)
            grads.append(central_gradient(J, bs[j]))
        assert relative_error(grads[0], grads[1]) < TOL


def test_chapter_spiral_network_lines():
    """The three explicit lines of the chapter's code for tanh -> tanh -> softmax."""
    Ws, bs, X, Y = make_problem(14, (2, 16, 16, 2), 8, "softmax_nll")
    (W1, W2, W3), (b1, b2, b3) = Ws, bs
    lam, t = 1e-2, X.shape[0]
    Z1 = np.tanh(X @ W1 + b1)
    Z2 = np.tanh(Z1 @ W2 + b2)
    Z3 = row_softmax(Z2 @ W3 + b3)
    Delta3 = (Z3 - Y) / t
    Delta2 = (Delta3 @ W3.T) * (1.0 - Z2 * Z2)
    Delta1 = (Delta2 @ W2.T) * (1.0 - Z1 * Z1)
    formulas = [X.T @ Delta1 + lam * W1, Delta1.sum(axis=0), Z1.T @ Delta2 + lam * W2,
                Delta2.sum(axis=0), Z2.T @ Delta3 + lam * W3, Delta3.sum(axis=0)]
    params = [W1, b1, W2, b2, W3, b3]
    acts = ("tanh", "tanh", "softmax")
    for index, formula in enumerate(formulas):
        def J(P, index=index):
            trial = [P if i == index else Q for i, Q in enumerate(params)]
            return objective(trial[0::2], trial[1::2], X, Y, acts, "softmax_nll", lam)
        assert relative_error(formula, central_gradient(J, params[index])) < TOL


# ---------------------------------------------------------------------------
# The worked example
# ---------------------------------------------------------------------------


def test_worked_example_numbers():
    """The hand-computed values of the chapter's 2 -> 2 (ReLU) -> 1 example."""
    X = np.array([[1.0, 2.0], [-1.0, 1.0]])
    Ws = [np.array([[1.0, -1.0], [0.0, 1.0]]), np.array([[1.0], [-1.0]])]
    bs = [np.array([0.0, 1.0]), np.array([1.0])]
    Y = np.array([[1.0], [-1.0]])
    acts, lam = ("relu", "identity"), 0.1
    assert np.isclose(objective(Ws, bs, X, Y, acts, "mse", lam), 0.75)
    Deltas, dWs, dbs, _ = backprop(Ws, bs, X, Y, acts, "mse", lam)
    expected = {
        "Delta2": (Deltas[1], [[-0.5], [-0.5]]),
        "Delta1": (Deltas[0], [[-0.5, 0.5], [0.0, 0.5]]),
        "W2": (dWs[1], [[-0.4], [-2.6]]),
        "b2": (dbs[1], [-1.0]),
        "W1": (dWs[0], [[-0.4, -0.1], [-1.0, 1.6]]),
        "b1": (dbs[0], [-0.5, 1.0]),
    }
    for name, (got, want) in expected.items():
        assert np.allclose(got, want, atol=1e-14), name
    # and the hand values are the true gradient
    for j in range(2):
        def JW(Wj, j=j):
            return objective([Wj if i == j else W for i, W in enumerate(Ws)], bs, X, Y, acts, "mse", lam)

        def Jb(bj, j=j):
            return objective(Ws, [bj if i == j else b for i, b in enumerate(bs)], X, Y, acts, "mse", lam)
        assert relative_error(dWs[j], central_gradient(JW, Ws[j])) < TOL
        assert relative_error(dbs[j], central_gradient(Jb, bs[j])) < TOL


# ---------------------------------------------------------------------------
# The exercises
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("loss", "acts", "widths", "lam"), CONFIGS[3:], ids=IDS[3:])
def test_input_gradient(loss, acts, widths, lam):
    """Exercise mlp-ex-input-gradient: dJ/dX = Delta_1 W_1^T."""
    Ws, bs, X, Y = make_problem(15, widths, 5, loss)
    assert_no_kink(Ws, bs, X, acts)
    _, _, _, dX = backprop(Ws, bs, X, Y, acts, loss, lam)
    numeric = central_gradient(lambda X_: objective(Ws, bs, X_, Y, acts, loss, lam), X)
    assert dX.shape == X.shape
    assert relative_error(dX, numeric) < TOL


def test_summed_objective_scales_the_data_gradient_by_t():
    """Exercise mlp-ex-sum-or-mean: with a sum, dJ/dW_j = t Z^T Delta_j + lam W_j."""
    loss, acts, widths, lam = CONFIGS[3]
    Ws, bs, X, Y = make_problem(16, widths, 6, loss)
    t = X.shape[0]
    _, dWs_mean, _, _ = backprop(Ws, bs, X, Y, acts, loss, 0.0)
    for j in range(len(Ws)):
        def J(Wj, j=j):
            trial = [Wj if i == j else W for i, W in enumerate(Ws)]
            As, Zs = forward(trial, bs, X, acts)
            summed = t * data_term(Zs[-1], As[-1], Y, loss)
            return summed + 0.5 * lam * sum(np.sum(W * W) for W in trial)
        formula = t * dWs_mean[j] + lam * Ws[j]
        assert relative_error(formula, central_gradient(J, Ws[j])) < TOL
    # the worked example's dJ/dW1 under the summed objective
    X = np.array([[1.0, 2.0], [-1.0, 1.0]])
    W1 = np.array([[1.0, -1.0], [0.0, 1.0]])
    Delta1 = np.array([[-0.5, 0.5], [0.0, 0.5]])
    assert np.allclose(2 * X.T @ Delta1 + 0.1 * W1, [[-0.9, -0.1], [-2.0, 3.1]])


def test_penalised_bias_exercise():
    """Exercise mlp-ex-decay: adding (lam/2)||b_j||^2 gives dJ/db_j = Delta_j^T 1 + lam b_j."""
    loss, acts, widths, lam = CONFIGS[0]
    Ws, bs, X, Y = make_problem(17, widths, 5, loss)
    _, _, dbs, _ = backprop(Ws, bs, X, Y, acts, loss, lam)
    for j in range(len(bs)):
        def J(bj, j=j):
            trial = [bj if i == j else b for i, b in enumerate(bs)]
            extra = 0.5 * lam * sum(np.sum(b * b) for b in trial)
            return objective(Ws, trial, X, Y, acts, loss, lam) + extra
        assert relative_error(dbs[j] + lam * bs[j], central_gradient(J, bs[j])) < TOL


def test_decay_step_is_a_shrink_plus_data_step():
    """eq. mlp-eq-decay-step: W - eta (G + lam W) = (1 - eta lam) W - eta G."""
    rng = np.random.default_rng(18)
    W, G = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    eta, lam = 0.7, 0.01
    assert np.allclose(W - eta * (G + lam * W), (1 - eta * lam) * W - eta * G)


def test_linear_network_collapse():
    """Exercise mlp-ex-linear: identity activations, dJ/dW_1 = X^T Delta_k (W_2 ... W_k)^T."""
    acts, widths = ("identity", "identity", "identity"), (3, 5, 4, 2)
    Ws, bs, X, Y = make_problem(19, widths, 6, "mse")
    As, Zs = forward(Ws, bs, X, acts)
    Wbar = Ws[0] @ Ws[1] @ Ws[2]
    bbar = (bs[0] @ Ws[1] + bs[1]) @ Ws[2] + bs[2]
    assert np.allclose(Zs[-1], X @ Wbar + bbar)
    Deltas, dWs, _, _ = backprop(Ws, bs, X, Y, acts, "mse", 0.0)
    M = Ws[1] @ Ws[2]
    assert np.allclose(Deltas[0], Deltas[2] @ M.T)
    formula = X.T @ Deltas[2] @ M.T
    numeric = central_gradient(
        lambda W1: objective([W1, Ws[1], Ws[2]], bs, X, Y, acts, "mse", 0.0), Ws[0])
    assert relative_error(formula, numeric) < TOL
    assert relative_error(dWs[0], formula) < 1e-12


def test_parameter_and_cost_counts():
    """Exercise mlp-ex-count: 354 parameters; 64,000 and 121,600 multiply-adds for t = 200."""
    widths, t = (2, 16, 16, 2), 200
    pairs = list(zip(widths[:-1], widths[1:], strict=True))
    assert sum(m * n + n for m, n in pairs) == 354
    forward_cost = sum(t * m * n for m, n in pairs)
    backward_cost = 2 * forward_cost - t * widths[0] * widths[1]
    assert (forward_cost, backward_cost) == (64_000, 121_600)
    assert 2 * 354 == 708
