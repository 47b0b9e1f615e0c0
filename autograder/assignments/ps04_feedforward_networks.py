"""Graded checks of ps04_feedforward_networks (one function per test cell).

A network is params = [(W1, b1), ..., (Wk, bk)] with W_j of shape
(n_{j-1}, n_j); examples are rows of X (t x n_0); the objective is
J = (1/t) sum_i loss(z_i, y_i) + (lambda/2) sum_j ||W_j||_F^2.
"""

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


NAMES = ("J", "grads")


def _grads(value, params, func_name):
    J, grads = checks.unpack(value, NAMES, func_name=func_name)
    if not isinstance(grads, (list, tuple)) or len(grads) != len(params):
        raise checks.GradingFailure(
            f"{func_name} should return grads as a list of {len(params)} (dW, db) pairs, one per layer.",
            kind="type")
    return J, [checks.unpack(pair, ("dW", "db"), func_name=f"layer {j + 1} of grads")
               for j, pair in enumerate(grads)]


def _check_network(student, rng, sizes, activations, loss, *, weight_decay=0.0, l1=0.0, large=False,
                   func_name="mlp_loss_and_grad", what="gradients"):
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
    label = f"a {'-'.join(map(str, sizes))} network ({', '.join(activations)}; {loss})"
    checks.check_scalar(
        J, objective(params, X, Y, activations, loss, weight_decay, l1), name=f"J for {label}",
        known_mistakes={"J without the 1/t": objective(params, X, Y, activations, loss) * X.shape[0]}
        if not (weight_decay or l1) else None,
    )
    if what != "gradients":
        return
    for j, (dW, db) in enumerate(grads):
        for part, grad, symbol in ((0, dW, "dW"), (1, db, "db")):
            point = params[j][part]
            loss_of = _loss_of(params, X, Y, activations, loss, weight_decay, l1, j, part)
            name = f"{symbol}{j + 1} returned by {func_name} for {label}" + (
                f", weight decay {weight_decay}" if weight_decay else "")
            if large:
                checks.check_gradient_directional(loss_of, point, grad, name=name, rng=rng)
            else:
                expected, error = central_gradient_and_error(loss_of, point)
                mistakes = {}
                if part == 1 and weight_decay:
                    mistakes["a weight-decay term on the bias (biases are not penalised)"] = (
                        expected + weight_decay * point)
                checks.check_close(grad, expected, name=name, known_mistakes=mistakes,
                                   factor_names={X.shape[0]: "t"}, slack=float(np.linalg.norm(error)))


def mlp_loss_and_grad_regression(mlp_loss_and_grad, case="hidden"):
    """J and every gradient for squared error, with tanh hidden layers."""
    for rng in rngs(case):
        _check_network(mlp_loss_and_grad, rng, (3, 4, 2), ("tanh", "identity"), "mse")
        _check_network(mlp_loss_and_grad, rng, (6, 5, 4, 3), ("tanh", "tanh", "identity"), "mse")
        _check_network(mlp_loss_and_grad, rng, (20, 16, 8), ("tanh", "identity"), "mse", large=True)


def mlp_loss_and_grad_classification(mlp_loss_and_grad, case="hidden"):
    """J and every gradient for softmax with negative log-likelihood."""
    for rng in rngs(case):
        _check_network(mlp_loss_and_grad, rng, (3, 4, 3), ("tanh", "softmax"), "softmax_nll")
        _check_network(mlp_loss_and_grad, rng, (5, 6, 4, 3), ("relu", "tanh", "softmax"), "softmax_nll")
        _check_network(mlp_loss_and_grad, rng, (20, 16, 5), ("tanh", "softmax"), "softmax_nll", large=True)


def mlp_loss_and_grad_activations(mlp_loss_and_grad, case="hidden"):
    """Each hidden activation: identity, tanh, sigmoid and relu, and an activated output."""
    for rng in rngs(case):
        for name in ("identity", "sigmoid", "relu"):
            _check_network(mlp_loss_and_grad, rng, (3, 4, 2), (name, "identity"), "mse")
        _check_network(mlp_loss_and_grad, rng, (3, 4, 2), ("relu", "sigmoid"), "mse")


def mlp_loss_and_grad_weight_decay(mlp_loss_and_grad, case="hidden"):
    """lambda/2 sum ||W_j||^2 on the weights only, not the biases."""
    for rng in rngs(case):
        _check_network(mlp_loss_and_grad, rng, (3, 4, 2), ("tanh", "identity"), "mse", weight_decay=0.3)
        _check_network(mlp_loss_and_grad, rng, (3, 4, 3), ("sigmoid", "softmax"), "softmax_nll", weight_decay=0.1)


def mlp_loss_and_grad_single_layer(mlp_loss_and_grad, case="hidden"):
    """A network of one layer (linear or logistic regression) works too."""
    for rng in rngs(case):
        _check_network(mlp_loss_and_grad, rng, (4, 2), ("identity",), "mse")
        _check_network(mlp_loss_and_grad, rng, (4, 3), ("softmax",), "softmax_nll")


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
    params, X, Y = network(rng, BUDGET_LAYERS, ("tanh", "tanh", "softmax"), "softmax_nll", scale * BUDGET_BATCH)
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


def mlp_l1_loss_and_grad_values(mlp_l1_loss_and_grad, case="hidden"):
    """Transfer task: an L1 penalty l1 * sum |W_j| instead of weight decay."""
    for rng in rngs(case):
        _check_network(mlp_l1_loss_and_grad, rng, (3, 4, 2), ("tanh", "identity"), "mse", l1=0.2,
                       func_name="mlp_l1_loss_and_grad")
        _check_network(mlp_l1_loss_and_grad, rng, (3, 4, 3), ("relu", "softmax"), "softmax_nll", l1=0.05,
                       func_name="mlp_l1_loss_and_grad")
