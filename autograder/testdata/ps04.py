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


ALL_PS04_CORRECTNESS = {"test_mlp_loss_and_grad_regression", "test_mlp_loss_and_grad_classification",
                        "test_mlp_loss_and_grad_activations", "test_mlp_loss_and_grad_weight_decay",
                        "test_mlp_loss_and_grad_single_layer", "test_mlp_loss_and_grad_time_budget",
                        "test_mlp_l1_loss_and_grad_values"}

WRONG = [
    WrongSubmission(
        "mlp_gradient_without_1_over_t", PS04, {"mlp_loss_and_grad": _mlp(t="1")},
        frozenset(ALL_PS04_CORRECTNESS), "t times the right answer",
    ),
    WrongSubmission(
        "mlp_drops_hidden_derivatives", PS04, {"mlp_loss_and_grad": _mlp(derivative_at_layer="(j == len(params) - 1)")},
        frozenset(ALL_PS04_CORRECTNESS - {"test_mlp_loss_and_grad_single_layer"}), "does not match",
    ),
    WrongSubmission(
        "mlp_decays_biases", PS04, {"mlp_loss_and_grad": _mlp(bias_decay=True)},
        frozenset({"test_mlp_loss_and_grad_weight_decay"}), "biases are not penalised",
    ),
    WrongSubmission(
        "mlp_softmax_with_extra_derivative", PS04, {"mlp_loss_and_grad": _mlp(softmax_extra=True)},
        frozenset({"test_mlp_loss_and_grad_classification", "test_mlp_loss_and_grad_single_layer",
                   "test_mlp_loss_and_grad_weight_decay", "test_mlp_loss_and_grad_time_budget",
                   "test_mlp_l1_loss_and_grad_values"}), "does not match",
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
        frozenset({"test_mlp_loss_and_grad_time_budget"}), "too slow",
    ),
    WrongSubmission(  # about 2 times the reference: only the loop rule catches it
        "mlp_forward_loop_over_examples", PS04,
        {"mlp_loss_and_grad": _mlp(("        A = outputs[-1] @ W + b\n",
                                   "        A = np.array([z @ W + b for z in outputs[-1]])\n"))},
        frozenset({"test_mlp_loss_and_grad_time_budget"}), "for each example",
    ),
    WrongSubmission(
        "l1_penalty_gradient_is_w", PS04, {"mlp_l1_loss_and_grad": '''
def mlp_l1_loss_and_grad(params, X, Y, activations, loss, l1):
    J, grads = mlp_loss_and_grad(params, X, Y, activations, loss)
    J += l1 * sum(np.sum(np.abs(W)) for W, _ in params)
    return float(J), [(dW + l1 * W, db) for (dW, db), (W, _) in zip(grads, params)]
'''},
        frozenset({"test_mlp_l1_loss_and_grad_values"}), "mlp_l1_loss_and_grad",
    ),
    WrongSubmission(
        "mlp_softmax_without_max_shift", PS04,
        {"mlp_loss_and_grad": _mlp((
            "            shifted = A - A.max(axis=1, keepdims=True)\n"
            "            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
            "            Z = np.exp(log_probs)\n",
            "            Z = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)\n"
            "            log_probs = np.log(Z)\n"))},
        frozenset({"test_mlp_loss_and_grad_stable"}), "RuntimeWarning",
    ),
]

# An in-place write deep inside an argument: right values, so only the inputs-unchanged cells are lost.
WRONG += [
    WrongSubmission(
        "mlp_writes_into_params", PS04,
        {"mlp_loss_and_grad": _mlp(("    return float(J), grads",
                                   "    params[-1][0][...] *= 0.5\n    return float(J), grads"))},
        # the notebook's own mlp_l1_loss_and_grad calls it, and gets the halved weights back
        frozenset({"test_mlp_loss_and_grad_inputs_unchanged", "test_mlp_l1_loss_and_grad_values"}),
        "modified its input params[1][0] in place",
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
