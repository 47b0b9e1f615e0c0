"""The same visible verdicts on macOS and Windows as on Linux.

A student's notebook runs on their own machine. scripts/visible_verdicts.py runs the visible
tests of every problem set, for the solution and every wrong submission, in a subprocess;
tests/simulated_platform/sitecustomize.py makes that subprocess behave as macOS or Windows
does (no Linux symbols through ctypes, no /proc, no bubblewrap, no sched_getaffinity, and on
Windows no resource, fcntl or termios modules) before the course's package is imported.
The simulated platforms run a representative of every kind of check that the table fails in each
problem set (memory, time, inputs changed, warnings, values: what differs there is how a measurement is
taken, not what a check computes); Linux runs those and every version too slow for its time budget.
The whole table's visible verdicts on Linux are tests/test_visible_predicts_grade.py's.

Where BLAS cannot be limited to one thread (macOS's Accelerate), the visible time estimate
must fail only what grading fails, and say otherwise that it cannot judge time there.

The platform runs take minutes (every time-budget cell times kernels): they are marked slow.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import threadpoolctl
from conftest import ROOT, measured, representative_wrong_submissions

from autograder import budgets
from autograder.errors import GradingFailure
from autograder.testdata import WRONG_SUBMISSIONS

RUNNER = ROOT / "scripts" / "visible_verdicts.py"
SHIM = ROOT / "tests" / "simulated_platform"
# What a student's machine does not have: the course secret and the grader's thread settings.
CLEARED = ("MCDL_COURSE_SECRET", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONPATH")


def start_visible_verdicts(tmp_path, simulate=None, *args, blas=None):
    """Start scripts/visible_verdicts.py on Linux or under a simulated platform; ``finish`` reads its JSON."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    if simulate:
        # bwrap (in /usr/bin) is not on PATH: only the interpreter's own folder is
        env.update(MCDL_SIMULATE=simulate, PYTHONPATH=str(SHIM), PATH=str(os.path.dirname(sys.executable)))
    if blas:
        env["MCDL_SIMULATE_BLAS"] = blas
    process = subprocess.Popen([sys.executable, str(RUNNER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env, cwd=tmp_path)
    return process, simulate


def finish(started):
    process, simulate = started
    stdout, stderr = process.communicate(timeout=3600)
    assert process.returncode == 0, stderr[-5000:]
    run = json.loads(stdout.splitlines()[-1])
    assert run["platform"] == (simulate or "linux")
    assert run["grading_modules_loaded"] == []
    return run


def visible_verdicts(tmp_path, simulate=None, *args, blas=None):
    """The JSON of scripts/visible_verdicts.py run on Linux or under a simulated platform."""
    return finish(start_visible_verdicts(tmp_path, simulate, *args, blas=blas))


# The simulated platforms run the solutions and a representative of each kind of check (conftest.measured:
# memory, time, inputs changed, warnings, values) that the table fails in each problem set
# (conftest.representative_wrong_submissions); Linux runs those and the slow versions, which the platform
# whose BLAS cannot be limited runs again.
SIMULATED = sorted(w.name for w in representative_wrong_submissions(measured))
SLOW = sorted(w.name for w in WRONG_SUBMISSIONS if any("_time_budget" in cell for cell in w.fails))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{platform: run} of Linux, macOS-like and Windows-like, run side by side (the visible time
    estimate counts CPU seconds on one BLAS thread, so running beside each other changes no verdict)."""
    chosen = {"linux": sorted(set(SIMULATED) | set(SLOW)), "darwin": SIMULATED, "win32": SIMULATED}
    started = {platform: start_visible_verdicts(tmp_path_factory.mktemp(platform), simulate,
                                                "--only", ",".join(chosen[platform]))
               for platform, simulate in (("linux", None), ("darwin", "darwin"), ("win32", "win32"))}
    return {platform: finish(run) for platform, run in started.items()}


@pytest.fixture(scope="module")
def linux(runs):
    assert runs["linux"]["blas_one_thread"]
    return runs["linux"]["verdicts"]


@pytest.mark.slow
def test_the_verdicts_tell_the_submissions_apart(linux):
    # Identical verdicts mean something only if they differ between submissions: the solution
    # passes every visible test and most wrong submissions fail one.
    assert all(table["solution"] == [] for table in linux.values())
    wrong = [failing for table in linux.values() for name, failing in table.items() if name != "solution"]
    assert len(wrong) == len(set(SIMULATED) | set(SLOW)) >= 40
    assert sum(bool(failing) for failing in wrong) > 0.6 * len(wrong)


@pytest.mark.slow
@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_visible_verdicts_are_the_same_as_on_linux(linux, runs, platform):
    run = runs[platform]
    assert run["blas_one_thread"]
    assert run["verdicts"] == {assignment: {name: failing for name, failing in table.items()
                                            if name == "solution" or name in SIMULATED}
                               for assignment, table in linux.items()}


def _time_cells(failing):
    return {cell for cell in failing if "_time_budget" in cell}


@pytest.mark.slow
def test_where_blas_threads_cannot_be_limited_time_is_failed_only_when_grading_fails_it(linux, tmp_path):
    slow = {name for table in linux.values() for name, failing in table.items() if _time_cells(failing)}
    timed = sorted(a for a, table in linux.items() if slow & set(table))
    assert len(slow) >= 5  # the slow versions of the table, for most time budgets
    run = visible_verdicts(tmp_path, "darwin", *timed, "--only", ",".join(sorted(slow)), blas="unlimited")
    assert not run["blas_one_thread"]
    for assignment in timed:
        for name, failing in run["verdicts"][assignment].items():
            expected = linux[assignment][name]
            assert set(failing) - _time_cells(failing) == set(expected) - _time_cells(expected), (assignment, name)
            for cell in _time_cells(failing):
                if cell.endswith("(not judged)"):  # passed, saying it cannot judge time here
                    continue
                assert cell in expected, f"{assignment} {name}: {cell} fails where grading passes it"
            for cell in _time_cells(expected):  # too slow: fails, or is not judged, never passes silently
                assert cell in failing or f"{cell} (not judged)" in failing, (assignment, name, cell)


# --- the cannot-limit branch of the time estimate, in this process ----------------------------------

def test_blas_is_limited_to_one_thread_where_threadpoolctl_controls_it():
    blas = [info for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    assert blas, "this machine's NumPy has a BLAS that threadpoolctl controls (OpenBLAS)"
    with budgets.one_blas_thread() as single:
        assert single
        assert all(info["num_threads"] == 1 for info in threadpoolctl.threadpool_info()
                   if info["user_api"] == "blas")


def _no_blas_found():
    return [{"user_api": "openmp", "num_threads": 4}]


def _threadpoolctl_fails(*args, **kwargs):
    raise AttributeError("dlsym(RTLD_DEFAULT, _dyld_image_count): symbol not found")


@pytest.mark.parametrize("patch", [("threadpool_info", _no_blas_found), ("threadpool_limits", _threadpoolctl_fails)])
def test_blas_that_cannot_be_limited_is_reported(patch, monkeypatch):
    monkeypatch.setattr(threadpoolctl, *patch)
    with budgets.one_blas_thread() as single:
        assert single is False


def _products(A, B):
    return A @ B


def _products_by_row(A, B):
    out = np.empty((A.shape[0], B.shape[1]))
    for i in range(A.shape[0]):
        out[i] = (A[i][:, None] * B).sum(axis=0)  # no BLAS: element-wise products and sums
    return out


BUDGET = budgets.TimeBudget(ratio=2.0, floor=_products)


def _make_args(round_):
    rng = np.random.default_rng(round_)
    return rng.standard_normal((400, 200)), rng.standard_normal((200, 300))


def test_without_one_thread_a_fast_kernel_is_not_judged_and_a_slow_one_fails(monkeypatch, capsys):
    monkeypatch.setattr(threadpoolctl, "threadpool_info", _no_blas_found)
    with budgets.recording() as record:
        estimate = budgets.check_time_budget(_products, None, _make_args, BUDGET, name="kernel")
    printed = capsys.readouterr().out
    assert budgets.NOT_JUDGED in printed and "threadpoolctl" in printed
    assert estimate == record["measured"] < budgets.VISIBLE_MARGIN * BUDGET.ratio
    # Row by row, without BLAS, the products take far longer in CPU time than one product, on any
    # number of threads.
    with pytest.raises(GradingFailure, match="too slow: .* on all the threads of NumPy's BLAS, which cannot"):
        budgets.check_time_budget(_products_by_row, None, _make_args, BUDGET, name="kernel")


def test_with_one_thread_a_fast_kernel_is_judged(capsys):
    budgets.check_time_budget(_products, None, _make_args, BUDGET, name="kernel")
    printed = capsys.readouterr().out
    assert "on one thread" in printed and budgets.NOT_JUDGED not in printed
