"""Graded checks of ps05_autoencoders (one function per test cell).

A tied auto-encoder has k = 2K layers; layer j (1-indexed) uses W_j for j <= K
and W_{k-j+1}^T after, its own bias b_j and activation f_j, and reconstructs its
input: J = (1/t) sum_i 1/2 ||z_i - x_i||^2. The scaled version multiplies the
outputs of layers K, ..., k by learned scalars alpha.
"""

import numpy as np

from autograder import checks
from autograder.assignments import clear_of_kinks, rngs
from autograder.finite_differences import central_gradient, central_gradient_and_error

ACTIVATIONS = {
    "identity": lambda A: A,
    "tanh": np.tanh,
    "sigmoid": lambda A: np.exp(-np.logaddexp(0.0, -A)),
    "relu": lambda A: np.maximum(A, 0.0),
}


def objective(Ws, bs, X, activations, alphas=None, beta=0.0):
    """Trusted J, written directly from the problem statement."""
    K = len(Ws)
    Z = X
    penalty = 0.0
    for j in range(2 * K):
        W = Ws[j] if j < K else Ws[2 * K - 1 - j].T
        Z = ACTIVATIONS[activations[j]](Z @ W + bs[j])
        if alphas is not None and j >= K - 1:
            Z = alphas[j - (K - 1)] * Z
        if j == K - 1 and beta:
            penalty = beta * float(np.sum(np.abs(Z))) / X.shape[0]
    return 0.5 * float(np.sum((Z - X) ** 2)) / X.shape[0] + penalty


# --- The mistake catalogue: each known mistake as the wrong value it produces ---------------------

_DERIVATIVES = {  # f'(A) from A
    "identity": np.ones_like,
    "tanh": lambda A: 1.0 - np.tanh(A) ** 2,
    "sigmoid": lambda A: ACTIVATIONS["sigmoid"](A) * (1.0 - ACTIVATIONS["sigmoid"](A)),
    "relu": lambda A: (A > 0).astype(float),
}

# {variant: description} of the back-propagation mistakes the catalogue knows (_backprop).
_GRADIENT_MISTAKES = {
    "no_1_over_t": "the gradients without the 1/t of J = (1/t) sum_i 1/2 ||z_i - x_i||^2: E_k = (Z_k - X)/t",
    "mean_all": "a mean over all t*n entries of the reconstruction error instead of over the t examples: "
                "E_k = (Z_k - X)/t",
    "db_mean": "a mean over the batch instead of a sum: db_j = 1^T Delta_j (Delta_j already holds the 1/t)",
    "delta_without_alpha": "Delta_j without its alpha_j: Z_j = alpha_j f_j(A_j) gives "
                           "Delta_j = alpha_j f_j'(A_j) * E_j",
    "dalpha_from_scaled_output": "dalpha_j from the scaled output Z_j = alpha_j f_j(A_j); it is f_j(A_j) . E_j",
    "no_penalty_gradient": "no gradient of the penalty (beta/t) sum |Z_K|: add (beta/t) sign(Z_K) to E_K",
    "penalty_gradient_without_1_over_t": "the penalty's gradient without its 1/t: (beta/t) sign(Z_K)",
    "tanh_one_minus_z": "tanh' taken as 1 - Z; it is 1 - Z^2 (with Z = tanh(A))",
    "derivative_at_z": "the derivative taken at the layer's output Z_j instead of its input A_j: "
                       "e.g. 1 - tanh(A)^2 = 1 - Z^2, not 1 - tanh(Z)^2",
    "relu_mask_always_true": "a ReLU mask that is always true (Z >= 0 holds for every entry): the mask is A_j > 0",
    "relu_as_identity": "ReLU layers computed as the identity (is relu in your activation helper?)",
}


def _scales(K, alphas):
    """The 2K per-layer scales: 1 before layer K, then the alphas."""
    return [1.0] * (K - 1) + [float(a) for a in alphas] if alphas is not None else [1.0] * (2 * K)


