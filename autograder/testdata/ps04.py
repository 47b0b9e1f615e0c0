"""Problem set 4 (feed-forward networks): wrong and slow versions of the network's gradient."""

from autograder.testdata.table import PS04, WrongSubmission, reference_answer


def _mlp(*edits, derivative_at_layer=None, softmax_extra=False, bias_decay=False, t="t"):
    """The reference mlp_loss_and_grad with ``edits`` made, and with the derivative of each hidden layer's activation
    taken only where ``derivative_at_layer`` (a condition on j) holds, softmax's derivative
    applied once more after the output layer, the biases decayed, or the gradient's 1/t as 1/``t``."""
    edits = [*edits, ("delta = (Z - Y) / t", f"delta = (Z - Y) / {t}")]
    if derivative_at_layer:
        edits += [(f'if name == "{f}":\n            delta', f'if name == "{f}" and {derivative_at_layer}:\n'
                   "            delta") for f in ("tanh", "sigmoid", "relu")]
    if softmax_extra:
        edits.append(("            delta = delta * (Z > 0)\n", "            delta = delta * (Z > 0)\n"
                       '        elif name == "softmax":\n            delta = delta * Z * (1.0 - Z)\n'))
    if bias_decay:
        edits.append(("delta.sum(axis=0))", "delta.sum(axis=0) + weight_decay * params[j][1])"))
    return reference_answer(PS04, "mlp_loss_and_grad", *edits)


# The test cells of each output of mlp_loss_and_grad: a mistake in one output loses only that output's cells
# (the time budget times a kernel with most of its outputs right; the L1 task calls mlp_loss_and_grad).
LOSS, WEIGHTS, BIASES = "test_mlp_loss_and_grad_loss", "test_mlp_loss_and_grad_weights", "test_mlp_loss_and_grad_biases"
TIME, L1_LOSS, L1_GRADIENTS = ("test_mlp_loss_and_grad_time_budget", "test_mlp_l1_loss_and_grad_loss",
                               "test_mlp_l1_loss_and_grad_gradients")
OUTPUT_CELLS = {"J": {LOSS, "test_mlp_loss_and_grad_stable", L1_LOSS},
                "dW": {WEIGHTS, L1_GRADIENTS}, "db": {BIASES, L1_GRADIENTS}}
GRADIENTS = {WEIGHTS, BIASES, TIME, L1_GRADIENTS}

