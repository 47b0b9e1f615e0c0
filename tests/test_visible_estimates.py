"""A student's own estimate of a time ratio does not depend on the machine's state.

Without the reference kernel, a student's run estimates each time ratio from
the kernel's floor (``budgets.estimated_ratio``). The estimate must give the
same verdict with any number of BLAS threads, under any BLAS kernel, beside a
competing process and inside the grading sandbox. Every version of
autograder/testdata/ (the right variants too: einsum without optimize among
them) is checked in those settings, each in a fresh process: the reference and
the versions fast enough estimate within the limit over 1.5 (so they get no
warning; in the sandbox, within the failing estimate over 1.5), and the
versions that lose only budget points, time among them, either break the loop
rule (a count, not a time: ``budgets.LoopRule``) or estimate beyond 1.15 times
the estimate at which the visible test fails.
"""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from autograder.budgets import VISIBLE_MARGIN

# Three fresh processes time every version; the competing process is the load they are checked under.
pytestmark = [pytest.mark.slow, pytest.mark.timing]

PROBE = r"""
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
from autograder.testdata import RIGHT_VARIANTS, WRONG_SUBMISSIONS
from autograder import budgets, notebooks
from autograder.checks import GradingFailure
from autograder.sandbox.remote import Sandbox

inside_sandbox = sys.argv[2] == "sandbox"
out = []
for assignment in sorted({w.assignment for w in WRONG_SUBMISSIONS}):
    module = importlib.import_module(f"autograder.assignments.{assignment}")
    source = f"solutions/{assignment}/{assignment}.ipynb"
    cells = notebooks.answer_cells(notebooks.load(source))
    for check_name in [n for n in dir(module) if n.endswith("_time_budget")]:
        function = check_name.removesuffix("_time_budget")
        versions = [("reference", {}, False)] + [
            (w.name, w.answers, f"test_{check_name}" in w.fails and all("_budget" in t for t in w.fails))
            for w in WRONG_SUBMISSIONS + RIGHT_VARIANTS
            if w.assignment == assignment and function in w.answers and not w.past_the_call_limit]
        for label, answers, slow in versions:
            if inside_sandbox and label != "reference" and not slow:
                continue  # in the sandbox the reference and the slow versions are enough
            if inside_sandbox:
                box = Sandbox({**cells, **answers}, call_seconds=30)
                func = box.function(function)
            else:
                box, space = None, notebooks.answer_namespace(source)
                for code in answers.values():
                    exec(code, space)
                func = space[function]
            failure = None
            try:
                with budgets.recording() as record:
                    try:
                        getattr(module, check_name)(func, case="visible")
                    except GradingFailure as caught:
                        failure = str(caught)
            finally:
                if box:
                    box.close()
            measured = [record["measured"], record["limit"]] if record else [None, failure]
            loop = failure is not None and "runs Python code for each" in failure
            out.append([check_name, label, slow, *measured, loop])
print(json.dumps(out))
"""

# The sandbox is checked beside a competing process only: alone, the same run has no load to resist.
SETTINGS = {
    "two-threads-competing": ({}, True, "local"),
    "haswell-one-thread": ({"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "1"}, False, "local"),
    "sandbox-competing": ({}, True, "sandbox"),
}


@pytest.fixture(scope="module", params=SETTINGS, ids=str)
def estimates(request):
    variables, competing, where = SETTINGS[request.param]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")} | variables
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if competing else None
    try:
        done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "tests"), where], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=900)
    finally:
        if hog:
            hog.kill()
            hog.wait()
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_every_time_budget_and_its_slow_versions_are_estimated(estimates):
    unmeasured = [(check, label, failure) for check, label, _, measured, failure, loop in estimates
                  if measured is None and not loop]
    assert unmeasured == []
    checks = {check for check, *_ in estimates}
    assert len(checks) == 7, checks
    for check in checks:
        assert any(c == check and label == "reference" for c, label, *_ in estimates), check
        assert any(c == check and slow for c, _, slow, *_ in estimates), f"no version of {check} is too slow"


def test_reference_and_versions_fast_enough_estimate_well_within_the_limit(estimates, request):
    # A student's run warns above the limit, so there the estimate stays within the limit over 1.5. In the
    # sandbox, whose young worker pays page faults a student's process has long paid, it only has to pass.
    margin = VISIBLE_MARGIN * 1.5 if "sandbox" not in request.node.callspec.id else 1.5
    too_high = [(check, label, measured if loop else round(measured, 2))
                for check, label, slow, measured, fails_above, loop in estimates
                if not slow and (loop or measured > fails_above / margin)]
    assert too_high == []


# A version that only time fails must estimate this far past the failing point.
SLOW_MARGIN = 1.15


def test_too_slow_versions_break_the_loop_rule_or_estimate_past_where_the_visible_test_fails(estimates):
    too_low = [(check, label, round(measured, 2)) for check, label, slow, measured, fails_above, loop in estimates
               if slow and not loop and measured < SLOW_MARGIN * fails_above]
    assert too_low == []
