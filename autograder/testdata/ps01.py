"""Problem set 1 (gradient checking): wrong answers students give."""

from autograder.testdata.table import PS01, WrongSubmission

WRONG = [
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
]

# Right answers in forms the notebook allows: each must score full marks, silently.
RIGHT = [
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
]