WRONG = [
    WrongSubmission(
        "mlp_gradient_without_1_over_t", PS04, {"mlp_loss_and_grad": _mlp(t="1")},
        frozenset(GRADIENTS), "the gradients without the 1/t", kind="known_mistake",
    ),
    WrongSubmission(
        "mlp_drops_hidden_derivatives", PS04, {"mlp_loss_and_grad": _mlp(derivative_at_layer="(j == len(params) - 1)")},
        frozenset(GRADIENTS), "the hidden layers' derivatives dropped", kind="known_mistake",
    ),
    WrongSubmission(
        "mlp_decays_biases", PS04, {"mlp_loss_and_grad": _mlp(bias_decay=True)},
        frozenset({BIASES}), "biases are not penalised", kind="known_mistake", output="db",
    ),
    WrongSubmission(
        "mlp_softmax_with_extra_derivative", PS04, {"mlp_loss_and_grad": _mlp(softmax_extra=True)},
        frozenset(GRADIENTS), "an extra softmax derivative", kind="known_mistake",
    ),
    WrongSubmission(
        "mlp_loop_over_examples", PS04, {"mlp_loss_and_grad": '''
def mlp_loss_and_grad(params, X, Y, activations, loss, weight_decay=0.0):
    t = X.shape[0]
    J = 0.5 * weight_decay * sum(np.sum(W * W) for W, _ in params)
    grads = [(weight_decay * W, np.zeros_like(b)) for W, b in params]
    for i in range(t):
        outputs = [X[i]]
        for (W, b), name in zip(params, activations):
            a = outputs[-1] @ W + b
            if name == "tanh":
                z = np.tanh(a)
            elif name == "sigmoid":
                z = np.exp(-np.logaddexp(0.0, -a))
            elif name == "relu":
                z = np.maximum(a, 0.0)
            elif name == "softmax":
                shifted = a - a.max()
                log_p = shifted - np.log(np.exp(shifted).sum())
                z = np.exp(log_p)
            else:
                z = a
            outputs.append(z)
        z = outputs[-1]
        J += (-Y[i] @ log_p if loss == "softmax_nll" else 0.5 * np.sum((z - Y[i]) ** 2)) / t
        delta = (z - Y[i]) / t
        for j in reversed(range(len(params))):
            name, z = activations[j], outputs[j + 1]
            if name == "tanh":
                delta = delta * (1.0 - z * z)
            elif name == "sigmoid":
                delta = delta * z * (1.0 - z)
            elif name == "relu":
                delta = delta * (z > 0)
            grads[j][0][...] += np.outer(outputs[j], delta)
            grads[j][1][...] += delta
            delta = params[j][0] @ delta
    return float(J), grads
'''},
        frozenset({"test_mlp_loss_and_grad_time_budget"}), "too slow", kind="too_slow",
    ),
    WrongSubmission(  # about 2 times the reference: only the loop rule catches it
        "mlp_forward_loop_over_examples", PS04,
        {"mlp_loss_and_grad": _mlp(("        A = outputs[-1] @ W + b\n",
                                   "        A = np.array([z @ W + b for z in outputs[-1]])\n"))},
        frozenset({"test_mlp_loss_and_grad_time_budget"}), "for each example", kind="too_slow",
    ),
    WrongSubmission(
        "l1_penalty_gradient_is_w", PS04, {"mlp_l1_loss_and_grad": '''
def mlp_l1_loss_and_grad(params, X, Y, activations, loss, l1):
    J, grads = mlp_loss_and_grad(params, X, Y, activations, loss)
    J += l1 * sum(np.sum(np.abs(W)) for W, _ in params)
    return float(J), [(dW + l1 * W, db) for (dW, db), (W, _) in zip(grads, params)]
'''},
        frozenset({L1_GRADIENTS}), "l1 * sign(W_j)", kind="known_mistake",
    ),
    WrongSubmission(
        "mlp_softmax_without_max_shift", PS04,
        {"mlp_loss_and_grad": _mlp((
            "            shifted = A - A.max(axis=1, keepdims=True)\n"
            "            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
            "            Z = np.exp(log_probs)\n",
            "            Z = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)\n"
            "            log_probs = np.log(Z)\n"))},
        frozenset({"test_mlp_loss_and_grad_stable"}), "RuntimeWarning", kind="warnings",
    ),
]

