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
        "derivative of the activation is missing", kind="known_mistake",
    ),
    WrongSubmission(
        "tanh_unfused_temporaries", PS06, {"tanh_least_squares": PLAIN_TANH},
        frozenset({"test_tanh_least_squares_memory_budget"}), "uses too much memory", kind="too_much_memory",
    ),
    WrongSubmission(
        "tanh_gradient_sign", PS06,
        edited(PS06, "tanh_least_squares", ("residual = Z - C[rows]", "residual = C[rows] - Z")),
        frozenset({"test_tanh_least_squares_gradient"}), "wrong sign", kind="sign",
    ),
    WrongSubmission(
        "tanh_value_without_half", PS06,
        edited(PS06, "tanh_least_squares",
            ("f += 0.5 * np.vdot(residual, residual)", "f += np.vdot(residual, residual)")),
        frozenset({"test_tanh_least_squares_value"}), "f without its 1/2", kind="known_mistake",
    ),
    WrongSubmission(
        "entry_indices_swapped", PS06, {"tanh_least_squares_entry": '''
def tanh_least_squares_entry(X, Y, C, i, j):
    z = np.tanh(Y @ X[:, i])
    return float(np.sum(Y[:, j] * (1.0 - z * z) * (z - C[:, i])))
'''},
        frozenset({"test_tanh_least_squares_entry_values"}), "indices are swapped", kind="known_mistake",
    ),
    WrongSubmission(
        "entry_from_the_whole_gradient", PS06, {"tanh_least_squares_entry": '''
def tanh_least_squares_entry(X, Y, C, i, j):
    Z = np.tanh(Y @ X)
    return float((Y.T @ ((Z - C) * (1.0 - Z * Z)))[i, j])
'''},
        frozenset({"test_tanh_least_squares_entry_memory_budget"}), "uses too much memory", kind="too_much_memory",
    ),
    WrongSubmission(
        "sigmoid_least_squares_overflows", PS06, {"sigmoid_least_squares": '''
def sigmoid_least_squares(X, Y, C):
    Z = 1.0 / (1.0 + np.exp(-(Y @ X)))
    residual = Z - C
    return float(0.5 * np.sum(residual ** 2)), Y.T @ (residual * Z * (1.0 - Z))
'''},
        frozenset({"test_sigmoid_least_squares_stable"}), "RuntimeWarning", kind="warnings",
    ),
]


# The catalogue's mistakes (autograder/assignments/ps06_nonlinear_least_squares.py), each named by the first message.
WRONG += [
    WrongSubmission(
        "tanh_value_mean_over_entries", PS06,
        {"tanh_least_squares": PLAIN_TANH.replace("f = 0.5 * np.sum(residual ** 2)",
                                                  "f = 0.5 * np.mean(residual ** 2)")},
        frozenset({"test_tanh_least_squares_value", "test_tanh_least_squares_memory_budget"}),
        "a mean over the m*p entries", kind="known_mistake",
    ),
    WrongSubmission(
        "tanh_derivative_one_minus_z", PS06, {"tanh_least_squares": PLAIN_TANH.replace("(1.0 - Z ** 2)", "(1.0 - Z)")},
        frozenset({"test_tanh_least_squares_gradient", "test_tanh_least_squares_memory_budget"}),
        "tanh' taken as 1 - Z", kind="known_mistake",
    ),
    WrongSubmission(
        "tanh_derivative_at_z", PS06,
        {"tanh_least_squares": PLAIN_TANH.replace("(1.0 - Z ** 2)", "(1.0 - np.tanh(Z) ** 2)")},
        frozenset({"test_tanh_least_squares_gradient", "test_tanh_least_squares_memory_budget"}),
        "the derivative taken at the output Z", kind="known_mistake",
    ),
]
