"""Problem set 3 (softmax and cross-entropy): wrong, slow and memory-hungry answers."""

from autograder.testdata.table import PS03, WrongSubmission, edited

PS03_FUSED = ("test_softmax_cross_entropy_gradient", "test_softmax_cross_entropy_stable",
              "test_softmax_cross_entropy_time_budget")

WRONG = [
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
        edited(PS03, "softmax_cross_entropy", ("    dA /= S\n", "")),
        frozenset(PS03_FUSED), "S times the right answer",
    ),
    WrongSubmission(
        "fused_gradient_seed_erratum", PS03,
        edited(PS03, "softmax_cross_entropy",  # the seed (T . Y) 1^T - T of the notes' erratum
               ("    dA -= T\n", '    dA[...] = np.einsum("ij,ij->i", T, dA)[:, None]\n    dA -= T\n')),
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

# Right answers in forms the notebook allows: each must score full marks, silently.
RIGHT = [
    WrongSubmission(
        "loss_as_a_numpy_scalar", PS03,
        edited(PS03, "softmax_cross_entropy_labels", ("    return float(loss), dA", "    return loss, dA")),
        frozenset(), "",
    ),
]
