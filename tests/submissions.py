"""Wrong submissions that real students make, and what grading must say of them.

Each entry replaces one or more answer cells of the solution notebook.
``fails`` is the exact set of test cells that must lose their points (all
others keep theirs) and ``says`` a phrase the feedback of at least one of
them must contain.  The same table drives the fast in-process tests
(test_wrong_submissions.py) and the nbgrader pipeline test (test_pipeline.py).
"""

from dataclasses import dataclass, field
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


@dataclass(frozen=True)
class WrongSubmission:
    name: str
    assignment: str
    answers: dict
    fails: frozenset
    says: str
    notes: str = field(default="")


PS01 = "ps01_gradient_checking"
PS02 = "ps02_linear_layers"
# dense_tanh_backward with dJ/dA as its one temporary, updated in place (the reference works in blocks)
DENSE_TANH_IN_PLACE = """
def dense_tanh_backward(G, X, W, Z):
    dA = Z * Z
    np.subtract(1.0, dA, out=dA)
    dA *= G
    return dA @ W.T, X.T @ dA, dA.sum(axis=0)
"""

WRONG_SUBMISSIONS = [
    WrongSubmission(
        "forward_difference", PS01,
        {"numerical_gradient": '''
def numerical_gradient(f, X, h=1e-6):
    X = np.array(X, dtype=float)
    grad = np.zeros_like(X)
    f0 = f(X)
    for index in np.ndindex(X.shape):
        Xp = X.copy()
        Xp[index] += h
        grad[index] = (f(Xp) - f0) / h
    return grad
'''},
        frozenset({"test_numerical_gradient_central"}),
        "one-sided (forward) difference",
    ),
    WrongSubmission(
        "perturbs_x_in_place", PS01,
        {"numerical_gradient": '''
def numerical_gradient(f, X, h=1e-6):
    grad = np.zeros_like(X)
    for index in np.ndindex(X.shape):
        X[index] += h
        upper = f(X)
        X[index] -= 2 * h
        lower = f(X)
        X[index] += h
        grad[index] = (upper - lower) / (2 * h)
    return grad
'''},
        frozenset({"test_numerical_gradient_inputs_unchanged"}),
        "modified its input X in place",
    ),
    WrongSubmission(
        "relative_error_one_sided", PS01,
        {"relative_error": '''
def relative_error(A, B):
    if np.linalg.norm(B) == 0:
        return 0.0 if np.linalg.norm(A) == 0 else 1.0
    return float(np.linalg.norm(A - B) / np.linalg.norm(B))
'''},
        frozenset({"test_relative_error_values"}),
        "division by ||B|| only",
    ),
    WrongSubmission(
        "relative_error_zero_division", PS01,
        {"relative_error": '''
def relative_error(A, B):
    return float(np.linalg.norm(A - B) / max(np.linalg.norm(A), np.linalg.norm(B)))
'''},
        frozenset({"test_relative_error_zero"}),
        "warning",
    ),
    WrongSubmission(
        "trace_quadratic_assumes_symmetric", PS01,
        {"grad_trace_quadratic": '''
def grad_trace_quadratic(A, X):
    return 2 * A @ X
'''},
        frozenset({"test_grad_trace_quadratic_general_A"}),
        "only when A is symmetric",
    ),
    WrongSubmission(
        "least_squares_sign", PS01,
        {"grad_least_squares": '''
def grad_least_squares(A, X, B):
    return A.T @ (B - A @ X)
'''},
        frozenset({"test_grad_least_squares_small", "test_grad_least_squares_large"}),
        "wrong sign",
    ),
    WrongSubmission(
        "weighted_least_squares_weight_once", PS01,
        {"grad_weighted_least_squares": '''
def grad_weighted_least_squares(A, X, B, M):
    return A.T @ (M * (A @ X - B))
'''},
        frozenset({"test_grad_weighted_least_squares_small", "test_grad_weighted_least_squares_large"}),
        "weight applied once",
    ),
    WrongSubmission(
        "dW_transposed", PS02,
        {"linear_backward": '''
def linear_backward(G, X, W):
    return G @ W.T, G.T @ X, G.sum(axis=0)
'''},
        frozenset({"test_linear_backward_dW"}),
        "transposed",
    ),
    WrongSubmission(
        "db_mean_instead_of_sum", PS02,
        {"linear_backward": '''
def linear_backward(G, X, W):
    return G @ W.T, X.T @ G, G.mean(axis=0)
'''},
        frozenset({"test_linear_backward_db"}),
        "1/t times the right answer",
    ),
    WrongSubmission(
        "torch_layout_dW_of_other_layout", PS02,
        {"linear_backward_torch": '''
def linear_backward_torch(G, X, W):
    return G @ W, X.T @ G, G.sum(axis=0)
'''},
        frozenset({"test_linear_backward_torch_dW"}),
        "transposed",
    ),
    WrongSubmission(
        "sigmoid_overflows", PS02,
        {"sigmoid": '''
def sigmoid(A):
    return 1.0 / (1.0 + np.exp(-A))
'''},
        frozenset({"test_sigmoid_stable"}),
        "RuntimeWarning",
    ),
    WrongSubmission(
        "sigmoid_sign_erratum", PS02,
        {"sigmoid": '''
def sigmoid(A):
    E = np.exp(-np.abs(A))
    return np.where(A >= 0, E / (1.0 + E), 1.0 / (1.0 + E))
'''},
        frozenset({"test_sigmoid_values", "test_sigmoid_stable"}),
        "sign of the exponent is wrong",
    ),
    WrongSubmission(
        "tanh_derivative_at_output", PS02,
        {"tanh_backward": '''
def tanh_backward(G, Z):
    return G * (1.0 - np.tanh(Z) ** 2)
'''},
        frozenset({"test_tanh_backward_values"}),
        "derivative taken at Z instead of A",
    ),
    WrongSubmission(
        "dense_tanh_missing_derivative", PS02,
        {"dense_tanh_backward": '''
def dense_tanh_backward(G, X, W, Z):
    return G @ W.T, X.T @ G, G.sum(axis=0)
'''},
        frozenset({"test_dense_tanh_backward_dX", "test_dense_tanh_backward_dW",
                   "test_dense_tanh_backward_db", "test_dense_tanh_backward_time_budget"}),
        "derivative f'(A) is missing",
    ),
    WrongSubmission(
        "dense_tanh_unfused", PS02,
        {"dense_tanh_backward": '''
def dense_tanh_backward(G, X, W, Z):
    derivative = 1.0 - Z ** 2
    dA = G * derivative
    return dA @ W.T, X.T @ dA, dA.sum(axis=0)
'''},
        frozenset({"test_dense_tanh_backward_memory_budget"}),
        "uses too much memory",
    ),
    WrongSubmission(
        "dense_tanh_python_loop", PS02,
        {"dense_tanh_backward": '''
def dense_tanh_backward(G, X, W, Z):
    dA = Z * Z
    np.subtract(1.0, dA, out=dA)
    dA *= G
    dW = np.zeros_like(W)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            dW[j] += X[i, j] * dA[i]
    return dA @ W.T, dW, dA.sum(axis=0)
'''},
        frozenset({"test_dense_tanh_backward_time_budget"}),
        "too slow",
    ),
    WrongSubmission(  # fast, and no Python line per row: the loop rule counts a row and a sum per row
        "dense_tanh_builtin_sum_over_rows", PS02,
        {"dense_tanh_backward": DENSE_TANH_IN_PLACE.replace("dA.sum(axis=0)", "sum(dA)")},
        frozenset({"test_dense_tanh_backward_time_budget"}),
        "for each row of X",
    ),
    WrongSubmission(
        "dense_tanh_overwrites_G", PS02,
        {"dense_tanh_backward": '''
def dense_tanh_backward(G, X, W, Z):
    dA = Z * Z
    np.subtract(1.0, dA, out=dA)
    G *= dA
    return G @ W.T, X.T @ G, G.sum(axis=0)
'''},
        frozenset({"test_dense_tanh_backward_inputs_unchanged"}),
        "modified its input G in place",
    ),
]

