"""Budget verdicts do not depend on the BLAS kernel the grading machine picks.

Every core kernel's declaration (``budgets.CoreKernel``) is graded, in the real
sandbox, under OpenBLAS's default kernel for this CPU, its Haswell kernel and,
where the CPU has AVX-512, its SkylakeX kernel (each in a fresh process, since
OpenBLAS picks its kernel when it loads): the reference must stay within half
of each memory limit and the versions declared to break it beyond 1.5 times
it; the loop rule must break exactly for the versions declared to, with the
same counts under every kernel; and np.einsum without optimize, which runs no
BLAS, must stay within its time limit over 1.5 where the reference stays
within half of it. ``scripts/benchmark_budgets.py --portability`` gives the
full table (threads, load, every version's time).
"""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, TEST_SECRET

pytestmark = [pytest.mark.slow, pytest.mark.timing]  # every kernel's versions graded under each BLAS kernel

PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from autograder.testdata import RIGHT_VARIANTS, WRONG_SUBMISSIONS
from autograder import budgets, notebooks
from autograder.assignments import core_kernels, using_secret
from autograder.sandbox.remote import Sandbox

CODE = {w.name: w.answers for w in WRONG_SUBMISSIONS + RIGHT_VARIANTS}
out = {"memory": {}, "loop": {}, "time": {}}
with using_secret(sys.argv[2]):
    for assignment, kernel in core_kernels():
        cells = notebooks.answer_cells(notebooks.load(f"solutions/{assignment}/{assignment}.ipynb"))
        function = kernel.function
        rule = kernel.time.loop_rule if kernel.time else None
        reference = Sandbox(cells)
        try:
            for label, name, breaks in [("reference", None, ()), *kernel.versions]:
                box = Sandbox({**cells, **(CODE[name] if name else {})})
                try:
                    key = f"{function} {label}"
                    if kernel.memory and (name is None or "memory" in breaks):
                        args = kernel.memory_inputs()
                        out["memory"][key] = [budgets.memory_used(box.function(function), args, kernel.memory,
                                                                  kernel.unit_bytes(args), name=function)[0],
                                              kernel.memory.multiple + kernel.memory.tolerance, sorted(breaks)]
                    if rule:
                        counted = budgets.loop_counts_of(box.function(function), rule, kernel.arguments,
                                                         name=function)
                        out["loop"][key] = [counted, sum(budgets.loop_growth(counted).values()) < rule.per_element,
                                            sorted(breaks)]
                    if kernel.time and (name is None or "einsum" in label):
                        ratio = budgets.time_ratio(box.function(function), reference.function(function),
                                                   kernel.arguments, 5, name=function)[0]
                        out["time"][key] = [ratio, kernel.time.ratio, label]
                finally:
                    box.close()
        finally:
            reference.close()
print(json.dumps(out))
"""


def _kernels():
    with open("/proc/cpuinfo") as info:
        avx512 = " avx512f" in info.read()
    return ["", "Haswell"] + (["SkylakeX"] if avx512 else [])


@pytest.fixture(scope="module")
def measured_by_kernel():
    """{BLAS kernel: the probe's measurements}, each in a fresh process."""
    measured = {}
    for kernel in _kernels():
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        if kernel:
            env["OPENBLAS_CORETYPE"] = kernel
        done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "tests"), TEST_SECRET], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, done.stderr[-3000:]
        measured[kernel or "default"] = json.loads(done.stdout.splitlines()[-1])
    return measured


def test_memory_verdicts_hold_under_every_blas_kernel(measured_by_kernel):
    near = []
    for kernel, measured in measured_by_kernel.items():
        assert len(measured["memory"]) >= 14, sorted(measured["memory"])  # 7 kernels: the reference and a breaker
        for key, (used, limit, breaks) in measured["memory"].items():
            if ("memory" in breaks and used < 1.5 * limit) or (not breaks and used > limit / 2):
                near.append((kernel, key, round(used, 3), limit))
    assert near == []


def test_the_loop_rule_breaks_exactly_for_the_loops_with_the_same_counts_everywhere(measured_by_kernel):
    first = next(iter(measured_by_kernel.values()))["loop"]
    assert sum("loop" in breaks for _, _, breaks in first.values()) >= 8
    wrong = [(key, keeps) for key, (_, keeps, breaks) in first.items() if keeps == ("loop" in breaks)]
    assert wrong == []
    for kernel, measured in measured_by_kernel.items():
        assert {k: v[0] for k, v in measured["loop"].items()} == {k: v[0] for k, v in first.items()}, kernel


def test_einsum_without_optimize_keeps_the_time_budget_with_margin(measured_by_kernel):
    near = []
    for kernel, measured in measured_by_kernel.items():
        assert any(label == "einsum without optimize" for *_, label in measured["time"].values())
        for key, (ratio, limit, label) in measured["time"].items():
            if ratio > (limit / 2 if label == "reference" else limit / 1.5):
                near.append((kernel, key, round(ratio, 2), limit))
    assert near == []
