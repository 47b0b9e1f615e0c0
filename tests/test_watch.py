"""`mcdl watch`: grading on submit through a real nbgrader exchange folder.

A student fetches, submits with `nbgrader submit`, and polls `nbgrader
fetch_feedback` until the graded feedback arrives; the watch is stopped and
started again between submissions (nothing graded twice, what is new graded),
and a submission that is not a notebook costs only its own student.
"""

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_hostile_submissions import NOTEBOOK, PS01, WRONG, right, scratch_course

from autograder import course
from autograder.results import read_results
from autograder.testdata.filling import filled, reference_answers

NBGRADER = str(Path(sys.executable).parent / "nbgrader")
MCDL = str(Path(sys.executable).parent / "mcdl")
pytestmark = [pytest.mark.slow, pytest.mark.timing]  # submit to feedback within 60 s


class Exchange:
    """A course with an exchange folder in ``tmp``, and students who use it as nbgrader's students do."""

    def __init__(self, tmp):
        self.tmp, self.course, self.root = tmp, tmp / "course", tmp / "exchange"
        self.course.mkdir()
        self.root.mkdir()
        self.release = scratch_course(self.course)
        with open(self.course / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(f"\nc.Exchange.root = {str(self.root)!r}\n")
        self.nbgrader(self.course, None, "release_assignment", PS01)

    def nbgrader(self, cwd, student, *args, check=True):
        who = {name: student for name in ("USER", "LOGNAME", "USERNAME")} if student else {}
        env = {**course.tool_environment(), "HOME": str(cwd), **who}
        result = subprocess.run([NBGRADER, *args], cwd=cwd, env=env, capture_output=True, text=True)
        assert result.returncode == 0 or not check, result.stdout + result.stderr
        return result

    def home(self, student):
        home = self.tmp / student
        if not home.exists():
            home.mkdir()
            (home / "nbgrader_config.py").write_text(
                f"c = get_config()\nc.CourseDirectory.course_id = 'mcdl'\nc.Exchange.root = {str(self.root)!r}\n",
                encoding="utf-8")
            self.nbgrader(home, student, "fetch_assignment", PS01, "--student", student)
        return home

    def submit(self, student, text):
        home = self.home(student)
        (home / PS01 / NOTEBOOK).write_text(text, encoding="utf-8")
        self.nbgrader(home, student, "submit", PS01, "--student", student)
        return time.monotonic()

    def feedback(self, student):
        """The feedback pages the student has fetched so far, newest last."""
        home = self.home(student)
        fetched = self.nbgrader(home, student, "fetch_feedback", PS01, "--student", student, check=False)
        assert fetched.returncode == 0 or "not found" in fetched.stderr, fetched.stderr  # none released yet
        return sorted((home / PS01 / "feedback").glob(f"*/{PS01}.html"))

    def wait_for_feedback(self, student, count, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pages = self.feedback(student)
            if len(pages) >= count:
                return pages[-1].read_text(encoding="utf-8"), time.monotonic()
            time.sleep(0.3)
        raise AssertionError(f"no feedback number {count} for {student} within {timeout} s")


def start_watch(folder, log):
    return subprocess.Popen([MCDL, "watch", PS01, "--workers", "2", "--interval", "0.5"], cwd=folder,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
                            env=course.tool_environment())


def stop(watch):
    watch.send_signal(signal.SIGINT)
    try:
        watch.wait(timeout=60)
    except subprocess.TimeoutExpired:
        watch.kill()
        raise


def score_on(page):
    """The score a feedback page shows, as (score, max)."""
    score, maximum = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", page).groups()
    return float(score), float(maximum)


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    return Exchange(tmp_path_factory.mktemp("watch"))


def test_feedback_reaches_fetch_feedback_and_survives_restarts(exchange):
    log = exchange.tmp / "watch.log"
    watch = start_watch(exchange.course, log)
    try:
        submitted = exchange.submit("alice", json.dumps(right(exchange.release)))
        page, arrived = exchange.wait_for_feedback("alice", 1)
        first = arrived - submitted
    finally:
        stop(watch)
    score, maximum = score_on(page)
    assert score == maximum > 0
    # While the watch is stopped: alice submits a wrong version, bob something that is not a notebook.
    exchange.submit("alice", json.dumps(filled(exchange.release, {**reference_answers(PS01), **WRONG.answers})))
    exchange.submit("bob", "this is not a notebook")
    watch = start_watch(exchange.course, log)
    try:
        page, _ = exchange.wait_for_feedback("alice", 2)
        deadline = time.monotonic() + 60
        while "bob" not in read_results(exchange.course, PS01) and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        stop(watch)
    assert score_on(page)[0] < maximum
    results = read_results(exchange.course, PS01)
    assert results["alice"].score == score_on(page)[0]
    assert results["bob"].status == "rejected" and "is not a notebook" in results["bob"].error
    graded_lines = log.read_text(encoding="utf-8").count("graded, 0 failed")
    # Started again with nothing new: nothing is graded again.
    watch = start_watch(exchange.course, log)
    time.sleep(5)
    stop(watch)
    assert log.read_text(encoding="utf-8").count("graded, 0 failed") == graded_lines
    assert read_results(exchange.course, PS01)["alice"].to_dict() == results["alice"].to_dict()
    print(f"submit to feedback, ps01: {first:.1f} s")
    assert first < 60