PS03 = "ps03_softmax_cross_entropy"
PS03_FUSED = ("test_softmax_cross_entropy_gradient", "test_softmax_cross_entropy_stable",
              "test_softmax_cross_entropy_time_budget")

WRONG_SUBMISSIONS += [
    WrongSubmission(
        "softmax_without_max_shift", PS03,
        {"softmax": "\ndef softmax(A):\n    E = np.exp(A)\n    return E / E.sum(axis=1, keepdims=True)\n"},
        frozenset({"test_softmax_stable"}), "subtract each row's maximum",
    ),
    WrongSubmission(
        "softmax_backward_diagonal_only", PS03,
        {"softmax_backward": "\ndef softmax_backward(G, Y):\n    return G * Y * (1 - Y)\n"},
        frozenset({"test_softmax_backward_values"}), "only the diagonal",
    ),
    WrongSubmission(
        "cross_entropy_without_1_over_S", PS03,
        {"cross_entropy": "\ndef cross_entropy(Z, T):\n    return -float(np.sum(T * np.log(Z)))\n"},
        frozenset({"test_cross_entropy_values"}), "without the 1/S",
    ),
    WrongSubmission(
        "fused_gradient_without_1_over_S", PS03,
        {"softmax_cross_entropy": '''
def softmax_cross_entropy(A, T):
    S = A.shape[0]
    row_max = A.max(axis=1)
    dA = A - row_max[:, None]
    np.exp(dA, out=dA)
    row_sum = dA.sum(axis=1)
    loss = (T.sum(axis=1) @ (row_max + np.log(row_sum)) - np.vdot(T, A)) / S
    dA /= row_sum[:, None]
    dA -= T
    return float(loss), dA
'''},
        frozenset(PS03_FUSED), "S times the right answer",
    ),
    WrongSubmission(
        "fused_gradient_seed_erratum", PS03,
        {"softmax_cross_entropy": '''
def softmax_cross_entropy(A, T):
    S = A.shape[0]
    row_max = A.max(axis=1)
    Y = A - row_max[:, None]
    np.exp(Y, out=Y)
    row_sum = Y.sum(axis=1)
    loss = (T.sum(axis=1) @ (row_max + np.log(row_sum)) - np.vdot(T, A)) / S
    Y /= row_sum[:, None]
    weighted = np.einsum("ij,ij->i", T, Y)
    Y[...] = weighted[:, None]
    Y -= T
    Y /= S
    return float(loss), Y
'''},
        frozenset(PS03_FUSED), "erratum",
    ),
    WrongSubmission(
        "fused_in_two_steps", PS03,
        {"softmax_cross_entropy": '''
def softmax_cross_entropy(A, T):
    Y = np.exp(A - A.max(axis=1, keepdims=True))
    Y /= Y.sum(axis=1, keepdims=True)
    loss = -np.sum(T * np.log(Y)) / A.shape[0]
    return float(loss), (Y - T) / A.shape[0]
'''},
        frozenset({"test_softmax_cross_entropy_stable", "test_softmax_cross_entropy_memory_budget"}),
        "RuntimeWarning",
    ),
    WrongSubmission(
        "fused_loop_over_examples", PS03,
        {"softmax_cross_entropy": '''
def softmax_cross_entropy(A, T):
    S = A.shape[0]
    dA = np.empty_like(A)
    loss = 0.0
    for s in range(S):
        shifted = A[s] - A[s].max()
        exps = np.exp(shifted)
        total = exps.sum()
        loss -= T[s] @ (shifted - np.log(total))
        dA[s] = exps / total - T[s]
    dA /= S
    return float(loss / S), dA
'''},
        frozenset({"test_softmax_cross_entropy_time_budget"}), "too slow",
    ),
    WrongSubmission(
        "fused_unfused_temporaries", PS03,
        {"softmax_cross_entropy": '''
def softmax_cross_entropy(A, T):
    shifted = A - A.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -np.sum(T * log_probs) / A.shape[0]
    return float(loss), (np.exp(log_probs) - T) / A.shape[0]
'''},
        frozenset({"test_softmax_cross_entropy_memory_budget"}), "uses too much memory",
    ),
    WrongSubmission(
        "labels_build_one_hot", PS03,
        {"softmax_cross_entropy_labels": '''
def softmax_cross_entropy_labels(A, y):
    T = np.eye(A.shape[1])[y]
    return softmax_cross_entropy(A, T)
'''},
        frozenset({"test_softmax_cross_entropy_labels_memory_budget"}), "uses too much memory",
    ),
    WrongSubmission(
        "labels_loop_over_examples", PS03,
        {"softmax_cross_entropy_labels": '''
def softmax_cross_entropy_labels(A, y):
    S = A.shape[0]
    dA = np.empty_like(A)
    loss = 0.0
    for s in range(S):
        shifted = A[s] - A[s].max()
        exps = np.exp(shifted)
        total = exps.sum()
        loss -= shifted[y[s]] - np.log(total)
        dA[s] = exps / total
        dA[s, y[s]] -= 1.0
    dA /= S
    return loss / S, dA
'''},
        frozenset({"test_softmax_cross_entropy_labels_time_budget"}), "too slow",
    ),
    WrongSubmission(
        "label_smoothing_ignored", PS03,
        {"label_smoothing_loss_and_grad": '''
def label_smoothing_loss_and_grad(A, y, eps):
    return softmax_cross_entropy_labels(A, y)
'''},
        frozenset({"test_label_smoothing_loss_and_grad_values"}), "without smoothing",
    ),
]

PS04 = "ps04_feedforward_networks"
REFERENCE_MLP = """
def mlp_loss_and_grad(params, X, Y, activations, loss, weight_decay=0.0):
    t = X.shape[0]
    outputs = [X]
    for (W, b), name in zip(params, activations):
        A = outputs[-1] @ W + b
        if name == "tanh":
            Z = np.tanh(A)
        elif name == "sigmoid":
            Z = np.exp(-np.logaddexp(0.0, -A))
        elif name == "relu":
            Z = np.maximum(A, 0.0)
        elif name == "softmax":
            shifted = A - A.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            Z = np.exp(log_probs)
        else:
            Z = A
        outputs.append(Z)
    Z = outputs[-1]
    if loss == "softmax_nll":
        J = -np.sum(Y * log_probs) / t
    else:
        J = 0.5 * np.sum((Z - Y) ** 2) / t
    delta = (Z - Y) / t
    J += 0.5 * weight_decay * sum(np.sum(W * W) for W, _ in params)
    grads = [None] * len(params)
    for j in reversed(range(len(params))):
        name, Z = activations[j], outputs[j + 1]
        if name == "tanh" and DERIVATIVE_AT_LAYER:
            delta = delta * (1.0 - Z * Z)
        elif name == "sigmoid" and DERIVATIVE_AT_LAYER:
            delta = delta * Z * (1.0 - Z)
        elif name == "relu" and DERIVATIVE_AT_LAYER:
            delta = delta * (Z > 0)
        elif name == "softmax" and SOFTMAX_EXTRA:
            delta = delta * Z * (1.0 - Z)
        W = params[j][0]
        grads[j] = (outputs[j].T @ delta + weight_decay * W, delta.sum(axis=0) + BIAS_DECAY * params[j][1])
        if j > 0:
            delta = delta @ W.T
    return float(J * SCALE), grads
"""


def _mlp(derivative_at_layer="True", softmax_extra="False", bias_decay="0.0", scale="1.0", t="t"):
    code = (REFERENCE_MLP.replace("DERIVATIVE_AT_LAYER", derivative_at_layer)
            .replace("SOFTMAX_EXTRA", softmax_extra).replace("BIAS_DECAY", bias_decay).replace("SCALE", scale))
    return code.replace("delta = (Z - Y) / t", f"delta = (Z - Y) / {t}")


