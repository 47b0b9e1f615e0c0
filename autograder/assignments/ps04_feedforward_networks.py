"""Graded checks of ps04_feedforward_networks (one function per test cell).

A network is params = [(W1, b1), ..., (Wk, bk)] with W_j of shape
(n_{j-1}, n_j); examples are rows of X (t x n_0); the objective is
J = (1/t) sum_i loss(z_i, y_i) + (lambda/2) sum_j ||W_j||_F^2.
"""

from dataclasses import dataclass

import numpy as np

from autograder import budgets, checks
from autograder.assignments import budget_checks, budget_rng, clear_of_kinks, rngs
from autograder.finite_differences import central_gradient_and_error


def _sigmoid(A):
    return np.exp(-np.logaddexp(0.0, -A))


ACTIVATIONS = {
    "identity": lambda A: A,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda A: np.maximum(A, 0.0),
}


def _log_softmax(A):
    return A - np.logaddexp.reduce(A, axis=1, keepdims=True)


def objective(params, X, Y, activations, loss, weight_decay=0.0, l1=0.0):
    """Trusted J, written directly from the problem statement."""
    Z = X
    for j, ((W, b), name) in enumerate(zip(params, activations, strict=True)):
        A = Z @ W + b
        if name == "softmax":
            assert j == len(params) - 1 and loss == "softmax_nll"
            log_Z = _log_softmax(A)
            data = -float(np.sum(Y * log_Z))
            break
        Z = ACTIVATIONS[name](A)
    else:
        data = 0.5 * float(np.sum((Z - Y) ** 2))
    penalty = 0.5 * weight_decay * sum(float(np.sum(W * W)) for W, _ in params)
    penalty += l1 * sum(float(np.sum(np.abs(W))) for W, _ in params)
    return data / X.shape[0] + penalty


def _kinks(params, X, activations, l1):
    """The values J is not differentiable at 0 of: the pre-activations of ReLU layers, and the
    weights when an L1 penalty sum |W_j| is on."""
    kinks, Z = [], X
    for (W, b), name in zip(params, activations, strict=True):
        A = Z @ W + b
        if name == "softmax":
            break
        if name == "relu":
            kinks.append(A)
        Z = ACTIVATIONS[name](A)
    return kinks + ([W for W, _ in params] if l1 else [])


def network(rng, sizes, activations, loss, t, *, l1=False):
    """Random parameters and data for a network with layer sizes ``sizes``: (params, X (t x n_0), Y (t x n_k)).

    Every ReLU pre-activation (and with ``l1`` every weight) keeps clear of its kink at 0.
    """
    def draw():
        params = [(rng.standard_normal((n_in, n_out)) / np.sqrt(n_in), 0.5 * rng.standard_normal(n_out))
                  for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
        X = rng.standard_normal((t, sizes[0]))
        if loss == "softmax_nll":
            Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], t)]
        else:
            Y = rng.standard_normal((t, sizes[-1]))
        return params, X, Y

    return clear_of_kinks(draw, lambda case: _kinks(case[0], case[1], activations, l1))


def _loss_of(params, X, Y, activations, loss, weight_decay, l1, j, part):
    def value(P):
        changed = [list(layer) for layer in params]
        changed[j][part] = P
        return objective(changed, X, Y, activations, loss, weight_decay, l1)
    return value


# --- The mistake catalogue: each known mistake as the wrong value it produces ---------------------

@dataclass(frozen=True)
class _Case:
    """One network and its data, as a check draws them (params: [(W (n_{j-1}, n_j), b (n_j,))])."""

    params: list
    X: np.ndarray
    Y: np.ndarray
    activations: tuple
    loss: str
    weight_decay: float = 0.0
    l1: float = 0.0


def _squares(arrays):
    return sum(float(np.sum(a * a)) for a in arrays)


