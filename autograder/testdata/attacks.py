"""Submissions that attack the grader, each around a wrong answer, and answers that attack the sandbox's
resources (sleeping, gigabyte replies): what grading must withstand, with what it must still say."""

from autograder.testdata import ps01, ps02
from autograder.testdata.table import COURSE, PS01, PS02, SOLUTIONS, Attack


def _answer_of(wrong, name):
    """The single answer of the wrong submission ``name`` in the list ``wrong``."""
    (submission,) = [w for w in wrong if w.name == name]
    (code,) = submission.answers.values()
    return code


RELATIVE_ERROR_ONE_SIDED = _answer_of(ps01.WRONG, "relative_error_one_sided")


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
        through_nbgrader=False,
    ),
    Attack(
        "one_entry_wrong_to_see_the_expected_one", PS02,
        {"linear_backward": "\ndef linear_backward(G, X, W):\n    dW = X.T @ G\n    dW[0, 0] += 1.0\n"
                            "    return G @ W.T, dW, G.sum(axis=0)\n"},
        frozenset({"test_linear_backward_dW"}), "wrong in 1 of",
        through_nbgrader=False,
    ),
    Attack(
        "returns_an_input_entry", PS01,
        {"relative_error": "\ndef relative_error(A, B):\n    return float(A.flat[-1])\n"},
        frozenset({"test_relative_error_values", "test_relative_error_zero"}), "does not match",
        through_nbgrader=False,
    ),
]

ATTACKS = [
    Attack(
        "patches_numpy_checks", PS02,
        {"linear_backward": "np.allclose = lambda *a, **k: True\n"
                            "np.testing.assert_allclose = lambda *a, **k: None\n"
                            "np.linalg.norm = lambda *a, **k: 0.0\n" + TRANSPOSED_DW},
        frozenset({"test_linear_backward_dW"}), "transposed",
        through_nbgrader=False,
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
        through_nbgrader=False,
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
        through_nbgrader=False,
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
        through_nbgrader=False,
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
        through_nbgrader=False,
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
        through_nbgrader=False,
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
        through_nbgrader=False,
    ),
    Attack(
        "endless_loop_in_call", PS02,
        {"relu_backward": "\ndef relu_backward(G, A):\n    while True:\n        pass\n"},
        frozenset({"test_relu_backward_values"}), "did not finish within",
        through_nbgrader=False,
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
        {"relative_error": RELATIVE_ERROR_ONE_SIDED},
        frozenset({"test_relative_error_values"}), "division by ||B|| only",
        mutate=_retype_test_cell("test_relative_error_values"),
    ),
]


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
# x86-64 system call numbers, with arguments that would succeed for a process allowed to make them.
SYSTEM_CALL_PROBES = {
    "kill_parent": (62, 1, 9), "kill_everyone": (62, -1, 9), "tgkill": (234, 1, 1, 9),
    "rt_sigqueueinfo": (129, 1, 9, 0), "rt_tgsigqueueinfo": (297, 1, 1, 9, 0),
    "pidfd_open": (434, 1, 0), "pidfd_send_signal": (424, 3, 9, 0, 0),
    "ptrace_attach": (101, 16, 1, 0, 0), "process_vm_readv": (310, 1, 0, 0, 0, 0, 0),
    "mknod_fifo": (133, "/tmp/mcdl-probe-fifo", 0o10644, 0),
    "mknodat_fifo": (259, -100, str(COURSE) + "/probe-fifo", 0o10644, 0),
    "mkdir": (83, "/tmp/mcdl-probe-dir", 0o755), "symlink": (88, "/etc/passwd", "/tmp/mcdl-probe-link"),
    "rename": (82, str(COURSE) + "/README.md", str(COURSE) + "/moved"), "unlink": (87, str(COURSE) + "/README.md"),
    "setxattr": (188, str(COURSE) + "/README.md", "user.x", "1", 1, 0), "shmget": (29, 0, 4096, 0o1666),
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
        through_nbgrader=False,
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
""" + _answer_of(ps02.WRONG, "dense_tanh_python_loop")},
        frozenset({"test_dense_tanh_backward_time_budget"}), "too slow",
        through_nbgrader=False,
    ),
    Attack(
        "fifo_in_the_course", PS01,
        {"relative_error": LIBC + """
for folder in ("SOLUTIONS/..", ".", "/tmp", "/dev/shm"):
    try:
        os.mkfifo(folder + "/gradebook.db-journal")
    except OSError:
        pass
""".replace("SOLUTIONS", str(SOLUTIONS)) + RELATIVE_ERROR_ONE_SIDED},
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
        through_nbgrader=False,
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
        through_nbgrader=False,
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
        through_nbgrader=False,
    ),
    Attack(
        "newer_schema_version", PS01, {"relative_error": RELATIVE_ERROR_ONE_SIDED},
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
