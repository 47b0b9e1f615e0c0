"""Grade right answers under many course secrets: a hidden check must never fail a right answer.

    python scripts/sweep_secrets.py                       # 2000 secrets for each problem set
    python scripts/sweep_secrets.py --secrets 200 ps04 ps08
    python scripts/sweep_secrets.py --json sweep.json     # also write the results as JSON

A course has one secret, from which every hidden case is drawn: if a right
answer fails a hidden check under some secret, every right answer of that
course loses the cell. For each problem set this grades the solution and the
right variants of ``autograder/testdata/correct_variants.py`` (other correct ways to write
the answers, with other rounding) under the secrets ``sweep-<i>``, calling the
checks of ``autograder.assignments.<id>`` directly, as a student's own run does
(``checks.call`` on local functions, no nbgrader, no sandbox), with
``using_secret``. It prints, per problem set, the number of secrets and
answers, every false failure (secret, answer, check, message), the run time,
and the worst margin of each check: the largest ratio of error to allowed
error that a right answer reached (``checks.recording_margins``; 1 would
fail).

Budget checks (time and memory) are skipped: their verdicts do not depend on
the hidden values, and the portability benchmark
(``scripts/benchmark_budgets.py --portability``) covers them.

The work is shared by at most two processes (the machine's cores are shared),
run at nice 10 with one BLAS thread each. Exit status 1 if there is any false failure.
"""

import argparse
import contextlib
import importlib
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path

from threadpoolctl import threadpool_limits

from autograder import checks, course, notebooks
from autograder.assignments import using_secret
from autograder.testdata.correct_variants import CORRECT_VARIANTS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRETS = 2000
MAX_PROCESSES = 2
CHUNK = 50  # secrets per task
NICENESS = 10


def secret_names(start, count):
    return [f"sweep-{i}" for i in range(start, start + count)]


def source_notebook(assignment):
    return ROOT / "solutions" / assignment / f"{assignment}.ipynb"


def graded_checks(assignment):
    """[(check name, graded function name)] of the notebook's graded test cells, budget checks left out."""
    module = importlib.import_module(f"autograder.assignments.{assignment}")
    notebook = notebooks.load(source_notebook(assignment))
    functions = list(notebooks.answer_cells(notebook))
    found = []
    for cell in notebook["cells"]:
        meta = notebooks.nbgrader_meta(cell)
        if not meta.get("grade"):
            continue
        name = meta["grade_id"].removeprefix("test_")
        if getattr(getattr(module, name), "is_budget_check", False):
            continue
        found.append((name, max((f for f in functions if name.startswith(f + "_")), key=len)))
    return found


def answers(assignment):
    """{answer name: namespace of its functions}: the solution, then each right variant."""
    result = {"solution": notebooks.answer_namespace(source_notebook(assignment))}
    for name, cells in CORRECT_VARIANTS.get(assignment, {}).items():
        # a fresh namespace: the reference functions left in it call the variant's
        namespace = notebooks.answer_namespace(source_notebook(assignment))
        for code in cells.values():
            exec(compile(code, f"{assignment}:{name}", "exec"), namespace)
        result[name] = namespace
    return result


@dataclass
class Sweep:
    """What one problem set's sweep found.

    failures: [(secret, answer, check, message)].
    margins: {(check, kind): (worst ratio, secret, answer)}; kinds as in checks.recording_margins.
    """

    assignment: str
    secrets: int = 0
    answers: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    margins: dict = field(default_factory=dict)
    seconds: float = 0.0

    def merge(self, other):
        self.secrets += other.secrets
        self.answers = other.answers
        self.failures += other.failures
        self.seconds += other.seconds
        for key, worst in other.margins.items():
            if key not in self.margins or worst[0] > self.margins[key][0]:
                self.margins[key] = worst


def sweep(assignment, secrets):
    """Grade every right answer of ``assignment`` under each of ``secrets`` (in this process)."""
    module = importlib.import_module(f"autograder.assignments.{assignment}")
    graded = graded_checks(assignment)
    namespaces = answers(assignment)
    result = Sweep(assignment, len(secrets), list(namespaces))
    started = time.process_time()
    for secret in secrets:
        with using_secret(secret):
            for answer, namespace in namespaces.items():
                for check_name, function in graded:
                    with checks.recording_margins() as margins:
                        try:
                            getattr(module, check_name)(namespace[function])
                        except checks.GradingFailure as failure:
                            result.failures.append((secret, answer, check_name, str(failure)))
                    for kind, ratio in margins:
                        key = (check_name, kind)
                        if key not in result.margins or ratio > result.margins[key][0]:
                            result.margins[key] = (ratio, secret, answer)
    result.seconds = time.process_time() - started
    return result


