"""Wrong submissions that real students make, and what grading must say of them.

Each entry replaces one or more answer cells of the solution notebook.
``fails`` is the exact set of test cells that must lose their points (all
others keep theirs) and ``says`` a phrase the feedback of at least one of
them must contain.  The same table drives the fast in-process tests
(test_wrong_submissions.py) and the nbgrader pipeline test (test_pipeline.py).
"""

from dataclasses import dataclass, field


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


def by_assignment(assignment):
    return [w for w in WRONG_SUBMISSIONS if w.assignment == assignment]