def _loss_mistakes(case):
    """{description: the J it gives} of the known mistakes in J."""
    t, m = case.Y.shape
    data = objective(case.params, case.X, case.Y, case.activations, case.loss) * t  # sum over examples
    weights = [W for W, _ in case.params]
    decay = 0.5 * case.weight_decay * _squares(weights)
    penalty = decay + case.l1 * sum(float(np.sum(np.abs(W))) for W in weights)
    found = {"J without the 1/t (the data term is a mean over the t examples)": data + penalty}
    if case.loss == "mse":
        if m > 1:
            found["a mean over all t*m entries of the squared error (np.mean of the matrix); J averages over "
                  "the t examples only: (1/t) sum_i 1/2 ||z_i - y_i||^2"] = data / (t * m) + penalty
        found["the squared error without its 1/2: J = (1/t) sum_i 1/2 ||z_i - y_i||^2"] = 2 * data / t + penalty
    if case.weight_decay:
        found["no weight-decay term (lambda/2) sum_j ||W_j||^2 in J"] = data / t
        found["the weight decay without its 1/2: (lambda/2) sum_j ||W_j||^2"] = data / t + 2 * decay
        found["a weight-decay term on the biases too (biases are not penalised)"] = (
            data / t + decay + 0.5 * case.weight_decay * _squares([b for _, b in case.params]))
    if case.l1:
        found["no L1 penalty l1 * sum_j |W_j| in J"] = data / t
        found["a squared penalty l1 * sum_j ||W_j||^2 instead of l1 * sum_j |W_j|"] = (
            data / t + case.l1 * _squares(weights))
    return found


_DERIVATIVES = {  # f'(A) written with Z = f(A), as back-propagation computes it
    "identity": np.ones_like,
    "tanh": lambda Z: 1.0 - Z * Z,
    "sigmoid": lambda Z: Z * (1.0 - Z),
    "relu": lambda Z: (Z > 0).astype(float),
}

# {variant: description} of the mistakes of back-propagation the catalogue knows (_backprop).
_GRADIENT_MISTAKES = {
    "no_1_over_t": "the gradients without the 1/t of J = (1/t) sum_i loss_i: Delta_k = (Z_k - Y)/t",
    "mean_all": "a mean over all t*m entries of the output instead of over the t examples: Delta_k = (Z_k - Y)/t",
    "db_mean": "a mean over the batch instead of a sum: db_j = 1^T Delta_j (Delta_j already holds the 1/t)",
    "no_decay": "no weight-decay term: dW_j = Z_{j-1}^T Delta_j + lambda W_j",
    "double_decay": "the weight-decay term doubled: the gradient of (lambda/2)||W_j||^2 is lambda W_j",
    "bias_decay": "a weight-decay term on the bias (biases are not penalised)",
    "l1_as_decay": "the L1 penalty's gradient taken as l1 * W_j; the gradient of l1 * sum |W_j| is l1 * sign(W_j)",
    "no_l1": "no L1 penalty term l1 * sign(W_j) in dW_j",
    "hidden_derivatives_dropped": "the hidden layers' derivatives dropped: Delta_j = f_j'(A_j) * (Delta_{j+1} "
                                  "W_{j+1}^T) for every layer",
    "output_derivative_dropped": "the output layer's derivative dropped: with squared error, "
                                 "Delta_k = f_k'(A_k) * (Z_k - Y)/t",
    "softmax_extra": "an extra softmax derivative Z(1 - Z): with softmax and NLL, Delta_k = (Z_k - Y)/t already",
    "tanh_one_minus_z": "tanh' taken as 1 - Z; it is 1 - Z^2 (with Z = tanh(A))",
    "derivative_at_z": "the derivative taken at the layer's output Z_j instead of its input A_j: f'(A_j), "
                       "e.g. 1 - tanh(A)^2 = 1 - Z^2, not 1 - tanh(Z)^2",
    "relu_mask_always_true": "a ReLU mask that is always true (Z >= 0 holds for every entry): the mask is A_j > 0",
}


def _derivative(name, Z, variant):
    """f'(A) of activation ``name`` from its output Z, as the mistake ``variant`` computes it."""
    if variant == "tanh_one_minus_z" and name == "tanh":
        return 1.0 - Z
    if variant == "relu_mask_always_true" and name == "relu":
        return np.ones_like(Z)
    if variant == "derivative_at_z" and name in ("tanh", "sigmoid"):
        return _DERIVATIVES[name](ACTIVATIONS[name](Z))
    return _DERIVATIVES[name](Z)