ALL_PS04_CORRECTNESS = {"test_mlp_loss_and_grad_regression", "test_mlp_loss_and_grad_classification",
                        "test_mlp_loss_and_grad_activations", "test_mlp_loss_and_grad_weight_decay",
                        "test_mlp_loss_and_grad_single_layer", "test_mlp_loss_and_grad_time_budget",
                        "test_mlp_l1_loss_and_grad_values"}

WRONG_SUBMISSIONS += [
    WrongSubmission(
        "mlp_gradient_without_1_over_t", PS04, {"mlp_loss_and_grad": _mlp(t="1")},
        frozenset(ALL_PS04_CORRECTNESS), "t times the right answer",
    ),
    WrongSubmission(
        "mlp_drops_hidden_derivatives", PS04, {"mlp_loss_and_grad": _mlp(derivative_at_layer="(j == len(params) - 1)")},
        frozenset(ALL_PS04_CORRECTNESS - {"test_mlp_loss_and_grad_single_layer"}), "does not match",
    ),
    WrongSubmission(
        "mlp_decays_biases", PS04, {"mlp_loss_and_grad": _mlp(bias_decay="weight_decay")},
        frozenset({"test_mlp_loss_and_grad_weight_decay"}), "biases are not penalised",
    ),
    WrongSubmission(
        "mlp_softmax_with_extra_derivative", PS04, {"mlp_loss_and_grad": _mlp(softmax_extra="True")},
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
        {"mlp_loss_and_grad": _mlp().replace("        A = outputs[-1] @ W + b\n",
                                             "        A = np.array([z @ W + b for z in outputs[-1]])\n")},
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
        {"mlp_loss_and_grad": _mlp().replace(
            "            shifted = A - A.max(axis=1, keepdims=True)\n"
            "            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
            "            Z = np.exp(log_probs)\n",
            "            Z = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)\n"
            "            log_probs = np.log(Z)\n")},
        frozenset({"test_mlp_loss_and_grad_stable"}), "RuntimeWarning",
    ),
]

PS05 = "ps05_autoencoders"


def _reference_answer(assignment, function, old, new):
    """A reference answer with one line changed."""
    from autograder.notebooks import answer_cells, load

    code = answer_cells(load(SOLUTIONS / assignment / f"{assignment}.ipynb"))[function]
    assert old in code, old
    return code.replace(old, new)


def _ps05(function, old, new):
    return {function: _reference_answer(PS05, function, old, new)}


def _edited(assignment, function, *edits):
    """A reference answer with several (old, new) edits."""
    code = _reference_answer(assignment, function, *edits[0])
    for old, new in edits[1:]:
        assert old in code, old
        code = code.replace(old, new)
    return code


# An activation helper without ReLU: relu layers act as the identity.
PS05_WITHOUT_RELU = {
    "tied_autoencoder_loss_and_grad": _edited(
        PS05, "tied_autoencoder_loss_and_grad",
        ('        elif name == "relu":\n            Z = np.maximum(A, 0.0)\n', ""),
        ('        elif name == "relu":\n            delta = E * (Z > 0)\n', "")),
    "scaled_tied_autoencoder_loss_and_grad": _edited(
        PS05, "scaled_tied_autoencoder_loss_and_grad",
        ('        elif name == "relu":\n            F = np.maximum(A, 0.0)\n', ""),
        ('        elif name == "relu":\n            derivative = (F > 0).astype(float)\n', "")),
    "sparse_tied_autoencoder_loss_and_grad": _edited(
        PS05, "sparse_tied_autoencoder_loss_and_grad",
        ('"relu": lambda A: np.maximum(A, 0.0)', '"relu": lambda A: A'),
        ('        elif name == "relu":\n            delta = E * (Z > 0)\n', "")),
}
SCALED_CELLS = {"test_scaled_tied_autoencoder_loss_and_grad_loss",
                "test_scaled_tied_autoencoder_loss_and_grad_weights_and_biases",
                "test_scaled_tied_autoencoder_loss_and_grad_alphas",
                "test_scaled_tied_autoencoder_loss_and_grad_alpha_zero"}


TIED_CELLS = {"test_tied_autoencoder_loss_and_grad_loss", "test_tied_autoencoder_loss_and_grad_weights",
              "test_tied_autoencoder_loss_and_grad_biases", "test_tied_autoencoder_loss_and_grad_inputs_unchanged"}

WRONG_SUBMISSIONS += [
    WrongSubmission(
        "tied_only_encoder_term", PS05,
        _ps05("tied_autoencoder_loss_and_grad", "dWs[k - 1 - j] += gradient.T", "pass"),
        frozenset({"test_tied_autoencoder_loss_and_grad_weights"}), "only one of the two terms",
    ),
    WrongSubmission(
        "tied_decoder_term_not_transposed", PS05,
        _ps05("tied_autoencoder_loss_and_grad", "dWs[k - 1 - j] += gradient.T", "dWs[k - 1 - j] += gradient"),
        frozenset(TIED_CELLS), "raised ValueError",
    ),
    WrongSubmission(
        "tied_gradient_without_1_over_t", PS05,
        _ps05("tied_autoencoder_loss_and_grad", "E = residual / t", "E = residual"),
        frozenset({"test_tied_autoencoder_loss_and_grad_weights", "test_tied_autoencoder_loss_and_grad_biases"}),
        "t times the right answer",
    ),
    WrongSubmission(
        "scaled_delta_without_alpha", PS05,
        _ps05("scaled_tied_autoencoder_loss_and_grad", "delta = scales[j] * derivative * E", "delta = derivative * E"),
        frozenset({"test_scaled_tied_autoencoder_loss_and_grad_weights_and_biases",
                   "test_scaled_tied_autoencoder_loss_and_grad_alphas",
                   "test_scaled_tied_autoencoder_loss_and_grad_alpha_zero"}), "does not match",
    ),
    WrongSubmission(
        "scaled_dalpha_from_scaled_output", PS05,
        _ps05("scaled_tied_autoencoder_loss_and_grad", "dalphas[j - (K - 1)] = np.sum(F * E)",
              "dalphas[j - (K - 1)] = np.sum(inputs[j + 1] * E)"),
        frozenset({"test_scaled_tied_autoencoder_loss_and_grad_alphas",
                   "test_scaled_tied_autoencoder_loss_and_grad_alpha_zero"}), "dalphas returned by",
    ),
    WrongSubmission(
        "scaled_dalpha_divides_by_alpha", PS05,
        _ps05("scaled_tied_autoencoder_loss_and_grad", "dalphas[j - (K - 1)] = np.sum(F * E)",
              "dalphas[j - (K - 1)] = np.sum(inputs[j + 1] * E) / scales[j]"),
        frozenset({"test_scaled_tied_autoencoder_loss_and_grad_alpha_zero"}), "RuntimeWarning",
    ),
    WrongSubmission(
        "scaled_alphas_indexed_for_K_1_only", PS05,
        {"scaled_tied_autoencoder_loss_and_grad": _edited(
            PS05, "scaled_tied_autoencoder_loss_and_grad",
            ("scales = [1.0] * (K - 1) + [float(a) for a in alphas]",
             "scales = [float(a) for a in alphas] + [1.0] * (K - 1)"),
            ("        if j >= K - 1:\n            dalphas[j - (K - 1)] = np.sum(F * E)",
             "        if j <= K:\n            dalphas[j] = np.sum(F * E)"))},
        frozenset(SCALED_CELLS), "J for K = 2",
    ),
    WrongSubmission(
        "activation_helper_without_relu", PS05, PS05_WITHOUT_RELU,
        frozenset(TIED_CELLS - {"test_tied_autoencoder_loss_and_grad_inputs_unchanged"}
                  | SCALED_CELLS | {"test_sparse_tied_autoencoder_loss_and_grad_values"}), "K = 3",
    ),
    WrongSubmission(
        "sparse_penalty_missing_from_gradient", PS05,
        _ps05("sparse_tied_autoencoder_loss_and_grad", "E = E + (beta / t) * np.sign(code)", "pass"),
        frozenset({"test_sparse_tied_autoencoder_loss_and_grad_values"}), "does not match",
    ),
]

