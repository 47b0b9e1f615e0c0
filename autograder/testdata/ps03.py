"""Problem set 3 (softmax and cross-entropy): wrong, slow and memory-hungry answers."""

from autograder.testdata.table import PS03, WrongSubmission, edited

# A wrong gradient with the right loss: half the outputs right, so the kernel is still timed (and fast).
PS03_FUSED = ("test_softmax_cross_entropy_gradient", "test_softmax_cross_entropy_stable")

WRONG = [
    WrongSubmission(
        "softmax_without_max_shift", PS03,
        {"softmax": "\ndef softmax(A):\n    E = np.exp(A)\n    return E / E.sum(axis=1, keepdims=True)\n"},
        frozenset({"test_softmax_stable"}), "subtract each row's maximum", kind="warnings",
    ),
    WrongSubmission(
        "softmax_backward_diagonal_only", PS03,
        {"softmax_backward": "\ndef softmax_backward(G, Y):\n    return G * Y * (1 - Y)\n"},
        frozenset({"test_softmax_backward_values"}), "only the diagonal", kind="known_mistake",
    ),
    WrongSubmission(
        "cross_entropy_without_1_over_S", PS03,
        {"cross_entropy": "\ndef cross_entropy(Z, T):\n    return -float(np.sum(T * np.log(Z)))\n"},
        frozenset({"test_cross_entropy_values"}), "without the 1/S", kind="known_mistake",
    ),
    WrongSubmission(
        "fused_gradient_without_1_over_S", PS03,
        edited(PS03, "softmax_cross_entropy", ("    dA /= S\n", "")),
        frozenset(PS03_FUSED), "the gradient without the 1/S", kind="known_mistake",
    ),
    WrongSubmission(
        "fused_gradient_seed_erratum", PS03,
        edited(PS03, "softmax_cross_entropy",  # the seed (T . Y) 1^T - T of the notes' erratum
               ("    dA -= T\n", '    dA[...] = np.einsum("ij,ij->i", T, dA)[:, None]\n    dA -= T\n')),
        frozenset(PS03_FUSED), "erratum", kind="known_mistake",
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
        "RuntimeWarning", kind="warnings",
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
        frozenset({"test_softmax_cross_entropy_time_budget"}), "too slow", kind="too_slow",
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
        frozenset({"test_softmax_cross_entropy_memory_budget"}), "uses too much memory", kind="too_much_memory",
    ),
    WrongSubmission(
        "labels_build_one_hot", PS03,
        {"softmax_cross_entropy_labels": '''
def softmax_cross_entropy_labels(A, y):
    T = np.eye(A.shape[1])[y]
    return softmax_cross_entropy(A, T)
'''},
        frozenset({"test_softmax_cross_entropy_labels_memory_budget"}), "uses too much memory", kind="too_much_memory",
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
        frozenset({"test_softmax_cross_entropy_labels_time_budget"}), "too slow", kind="too_slow",
    ),
    WrongSubmission(
        "label_smoothing_ignored", PS03,
        {"label_smoothing_loss_and_grad": '''
def label_smoothing_loss_and_grad(A, y, eps):
    return softmax_cross_entropy_labels(A, y)
'''},
        frozenset({"test_label_smoothing_loss_and_grad_values"}), "without smoothing", kind="known_mistake",
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


# The catalogue's mistakes (autograder/assignments/ps03_softmax_cross_entropy.py), each named by the first message.
WRONG += [
    WrongSubmission(
        "fused_softmax_over_columns", PS03,  # the wrong axis throughout: each column sums to 1
        edited(PS03, "softmax_cross_entropy", ("A.max(axis=1)", "A.max(axis=0)"), ("row_max[:, None]", "row_max"),
               ("dA.sum(axis=1)", "dA.sum(axis=0)"), ("row_sum[:, None]", "row_sum"),
               ("T.sum(axis=1)", "T.sum(axis=0)")),
        frozenset({"test_softmax_cross_entropy_loss", "test_softmax_cross_entropy_gradient",
                   "test_softmax_cross_entropy_stable", "test_softmax_cross_entropy_time_budget"}),
        "softmax over the columns", kind="known_mistake",
    ),
]

# Loops over the examples that also use too much memory: the memory cell tells of the loop first, with the
# loop's advice, and of the memory after it ("It also"), never with advice about log(Y) or a one-hot T.
WRONG += [
    WrongSubmission(
        "fused_apply_along_axis", PS03,
        {"softmax_cross_entropy": '''
def softmax_cross_entropy(A, T):
    def log_softmax(row):
        shifted = row - row.max()
        return shifted - np.log(np.exp(shifted).sum())
    log_Y = np.apply_along_axis(log_softmax, 1, A)
    S = A.shape[0]
    return float(-np.sum(T * log_Y) / S), (np.exp(log_Y) - T) / S
'''},
        frozenset({"test_softmax_cross_entropy_memory_budget", "test_softmax_cross_entropy_time_budget"}),
        "for each example. Doubling the batch from 5000 to 10000 added", kind="too_slow",
    ),
    WrongSubmission(
        "fused_comprehension_over_rows", PS03,
        {"softmax_cross_entropy": '''
def softmax_cross_entropy(A, T):
    S = A.shape[0]
    shifted = np.array([row - row.max() for row in A])
    log_sums = np.array([np.log(np.exp(row).sum()) for row in shifted])
    log_Y = shifted - log_sums[:, None]
    return float(-np.sum(T * log_Y) / S), (np.exp(log_Y) - T) / S
'''},
        frozenset({"test_softmax_cross_entropy_memory_budget", "test_softmax_cross_entropy_time_budget"}),
        "It also uses too much memory: ", kind="too_slow",
    ),
    # A shape error: the line and the shapes that clash, not NumPy's "could not be broadcast" alone.
    WrongSubmission(
        "softmax_sum_without_keepdims", PS03,
        edited(PS03, "softmax", ("Y /= Y.sum(axis=1, keepdims=True)", "Y /= Y.sum(axis=1)")),
        frozenset({"test_softmax_values", "test_softmax_stable"}),
        "at `Y /= Y.sum(axis=1)`: Y is (4, 5) and Y.sum(axis=1) is (4,), which do not broadcast for /=",
        kind="raised",
    ),
]