def _backprop(case, variant=None):
    """[(dW_j (n_{j-1}, n_j), db_j (n_j,))] by back-propagation, with the mistake ``variant`` (None: right)."""
    t, m = case.Y.shape
    outputs, Z = [case.X], case.X
    for (W, b), name in zip(case.params, case.activations, strict=True):
        A = Z @ W + b
        Z = np.exp(_log_softmax(A)) if name == "softmax" else ACTIVATIONS[name](A)
        outputs.append(Z)
    delta = (Z - case.Y) / {"mean_all": t * m, "no_1_over_t": 1}.get(variant, t)
    grads, last = [None] * len(case.params), len(case.params) - 1
    for j in reversed(range(len(case.params))):
        name, Z = case.activations[j], outputs[j + 1]
        if name == "softmax":
            if variant == "softmax_extra":
                delta = delta * Z * (1.0 - Z)
        elif not ((variant == "hidden_derivatives_dropped" and j < last)
                  or (variant == "output_derivative_dropped" and j == last)):
            delta = delta * _derivative(name, Z, variant)
        W, b = case.params[j]
        decay = {"no_decay": 0.0, "double_decay": 2.0}.get(variant, 1.0) * case.weight_decay
        l1 = {"no_l1": 0.0 * W, "l1_as_decay": case.l1 * W}.get(variant, case.l1 * np.sign(W))
        db = delta.sum(axis=0) / (t if variant == "db_mean" else 1)
        if variant == "bias_decay":
            db = db + case.weight_decay * b
        grads[j] = (outputs[j].T @ delta + decay * W + l1, db)
        delta = delta @ W.T
    return grads


def _gradient_mistakes(case):
    """(the right [(dW_j, db_j)], {description: [(dW_j, db_j)]} of the catalogue's mistakes) on ``case``."""
    wrong = {description: _backprop(case, variant) for variant, description in _GRADIENT_MISTAKES.items()}
    return _backprop(case), wrong


def _mistakes_at(wrong_grads, j, part):
    """{description: the wrong gradient of layer j's part (0: W, 1: b)}, leaving out the mistakes that do not
    change it (db as a mean leaves dW right: it must not name a right dW that fails); None without a catalogue."""
    if wrong_grads is None:
        return None
    right, wrong = wrong_grads
    return {description: grads[j][part] for description, grads in wrong.items()
            if not np.allclose(grads[j][part], right[j][part], rtol=1e-9, atol=0.0)}


NAMES = ("J", "grads")


def _grads(value, params, func_name):
    J, grads = checks.unpack(value, NAMES, func_name=func_name)
    if not isinstance(grads, (list, tuple)) or len(grads) != len(params):
        raise checks.GradingFailure(
            f"{func_name} should return grads as a list of {len(params)} (dW, db) pairs, one per layer.",
            kind="type")
    return J, [checks.unpack(pair, ("dW", "db"), func_name=f"layer {j + 1} of grads")
               for j, pair in enumerate(grads)]


def _check_network(student, rng, sizes, activations, loss, what, *, weight_decay=0.0, l1=0.0, large=False,
                   func_name="mlp_loss_and_grad"):
    """Check the outputs ``what`` (a subset of {"J", "dW", "db"}) on one random network."""
    params, X, Y = network(rng, sizes, activations, loss, t=40 if large else 5, l1=bool(l1))
    extra = (l1,) if func_name == "mlp_l1_loss_and_grad" else (weight_decay,)
    outcome = checks.call(student, params, X, Y, list(activations), loss, *extra)
    callee = "mlp_loss_and_grad" if func_name != "mlp_loss_and_grad" else None
    with checks.blaming_changed_inputs(outcome, ("params", "X", "Y", "activations", "loss", "extra"),
                                       name=func_name, callee=callee):
        _check_values(outcome.value, params, X, Y, sizes, activations, loss, weight_decay=weight_decay, l1=l1,
                      large=large, func_name=func_name, what=what, rng=rng)


def _check_values(value, params, X, Y, sizes, activations, loss, *, weight_decay, l1, large, func_name, what, rng):
    J, grads = _grads(value, params, func_name)
    label = f"a {'-'.join(map(str, sizes))} network ({', '.join(activations)}; {loss})" + (
        f", weight decay {weight_decay}" if weight_decay else "") + (f", L1 penalty {l1}" if l1 else "")
    case = _Case(params, X, Y, tuple(activations), loss, weight_decay, l1)
    if "J" in what:
        checks.check_scalar(J, objective(params, X, Y, activations, loss, weight_decay, l1),
                            name=f"J returned by {func_name} for {label}", known_mistakes=_loss_mistakes(case),
                            factor_names={X.shape[0]: "t"})
    wrong_grads = _gradient_mistakes(case) if not large else None
    for j, (dW, db) in enumerate(grads):
        for part, grad, symbol in ((0, dW, "dW"), (1, db, "db")):
            if symbol not in what:
                continue
            point = params[j][part]
            loss_of = _loss_of(params, X, Y, activations, loss, weight_decay, l1, j, part)
            name = f"{symbol}{j + 1} returned by {func_name} for {label}"
            if large:
                checks.check_gradient_directional(loss_of, point, grad, name=name, rng=rng)
            else:
                expected, error = central_gradient_and_error(loss_of, point)
                checks.check_close(grad, expected, name=name, known_mistakes=_mistakes_at(wrong_grads, j, part),
                                   factor_names={X.shape[0]: "t"}, slack=float(np.linalg.norm(error)))