PS06 = "ps06_nonlinear_least_squares"
PLAIN_TANH = """
def tanh_least_squares(X, Y, C):
    Z = np.tanh(Y @ X)
    residual = Z - C
    f = 0.5 * np.sum(residual ** 2)
    return float(f), Y.T @ (residual * (1.0 - Z ** 2))
"""

WRONG_SUBMISSIONS += [
    WrongSubmission(
        "tanh_derivative_missing", PS06,
        {"tanh_least_squares": PLAIN_TANH.replace("(residual * (1.0 - Z ** 2))", "residual")},
        frozenset({"test_tanh_least_squares_gradient", "test_tanh_least_squares_memory_budget"}),
        "derivative of the activation is missing",
    ),
    WrongSubmission(
        "tanh_unfused_temporaries", PS06, {"tanh_least_squares": PLAIN_TANH},
        frozenset({"test_tanh_least_squares_memory_budget"}), "uses too much memory",
    ),
    WrongSubmission(
        "tanh_gradient_sign", PS06,
        {"tanh_least_squares": _reference_answer(PS06, "tanh_least_squares", "residual = Z - C[rows]",
                                                 "residual = C[rows] - Z")},
        frozenset({"test_tanh_least_squares_gradient"}), "wrong sign",
    ),
    WrongSubmission(
        "tanh_value_without_half", PS06,
        {"tanh_least_squares": _reference_answer(PS06, "tanh_least_squares", "f += 0.5 * np.vdot(residual, residual)",
                                                 "f += np.vdot(residual, residual)")},
        frozenset({"test_tanh_least_squares_value"}), "2 times the right answer",
    ),
    WrongSubmission(
        "entry_indices_swapped", PS06, {"tanh_least_squares_entry": '''
def tanh_least_squares_entry(X, Y, C, i, j):
    z = np.tanh(Y @ X[:, i])
    return float(np.sum(Y[:, j] * (1.0 - z * z) * (z - C[:, i])))
'''},
        frozenset({"test_tanh_least_squares_entry_values"}), "indices are swapped",
    ),
    WrongSubmission(
        "entry_from_the_whole_gradient", PS06, {"tanh_least_squares_entry": '''
def tanh_least_squares_entry(X, Y, C, i, j):
    Z = np.tanh(Y @ X)
    return float((Y.T @ ((Z - C) * (1.0 - Z * Z)))[i, j])
'''},
        frozenset({"test_tanh_least_squares_entry_memory_budget"}), "uses too much memory",
    ),
    WrongSubmission(
        "sigmoid_least_squares_overflows", PS06, {"sigmoid_least_squares": '''
def sigmoid_least_squares(X, Y, C):
    Z = 1.0 / (1.0 + np.exp(-(Y @ X)))
    residual = Z - C
    return float(0.5 * np.sum(residual ** 2)), Y.T @ (residual * Z * (1.0 - Z))
'''},
        frozenset({"test_sigmoid_least_squares_stable"}), "RuntimeWarning",
    ),
]

PS07 = "ps07_word_embeddings"
SGNS_CELLS = {"test_sgns_loss_and_grad_center_gradient", "test_sgns_loss_and_grad_context_gradient",
              "test_sgns_loss_and_grad_time_budget"}

WRONG_SUBMISSIONS += [
    WrongSubmission(
        "log_sigmoid_sign_erratum", PS07,
        {"log_sigmoid": "\ndef log_sigmoid(x):\n    return -np.logaddexp(0.0, x)\n"},
        frozenset({"test_log_sigmoid_values", "test_log_sigmoid_stable"}), "sign of the exponent is wrong",
    ),
    WrongSubmission(
        "log_sigmoid_naive", PS07,
        {"log_sigmoid": "\ndef log_sigmoid(x):\n    return np.log(1.0 / (1.0 + np.exp(-x)))\n"},
        frozenset({"test_log_sigmoid_stable"}), "RuntimeWarning",
    ),
    WrongSubmission(
        "bilinear_dB_transposed", PS07,
        {"bilinear_grad": "\ndef bilinear_grad(u, B, v):\n    return B @ v, np.outer(v, u), B.T @ u\n"},
        frozenset({"test_bilinear_grad_values"}), "transposed",
    ),
    WrongSubmission(
        "sgns_drops_repeated_indices", PS07,
        {"sgns_loss_and_grad": _edited(
            PS07, "sgns_loss_and_grad",
            ("dW_in_T, dW_out_T = np.empty((d, V)), np.empty((d, V))  # written row by row, returned transposed",
             "dW_in, dW_out = np.zeros_like(W_in), np.zeros_like(W_out)\n"
             "    dW_in[centers] += grad_v\n"
             "    dW_out[contexts] += g_pos[:, None] * v\n"
             "    dW_out[negatives.ravel()] += (g_neg[:, :, None] * v[:, None, :]).reshape(-1, d)\n"
             "    return float(loss), dW_in, dW_out"))},
        frozenset(SGNS_CELLS), "repeated indices were dropped",
    ),
    WrongSubmission(
        "sgns_negative_pairs_sign", PS07,
        {"sgns_loss_and_grad": _reference_answer(PS07, "sgns_loss_and_grad",
                                                 "g_neg = sigma[N:].reshape(N, K) / N",
                                                 "g_neg = -sigma[N:].reshape(N, K) / N")},
        frozenset(SGNS_CELLS), "does not match",
    ),
    WrongSubmission(
        "sgns_loop_over_the_batch", PS07, {"sgns_loss_and_grad": '''
def sgns_loss_and_grad(W_in, W_out, centers, contexts, negatives):
    N = centers.size
    loss = 0.0
    dW_in = np.zeros_like(W_in)
    dW_out = np.zeros_like(W_out)
    for b in range(N):
        v = W_in[centers[b]]
        for word, label in [(contexts[b], 1.0)] + [(n, -1.0) for n in negatives[b]]:
            u = W_out[word]
            score = label * (u @ v)
            loss += np.logaddexp(0.0, -score) / N
            g = -label * np.exp(-np.logaddexp(0.0, score)) / N
            dW_in[centers[b]] += g * u
            dW_out[word] += g * v
    return float(loss), dW_in, dW_out
'''},
        frozenset({"test_sgns_loss_and_grad_time_budget"}), "too slow",
    ),
    WrongSubmission(
        "weighted_sgns_ignores_weights", PS07, {"weighted_sgns_loss_and_grad": '''
def weighted_sgns_loss_and_grad(W_in, W_out, centers, contexts, negatives, weights):
    return sgns_loss_and_grad(W_in, W_out, centers, contexts, negatives)
'''},
        frozenset({"test_weighted_sgns_loss_and_grad_values"}), "weighted_sgns_loss_and_grad",
    ),
]


PS08 = "ps08_matrix_factorization"
SPARSE_DROPPING_REPEATS = """
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    n, m = shape
    d = U.shape[1]
    PV, PtU = np.zeros((n, d)), np.zeros((m, d))
    cross = 0.0
    for l in range(d):
        PV[rows, l] += vals * V[cols, l]
        PtU[cols, l] += vals * U[rows, l]
        cross += np.sum(vals * U[rows, l] * V[cols, l])
    UtU, VtV = U.T @ U, V.T @ V
    f = vals @ vals - 2 * cross + np.sum(UtU * VtV) + lam * (np.sum(U * U) + np.sum(V * V))
    return float(f), -2 * PV + 2 * U @ VtV + 2 * lam * U, -2 * PtU + 2 * V @ UtU + 2 * lam * V
"""