# The catalogue's mistakes (autograder/assignments/ps04_feedforward_networks.py), each named by the first message.
WRONG += [
    WrongSubmission(  # np.mean over the t x m matrix: for 2 outputs J is half the right one, not a missing 1/2
        "mlp_mse_mean_over_all_entries", PS04,
        {"mlp_loss_and_grad": _mlp(("        J = 0.5 * np.sum((Z - Y) ** 2) / t\n        delta = (Z - Y) / t",
                                   "        J = 0.5 * np.mean((Z - Y) ** 2)\n        delta = (Z - Y) / Z.size"))},
        frozenset({LOSS, WEIGHTS, BIASES, L1_LOSS, L1_GRADIENTS}), "a mean over all t*m entries", kind="known_mistake",
    ),
    WrongSubmission(
        "mlp_loss_without_1_over_t", PS04,
        {"mlp_loss_and_grad": _mlp(("J = 0.5 * np.sum((Z - Y) ** 2) / t", "J = 0.5 * np.sum((Z - Y) ** 2)"))},
        frozenset({LOSS, L1_LOSS}), "J without the 1/t", kind="known_mistake", output="J",
    ),
    WrongSubmission(
        "mlp_weight_decay_without_half", PS04,
        {"mlp_loss_and_grad": _mlp(("J += 0.5 * weight_decay * sum", "J += weight_decay * sum"))},
        frozenset({LOSS}), "the weight decay without its 1/2", kind="known_mistake", output="J",
    ),
    WrongSubmission(
        "mlp_weight_decay_doubled", PS04,
        {"mlp_loss_and_grad": _mlp(("outputs[j].T @ delta + weight_decay * W",
                                   "outputs[j].T @ delta + 2 * weight_decay * W"))},
        frozenset({WEIGHTS}), "the weight-decay term doubled", kind="known_mistake", output="dW",
    ),
    WrongSubmission(
        "mlp_weight_decay_missing_from_gradient", PS04,
        {"mlp_loss_and_grad": _mlp(("outputs[j].T @ delta + weight_decay * W", "outputs[j].T @ delta"))},
        frozenset({WEIGHTS}), "no weight-decay term", kind="known_mistake", output="dW",
    ),
    WrongSubmission(
        "mlp_db_mean", PS04, {"mlp_loss_and_grad": _mlp(("delta.sum(axis=0))", "delta.mean(axis=0))"))},
        frozenset({BIASES, L1_GRADIENTS}), "a mean over the batch instead of a sum", kind="known_mistake",
        output="db",
    ),
    WrongSubmission(
        "mlp_tanh_derivative_one_minus_z", PS04,
        {"mlp_loss_and_grad": _mlp(("delta = delta * (1.0 - Z * Z)", "delta = delta * (1.0 - Z)"))},
        frozenset(GRADIENTS), "tanh' taken as 1 - Z", kind="known_mistake",
    ),
    WrongSubmission(
        "mlp_tanh_derivative_at_z", PS04,
        {"mlp_loss_and_grad": _mlp(("delta = delta * (1.0 - Z * Z)", "delta = delta * (1.0 - np.tanh(Z) ** 2)"))},
        frozenset(GRADIENTS), "instead of its input A_j", kind="known_mistake",
    ),
    WrongSubmission(
        "mlp_sigmoid_derivative_at_z", PS04,
        {"mlp_loss_and_grad": _mlp(("delta = delta * Z * (1.0 - Z)",
                                   "S = np.exp(-np.logaddexp(0.0, -Z))\n            delta = delta * S * (1.0 - S)"))},
        frozenset({WEIGHTS, BIASES}), "instead of its input A_j", kind="known_mistake",
    ),
    WrongSubmission(
        "mlp_relu_mask_always_true", PS04,
        {"mlp_loss_and_grad": _mlp(("delta = delta * (Z > 0)", "delta = delta * (Z >= 0)"))},
        frozenset({WEIGHTS, BIASES, L1_GRADIENTS}), "a ReLU mask that is always true", kind="known_mistake",
    ),
]

# An in-place write deep inside an argument: right values, so only the inputs-unchanged cells are lost.
WRONG += [
    WrongSubmission(
        "mlp_writes_into_params", PS04,
        {"mlp_loss_and_grad": _mlp(("    return float(J), grads",
                                   "    params[-1][0][...] *= 0.5\n    return float(J), grads"))},
        # the notebook's own mlp_l1_loss_and_grad calls it, and gets the halved weights back
        frozenset({"test_mlp_loss_and_grad_inputs_unchanged", L1_LOSS}),  # its penalty, not its gradient, changes
        "modified its input params[1][0] in place", kind="inputs_modified",
    ),
]

# Right answers in forms the notebook allows: each must score full marks, silently.
RIGHT = [
    WrongSubmission(  # np.einsum without optimize= runs no BLAS, yet stays within the time budget
        "mlp_einsum", PS04,
        {"mlp_loss_and_grad": _mlp(("A = outputs[-1] @ W + b", 'A = np.einsum("ti,ij->tj", outputs[-1], W) + b'),
                                   ("outputs[j].T @ delta", 'np.einsum("ti,tj->ij", outputs[j], delta)'),
                                   ("delta = delta @ W.T", 'delta = np.einsum("tj,ij->ti", delta, W)'))},
        frozenset(), "",
    ),
]

# A training step left inside the gradient function: its own values are right (J and the gradients are
# computed before the step), but the L1 transfer function built on it reads the stepped params, and its
# message must say that its inputs were changed, not only that J does not match.
WRONG += [
    WrongSubmission(
        "mlp_training_step_inside", PS04,
        {"mlp_loss_and_grad": _mlp(("    return float(J), grads",
                                   "    for (W, b), (dW, db) in zip(params, grads, strict=True):  # the SGD step\n"
                                   "        W -= 0.1 * dW\n        b -= 0.1 * db\n    return float(J), grads"))},
        frozenset({"test_mlp_loss_and_grad_inputs_unchanged", L1_LOSS, L1_GRADIENTS}),
        "changed in place by mlp_l1_loss_and_grad (or by mlp_loss_and_grad, which it calls), the likely cause",
        kind="inputs_modified",
    ),
]