# The scenarios every output is checked on: (layer sizes, activations, loss, options).
SCENARIOS = (
    ((3, 4, 2), ("tanh", "identity"), "mse", {}),
    ((6, 5, 4, 3), ("tanh", "tanh", "identity"), "mse", {}),
    ((20, 16, 8), ("tanh", "identity"), "mse", {"large": True}),
    ((3, 4, 3), ("tanh", "softmax"), "softmax_nll", {}),
    ((5, 6, 4, 3), ("relu", "tanh", "softmax"), "softmax_nll", {}),
    ((20, 16, 5), ("tanh", "softmax"), "softmax_nll", {"large": True}),
    *(((3, 4, 2), (name, "identity"), "mse", {}) for name in ("identity", "sigmoid", "relu")),
    ((3, 4, 2), ("relu", "sigmoid"), "mse", {}),
    ((3, 4, 2), ("tanh", "identity"), "mse", {"weight_decay": 0.3}),
    ((3, 4, 3), ("sigmoid", "softmax"), "softmax_nll", {"weight_decay": 0.1}),
    ((4, 2), ("identity",), "mse", {}),
    ((4, 3), ("softmax",), "softmax_nll", {}),
)


def _check_scenarios(student, case, what, scenarios=SCENARIOS, **options):
    for rng in rngs(case):
        for sizes, activations, loss, more in scenarios:
            _check_network(student, rng, sizes, activations, loss, what, **more, **options)


def mlp_loss_and_grad_loss(mlp_loss_and_grad, case="hidden"):
    """J on every scenario: squared error and softmax with NLL, every activation, weight decay, one layer."""
    _check_scenarios(mlp_loss_and_grad, case, ("J",))


def mlp_loss_and_grad_weights(mlp_loss_and_grad, case="hidden"):
    """Every dW_j on every scenario (weight decay lambda W_j included)."""
    _check_scenarios(mlp_loss_and_grad, case, ("dW",))


def mlp_loss_and_grad_biases(mlp_loss_and_grad, case="hidden"):
    """Every db_j on every scenario (biases are not penalised)."""
    _check_scenarios(mlp_loss_and_grad, case, ("db",))


EXTREME_LOGIT = 1000.0  # e^1000 overflows, e^-1000 underflows to 0 (and its log to -inf)


def _finite_grads(grads, params, label):
    for j, ((dW, db), (W, b)) in enumerate(zip(grads, params, strict=True)):
        for symbol, grad, point in (("dW", dW, W), ("db", db, b)):
            name = f"{symbol}{j + 1} returned by mlp_loss_and_grad for {label}"
            if not isinstance(grad, np.ndarray) or grad.shape != point.shape:
                raise checks.GradingFailure(f"{name} should be an array of shape {point.shape}.", kind="shape")
            if not np.all(np.isfinite(grad)):
                raise checks.GradingFailure(f"{name} contains NaN or inf: compute the softmax and its log stably.",
                                            kind="nonfinite")


def mlp_loss_and_grad_stable(mlp_loss_and_grad, case="hidden"):
    """Softmax outputs with logits of size 1000: no warnings, the right J and finite gradients."""
    for rng in rngs(case):
        for sizes, activations in (((3, 4, 3), ("tanh", "softmax")), ((4, 3), ("softmax",))):
            params, X, Y = network(rng, sizes, activations, "softmax_nll", t=5)
            W, b = params[-1]
            b = b.copy()
            b[0], b[1] = EXTREME_LOGIT, -EXTREME_LOGIT  # every example: one logit near 1e3, one near -1e3
            params[-1] = (W, b)
            label = f"a {'-'.join(map(str, sizes))} network ({', '.join(activations)}) with logits near +-1000"
            outcome = checks.call(mlp_loss_and_grad, params, X, Y, list(activations), "softmax_nll", 0.0)
            checks.check_no_warnings(outcome, name=f"mlp_loss_and_grad for {label} (subtract each row's "
                                                   "maximum and take log-softmax as A - max - log(sum(exp(A - max))))")
            J, grads = _grads(outcome.value, params, "mlp_loss_and_grad")
            checks.check_scalar(J, objective(params, X, Y, activations, "softmax_nll"), name=f"J for {label}",
                                rtol=1e-9)
            _finite_grads(grads, params, label)