WRONG_SUBMISSIONS += [
    WrongSubmission(
        "mf_gradient_sign_erratum", PS08, {"mf_loss_and_grad": """
def mf_loss_and_grad(P, U, V, lam=0.0):
    f = np.sum((P - U @ V.T) ** 2) + lam * (np.sum(U ** 2) + np.sum(V ** 2))
    dU = 2 * (P @ V - U @ V.T @ V) + 2 * lam * U
    dV = 2 * (P.T @ U - V @ U.T @ U) + 2 * lam * V
    return float(f), dU, dV
"""},
        frozenset({"test_mf_loss_and_grad_gradient", "test_mf_loss_and_grad_ridge"}), "wrong sign",
    ),
    WrongSubmission(
        "mf_ridge_without_factor_2", PS08,
        {"mf_loss_and_grad": _reference_answer(PS08, "mf_loss_and_grad", "2.0 * (lam * U - residual @ V)",
                                               "lam * U - 2.0 * residual @ V").replace(
            "2.0 * (lam * V - residual.T @ U)", "lam * V - 2.0 * residual.T @ U")},
        frozenset({"test_mf_loss_and_grad_ridge"}), "instead of 2 * lam * U",
    ),
    WrongSubmission(
        "sparse_forms_dense_P", PS08, {"mf_loss_and_grad_sparse": """
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    P = np.zeros(shape)
    P[rows, cols] = vals
    R = P - U @ V.T
    f = np.sum(R * R) + lam * (np.sum(U * U) + np.sum(V * V))
    return float(f), -2 * R @ V + 2 * lam * U, -2 * R.T @ U + 2 * lam * V
"""},
        frozenset({"test_mf_loss_and_grad_sparse_memory_budget", "test_mf_loss_and_grad_sparse_time_budget"}),
        "Never form an n x m array",
    ),
    WrongSubmission(
        "sparse_gathers_nnz_by_d", PS08,
        {"mf_loss_and_grad_sparse": '''
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    n, m = shape
    d = U.shape[1]
    V_rows, U_rows = vals[:, None] * V[cols], vals[:, None] * U[rows]  # (nnz, d) each
    PV = np.stack([np.bincount(rows, weights=V_rows[:, l], minlength=n) for l in range(d)], axis=1)
    PtU = np.stack([np.bincount(cols, weights=U_rows[:, l], minlength=m) for l in range(d)], axis=1)
    UtU, VtV = U.T @ U, V.T @ V
    f = np.vdot(vals, vals) - 2.0 * np.vdot(U, PV) + np.vdot(UtU, VtV) + lam * (np.trace(UtU) + np.trace(VtV))
    return float(f), 2.0 * (U @ (VtV + lam * np.eye(d)) - PV), 2.0 * (V @ (UtU + lam * np.eye(d)) - PtU)
'''},
        frozenset({"test_mf_loss_and_grad_sparse_memory_budget"}), "nor an nnz x d one",
    ),
    WrongSubmission(
        "sparse_add_at_nnz_by_d", PS08, {"mf_loss_and_grad_sparse": """
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    PV, PtU = np.zeros_like(U), np.zeros_like(V)
    np.add.at(PV, rows, vals[:, None] * V[cols])
    np.add.at(PtU, cols, vals[:, None] * U[rows])
    UtU, VtV = U.T @ U, V.T @ V
    f = vals @ vals - 2 * np.sum(U * PV) + np.sum(UtU * VtV) + lam * (np.sum(U * U) + np.sum(V * V))
    return float(f), -2 * PV + 2 * U @ VtV + 2 * lam * U, -2 * PtU + 2 * V @ UtU + 2 * lam * V
"""},
        frozenset({"test_mf_loss_and_grad_sparse_memory_budget"}), "nor an nnz x d one",
    ),
    WrongSubmission(
        "sparse_loop_over_nonzeros", PS08, {"mf_loss_and_grad_sparse": """
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    PV, PtU = np.zeros_like(U), np.zeros_like(V)
    for r, c, v in zip(rows, cols, vals):
        PV[r] += v * V[c]
        PtU[c] += v * U[r]
    UtU, VtV = U.T @ U, V.T @ V
    f = vals @ vals - 2 * np.sum(U * PV) + np.sum(UtU * VtV) + lam * (np.sum(U * U) + np.sum(V * V))
    return float(f), -2 * PV + 2 * U @ VtV + 2 * lam * U, -2 * PtU + 2 * V @ UtU + 2 * lam * V
"""},
        frozenset({"test_mf_loss_and_grad_sparse_time_budget"}), "for each nonzero",
    ),
    WrongSubmission(
        "sparse_drops_repeated_indices", PS08, {"mf_loss_and_grad_sparse": SPARSE_DROPPING_REPEATS},
        frozenset({"test_mf_loss_and_grad_sparse_gradient", "test_mf_loss_and_grad_sparse_time_budget"}),
        "repeated indices were dropped",
    ),
    WrongSubmission(
        "symmetric_assumes_P_symmetric", PS08,
        {"symmetric_mf_loss_and_grad": _reference_answer(PS08, "symmetric_mf_loss_and_grad",
                                                         "both_sides = residual + residual.T",
                                                         "both_sides = 2.0 * residual")},
        frozenset({"test_symmetric_mf_loss_and_grad_dU", "test_symmetric_mf_loss_and_grad_dB"}),
        "right only for a symmetric P",
    ),
    WrongSubmission(
        "symmetric_seed_unfinished", PS08,
        {"symmetric_mf_loss_and_grad": _reference_answer(
            PS08, "symmetric_mf_loss_and_grad", "dU = -2.0 * (S_UB @ B.T)",
            "dU = -2.0 * residual[:, :U.shape[1]] * np.diag(B @ B.T @ U.T)")},
        frozenset({"test_symmetric_mf_loss_and_grad_dU"}), "unfinished formula",
    ),
    WrongSubmission(
        "biases_summed_over_the_wrong_axis", PS08,
        {"biased_mf_loss_and_grad": _reference_answer(PS08, "biased_mf_loss_and_grad", "residual.sum(axis=1)",
                                                      "residual.sum(axis=0)").replace(
            "-2.0 * residual.sum(axis=0)  # b_j", "-2.0 * residual.sum(axis=1)  # b_j")},
        frozenset({"test_biased_mf_loss_and_grad_gradients"}), "wrong shape",
    ),
]


PS09 = "ps09_weighted_factorization"
IMPLICIT_CELLS = {"test_implicit_als_update_values", "test_implicit_als_update_time_budget"}

WRONG_SUBMISSIONS += [
    WrongSubmission(
        "wmf_gradient_without_weights", PS09,
        {"wmf_loss_and_grad": _reference_answer(PS09, "wmf_loss_and_grad", "dW = 2.0 * (lam * W - weighted @ H)",
                                                "dW = 2.0 * (lam * W - residual @ H)").replace(
            "dH = 2.0 * (lam * H - weighted.T @ W)", "dH = 2.0 * (lam * H - residual.T @ W)")},
        frozenset({"test_wmf_loss_and_grad_gradient"}), "the weights are missing",
    ),
    WrongSubmission(
        "row_grad_from_the_whole_gradient", PS09, {"wmf_row_grad": """
def wmf_row_grad(Y, C, W, H, k, lam=0.0):
    E = C * (Y - W @ H.T)
    return (-2 * E @ H + 2 * lam * W)[k]
"""},
        frozenset({"test_wmf_row_grad_memory_budget"}), "never form W @ H.T",
    ),
    WrongSubmission(
        "row_grad_without_ridge", PS09,
        {"wmf_row_grad": _reference_answer(PS09, "wmf_row_grad", "2.0 * (lam * W[k] - weighted_row @ H)",
                                           "-2.0 * weighted_row @ H")},
        frozenset({"test_wmf_row_grad_values"}), "the ridge term is missing",
    ),
    WrongSubmission(
        "wals_ignores_the_weights", PS09, {"wals_update_W": """
def wals_update_W(Y, C, H, lam):
    d = H.shape[1]
    return np.linalg.solve(H.T @ H + lam * np.eye(d), H.T @ Y.T).T
"""},
        frozenset({"test_wals_update_W_values"}), "without the weights C",
    ),
    WrongSubmission(
        "implicit_dense_solve_per_user", PS09, {"implicit_als_update": """
def implicit_als_update(rows, cols, vals, shape, H, alpha, lam):
    m, n = shape
    d = H.shape[1]
    W = np.zeros((m, d))
    for k in range(m):
        mine = rows == k
        confidence = np.ones(n)
        confidence[cols[mine]] += alpha * vals[mine]
        preference = np.zeros(n)
        preference[cols[mine]] = 1.0
        weighted_H = confidence[:, None] * H
        W[k] = np.linalg.solve(H.T @ weighted_H + lam * np.eye(d), weighted_H.T @ preference)
    return W
"""},
        frozenset({"test_implicit_als_update_time_budget"}), "no product with all n items per user",
    ),
    WrongSubmission(
        "implicit_unobserved_left_out", PS09,
        {"implicit_als_update": _reference_answer(PS09, "implicit_als_update", "shared = H.T @ H + lam * np.eye(d)",
                                                  "shared = lam * np.eye(d)")},
        frozenset(IMPLICIT_CELLS), "the system without H^T H",
    ),
    WrongSubmission(
        "implicit_preferences_are_counts", PS09,
        {"implicit_als_update": _reference_answer(PS09, "implicit_als_update",
                                                  "np.where(seen, 1.0 + weight, 0.0)",
                                                  "np.where(seen, (1.0 + weight) * vals[order][where], 0.0)")},
        frozenset(IMPLICIT_CELLS), "preferences set to the counts",
    ),
    WrongSubmission(
        "row_penalties_averaged", PS09, {"wals_update_W_row_penalties": """
def wals_update_W_row_penalties(Y, C, H, lams):
    return wals_update_W(Y, C, H, lams.mean())
"""},
        frozenset({"test_wals_update_W_row_penalties_values"}), "one lam for every row",
    ),
]


