"""Problem set 2 (linear layers): wrong, slow and memory-hungry answers, and right variants."""

from autograder.testdata.table import PS02, WrongSubmission

# dense_tanh_backward with dJ/dA as its one temporary, updated in place (the reference works in blocks)
DENSE_TANH_IN_PLACE = """
def dense_tanh_backward(G, X, W, Z):
    dA = Z * Z
    np.subtract(1.0, dA, out=dA)
    dA *= G
    return dA @ W.T, X.T @ dA, dA.sum(axis=0)
"""

WRONG = [
    WrongSubmission(
        "dW_transposed", PS02,
        {"linear_backward": '''
def linear_backward(G, X, W):
    return G @ W.T, G.T @ X, G.sum(axis=0)
'''},
        frozenset({"test_linear_backward_dW"}),
        "transposed", kind="transposed",
    ),
    WrongSubmission(
        "db_mean_instead_of_sum", PS02,
        {"linear_backward": '''
def linear_backward(G, X, W):
    return G @ W.T, X.T @ G, G.mean(axis=0)
'''},
        frozenset({"test_linear_backward_db"}),
        "a mean over the batch instead of a sum", kind="known_mistake",
    ),
    WrongSubmission(
        "torch_layout_dW_of_other_layout", PS02,
        {"linear_backward_torch": '''
def linear_backward_torch(G, X, W):
    return G @ W, X.T @ G, G.sum(axis=0)
'''},
        frozenset({"test_linear_backward_torch_dW"}),
        "transposed", kind="transposed",
    ),
    WrongSubmission(
        "sigmoid_overflows", PS02,
        {"sigmoid": '''
def sigmoid(A):
    return 1.0 / (1.0 + np.exp(-A))
'''},
        frozenset({"test_sigmoid_stable"}),
        "RuntimeWarning", kind="warnings",
    ),
    WrongSubmission(
        "sigmoid_sign_erratum", PS02,
        {"sigmoid": '''
def sigmoid(A):
    E = np.exp(-np.abs(A))
    return np.where(A >= 0, E / (1.0 + E), 1.0 / (1.0 + E))
'''},
        frozenset({"test_sigmoid_values", "test_sigmoid_stable"}),
        "sign of the exponent is wrong", kind="known_mistake",
    ),
    WrongSubmission(
        "tanh_derivative_at_output", PS02,
        {"tanh_backward": '''
def tanh_backward(G, Z):
    return G * (1.0 - np.tanh(Z) ** 2)
'''},
        frozenset({"test_tanh_backward_values"}),
        "derivative taken at Z instead of A", kind="known_mistake",
    ),
    WrongSubmission(
        "dense_tanh_missing_derivative", PS02,
        {"dense_tanh_backward": '''
def dense_tanh_backward(G, X, W, Z):
    return G @ W.T, X.T @ G, G.sum(axis=0)
'''},
        frozenset({"test_dense_tanh_backward_dX", "test_dense_tanh_backward_dW",
                   "test_dense_tanh_backward_db", "test_dense_tanh_backward_time_budget"}),
        "derivative f'(A) is missing", kind="known_mistake",
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
        "uses too much memory", kind="too_much_memory",
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
        "too slow", kind="too_slow",
    ),
    WrongSubmission(  # fast, and no Python line per row: the loop rule counts a row and a sum per row
        "dense_tanh_builtin_sum_over_rows", PS02,
        {"dense_tanh_backward": DENSE_TANH_IN_PLACE.replace("dA.sum(axis=0)", "sum(dA)")},
        frozenset({"test_dense_tanh_backward_time_budget"}),
        "for each row of X", kind="too_slow",
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
        "modified its input G in place", kind="inputs_modified",
    ),
]

# Right answers in forms the notebook allows: each must score full marks, silently.
RIGHT = [
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
        "helper_in_the_same_cell", PS02,
        {"relu_backward": "\ndef _positive(A):\n    return A > 0\n\ndef relu_backward(G, A):\n"
                          "    return np.where(_positive(A), G, 0.0)\n"},
        frozenset(), "",
    ),
]