def _backprop(Ws, bs, X, activations, alphas=None, beta=0.0, variant=None, scales=None):
    """(J, dWs, dbs, dalphas) by back-propagation, with the mistake ``variant`` (None: right).

    scales: the 2K per-layer scales, to take other than ``_scales(K, alphas)`` (a mistake in where
    the alphas go); dalphas: one entry per scaled layer K, ..., k (None without alphas)."""
    K, t = len(Ws), X.shape[0]
    scales = _scales(K, alphas) if scales is None else scales
    names = ["identity" if variant == "relu_as_identity" and a == "relu" else a for a in activations]
    inputs, pre, values = [X], [], []
    for j in range(2 * K):
        W = Ws[j] if j < K else Ws[2 * K - 1 - j].T
        pre.append(inputs[-1] @ W + bs[j])
        values.append(ACTIVATIONS[names[j]](pre[-1]))
        inputs.append(scales[j] * values[-1])
    Z = inputs[-1]
    J = 0.5 * float(np.sum((Z - X) ** 2)) / t + beta * float(np.sum(np.abs(inputs[K]))) / t
    E = (Z - X) / {"mean_all": t * X.shape[1], "no_1_over_t": 1}.get(variant, t)
    dWs, dbs, dalphas = [np.zeros_like(W) for W in Ws], [None] * (2 * K), np.zeros(K + 1)
    for j in reversed(range(2 * K)):
        if j == K - 1 and beta and variant != "no_penalty_gradient":
            E = E + (beta / (1 if variant == "penalty_gradient_without_1_over_t" else t)) * np.sign(inputs[K])
        if j >= K - 1:
            dalphas[j - (K - 1)] = np.sum((inputs[j + 1] if variant == "dalpha_from_scaled_output" else values[j]) * E)
        derivative = _DERIVATIVES[names[j]](pre[j])
        if variant == "tanh_one_minus_z" and names[j] == "tanh":
            derivative = 1.0 - values[j]
        elif variant == "derivative_at_z" and names[j] in ("tanh", "sigmoid"):
            derivative = _DERIVATIVES[names[j]](values[j])
        elif variant == "relu_mask_always_true" and names[j] == "relu":
            derivative = np.ones_like(values[j])
        delta = (1.0 if variant == "delta_without_alpha" else scales[j]) * derivative * E
        W = Ws[j] if j < K else Ws[2 * K - 1 - j].T
        if j < K:
            dWs[j] += inputs[j].T @ delta
        else:
            dWs[2 * K - 1 - j] += (inputs[j].T @ delta).T
        dbs[j] = delta.sum(axis=0) / (t if variant == "db_mean" else 1)
        E = delta @ W.T
    return J, dWs, dbs, (dalphas if alphas is not None else None)


def _loss_mistakes(Ws, bs, X, activations, alphas, beta):
    """{description: the J it gives} of the known mistakes in J."""
    t, n = X.shape
    data = objective(Ws, bs, X, activations, alphas) * t  # the sum over examples
    penalty = objective(Ws, bs, X, activations, alphas, beta) - data / t
    found = {
        "J without the 1/t (a mean over the t examples)": data + penalty,
        "a mean over all t*n entries of the squared error (np.mean of the matrix); J averages over the t "
        "examples only: (1/t) sum_i 1/2 ||z_i - x_i||^2": data / (t * n) + penalty,
        "the squared error without its 1/2: J = (1/t) sum_i 1/2 ||z_i - x_i||^2": 2 * data / t + penalty,
        _GRADIENT_MISTAKES["relu_as_identity"]: _backprop(Ws, bs, X, activations, alphas, beta,
                                                          variant="relu_as_identity")[0],
    }
    if alphas is not None:
        K = len(Ws)
        found["the alphas on the wrong layers: alphas scale layers K, ..., k = 2K (alphas[0] is layer K's)"] = (
            _backprop(Ws, bs, X, activations, alphas, beta, scales=[float(a) for a in alphas] + [1.0] * (K - 1))[0])
    if beta:
        found["no penalty (beta/t) sum |Z_K| in J"] = data / t
        found["the penalty without its 1/t: (beta/t) sum |Z_K|"] = data / t + penalty * t
    return found