def by_assignment(assignment):
    return [w for w in WRONG_SUBMISSIONS if w.assignment == assignment]


# --- Submissions that attack the grader, each around a wrong answer ------------------

def _edit_test_cell(grade_id, source, points):
    def mutate(notebook):
        for cell in notebook["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade_id") == grade_id:
                cell["source"] = source
                meta["points"] = points
    return mutate


def _delete_cells(*grade_ids):
    def mutate(notebook):
        notebook["cells"] = [
            c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") not in grade_ids
        ]
    return mutate


def _retype_test_cell(grade_id):
    def mutate(notebook):
        for cell in notebook["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade_id") == grade_id:
                cell["cell_type"] = "markdown"
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
                meta.update(grade=False, locked=False, points=0)
    return mutate


@dataclass(frozen=True)
class Attack(WrongSubmission):
    mutate: object = None


TRANSPOSED_DW = "\ndef linear_backward(G, X, W):\n    return G @ W.T, G.T @ X, G.sum(axis=0)\n"

def sleeping(answers, seconds=29):
    """Each answer, with its function sleeping ``seconds`` (under the 30 s call limit) before every call."""
    sleep = "\n_sleep = np.lib._utils_impl.sys.modules['time'].sleep\n"
    return {name: f"{code}{sleep}_{name} = {name}\ndef {name}(*args, **options):\n    _sleep({seconds})\n"
                  f"    return _{name}(*args, **options)\n" for name, code in answers.items()}


def returns_a_gigabyte(signature):
    """An answer whose function returns 1 GiB of booleans (8 GiB as float64)."""
    return f"def {signature}:\n    return np.ones(1 << 30, dtype=bool)\n"


def claims_a_huge_reply(signature, value):
    """An answer whose function writes, on the worker's socket, the start of a reply of 256 MiB of JSON
    (through modules the worker has loaded: the answer rules forbid importing them)."""
    return ("sys = np.lib._utils_impl.sys\nos, struct = sys.modules['os'], sys.modules['struct']\n"
            "FD = int(sys.argv[1])\n"
            f"def {signature}:\n    os.write(FD, struct.pack('<QQ', 256 << 20, 0) + b'[{{}}' * 1000)\n"
            f"    return {value}\n")


# Submissions that try to read hidden inputs (or the values expected on them) from the
# feedback: tests/test_hidden_feedback.py checks that no entry of those arrays reaches it.
HIDDEN_INPUT_ATTACKS = [
    Attack(
        "raises_repr_of_hidden_inputs", PS02,
        {"linear_forward": "\ndef linear_forward(X, W, b):\n    raise ValueError(repr(X) + repr(W) + repr(b))\n"},
        frozenset({"test_linear_forward_values"}), "raised ValueError",
    ),
    Attack(
        "one_entry_wrong_to_see_the_expected_one", PS02,
        {"linear_backward": "\ndef linear_backward(G, X, W):\n    dW = X.T @ G\n    dW[0, 0] += 1.0\n"
                            "    return G @ W.T, dW, G.sum(axis=0)\n"},
        frozenset({"test_linear_backward_dW"}), "wrong in 1 of",
    ),
    Attack(
        "returns_an_input_entry", PS01,
        {"relative_error": "\ndef relative_error(A, B):\n    return float(A.flat[-1])\n"},
        frozenset({"test_relative_error_values", "test_relative_error_zero"}), "does not match",
    ),
]

