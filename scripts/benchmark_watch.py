"""How fast `mcdl watch` gets a student's feedback back, through a real nbgrader exchange.

    python scripts/benchmark_watch.py [--burst 30] [ps01_gradient_checking ps08_matrix_factorization ...]

For each problem set: a scratch course with its own exchange folder, `mcdl
watch` running with two workers, then one student's `nbgrader submit` of the
reference answers, timed until that student's `nbgrader fetch_feedback` finds
the graded page (median of --repeat submissions). Then a burst: --burst
students submit at once (8 `nbgrader submit` commands at a time, on the same
machine as the grader, as on a JupyterHub), and the time until the last of them has feedback
(read from the watch's state: feedback released to the exchange) gives the
throughput. Run it on a quiet machine.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import course, notebooks  # noqa: E402

BIN = Path(sys.executable).parent
SUBMITTING_AT_ONCE = 8  # `nbgrader submit` commands of a burst running at once


def nbgrader(cwd, student, *args, check=True):
    env = {**course.tool_environment(), "HOME": str(cwd)}
    result = subprocess.run([str(BIN / "nbgrader"), *args, *(["--student", student] if student else [])],
                            cwd=cwd, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(result.stdout + result.stderr)
    return result


def answered(release_path, source_path):
    """The release notebook with the reference answers in its answer cells."""
    release = notebooks.load(release_path)
    reference = notebooks.answer_cells(notebooks.load(source_path))
    for cell in release["cells"]:
        grade_id = notebooks.nbgrader_meta(cell).get("grade_id")
        if notebooks.nbgrader_meta(cell).get("solution") and grade_id in reference:
            lines = [line for line in reference[grade_id].splitlines(keepends=True) if "### " not in line]
            cell["source"] = "".join(lines)
    return json.dumps(release)


class Course:
    def __init__(self, folder, assignment):
        self.folder, self.assignment = folder, assignment
        self.course, self.exchange = folder / "course", folder / "exchange"
        shutil.copytree(ROOT / "solutions" / assignment, self.course / "solutions" / assignment)
        shutil.copy(ROOT / "nbgrader_config.py", self.course)
        with open(self.course / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(f"\nc.Exchange.root = {str(self.exchange)!r}\n")
        self.exchange.mkdir()
        (self.course / ".mcdl_secret").write_text(os.urandom(16).hex(), encoding="utf-8")
        course.run_nbgrader(self.course, "generate_assignment", assignment, "--force")
        nbgrader(self.course, None, "release_assignment", assignment)
        self.text = answered(self.course / "exercises" / assignment / f"{assignment}.ipynb",
                             self.course / "solutions" / assignment / f"{assignment}.ipynb")

    def home(self, student):
        home = self.folder / "students" / student
        if not home.exists():
            home.mkdir(parents=True)
            (home / "nbgrader_config.py").write_text(
                f"c = get_config()\nc.CourseDirectory.course_id = 'mcdl'\nc.Exchange.root = {str(self.exchange)!r}\n",
                encoding="utf-8")
            nbgrader(home, student, "fetch_assignment", self.assignment)
        return home

    def submit(self, student):
        home = self.home(student)
        (home / self.assignment / f"{self.assignment}.ipynb").write_text(self.text, encoding="utf-8")
        nbgrader(home, student, "submit", self.assignment)

    def released(self):
        """The students whose feedback the watch has released (its state file)."""
        try:
            state = json.loads((self.course / "results" / self.assignment / "watch" / "state.json").read_text())
        except (OSError, ValueError):
            return set()
        return set(state.get("released", {}))

    def feedback_count(self, student):
        home = self.home(student)
        nbgrader(home, student, "fetch_feedback", self.assignment, check=False)
        return len(list((home / self.assignment / "feedback").glob("*/*.html")))


def wait_until(condition, timeout=900):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("no feedback in time")
        time.sleep(0.2)
    return time.monotonic()


def measure(assignment, repeat, burst):
    with tempfile.TemporaryDirectory(prefix="mcdl-watch-bench-") as scratch:
        lab = Course(Path(scratch), assignment)
        students = [f"s{i:02d}" for i in range(burst)]
        for student in students + ["single"]:
            lab.home(student)
        watch = subprocess.Popen([str(BIN / "mcdl"), "watch", assignment, "--workers", "2", "--interval", "0.5"],
                                 cwd=lab.course, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=course.tool_environment())
        try:
            time.sleep(5)  # the watch's helpers start
            singles = []
            for index in range(repeat):
                lab.submit("single")
                started = time.monotonic()
                singles.append(wait_until(lambda i=index: lab.feedback_count("single") > i) - started)
                time.sleep(1.1)  # nbgrader's submission timestamps must differ
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=SUBMITTING_AT_ONCE) as pool:  # students on their own machines
                list(pool.map(lab.submit, students))
            submitted = time.monotonic() - started
            finished = wait_until(lambda: set(students) <= lab.released())
        finally:
            watch.send_signal(signal.SIGINT)
            watch.wait(timeout=120)
        return singles, submitted, finished - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignments", nargs="*", default=["ps01_gradient_checking", "ps08_matrix_factorization"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--burst", type=int, default=30)
    args = parser.parse_args()
    for assignment in args.assignments:
        singles, submitting, total = measure(assignment, args.repeat, args.burst)
        print(f"{assignment}: submit to feedback {statistics.median(singles):.1f} s median "
              f"({', '.join(f'{s:.1f}' for s in singles)}); burst of {args.burst}: all feedback "
              f"{total:.0f} s after the first submit (submitting took {submitting:.0f} s), "
              f"{args.burst / total * 60:.1f} submissions per minute", flush=True)


if __name__ == "__main__":
    main()
