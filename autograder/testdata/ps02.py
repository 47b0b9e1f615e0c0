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