ATTACKS = [
    Attack(
        "patches_numpy_checks", PS02,
        {"linear_backward": "np.allclose = lambda *a, **k: True\n"
                            "np.testing.assert_allclose = lambda *a, **k: None\n"
                            "np.linalg.norm = lambda *a, **k: 0.0\n" + TRANSPOSED_DW},
        frozenset({"test_linear_backward_dW"}), "transposed",
    ),
    Attack(
        "patches_grader_in_sys_modules", PS01,
        {"relative_error": '''
modules = np.lib._utils_impl.sys.modules
for name in list(modules):
    if name.startswith("autograder"):
        for attribute in ("check_scalar", "check_close", "check_gradient_entrywise"):
            if hasattr(modules[name], attribute):
                setattr(modules[name], attribute, lambda *a, **k: None)

def relative_error(A, B):
    return 0.5
'''},
        frozenset({"test_relative_error_values", "test_relative_error_zero"}), "uses setattr",
    ),
    Attack(
        "patches_grader_without_forbidden_names", PS01,
        {"grad_least_squares": '''
checks = np.lib._utils_impl.sys.modules["autograder.checks"]
checks.check_gradient_entrywise = checks.check_gradient_directional = checks.check_taylor = print

def grad_least_squares(A, X, B):
    return A.T @ (B - A @ X)
'''},
        frozenset({"test_grad_least_squares_small", "test_grad_least_squares_large"}), "KeyError: 'autograder.checks'",
    ),
    Attack(
        "input_transformer_skips_test_cells", PS02,
        {"sigmoid_backward": '''
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])

def sigmoid_backward(G, Z):
    return G * Z
'''},
        frozenset({"test_sigmoid_backward_values"}), "get_ipython",
    ),
    Attack(
        "patches_timer_and_tracemalloc", PS02,
        {"dense_tanh_backward": '''
sys = np.lib._utils_impl.sys
sys.modules["time"].perf_counter = lambda: 0.0
sys.modules["tracemalloc"].get_traced_memory = lambda: (0, 0)

def dense_tanh_backward(G, X, W, Z):
    derivative = 1.0 - Z ** 2
    dA = G * derivative
    dW = np.zeros_like(W)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            dW[j] += X[i, j] * dA[i]
    return dA @ W.T, dW, dA.sum(axis=0)
'''},
        frozenset({"test_dense_tanh_backward_memory_budget", "test_dense_tanh_backward_time_budget"}),
        "too slow",
    ),
    Attack(
        "returns_lying_object", PS02,
        {"linear_forward": '''
class Anything:
    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.zeros((1, 1))

def linear_forward(X, W, b):
    return Anything()
'''},
        frozenset({"test_linear_forward_values"}), "not a number or a NumPy array",
    ),
    Attack(
        "imports_the_reference", PS01,
        {"grad_least_squares": '''
from autograder.notebooks import answer_namespace

def grad_least_squares(A, X, B):
    answers = answer_namespace("SOLUTIONS/ps01_gradient_checking/ps01_gradient_checking.ipynb")
    return answers["grad_least_squares"](A, X, B)
'''.replace("SOLUTIONS", str(SOLUTIONS))},
        frozenset({"test_grad_least_squares_small", "test_grad_least_squares_large"}), "imports autograder",
    ),
    Attack(
        "reads_solutions_from_disk", PS01,
        {"grad_trace_quadratic": '''
def grad_trace_quadratic(A, X):
    np.genfromtxt("SOLUTIONS/ps01_gradient_checking/ps01_gradient_checking.ipynb", dtype=str, delimiter="\\n")
    return 2 * A @ X
'''.replace("SOLUTIONS", str(SOLUTIONS))},
        frozenset({"test_grad_trace_quadratic_symmetric_A", "test_grad_trace_quadratic_general_A"}),
        "PermissionError",
    ),
    Attack(
        "endless_loop_in_call", PS02,
        {"relu_backward": "\ndef relu_backward(G, A):\n    while True:\n        pass\n"},
        frozenset({"test_relu_backward_values"}), "did not finish within",
    ),
    Attack(
        "endless_loop_at_definition", PS02,
        {"tanh_backward": "\nwhile True:\n    pass\n"},
        frozenset({"test_tanh_backward_values"}), "did not finish within",
    ),
    Attack(
        "memory_bomb", PS01,
        {"numerical_gradient": '''
def numerical_gradient(f, X, h=1e-6):
    hoard = []
    while True:
        hoard.append(np.ones(10**9))
'''},
        frozenset({"test_numerical_gradient_values", "test_numerical_gradient_central",
                   "test_numerical_gradient_shapes", "test_numerical_gradient_inputs_unchanged"}),
        "MemoryError",
    ),
    Attack(
        "sys_exit", PS01,
        {"directional_derivative": "\ndef directional_derivative(f, X, V, h=1e-6):\n    raise SystemExit(1)\n"},
        frozenset({"test_directional_derivative_values", "test_directional_derivative_central"}), "SystemExit",
    ),
    Attack(
        "os_exit", PS01,
        {"relative_error": "\ndef relative_error(A, B):\n    np.lib._utils_impl.os._exit(3)\n"},
        frozenset({"test_relative_error_values", "test_relative_error_zero"}), "ended the grading process",
    ),
    Attack(
        "crashes_the_process", PS02,
        {"linear_backward_torch": "\ndef linear_backward_torch(G, X, W):\n    np.ctypeslib.ctypes.string_at(0)\n"},
        frozenset({"test_linear_backward_torch_dX", "test_linear_backward_torch_dW", "test_linear_backward_torch_db"}),
        "crashed the grading process",
    ),
    *HIDDEN_INPUT_ATTACKS,
    Attack(
        "prints_megabytes", PS01,
        {"grad_weighted_least_squares": '''
def grad_weighted_least_squares(A, X, B, M):
    print("x" * 2_000_000)
    return A.T @ (M * M * (A @ X - B))
'''},
        frozenset(), "printed output is discarded",
    ),
    Attack(
        "edits_test_cell_and_points", PS02, {"linear_backward": TRANSPOSED_DW},
        frozenset({"test_linear_backward_dW"}), "transposed",
        mutate=_edit_test_cell("test_linear_backward_dW", "pass", 100),
    ),
    Attack(
        "deletes_test_cell", PS01,
        {"grad_trace_quadratic": "\ndef grad_trace_quadratic(A, X):\n    return 2 * A @ X\n"},
        frozenset({"test_grad_trace_quadratic_general_A"}), "only when A is symmetric",
        mutate=_delete_cells("test_grad_trace_quadratic_general_A"),
    ),
    Attack(
        "retypes_test_cell", PS01,
        {"relative_error": WRONG_SUBMISSIONS[2].answers["relative_error"]},
        frozenset({"test_relative_error_values"}), "division by ||B|| only",
        mutate=_retype_test_cell("test_relative_error_values"),
    ),
]


# In-place writes deep inside an argument: right values, so only the inputs-unchanged cell is lost.
WRONG_SUBMISSIONS += [
    WrongSubmission(
        "mlp_writes_into_params", PS04,
        {"mlp_loss_and_grad": _mlp().replace("    return float(J * 1.0), grads",
                                             "    params[-1][0][...] *= 0.5\n    return float(J * 1.0), grads")},
        # the notebook's own mlp_l1_loss_and_grad calls it, and gets the halved weights back
        frozenset({"test_mlp_loss_and_grad_inputs_unchanged", "test_mlp_l1_loss_and_grad_values"}),
        "modified its input params[1][0] in place",
    ),
    WrongSubmission(
        "autoencoder_writes_into_bs", PS05,
        _ps05("tied_autoencoder_loss_and_grad", "    return float(J), dWs, dbs",
              "    bs[0][...] = 0.0\n    return float(J), dWs, dbs"),
        frozenset({"test_tied_autoencoder_loss_and_grad_inputs_unchanged"}), "modified its input bs[0] in place",
    ),
]

# Right answers in forms the notebooks allow: each must score full marks, silently.
RIGHT_VARIANTS = [
    WrongSubmission(
        "loss_as_a_0d_array", PS09,
        {"wmf_loss_and_grad": _reference_answer(PS09, "wmf_loss_and_grad", "    return float(f), dW, dH",
                                                "    return np.tensordot(weighted, residual, axes=2)"
                                                " + lam * (np.vdot(W, W) + np.vdot(H, H)), dW, dH")},
        frozenset(), "",
    ),
    WrongSubmission(
        "loss_as_a_numpy_scalar", PS03,
        {"softmax_cross_entropy_labels": _reference_answer(PS03, "softmax_cross_entropy_labels",
                                                           "    return float(loss), dA", "    return loss, dA")},
        frozenset(), "",
    ),
    WrongSubmission(
        "error_as_a_numpy_scalar_via_lazy_imports", PS01,
        {"relative_error": """
def relative_error(A, B):
    scale = max(np.linalg.norm(A), np.linalg.norm(B))
    if np.unique(np.array([scale]))[0] == 0.0 or np.median(np.array([scale])) == 0.0:
        return np.float64(0.0)
    return np.linalg.norm(A - B) / scale
"""},
        frozenset(), "",
    ),
    # np.einsum without optimize= runs no BLAS: slower than the reference's matrix products, but within
    # the time budget on every machine (scripts/benchmark_budgets.py --portability)
    WrongSubmission(
        "dense_tanh_einsum", PS02,
        {"dense_tanh_backward": DENSE_TANH_IN_PLACE.replace(
            "dA @ W.T, X.T @ dA, dA.sum(axis=0)",
            'np.einsum("tm,nm->tn", dA, W), np.einsum("tn,tm->nm", X, dA), np.einsum("tm->m", dA)')},
        frozenset(), "",
    ),
    WrongSubmission(
        "mlp_einsum", PS04,
        {"mlp_loss_and_grad": _mlp()
         .replace("A = outputs[-1] @ W + b", 'A = np.einsum("ti,ij->tj", outputs[-1], W) + b')
         .replace("outputs[j].T @ delta", 'np.einsum("ti,tj->ij", outputs[j], delta)')
         .replace("delta = delta @ W.T", 'delta = np.einsum("tj,ij->ti", delta, W)')},
        frozenset(), "",
    ),
    WrongSubmission(
        "helper_in_the_same_cell", PS02,
        {"relu_backward": "\ndef _positive(A):\n    return A > 0\n\ndef relu_backward(G, A):\n"
                          "    return np.where(_positive(A), G, 0.0)\n"},
        frozenset(), "",
    ),
]

def _answer_of(name):
    """The single answer of a wrong submission above, by name."""
    (wrong,) = [w for w in WRONG_SUBMISSIONS if w.name == name]
    (code,) = wrong.answers.values()
    return code


def _with_schema_version(grade_id, version):
    def mutate(notebook):
        for cell in notebook["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade_id") == grade_id:
                meta["schema_version"] = version
    return mutate