def _gradient_mistakes(Ws, bs, X, activations, alphas, beta):
    """(the right (dWs, dbs, dalphas), {description: (dWs, dbs, dalphas)} of the catalogue's mistakes)."""
    return (_backprop(Ws, bs, X, activations, alphas, beta)[1:],
            {description: _backprop(Ws, bs, X, activations, alphas, beta, variant=variant)[1:]
             for variant, description in _GRADIENT_MISTAKES.items()})


def _mistakes_at(wrong, part, index):
    """{description: the wrong value of output ``part`` (0: dWs, 1: dbs, 2: dalphas) at ``index``}, leaving
    out the mistakes that do not change it (they must not name a right value that fails)."""
    right, mistakes = wrong

    def at(grads):
        return grads[part] if index is None else grads[part][index]

    return {description: at(grads) for description, grads in mistakes.items()
            if grads[part] is not None and not np.allclose(at(grads), at(right), rtol=1e-9, atol=0.0)}


def autoencoder(rng, sizes, t):
    """Random tied parameters for encoder sizes n_0 > ... > n_K, and data X."""
    Ws = [rng.standard_normal((m, n)) / np.sqrt(m) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    layer_sizes = list(sizes[1:]) + list(reversed(sizes[:-1]))
    bs = [0.3 * rng.standard_normal(n) for n in layer_sizes]
    return Ws, bs, rng.standard_normal((t, sizes[0]))


CASES = {  # encoder sizes and the k activations
    "K = 1": ((5, 3), ("tanh", "identity")),
    "K = 2": ((6, 4, 3), ("tanh", "sigmoid", "tanh", "identity")),
    "K = 3": ((7, 5, 4, 2), ("relu", "tanh", "identity", "tanh", "sigmoid", "identity")),
}


def _alphas(rng, K):
    return rng.uniform(0.5, 1.5, K + 1)


def _results(student, Ws, bs, X, activations, alphas, beta, func_name, *, silent=None):
    """The parts of the student's result; with ``silent`` (a description), fail on any warning."""
    args = (Ws, bs, X, list(activations))
    if alphas is not None:
        args = (Ws, bs, alphas, X, list(activations))
    if beta:
        args = (*args, beta)
    outcome = checks.call(student, *args)
    if silent:
        checks.check_no_warnings(outcome, name=f"{func_name} {silent}")
    value = outcome.value
    names = ("J", "dWs", "dbs", "dalphas") if alphas is not None else ("J", "dWs", "dbs")
    parts = checks.unpack(value, names, func_name=func_name)
    for name, part, expected in zip(names[1:3], parts[1:3], (len(Ws), len(bs)), strict=True):
        if not isinstance(part, (list, tuple)) or len(part) != expected:
            raise checks.GradingFailure(f"{func_name} should return {name} as a list of {expected} arrays.",
                                        kind="type")
    return parts


def _kinks(Ws, bs, X, activations, alphas, beta):
    """The values J is not differentiable at 0 of: pre-activations of ReLU layers, and with an
    L1 penalty (beta) the code Z_K."""
    K = len(Ws)
    kinks, Z = [], X
    for j in range(2 * K):
        W = Ws[j] if j < K else Ws[2 * K - 1 - j].T
        A = Z @ W + bs[j]
        if activations[j] == "relu":
            kinks.append(A)
        Z = ACTIVATIONS[activations[j]](A)
        if alphas is not None and j >= K - 1:
            Z = alphas[j - (K - 1)] * Z
        if j == K - 1 and beta:
            kinks.append(Z)
    return kinks


def _draw(rng, sizes, activations, t, scaled, beta):
    """(Ws, bs, X, alphas) with every kink of J at least KINK_MARGIN away (alphas None unless scaled)."""
    def draw():
        Ws, bs, X = autoencoder(rng, sizes, t)
        return Ws, bs, X, _alphas(rng, len(Ws)) if scaled else None

    return clear_of_kinks(draw, lambda case: _kinks(*case[:3], activations, case[3], beta))


def _check(student, rng, case, what, *, scaled=False, beta=0.0, func_name, t=6, zero_alpha=False, silent=False):
    """Check the outputs ``what`` (of "J", "W", "b", "alpha") on one case; with ``silent``, fail on warnings."""
    sizes, activations = CASES[case]
    Ws, bs, X, alphas = _draw(rng, sizes, activations, t, scaled, beta)
    if zero_alpha:
        zero = (len(alphas) - 1) // 2  # layer K + zero: a scaled layer with layers after it
        alphas[zero] = 0.0
    if silent:
        silent = f"with alphas[{zero}] = 0 (use f(A_j) . E_j for dalpha_j, never Z_j / alpha_j)"
    parts = _results(student, Ws, bs, X, activations, alphas, beta, func_name, silent=silent)
    label = f"{case} ({'-'.join(map(str, sizes))}, {', '.join(activations)})"
    if zero_alpha:
        label += f" with alphas[{zero}] = 0"

    def loss_of(which, index):
        def value(P):
            Ws_, bs_ = list(Ws), list(bs)
            alphas_ = None if alphas is None else alphas.copy()
            if which == "W":
                Ws_[index] = P
            elif which == "b":
                bs_[index] = P
            else:
                alphas_ = P
            return objective(Ws_, bs_, X, activations, alphas_, beta)
        return value

    if "J" in what:
        checks.check_scalar(parts[0], objective(Ws, bs, X, activations, alphas, beta),
                            name=f"J returned by {func_name} for {label}", factor_names={t: "t"},
                            known_mistakes=_loss_mistakes(Ws, bs, X, activations, alphas, beta))
    wrong = _gradient_mistakes(Ws, bs, X, activations, alphas, beta) if set(what) - {"J"} else None
    if "W" in what:
        for index, (W, dW) in enumerate(zip(Ws, parts[1], strict=True)):
            expected, error = central_gradient_and_error(loss_of("W", index), W)
            one_term = _single_term(Ws, bs, X, activations, alphas, beta, index)
            checks.check_close(dW, expected, name=f"dW{index + 1} returned by {func_name} for {label}",
                               factor_names={t: "t"}, slack=float(np.linalg.norm(error)),
                               known_mistakes={"only one of the two terms of a tied weight's gradient (W_j is "
                                               "used by two layers: add both)": one_term,
                                               **_mistakes_at(wrong, 0, index)})
    if "b" in what:
        for index, (b, db) in enumerate(zip(bs, parts[2], strict=True)):
            checks.check_gradient_entrywise(loss_of("b", index), b, db, factor_names={t: "t"},
                                            name=f"db{index + 1} returned by {func_name} for {label}",
                                            known_mistakes=_mistakes_at(wrong, 1, index))
    if "alpha" in what:
        checks.check_gradient_entrywise(loss_of("alpha", None), alphas, parts[3], factor_names={t: "t"},
                                        name=f"dalphas returned by {func_name} for {label}",
                                        known_mistakes=_mistakes_at(wrong, 2, None))


def _single_term(Ws, bs, X, activations, alphas, beta, index):
    """The encoder term alone: the gradient if W_index were used by its encoder layer only."""
    K = len(Ws)

    def encoder_only(P):
        Z = X
        for j in range(2 * K):
            W = (P if j == index else Ws[j]) if j < K else Ws[2 * K - 1 - j].T
            Z = ACTIVATIONS[activations[j]](Z @ W + bs[j])
            if alphas is not None and j >= K - 1:
                Z = alphas[j - (K - 1)] * Z
        return 0.5 * float(np.sum((Z - X) ** 2)) / X.shape[0]

    return central_gradient(encoder_only, Ws[index])


def _run(student, case, what, *, with_zero_alpha=False, **options):
    """Check ``what`` on every case of CASES; ``with_zero_alpha``: and again with one alpha set to 0."""
    for rng in rngs(case):
        for name in CASES:
            _check(student, rng, name, what, **options)
            if with_zero_alpha:
                _check(student, rng, name, what, zero_alpha=True, **options)


def tied_autoencoder_loss_and_grad_loss(tied_autoencoder_loss_and_grad, case="hidden"):
    """The reconstruction loss J."""
    _run(tied_autoencoder_loss_and_grad, case, ("J",), func_name="tied_autoencoder_loss_and_grad")


def tied_autoencoder_loss_and_grad_weights(tied_autoencoder_loss_and_grad, case="hidden"):
    """dW_j: the sum of the encoder and the decoder term."""
    _run(tied_autoencoder_loss_and_grad, case, ("W",), func_name="tied_autoencoder_loss_and_grad")


def tied_autoencoder_loss_and_grad_biases(tied_autoencoder_loss_and_grad, case="hidden"):
    """db_j for all k layers (biases are not tied)."""
    _run(tied_autoencoder_loss_and_grad, case, ("b",), func_name="tied_autoencoder_loss_and_grad")


def tied_autoencoder_loss_and_grad_inputs_unchanged(tied_autoencoder_loss_and_grad, case="hidden"):
    """Ws, bs and X are left exactly as they were."""
    for rng in rngs(case):
        sizes, activations = CASES["K = 2"]
        Ws, bs, X = autoencoder(rng, sizes, 6)
        checks.check_inputs_unchanged(tied_autoencoder_loss_and_grad, (Ws, bs, X, list(activations)),
                                      ("Ws", "bs", "X", "activations"), name="tied_autoencoder_loss_and_grad")


def scaled_tied_autoencoder_loss_and_grad_loss(scaled_tied_autoencoder_loss_and_grad, case="hidden"):
    """J with the decoder outputs scaled by alphas (random, and one of them 0)."""
    _run(scaled_tied_autoencoder_loss_and_grad, case, ("J",), scaled=True, with_zero_alpha=True,
         func_name="scaled_tied_autoencoder_loss_and_grad")


def scaled_tied_autoencoder_loss_and_grad_weights(scaled_tied_autoencoder_loss_and_grad, case="hidden"):
    """dW_j through the scaled layers (random alphas, and one of them 0)."""
    _run(scaled_tied_autoencoder_loss_and_grad, case, ("W",), scaled=True, with_zero_alpha=True,
         func_name="scaled_tied_autoencoder_loss_and_grad")


def scaled_tied_autoencoder_loss_and_grad_biases(scaled_tied_autoencoder_loss_and_grad, case="hidden"):
    """db_j through the scaled layers (random alphas, and one of them 0)."""
    _run(scaled_tied_autoencoder_loss_and_grad, case, ("b",), scaled=True, with_zero_alpha=True,
         func_name="scaled_tied_autoencoder_loss_and_grad")


def scaled_tied_autoencoder_loss_and_grad_alphas(scaled_tied_autoencoder_loss_and_grad, case="hidden"):
    """dalphas, one entry per scaled layer K, ..., k."""
    _run(scaled_tied_autoencoder_loss_and_grad, case, ("alpha",), scaled=True,
         func_name="scaled_tied_autoencoder_loss_and_grad")


def scaled_tied_autoencoder_loss_and_grad_alpha_zero(scaled_tied_autoencoder_loss_and_grad, case="hidden"):
    """An alpha of 0: dalphas right, and no warnings (J, dW and db with an alpha of 0: their own cells)."""
    _run(scaled_tied_autoencoder_loss_and_grad, case, ("alpha",), scaled=True, zero_alpha=True, silent=True,
         func_name="scaled_tied_autoencoder_loss_and_grad")


def sparse_tied_autoencoder_loss_and_grad_loss(sparse_tied_autoencoder_loss_and_grad, case="hidden"):
    """Transfer task: J with an L1 penalty (beta / t) sum |Z_K| on the code layer."""
    _run(sparse_tied_autoencoder_loss_and_grad, case, ("J",), beta=0.3,
         func_name="sparse_tied_autoencoder_loss_and_grad")


def sparse_tied_autoencoder_loss_and_grad_gradients(sparse_tied_autoencoder_loss_and_grad, case="hidden"):
    """Transfer task: every dW_j and db_j with the sparsity penalty."""
    _run(sparse_tied_autoencoder_loss_and_grad, case, ("W", "b"), beta=0.3,
         func_name="sparse_tied_autoencoder_loss_and_grad")
