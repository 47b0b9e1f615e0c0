"""Problem set 6 (nonlinear least squares): wrong and memory-hungry answers."""

from autograder.testdata.table import PS06, WrongSubmission, edited

PLAIN_TANH = """
def tanh_least_squares(X, Y, C):
    Z = np.tanh(Y @ X)
    residual = Z - C
    f = 0.5 * np.sum(residual ** 2)
    return float(f), Y.T @ (residual * (1.0 - Z ** 2))
"""

WRONG = [
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
        edited(PS06, "tanh_least_squares", ("residual = Z - C[rows]", "residual = C[rows] - Z")),
        frozenset({"test_tanh_least_squares_gradient"}), "wrong sign",
    ),
    WrongSubmission(
        "tanh_value_without_half", PS06,
        edited(PS06, "tanh_least_squares",
            ("f += 0.5 * np.vdot(residual, residual)", "f += np.vdot(residual, residual)")),
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