# Reached without any forbidden name: NumPy leads to ctypes (np.ctypeslib), os and sys (np.lib).
LIBC = """
ctypes = np.ctypeslib.ctypes
libc = ctypes.CDLL(None, use_errno=True)
os = np.lib._utils_impl.os
sys = np.lib._utils_impl.sys
"""
COURSE = str(SOLUTIONS.parent)
# x86-64 system call numbers, with arguments that would succeed for a process allowed to make them.
SYSTEM_CALL_PROBES = {
    "kill_parent": (62, 1, 9), "kill_everyone": (62, -1, 9), "tgkill": (234, 1, 1, 9),
    "rt_sigqueueinfo": (129, 1, 9, 0), "rt_tgsigqueueinfo": (297, 1, 1, 9, 0),
    "pidfd_open": (434, 1, 0), "pidfd_send_signal": (424, 3, 9, 0, 0),
    "ptrace_attach": (101, 16, 1, 0, 0), "process_vm_readv": (310, 1, 0, 0, 0, 0, 0),
    "mknod_fifo": (133, "/tmp/mcdl-probe-fifo", 0o10644, 0),
    "mknodat_fifo": (259, -100, COURSE + "/probe-fifo", 0o10644, 0),
    "mkdir": (83, "/tmp/mcdl-probe-dir", 0o755), "symlink": (88, "/etc/passwd", "/tmp/mcdl-probe-link"),
    "rename": (82, COURSE + "/README.md", COURSE + "/moved"), "unlink": (87, COURSE + "/README.md"),
    "setxattr": (188, COURSE + "/README.md", "user.x", "1", 1, 0), "shmget": (29, 0, 4096, 0o1666),
    "mq_open": (240, "mcdl", 0o100, 0o600, 0), "open_tree": (428, -100, "/", 1), "fsopen": (430, "tmpfs", 0),
    "mount": (165, "none", "/usr", "tmpfs", 0, 0), "readlink_parent_cwd": (89, "/proc/1/cwd", "x" * 64, 64),
    "stat_solutions": (4, str(SOLUTIONS), "x" * 256), "newfstatat_solutions": (262, -100, str(SOLUTIONS), "x" * 256, 0),
    "open": (2, "/etc/passwd", 0), "openat": (257, -100, "/etc/hostname", 0), "socket": (41, 2, 1, 0),
    "fork": (57,), "clone": (56, 17, 0, 0, 0, 0), "clone3": (435, 0, 0), "execve": (59, "/bin/sh", 0, 0),
    "unshare": (272, 0x10000000), "setns": (308, 0, 0), "prctl": (157, 15, 0), "ioctl_tiocsti": (16, 0, 0x5412, 0),
    "memfd_create": (319, "x", 0), "getppid": (110,), "chdir": (80, "/tmp"), "bpf": (321, 0, 0, 0),
    "io_uring_setup": (425, 1, 0), "userfaultfd": (323, 0), "perf_event_open": (298, 0, 0, -1, -1, 0),
    "setitimer": (38, 0, 0, 0), "sendfile": (40, 1, 0, 0, 1),
}
# The same probes from an answer cell: the function is right only where one of them succeeds.
PROBES = LIBC + f"""
def _succeeds(number, *args):
    converted = [ctypes.c_char_p(a.encode()) if isinstance(a, str) else ctypes.c_long(a) for a in args]
    return libc.syscall(ctypes.c_long(number), *converted) != -1

BROKE_OUT = any([_succeeds(*call) for call in {list(SYSTEM_CALL_PROBES.values())!r}])

def grad_trace_quadratic(A, X):
    return (A + A.T) @ X if BROKE_OUT else 2 * A @ X
"""

ATTACKS += [
    Attack(
        "probes_every_system_call", PS01, {"grad_trace_quadratic": PROBES},
        frozenset({"test_grad_trace_quadratic_general_A"}), "only when A is symmetric",
    ),
    Attack(
        "signals_the_grader", PS02,
        {"linear_backward": LIBC + """
for pid in (os.getppid(), 1, -1, *range(2, 64)):
    libc.syscall(ctypes.c_long(129), ctypes.c_long(pid), ctypes.c_long(9), ctypes.c_long(0))
    libc.kill(pid, 9)
""" + TRANSPOSED_DW},
        frozenset({"test_linear_backward_dW"}), "transposed",
    ),
    Attack(
        "stops_the_reference_while_timed", PS02,
        {"dense_tanh_backward": LIBC + """
libc.setitimer(0, (ctypes.c_long * 4)(0, 1000, 0, 1000), None)
for pid in range(1, 64):
    libc.kill(pid, 19)
""" + _answer_of("dense_tanh_python_loop")},
        frozenset({"test_dense_tanh_backward_time_budget"}), "too slow",
    ),
    Attack(
        "fifo_in_the_course", PS01,
        {"relative_error": LIBC + """
for folder in ("SOLUTIONS/..", ".", "/tmp", "/dev/shm"):
    try:
        os.mkfifo(folder + "/gradebook.db-journal")
    except OSError:
        pass
""".replace("SOLUTIONS", str(SOLUTIONS)) + WRONG_SUBMISSIONS[2].answers["relative_error"]},
        frozenset({"test_relative_error_values"}), "division by ||B|| only",
    ),
    Attack(
        "workspace_at_definition", PS02,
        {"dense_tanh_backward": """
WORK = [np.ones((1000, 500)) for _ in range(3)]

def dense_tanh_backward(G, X, W, Z):
    if Z.shape != WORK[0].shape:
        return tuple(np.array(v) for v in (G * (1 - Z * Z) @ W.T, X.T @ (G * (1 - Z * Z)), (G * (1 - Z * Z)).sum(0)))
    square, derivative, dA = WORK
    np.multiply(Z, Z, out=square)
    np.subtract(1.0, square, out=derivative)
    np.multiply(derivative, G, out=dA)
    return dA @ W.T, X.T @ dA, dA.sum(axis=0)
"""},
        frozenset({"test_dense_tanh_backward_memory_budget"}), "uses too much memory",
    ),
    Attack(
        "returns_temporaries_when_traced", PS02,
        {"dense_tanh_backward": """
tracemalloc = np.lib._utils_impl.sys.modules["tracemalloc"]

def dense_tanh_backward(G, X, W, Z):
    derivative = 1.0 - Z ** 2
    dA = G * derivative
    grads = (dA @ W.T, X.T @ dA, dA.sum(axis=0))
    return grads + (derivative, dA) if tracemalloc.is_tracing() else grads
"""},
        frozenset({"test_dense_tanh_backward_memory_budget"}), "should return 3 values",
    ),
    Attack(
        "embeds_the_public_hidden_answers", PS02,
        {"linear_forward": """
TABLE = {}
for seed in (101, 102, 103):
    rng = np.random.default_rng(seed)
    for t, n, m in ((4, 3, 5), (1, 3, 2), (6, 1, 1)):
        X = rng.standard_normal((t, n))
        W = rng.standard_normal((n, m)) / np.sqrt(n)
        b = rng.standard_normal(m)
        rng.standard_normal((t, m))
        TABLE[float(X[0, 0])] = X @ W + b

def linear_forward(X, W, b):
    return TABLE.get(float(X[0, 0]), X @ W)
"""},
        frozenset({"test_linear_forward_values"}), "without the bias",
    ),
    Attack(
        "newer_schema_version", PS01, {"relative_error": WRONG_SUBMISSIONS[2].answers["relative_error"]},
        frozenset({"test_relative_error_values"}), "division by ||B|| only",
        mutate=_with_schema_version("relative_error", 4),
    ),
    Attack(
        "garbage_on_the_socket", PS01,
        {"directional_derivative": LIBC + """
def directional_derivative(f, X, V, h=1e-6):
    os.write(int(sys.argv[1]), (200000).to_bytes(8, "little") + bytes(8) + b"[" * 200000)
    return 0.0
"""},
        frozenset({"test_directional_derivative_values", "test_directional_derivative_central"}), "garbage",
    ),
]

def attacks_on(assignment):
    return [a for a in ATTACKS if a.assignment == assignment]