def _task(job):
    assignment, secrets = job
    return sweep(assignment, secrets)


def _nice():
    """Run at nice 10 (not more: the sweep is long) with one BLAS thread (the matrices are small)."""
    os.nice(max(0, NICENESS - os.nice(0)))
    threadpool_limits(1)


def sweep_all(assignments, secrets, processes=MAX_PROCESSES, done=None):
    """{assignment: Sweep} over ``secrets``, in at most ``processes`` (<= 2) processes at nice 10.

    Sweep.seconds is the CPU time summed over the processes. ``done(sweep)``, if
    given, is called as each problem set is finished, in order.
    """
    processes = max(1, min(processes, MAX_PROCESSES))
    results = {a: Sweep(a) for a in assignments}
    jobs = [(a, secrets[i:i + CHUNK]) for a in assignments for i in range(0, len(secrets), CHUNK)]
    remaining = {a: sum(job[0] == a for job in jobs) for a in assignments}
    with contextlib.ExitStack() as stack:
        if processes == 1:
            parts = map(_task, jobs)
        else:
            parts = stack.enter_context(Pool(processes, initializer=_nice)).imap(_task, jobs)
        for part in parts:
            results[part.assignment].merge(part)
            remaining[part.assignment] -= 1
            if done and not remaining[part.assignment]:
                done(results[part.assignment])
    return results


def report(result, wall=None):
    """Lines describing one problem set's sweep."""
    lines = [f"{result.assignment}: {result.secrets} secrets x {len(result.answers)} right answers "
             f"({', '.join(result.answers)}); false failures: {len(result.failures)}; CPU {result.seconds:.0f} s"
             + (f" (done {wall:.0f} s into the run)" if wall is not None else "")]
    for secret, answer, check, message in result.failures:
        lines.append(f"  FALSE FAILURE under secret {secret!r}, {answer}, {check}: {message}")
    lines.append("  worst margin (error / allowed; 1 fails):")
    by_check = defaultdict(list)
    for (check, kind), (ratio, secret, answer) in sorted(result.margins.items()):
        by_check[check].append(f"{kind} {ratio:.3g} ({secret}, {answer})")
    for check, worst in by_check.items():
        lines.append(f"    {check}: {'; '.join(worst)}")
    return lines


def as_json(result, wall=None):
    return {
        "secrets": result.secrets, "answers": result.answers, "cpu_seconds": round(result.seconds, 1),
        "wall_seconds": None if wall is None else round(wall, 1),
        "false_failures": [dict(zip(("secret", "answer", "check", "message"), f, strict=True))
                           for f in result.failures],
        "worst_margins": {f"{check} {kind}": {"ratio": ratio, "secret": secret, "answer": answer}
                          for (check, kind), (ratio, secret, answer) in sorted(result.margins.items())},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="problem sets (ids or prefixes such as ps04); default all")
    parser.add_argument("--secrets", type=int, default=DEFAULT_SECRETS)
    parser.add_argument("--start", type=int, default=0, help="first secret index (secrets are sweep-<i>)")
    parser.add_argument("--processes", type=int, default=MAX_PROCESSES)
    parser.add_argument("--json", type=Path, help="write the results to this file")
    options = parser.parse_args(argv)
    every = course.assignments(ROOT)
    chosen = [a for p in options.assignments or [""] for a in every if a.startswith(p)]  # in the order given
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        parser.error(f"no problem set matches {options.assignments}; they are {', '.join(every)}")
    _nice()
    started, finished = time.monotonic(), {}

    def done(result):
        wall = time.monotonic() - started
        print("\n".join(report(result, wall)), flush=True)
        finished[result.assignment] = as_json(result, wall)
        if options.json:
            options.json.write_text(json.dumps(finished, indent=1) + "\n")

    results = sweep_all(chosen, secret_names(options.start, options.secrets), options.processes, done)
    print(f"total: {time.monotonic() - started:.0f} s wall, "
          f"{sum(len(r.failures) for r in results.values())} false failures")
    return 1 if any(r.failures for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
