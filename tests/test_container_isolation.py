"""Grading where user namespaces are refused, as in an unprivileged Docker container (Gradescope).

Every test runs its command under tests/tools/docker_seccomp.py: a seccomp filter
that refuses `unshare`, `setns`, `clone3` and `clone` with a namespace flag,
as Docker's default profile does, so bubblewrap cannot start. The default
isolation then refuses to grade, and says what to do; the isolation mode
"container" grades the attack table and a representative of every kind of failing
check of the wrong-submission table in each problem set with the verdicts
bubblewrap gives (tests/test_wrong_submissions.py, run as it is; the whole table
with `pytest -m exhaustive`).
"""

import os
import subprocess
import sys

import pytest
from conftest import ROOT, measured, representative_wrong_submissions

from autograder import course
from autograder.assignments import core_kernels
from autograder.testdata import RIGHT_VARIANTS, named

WRONG_TESTS = "tests/test_wrong_submissions.py"
UNDER_DOCKER_SECCOMP = [sys.executable, str(ROOT / "tests" / "tools" / "docker_seccomp.py")]
WORKER_PROBE = """
import numpy as np
from autograder.sandbox.remote import Sandbox
from autograder.sandbox import policy
sandbox = Sandbox({"f": "def f(x):\\n    return 2 * x\\n"}, limits=policy.LIMITS)
try:
    print("result", sandbox.function("f")(np.ones(2)).tolist())
finally:
    sandbox.close()
"""


def run(command, **env):
    return subprocess.run([*UNDER_DOCKER_SECCOMP, *command], capture_output=True, text=True, cwd=ROOT,
                          env={**course.tool_environment(), **env}, timeout=3000)


def test_the_filter_refuses_namespaces_as_docker_does():
    assert run(["unshare", "--user", "true"]).returncode != 0
    assert subprocess.run(["unshare", "--user", "true"]).returncode == 0  # allowed outside the filter


def test_bubblewrap_refuses_clearly_where_namespaces_are_refused():
    probe = run([sys.executable, "-c", WORKER_PROBE], MCDL_ISOLATION="bubblewrap")
    assert probe.returncode != 0
    assert "SandboxUnavailable: bubblewrap could not isolate a worker on this machine" in probe.stderr
    assert 'grade with the isolation mode "container"' in probe.stderr


def test_container_mode_grades_under_the_filter():
    probe = run([sys.executable, "-c", WORKER_PROBE], MCDL_ISOLATION="container")
    assert probe.returncode == 0 and "result [2.0, 2.0]" in probe.stdout, probe.stderr


def wrong_submission_tests_in_container_mode(selection, at_least):
    """Run tests/test_wrong_submissions.py's ``selection`` (a -k expression or a list of test ids) under
    the filter, in container mode, in one process (-n 0: this test's own worker is the one it has)."""
    tests_of = ["-k", selection] if isinstance(selection, str) else [f"{WRONG_TESTS}::{test}" for test in selection]
    tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                 *(["tests/test_wrong_submissions.py"] if isinstance(selection, str) else []), *tests_of],
                MCDL_ISOLATION="container")
    assert tests.returncode == 0, tests.stdout[-5000:]
    summary = tests.stdout.strip().splitlines()[-1]
    assert " passed" in summary and " failed" not in summary, summary
    assert int(summary.split(" passed")[0].split()[-1]) >= at_least, summary
    assert os.environ.get("MCDL_ISOLATION", "bubblewrap") == "bubblewrap"  # this suite's own grading: bubblewrap


@pytest.mark.slow
def test_container_mode_gives_the_verdicts_of_bubblewrap_on_every_attack():
    wrong_submission_tests_in_container_mode("trusted_check or attack_loses", at_least=9 + 27)


def loops_counted_first():
    """Per problem set, the first version of its kernels declared to break the loop rule (whose time cell
    the worker's counts fail)."""
    first = {}
    for assignment, kernel in core_kernels():
        for _, name, breaks in kernel.versions:
            if "loop" in breaks:
                first.setdefault(assignment, named(name))
    return list(first.values())


@pytest.mark.slow
def test_container_mode_gives_the_verdicts_of_bubblewrap_on_every_failing_check():
    """Container mode changes how a worker is isolated, not what a check computes: in each problem set, a
    representative of every kind of failing check (``measured``: conftest's
    ``representative_wrong_submissions``), every right answer in another form, and (in the test above)
    every attack are enough to show it gives bubblewrap's verdicts. The whole table: ``pytest -m exhaustive``."""
    chosen = representative_wrong_submissions(measured)
    chosen += [w for w in loops_counted_first() if w not in chosen]
    tests = [f"test_wrong_submission_loses_exactly_its_cells[{w.assignment}-{w.name}]" for w in chosen]
    tests += [f"test_right_answers_in_other_forms_score_full_marks[{w.assignment}-{w.name}]" for w in RIGHT_VARIANTS]
    wrong_submission_tests_in_container_mode(tests, at_least=len(tests))


@pytest.mark.slow
@pytest.mark.exhaustive
def test_container_mode_gives_the_verdicts_of_bubblewrap_on_every_wrong_submission():
    wrong_submission_tests_in_container_mode("wrong_submission_loses or other_forms", at_least=80)
