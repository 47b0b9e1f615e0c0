"""The sandbox: what crosses the process boundary, and what a worker can reach.

The probes call the kernel directly through ctypes, with no answer-cell rule
in front of them: the isolation must hold for a bypass of the rules that
nobody has found yet.
"""

import errno
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import ROOT

from autograder import answer_rules
from autograder.sandbox import policy, protocol
from autograder.sandbox.remote import Sandbox, SandboxError, StudentError
from autograder.testdata import SYSTEM_CALL_PROBES, claims_a_huge_reply, returns_a_gigabyte, sleeping

# --- values ----------------------------------------------------------------------------------------

SCALARS = [True, 0, -7, 2**62, 2.5, float("inf"), None, "text"]
NUMPY_SCALARS = [np.dtype(code).type(3) for code in "?" + np.typecodes["AllInteger"] + np.typecodes["Float"]]
ARRAYS = [np.arange(6.0).reshape(2, 3), np.array(4.5), np.float32([1, 2]), np.arange(3, dtype=np.int8),
          np.zeros((0, 3)), np.ones((2, 2), dtype=bool), np.arange(12.0).reshape(3, 4).T, np.tensordot(
              np.ones(3), np.ones(3), axes=1)]


def same(a, b):
    """Equal in value, type, dtype and shape, recursively."""
    if isinstance(a, np.generic) and isinstance(b, np.generic):
        return a.dtype == b.dtype and (a == b or (a != a and b != b))
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b or (a != a and b != b)


@pytest.mark.parametrize("value", SCALARS + NUMPY_SCALARS + ARRAYS, ids=repr)
def test_every_kind_of_value_survives_the_protocol(value):
    assert same(protocol.roundtrip(value), value)


def test_nested_values_survive_the_protocol():
    value = ([np.ones(2), (np.float32(1), {"a": [np.array(2.0), 3]})], {"b": ()})
    assert same(protocol.roundtrip(value), value)


NESTED = [1]
for _ in range(40):
    NESTED = [NESTED]


@pytest.mark.parametrize("value, says", [
    (np.array([object()]), "dtype object"), (object(), "object"), (1j, "complex"),
    (np.complex128(1), "complex"), ({1: 2}, "keys"), (np.array([1j]), "complex128"),
    (type("MyTuple", (tuple,), {})(), "MyTuple"), (np.ma.masked_array([1.0]), "MaskedArray"),
    (np.ones(2).view(type("Tensor", (np.ndarray,), {})), "Tensor"), (NESTED, "nested"),
])
def test_protocol_refuses_other_values_by_name(value, says):
    with pytest.raises(protocol.UnsupportedValue, match=says):
        protocol.encode(value, [])


@pytest.mark.parametrize("form, blobs", [
    ({"array": "|O", "shape": [1], "data": 0}, [b"12345678"]),
    ({"array": "<f8", "shape": [3], "data": 0}, [b"12345678"]),
    ({"array": "<f8", "shape": [-1], "data": 0}, [b""]),
    ({"array": "<f8", "shape": [1], "data": 5}, [b"12345678"]),
    ({"scalar": "<f8", "data": 0}, [b"1234"]),
    ({"nonsense": 1}, []), ([1, 2], []), ({"list": {"a": 1}}, []),
])
def test_protocol_rejects_malformed_values(form, blobs):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(form, blobs)


# --- answer-cell rules -----------------------------------------------------------------------------

@pytest.mark.parametrize("code, reason", [
    ("import os", "imports os"),
    ("from autograder import checks", "imports autograder"),
    ("x = open('f')", "uses open"),
    ("y = (1).__class__", "attribute __class__"),
    ("setattr(np, 'sum', None)", "uses setattr"),
])
def test_answer_rules_name_each_violation(code, reason):
    assert any(reason in v for v in answer_rules.violations(code))


def test_answer_rules_allow_numpy_and_math():
    assert answer_rules.violations("import numpy as np\nimport math\nfrom numpy.linalg import solve\n"
                                   "def f(A):\n    return np.exp(A) * math.pi\n") == []


# --- a worker ----------------------------------------------------------------------------------------