# The catalogue's mistakes (autograder/assignments/ps02_linear_layers.py), each named by the first message.
_DENSE = "test_dense_tanh_backward_"
WRONG += [
    WrongSubmission(
        "linear_backward_outputs_in_wrong_order", PS02,
        {"linear_backward": "\ndef linear_backward(G, X, W):\n    return X.T @ G, G @ W.T, G.sum(axis=0)\n"},
        frozenset({"test_linear_backward_dX", "test_linear_backward_dW"}), "the outputs in the wrong order",
        kind="known_mistake",
    ),
    WrongSubmission(
        "torch_db_mean", PS02,
        {"linear_backward_torch": "\ndef linear_backward_torch(G, X, W):\n    return G @ W, G.T @ X, G.mean(axis=0)\n"},
        frozenset({"test_linear_backward_torch_db"}), "a mean over the batch instead of a sum", kind="known_mistake",
    ),
    WrongSubmission(
        "relu_backward_mask_always_true", PS02,
        {"relu_backward": "\ndef relu_backward(G, A):\n    return G * (np.maximum(A, 0.0) >= 0)\n"},
        frozenset({"test_relu_backward_values"}), "a mask that is always true", kind="known_mistake",
    ),
    WrongSubmission(
        "tanh_backward_one_minus_z", PS02, {"tanh_backward": "\ndef tanh_backward(G, Z):\n    return G * (1.0 - Z)\n"},
        frozenset({"test_tanh_backward_values"}), "tanh' taken as 1 - Z", kind="known_mistake",
    ),
    WrongSubmission(
        "sigmoid_backward_without_G", PS02,
        {"sigmoid_backward": "\ndef sigmoid_backward(G, Z):\n    return Z * (1.0 - Z)\n"},
        frozenset({"test_sigmoid_backward_values"}), "without G", kind="known_mistake",
    ),
    WrongSubmission(
        "dense_tanh_derivative_one_minus_z", PS02,
        {"dense_tanh_backward": DENSE_TANH_IN_PLACE.replace("dA = Z * Z\n    np.subtract(1.0, dA, out=dA)",
                                                            "dA = 1.0 - Z")},
        frozenset({_DENSE + "dX", _DENSE + "dW", _DENSE + "db", _DENSE + "time_budget"}), "tanh' taken as 1 - Z",
        kind="known_mistake",
    ),
    WrongSubmission(
        "dense_tanh_derivative_at_z", PS02,
        {"dense_tanh_backward": DENSE_TANH_IN_PLACE.replace("dA = Z * Z", "dA = np.tanh(Z)\n    dA *= dA")},
        frozenset({_DENSE + "dX", _DENSE + "dW", _DENSE + "db", _DENSE + "time_budget"}),
        "the derivative taken at Z instead of A", kind="known_mistake",
    ),
    WrongSubmission(
        "dense_tanh_db_mean", PS02,
        {"dense_tanh_backward": DENSE_TANH_IN_PLACE.replace("dA.sum(axis=0)", "dA.mean(axis=0)")},
        frozenset({_DENSE + "db"}), "a mean over the batch instead of a sum",
        kind="known_mistake",
    ),
]

# A shape error: the line of the student's code and the shapes that clash, in words, not NumPy's gufunc message.
WRONG += [
    WrongSubmission(
        "linear_backward_dX_without_transpose", PS02,
        {"linear_backward": "\ndef linear_backward(G, X, W):\n    dX = G @ W\n    return dX, X.T @ G, G.sum(axis=0)\n"},
        frozenset({"test_linear_backward_dX", "test_linear_backward_dW", "test_linear_backward_db"}),
        "at `dX = G @ W`: G is (4, 5) and W is (3, 5); for @ the 5 and the 3 must agree",
        kind="raised",
    ),
]
