"""`mcdl grade --workers 2` with submissions that attack the class's time.

Two scratch courses of 20 ps01 submissions each: 20 right ones; 18 right ones
and 2 whose every function sleeps 29 s (under the 30 s call limit). The
sleepers may cost the batch at most half of its time; everybody else is graded
in full, and the sleepers lose only their own cells. The attacks on the
grader's memory: tests/test_batch_memory.py. Slow: two batches of 20, while
no other test runs.
"""

import re
import threading
import time
from pathlib import Path

import pytest
from batch_courses import PS01, mcdl, released_course
from test_pipeline import cell_scores

from autograder.results import read_results
from autograder.testdata import sleeping
from autograder.testdata.filling import filled, reference_answers, submit

# The sleepers' batch is timed against the right one's: no other test may run meanwhile.
pytestmark = [pytest.mark.slow, pytest.mark.timing, pytest.mark.alone]

def scratch_course(folder, attackers, size=20):
    """A course with ps01 released, ``size`` - len(attackers) right submissions and the attackers'."""
    release = released_course(folder)
    reference = reference_answers(PS01)
    for index in range(size - len(attackers)):
        submit(folder, f"right_{index:02d}", PS01, filled(release, reference))
    for student, answers in attackers.items():
        submit(folder, student, PS01, filled(release, {**reference, **answers}))
    return folder


class PeakMemory(threading.Thread):
    """Polls the peak resident size (VmHWM) of the grading processes: `mcdl` and its helpers."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peaks, self.done = {}, threading.Event()

    def run(self):
        while not self.done.wait(0.1):
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    cmdline = (status.parent / "cmdline").read_bytes()
                    if b"autograder.batch import serve" not in cmdline and b"mcdl\x00grade" not in cmdline:
                        continue
                    peak = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
                except OSError:
                    continue
                if peak:
                    self.peaks[status.parent.name] = max(self.peaks.get(status.parent.name, 0), int(peak[1]))

    def largest_mb(self):
        return max(self.peaks.values()) / 1024


def graded(folder):
    """Seconds `mcdl grade --workers 2` took, and the largest grading process's peak in MB."""
    monitor = PeakMemory()
    monitor.start()
    started = time.monotonic()
    mcdl(folder, "grade", PS01, "--workers", "2")
    seconds = time.monotonic() - started
    monitor.done.set()
    monitor.join()
    return seconds, monitor.largest_mb()


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    reference = reference_answers(PS01)
    courses = {
        "right": scratch_course(tmp_path_factory.mktemp("right") / "course", {}),
        "sleepers": scratch_course(tmp_path_factory.mktemp("sleepers") / "course",
                                   {f"sleeper_{i}": sleeping(reference) for i in range(2)}),
    }
    measured = {name: graded(folder) for name, folder in courses.items()}
    print({name: f"{seconds:.0f} s, largest grading process {mb:.0f} MB" for name, (seconds, mb) in measured.items()})
    return courses, measured


def right_scores_in_full(folder):
    results = read_results(folder, PS01)
    right = [s for s in results if s.startswith("right_")]
    assert right and all(results[s].score == results[s].max_score for s in right)
    assert len(right) == len(list((folder / "submitted").glob("right_*")))
    return results


def test_two_sleepers_cost_the_batch_less_than_half_its_time(batches):
    # Sleeping is idle time, which a notebook may spend only briefly (its idle budget, a few
    # seconds for ps01), so two sleepers among 20 cost the batch little, not 29 s per call.
    courses, measured = batches
    assert measured["sleepers"][0] < 1.5 * measured["right"][0], measured
    results = right_scores_in_full(courses["sleepers"])
    for student in ("sleeper_0", "sleeper_1"):
        assert results[student].score == 0
        assert {v.kind for v in results[student].verdicts.values()} == {"sandbox"}
        scores = cell_scores({PS01: courses["sleepers"]}, PS01, student)
        assert scores and all(score == 0 for score, _ in scores.values())
        page = next((courses["sleepers"] / "feedback" / student / PS01).glob("*.html")).read_text()
        assert "stopped: this notebook's code waited (time.sleep or a blocking" in page
