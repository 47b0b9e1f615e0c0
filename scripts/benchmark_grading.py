"""Wall time and CPU per notebook: serial `nbgrader autograde` against `mcdl grade` with 1 and 2 workers.

For each problem set (default: ps03 and ps08) a scratch course gets a batch of
submissions (the reference answers and the wrong submissions of
autograder/testdata/, in turn), then each way of grading runs on its own fresh
copy of it, one after the other, in this process's children: CPU is the user
plus system time of the command and everything it waited for (grading
helpers, sandboxes). Run it on a quiet machine:

    python scripts/benchmark_grading.py [--students 20] [--assignments ps03_softmax_cross_entropy ...]
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("MCDL_COURSE_SECRET", "benchmark-secret")

from autograder import course, notebooks  # noqa: E402
from autograder.testdata import by_assignment  # noqa: E402
from autograder.testdata.filling import filled, reference_answers, submit  # noqa: E402

DEFAULT = ["ps03_softmax_cross_entropy", "ps08_matrix_factorization"]


def make_batch(folder, assignment, count):
    shutil.copytree(ROOT / "solutions" / assignment, folder / "solutions" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    course.run_nbgrader(folder, "generate_assignment", assignment, "--force")
    release = notebooks.load(folder / "exercises" / assignment / f"{assignment}.ipynb")
    reference = reference_answers(assignment)
    variants = [{}] + [w.answers for w in by_assignment(assignment)]
    for index in range(count):
        answers = {**reference, **variants[index % len(variants)]}
        submit(folder, f"student_{index:03d}", assignment, filled(release, answers))


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command, folder):
    cpu, started = children_cpu(), time.perf_counter()
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=course.tool_environment())
    wall = time.perf_counter() - started
    if result.returncode not in (0, 1):  # mcdl grade exits 1 when a submission failed
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return wall, children_cpu() - cpu


def scores(folder, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        return {(s.student.id, g.name): g.score for s in gradebook.assignment_submissions(assignment)
                for n in s.notebooks for g in n.grades}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--assignments", nargs="+", default=DEFAULT)
    args = parser.parse_args()
    mcdl = str(Path(sys.executable).parent / "mcdl")
    ways = {
        "nbgrader autograde (serial)": lambda a: [sys.executable, "-m", "nbgrader", "autograde", a, "--force"],
        "mcdl grade --workers 1": lambda a: [mcdl, "grade", a, "--workers", "1", "--force"],
        "mcdl grade --workers 2": lambda a: [mcdl, "grade", a, "--workers", "2", "--force"],
    }
    rows = []
    for assignment in args.assignments:
        scratch = Path(tempfile.mkdtemp(prefix="mcdl-benchmark-"))
        try:
            make_batch(scratch / "template", assignment, args.students)
            graded = {}
            for name, command in ways.items():
                folder = scratch / name.replace(" ", "_").replace("(", "").replace(")", "")
                shutil.copytree(scratch / "template", folder)
                wall, cpu = timed(command(assignment), folder)
                graded[name] = scores(folder, assignment)
                rows.append((assignment, name, wall / args.students, cpu / args.students, wall))
                print(f"{assignment}  {name}: {wall:.1f} s", file=sys.stderr, flush=True)
            same = all(g == graded["nbgrader autograde (serial)"] for g in graded.values())
            print(f"{assignment}: per-cell scores identical across the three ways: {same}", file=sys.stderr)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n{args.students} submissions per problem set, {os.cpu_count()} cores\n")
    print("| problem set | grading | wall s / notebook | CPU s / notebook | batch wall s | speed-up |")
    print("|---|---|---|---|---|---|")
    for assignment, name, wall, cpu, total in rows:
        serial = next(r[4] for r in rows if r[0] == assignment and r[1].startswith("nbgrader"))
        print(f"| {assignment} | {name} | {wall:.2f} | {cpu:.2f} | {total:.1f} | {serial / total:.2f} |")


if __name__ == "__main__":
    main()
