"""`mcdl grade --workers 2` with answers that attack the grader's memory.

A scratch course of 2 right ps01 submissions and 2 whose answers return 1 GiB
of booleans or a reply claiming 256 MiB of JSON, beside one of 4 right ones:
the attacks may cost no grading process (the `mcdl grade` started here and its
helpers) more than 100 MB over the right course's largest, everybody else is
graded in full, and the attackers lose only their own cells, each told the
value is too large. Peak memory is not a time: these batches run beside other
tests, whose processes are not counted.
"""

import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from batch_courses import PS01, course_with, right_scores_in_full
from test_pipeline import cell_scores

from autograder import course
from autograder.testdata import claims_a_huge_reply, returns_a_gigabyte

pytestmark = pytest.mark.slow  # two batches through mcdl grade

MEMORY_ATTACKS = {
    "gigabyte": {"numerical_gradient": returns_a_gigabyte("numerical_gradient(f, X, h=1e-6)")},
    "huge_reply": {"relative_error": claims_a_huge_reply("relative_error(A, B)", "0.0")},
}
SIZE = 4


def _parent(pid):
    match = re.search(r"^PPid:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(match[1]) if match else 0


# The grading processes: `mcdl grade` and its helpers (not the sandboxes' workers, where student code runs).
GRADING = re.compile(rb"autograder\.batch import serve|mcdl\x00grade")


class PeakMemory(threading.Thread):
    """Polls the peak resident size (VmHWM) of the grading processes descending from process ``root``
    until ``done`` is set; ``largest_mb()`` is the largest."""

    def __init__(self, root):
        super().__init__(daemon=True)
        self.root, self.peaks, self.done = root, {}, threading.Event()

    def descends_from_root(self, pid):
        while pid > 1:
            if pid == self.root:
                return True
            pid = _parent(pid)
        return False

    def run(self):
        while not self.done.wait(0.1):
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    cmdline = (status.parent / "cmdline").read_bytes()
                    if not GRADING.search(cmdline) or not self.descends_from_root(int(status.parent.name)):
                        continue
                    peak = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
                except (OSError, ValueError):  # the process ended meanwhile
                    continue
                if peak:
                    self.peaks[status.parent.name] = max(self.peaks.get(status.parent.name, 0), int(peak[1]))

    def largest_mb(self):
        return max(self.peaks.values()) / 1024


def largest_grading_process_mb(folder):
    """`mcdl grade --workers 2` in ``folder``; the largest peak resident size of it and its helpers, in MB."""
    command = [str(Path(sys.executable).parent / "mcdl"), "grade", PS01, "--workers", "2"]
    run = subprocess.Popen(command, cwd=folder, env=course.tool_environment(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    monitor = PeakMemory(run.pid)
    monitor.start()
    stdout, stderr = run.communicate(timeout=900)
    monitor.done.set()
    monitor.join()
    assert run.returncode == 0, stdout + stderr
    return monitor.largest_mb()


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    courses = {"right": course_with(tmp_path_factory.mktemp("right") / "course", {}, SIZE),
               "memory": course_with(tmp_path_factory.mktemp("memory") / "course", MEMORY_ATTACKS, SIZE)}
    return courses, {name: largest_grading_process_mb(folder) for name, folder in courses.items()}


def test_gigabyte_answers_cost_only_their_own_cells_and_no_grader_memory(batches):
    courses, largest = batches
    print({name: f"largest grading process {mb:.0f} MB" for name, mb in largest.items()})
    assert len(largest) == 2 and largest["right"] > 50  # the monitor saw the grading processes
    assert largest["memory"] < largest["right"] + 100, largest
    results = right_scores_in_full(courses["memory"])
    for student, lost in (("gigabyte", "test_numerical_gradient"), ("huge_reply", "test_relative_error")):
        scores = cell_scores({PS01: courses["memory"]}, PS01, student)
        failed = {cell for cell, (score, maximum) in scores.items() if score < maximum}
        assert failed and all(cell.startswith(lost) for cell in failed), scores
        assert results[student].score > 0
        assert all("too large" in results[student].verdicts[cell].message for cell in failed)