def mlp_loss_and_grad_inputs_unchanged(mlp_loss_and_grad, case="hidden"):
    """params, X and Y are left exactly as they were."""
    for rng in rngs(case):
        params, X, Y = network(rng, (6, 5, 3), ("tanh", "softmax"), "softmax_nll", t=8)
        checks.check_inputs_unchanged(mlp_loss_and_grad, (params, X, Y, ["tanh", "softmax"], "softmax_nll", 0.1),
                                      ("params", "X", "Y", "activations", "loss", "weight_decay"),
                                      name="mlp_loss_and_grad")


# Time budget, calibrated with scripts/benchmark_budgets.py.
def mlp_floor(params, X, Y, activations, loss, weight_decay=0.0):
    """The work no mlp_loss_and_grad avoids: the matrix products of a forward and a backward pass."""
    outputs = [X]
    for W, _ in params:
        outputs.append(outputs[-1] @ W)
    delta = outputs[-1]
    for j in reversed(range(len(params))):
        outputs[j].T @ delta
        if j:
            delta = delta @ params[j][0].T
    return delta


BUDGET_LAYERS = (256, 256, 256, 10)
BUDGET_BATCH = 512


def mlp_budget_arguments(round_, scale=1):
    """The arguments of budget measurements, fresh for each round; ``scale`` times as many examples."""
    rng = budget_rng("ps04_mlp", round_)
    params, X, Y = network(rng, BUDGET_LAYERS, ("tanh", "tanh", "softmax"), "softmax_nll", round(scale * BUDGET_BATCH))
    return params, X, Y, ["tanh", "tanh", "softmax"], "softmax_nll", 0.0


MLP = budgets.CoreKernel(
    "mlp_loss_and_grad", "layers " + "-".join(map(str, BUDGET_LAYERS)) + f", batch {BUDGET_BATCH}",
    mlp_budget_arguments,
    # reference_over_floor: measured with scripts/benchmark_budgets.py --floors
    time=budgets.TimeBudget(ratio=10.0, repeats=7, floor=mlp_floor, reference_over_floor=1.2,
                            loop_rule=budgets.LoopRule(lambda args: len(args[1]), "example")),
    time_advice="No Python loop over the examples: each layer is one matrix product for the whole batch forward "
                "(Z_{j-1} @ W_j) and two backward (Z_{j-1}.T @ Delta_j and Delta_j @ W_j.T).",
    time_doc="No Python loop over the examples, and within the time budget of the reference.",
    versions=(("loop over the examples", "mlp_loop_over_examples", {"loop"}),
              ("forward loop over examples", "mlp_forward_loop_over_examples", {"loop"}),
              ("einsum without optimize", "mlp_einsum", set())),
)
(mlp_loss_and_grad_time_budget,) = budget_checks(MLP)


L1_SCENARIOS = (
    ((3, 4, 2), ("tanh", "identity"), "mse", {"l1": 0.2}),
    ((3, 4, 3), ("relu", "softmax"), "softmax_nll", {"l1": 0.05}),
)


def mlp_l1_loss_and_grad_loss(mlp_l1_loss_and_grad, case="hidden"):
    """Transfer task: J with an L1 penalty l1 * sum |W_j| instead of weight decay."""
    _check_scenarios(mlp_l1_loss_and_grad, case, ("J",), L1_SCENARIOS, func_name="mlp_l1_loss_and_grad")


def mlp_l1_loss_and_grad_gradients(mlp_l1_loss_and_grad, case="hidden"):
    """Transfer task: every dW_j (with l1 * sign(W_j)) and db_j with the L1 penalty."""
    _check_scenarios(mlp_l1_loss_and_grad, case, ("dW", "db"), L1_SCENARIOS, func_name="mlp_l1_loss_and_grad")