SYSCALL = '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def syscall(number, *args):
    """(result, errno) of a raw system call."""
    ctypes.set_errno(0)
    converted = [ctypes.c_char_p(a.encode()) if isinstance(a, str) else ctypes.c_long(a) for a in args]
    result = libc.syscall(ctypes.c_long(number), *converted)
    return int(result), int(ctypes.get_errno())
'''
@pytest.fixture(scope="module")
def sandbox():
    cells = {
        "syscall": SYSCALL,
        "reads": "def reads(x):\n    return np.loadtxt('/etc/hostname')\n",
        "scribbles": "def scribbles(G):\n    G[...] = 0.0\n    return 1.0\n",
        "nested_scribbles": "def nested_scribbles(params):\n    params[1][0][...] *= 0.5\n    return 0.0\n",
        "warns": "def warns(x):\n    return np.exp(np.array([1000.0]))\n",
        "broken": "def broken(x:\n",
        "environment": "import os, sys\ndef environment():\n    return sorted(os.environ), sorted(sys.modules)\n",
        "identity": "def identity(x):\n    return x\n",
        "apply": "def apply(f, x):\n    return f(x)\n",
    }
    box = Sandbox(cells, call_seconds=10)
    yield box
    box.close()


@pytest.mark.parametrize("probe", sorted(SYSTEM_CALL_PROBES))
def test_worker_cannot_make_the_system_call(sandbox, probe):
    result, error = sandbox.call("syscall", SYSTEM_CALL_PROBES[probe]).value
    assert result == -1 and error in (errno.EPERM, errno.ENOSYS), (probe, result, error)


def test_probes_left_nothing_behind(sandbox):
    for name in ("mcdl-probe-fifo", "mcdl-probe-dir", "mcdl-probe-link"):
        assert not os.path.lexists(f"/tmp/{name}")
    assert (ROOT / "README.md").exists() and not (ROOT / "probe-fifo").exists() and not (ROOT / "moved").exists()


def test_worker_holds_no_grader_module_and_no_secret(sandbox):
    environment, modules = sandbox.call("environment", ()).value
    assert not any(name.startswith("autograder") for name in modules)
    assert "MCDL_COURSE_SECRET" not in environment and "HOME" not in environment
    assert "numpy.ma" in modules and "numpy.polynomial" in modules


def test_worker_cannot_open_files(sandbox):
    with pytest.raises(StudentError, match="Operation not permitted"):
        sandbox.call("reads", (1.0,))


def test_arguments_are_copies_and_in_place_changes_are_reported(sandbox):
    G = np.ones(4)
    result = sandbox.call("scribbles", (G,))
    assert np.array_equal(G, np.ones(4)) and result.modified == [(0,)]
    params = [np.ones(2), (np.ones(3), np.ones(1))]
    result = sandbox.call("nested_scribbles", (params,))
    assert result.modified == [(0, 1, 0)] and np.array_equal(params[1][0], np.ones(3))


@pytest.mark.parametrize("value", SCALARS + NUMPY_SCALARS + ARRAYS, ids=repr)
def test_every_kind_of_value_survives_the_worker(sandbox, value):
    assert same(sandbox.call("identity", (value,)).value, value)


def test_grader_test_functions_are_sent_as_source(sandbox):
    from autograder.assignments.ps01_gradient_checking import sum_x_sin_x

    X = np.linspace(0.0, 1.0, 5)
    assert sandbox.call("apply", (sum_x_sin_x, X)).value == pytest.approx(sum_x_sin_x(X))


def test_warnings_come_back_named_once(sandbox):
    assert sandbox.call("warns", (1.0,)).warnings == ["RuntimeWarning: overflow encountered in exp"]


def test_cells_that_do_not_run_are_reported(sandbox):
    sandbox.call("identity", (1,))  # starts the worker
    assert "SyntaxError" in sandbox.cell_errors["broken"][0]


def test_garbage_on_the_socket_costs_only_that_call():
    cells = {
        "garbage": "import os, struct, sys\nFD = int(sys.argv[1])\ndef garbage():\n"
                   "    os.write(FD, struct.pack('<QQ', 200000, 0) + b'[' * 200000)\n    return 1\n",
        "fine": "def fine():\n    return 2\n",
    }
    box = Sandbox(cells, call_seconds=10)
    try:
        with pytest.raises(SandboxError, match="garbage"):
            box.call("garbage", ())
        assert box.call("fine", ()).value == 2
    finally:
        box.close()


def test_memory_counts_what_the_cells_allocate_when_defined():
    measured = {}
    for name, setup in (("hoards", "WORKSPACE = np.ones((500, 1000))\n"), ("light", "")):
        box = Sandbox({"kernel": setup + "def kernel():\n    return 0.0\n"})
        try:
            measured[name] = box.measure_memory("kernel", ())[1]
        finally:
            box.close()
    assert measured["hoards"] >= 4e6 > 1e6 > measured["light"]


def test_cpu_time_of_an_idle_worker_does_not_grow(sandbox):
    sandbox.call("identity", (1,))
    before = sandbox.cpu_seconds()
    assert sandbox.cpu_seconds() - before < 1e-3


def test_without_bubblewrap_grading_stops_with_what_to_install(monkeypatch, tmp_path):
    from autograder.sandbox.isolation import SandboxUnavailable

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        Sandbox({"f": "def f():\n    return 1\n"}).call("f", ())


def test_where_namespaces_are_refused_grading_stops_with_bubblewraps_reason(monkeypatch, tmp_path):
    from autograder.sandbox.isolation import SandboxUnavailable

    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    with pytest.raises(SandboxUnavailable, match="No permissions to creating new namespace"):
        Sandbox({"f": "def f():\n    return 1\n"}).call("f", ())


def test_a_notebook_that_runs_too_long_costs_only_its_remaining_checks():
    from conftest import TEST_SECRET

    from autograder import notebooks
    from autograder.trusted import grade_answers

    source = ROOT / "solutions" / "ps01_gradient_checking" / "ps01_gradient_checking.ipynb"
    reference = notebooks.answer_cells(notebooks.load(source))
    slow = {"relative_error": "def relative_error(A, B):\n    for _ in range(5 * 10**6):\n        pass\n"
                              "    scale = max(np.linalg.norm(A), np.linalg.norm(B))\n"
                              "    return 0.0 if scale == 0 else float(np.linalg.norm(A - B) / scale)\n"}
    tests = ["test_relative_error_values", "test_relative_error_zero", "test_grad_trace_quadratic_symmetric_A"]
    verdicts, _ = grade_answers("ps01_gradient_checking", {**reference, **slow}, tests, reference,
                                secret=TEST_SECRET, limits={"submission_seconds": 1.0})
    assert any("took longer than 1 seconds" in v.message for v in verdicts.values()), verdicts


# --- what a reply may cost the grader ---------------------------------------------------------------

HUGE_REPLIES = {
    "bools": "def bools(X):\n    return np.ones(8 << 20, dtype=bool)\n",  # 8 MiB, 64 MiB as float64
    "dicts": "def dicts(X):\n    return [{}] * 200_000\n",  # 2.2 MB of JSON
    "header": "import os, struct, sys\nFD = int(sys.argv[1])\ndef header(X):\n"
              "    os.write(FD, struct.pack('<QQ', 256 << 20, 0) + b'[{}' * 1000)\n    return 1\n",
    "fine": "def fine(X):\n    return 2.0 * X\n",
}


@pytest.mark.parametrize("name, says", [("bools", "result is too large: 67 MB as float64 numbers, more than the"),
                                        ("dicts", "reply was too large"), ("header", "reply was too large")])
def test_a_reply_larger_than_its_arguments_allow_costs_only_that_call(name, says):
    box = Sandbox(HUGE_REPLIES, call_seconds=10, result_floor_bytes=1 << 20)
    X = np.ones((100, 100))  # 80 kB: results up to 4 times that, at least 1 MiB, as float64
    try:
        with pytest.raises(SandboxError, match=says):
            box.call(name, (X,))
        assert np.array_equal(box.call("fine", (X,)).value, 2 * X)
        allowed = box.call("bools", (np.ones((2 << 20) + 1),)).value  # 4 times its arguments as float64
        assert allowed.dtype == bool and allowed.size == 8 << 20
    finally:
        box.close()


GRADER_PEAK = """
import resource, sys
sys.path.insert(0, {tests!r})
from conftest import TEST_SECRET, graded_cells, source_path
from autograder import notebooks
from autograder.sandbox import policy
from autograder.trusted import grade_answers
reference = notebooks.answer_cells(notebooks.load(source_path("ps02_linear_layers")))
answers = {{**reference, **{answers!r}}}
verdicts, _ = grade_answers("ps02_linear_layers", answers, list(graded_cells("ps02_linear_layers")), reference,
                            secret=TEST_SECRET, limits=policy.NO_NOTEBOOK_BUDGETS)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, sorted(t for t, v in verdicts.items() if not v.passed))
print(verdicts["test_linear_forward_values"].message)
print(verdicts["test_sigmoid_values"].message)
"""
GIGABYTE_ANSWERS = {"linear_forward": returns_a_gigabyte("linear_forward(X, W, b)"),
                    "sigmoid": claims_a_huge_reply("sigmoid(A)", "A")}


def grader_peak(answers):
    """(peak resident kB of a grading process, failed test cells, messages of linear_forward and sigmoid)."""
    script = GRADER_PEAK.format(tests=str(ROOT / "tests"), answers=answers)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    sizes, *messages = result.stdout.splitlines()[-3:]
    peak, failed = sizes.split(" ", 1)
    return int(peak), failed, messages


def test_a_gigabyte_reply_leaves_the_grader_as_small_as_a_right_answer():
    """A notebook whose answers return 1 GiB of booleans, or a reply that claims 256 MiB of JSON,
    costs its grading process less than 50 MB more than the right answers (it reached 9.3 GB and
    6.8 GB when replies were decoded and converted before their size was checked)."""
    right, none_failed, _ = grader_peak({})
    attacked, failed, (gigabyte, huge_reply) = grader_peak(GIGABYTE_ANSWERS)
    assert none_failed == "[]"
    assert failed == "['test_linear_forward_values', 'test_sigmoid_stable', 'test_sigmoid_values']"
    assert "result is too large: 8590 MB as float64 numbers" in gigabyte
    assert "reply was too large" in huge_reply
    assert attacked < right + 50_000, (right, attacked)  # kilobytes


# --- what a notebook's time may cost the class ------------------------------------------------------

def _grade_ps01(answers, **limits):
    """(verdicts, notes, seconds, the idle budget) of ps01 graded with ``answers`` replacing the reference's."""
    from conftest import TEST_SECRET, graded_cells, source_path

    from autograder import notebooks
    from autograder.trusted import grade_answers, notebook_budget

    assignment = "ps01_gradient_checking"
    reference = notebooks.answer_cells(notebooks.load(source_path(assignment)))
    tests = list(graded_cells(assignment))
    limits = {**policy.LIMITS, **limits}
    budget = notebook_budget(assignment, tests, reference, secret=TEST_SECRET, limits=limits)
    start = time.monotonic()
    verdicts, notes = grade_answers(assignment, {**reference, **answers(reference)}, tests, reference,
                                    secret=TEST_SECRET, limits=limits)
    return tests, verdicts, notes, time.monotonic() - start, budget


def test_a_notebook_that_sleeps_is_stopped_at_its_idle_budget_and_told_where():
    tests, verdicts, notes, elapsed, budget = _grade_ps01(lambda reference: sleeping(reference, 29))
    idle = budget["idle_seconds"]
    assert policy.LIMITS["notebook_idle_floor_seconds"] <= idle < 10, budget  # seconds, not the 20 s time floor
    assert not any(v.passed for v in verdicts.values())
    says = "this notebook's code waited (time.sleep or a blocking call?) instead of computing for more than"
    assert verdicts[tests[0]].message.startswith(f"numerical_gradient: stopped: {says} {idle:.0f} seconds in all "
                                                 "during this check"), verdicts[tests[0]].message
    assert all(f"not run: {says}" in verdicts[t].message for t in tests[1:]), verdicts
    assert notes == {"numerical_gradient": f"Grading stopped this function in {tests[0]}: {says} "
                                           f"{idle:.0f} seconds in all."}
    assert idle - 0.5 <= elapsed < idle + 8, (elapsed, budget)


@pytest.mark.slow
def test_a_notebook_that_computes_endlessly_is_stopped_at_its_time_budget():
    """Spinning is not idle: such a notebook uses the machine, and its wall-clock budget stops it."""
    spin = ("import numpy as np\n_clock = np.lib._utils_impl.sys.modules['time'].monotonic\n"
            "def numerical_gradient(f, X, h=1e-6):\n    start = _clock()\n    while _clock() - start < 29:\n"
            "        pass\n")
    tests, verdicts, notes, elapsed, budget = _grade_ps01(lambda reference: {"numerical_gradient": spin})
    seconds = budget["seconds"]
    assert policy.LIMITS["notebook_time_floor_seconds"] <= seconds < 60
    stopped = [t for t, v in verdicts.items() if "stopped: this notebook reached its time limit" in v.message]
    assert stopped and stopped[0].startswith("test_numerical_gradient"), verdicts
    assert notes["numerical_gradient"] == (f"Grading stopped this function in {stopped[0]}: this notebook reached its "
                                           f"time limit for running your code ({seconds:.0f} seconds in all).")
    assert seconds - 1 <= elapsed < seconds + 10


IDLE_CELLS = {
    "sleep": "import numpy as np\n_sys = np.lib._utils_impl.sys\n"
             "def sleep(seconds):\n    _sys.modules['time'].sleep(seconds)\n    return 0\n",
    # reads its own end of the connection to the grader, which sends nothing during a call
    "block": "def block(seconds):\n    _sys.modules['os'].read(int(_sys.argv[1]), 1)\n",
    "work": "def work(n):\n    A = np.linspace(0, 1, n * n).reshape(n, n)\n"
            "    for _ in range(20):\n        A = np.tanh(A @ A)\n    return float(A.sum())\n",
}


@pytest.mark.parametrize("name", ["sleep", "block"])
def test_code_that_waits_is_stopped_by_the_idle_budget_in_its_time(name):
    sandbox = Sandbox(IDLE_CELLS, idle_budget_seconds=1.0)
    try:
        start = time.monotonic()
        with pytest.raises(SandboxError, match="waited .* for more than 1 seconds in all during this check"):
            sandbox.function(name)(20)
        assert 1.0 <= time.monotonic() - start < 2.5
        assert 1.0 <= sandbox.idle_seconds < 1.5
        with pytest.raises(SandboxError, match="^not run: .* in an earlier check"):
            sandbox.function("work")(10)
    finally:
        sandbox.close()


@pytest.mark.timing
@pytest.mark.alone  # the busy processes are its own: another test's would add to them
def test_code_that_computes_is_not_idle_even_beside_busy_processes():
    """Waiting for a CPU is not idling: with three processes spinning beside it on this machine's
    cores, a worker that computes gathers almost no idle time."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    sandbox = Sandbox(IDLE_CELLS, idle_budget_seconds=1.0)
    try:
        start = time.monotonic()
        while time.monotonic() - start < 2.0:
            sandbox.function("work")(200)
        assert sandbox.idle_seconds < 0.2, sandbox.idle_seconds
    finally:
        sandbox.close()
        for hog in hogs:
            hog.kill()
            hog.wait()


def test_where_the_kernel_keeps_no_scheduler_counts_waiting_is_still_measured(monkeypatch):
    from autograder.sandbox import remote

    real = remote.Worker._proc
    monkeypatch.setattr(remote.Worker, "_proc", lambda self, name: "/nonexistent" if name == "schedstat"
                        else real(self, name))
    sandbox = Sandbox(IDLE_CELLS, idle_budget_seconds=1.0)
    try:
        assert sandbox.function("work")(50) > 0 and sandbox.idle_seconds < 0.2
        with pytest.raises(SandboxError, match="waited"):
            sandbox.function("sleep")(5)
        assert 1.0 <= sandbox.idle_seconds < 1.5
    finally:
        sandbox.close()
