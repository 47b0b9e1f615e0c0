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
        frozenset({"test_grad_least_squares_small", "test_grad_least_squares_large"}), "wrong sign",
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


def attacks_on(assignment):
    return [a for a in ATTACKS if a.assignment == assignment]
