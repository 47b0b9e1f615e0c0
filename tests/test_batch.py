"""`mcdl grade` against serial `nbgrader autograde`, locally and on a real Dask cluster.

One batch of 12 ps01 submissions (right, blank and wrong ones) is graded three
ways in three copies of one scratch course: `nbgrader autograde`, `mcdl grade
--workers 2`, and `mcdl grade --scheduler` against a `dask scheduler` with two
`dask worker` processes on 127.0.0.1. Every cell must get the same score each
way. The `--workers 2` copy also holds a submission that is not a notebook
(it must fail alone, named in the summary) and one collected after grading.
"""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_courses import (
    AGAIN,
    BATCH_SIZE,
    BLANK_COUNT,
    BROKEN,
    LATE,
    LOCAL_RUN,
    PS01,
    RIGHT_COUNT,
    WRONG,
    copy_of,
    mcdl,
    students_of,
)
from test_pipeline import cell_scores

from autograder import batch, course
from autograder.results import read_results


def all_scores(folder, students):
    return {student: cell_scores({PS01: folder}, PS01, student) for student in students}


def test_the_batch_has_right_blank_and_wrong_submissions(serial_course):
    students = students_of(serial_course)
    assert len(students) == BATCH_SIZE
    totals = {s: sum(score for score, _ in cells.values()) for s, cells in all_scores(serial_course, students).items()}
    maximum = max(totals.values())
    assert sum(t == maximum for t in totals.values()) == RIGHT_COUNT
    assert sum(t == 0 for t in totals.values()) == BLANK_COUNT
    assert sum(0 < t < maximum for t in totals.values()) == len(WRONG) + len(AGAIN)


def test_local_workers_give_the_scores_of_serial_nbgrader(serial_course, local_course):
    students = students_of(serial_course)
    assert all_scores(local_course, students) == all_scores(serial_course, students)


def test_dask_cluster_gives_the_scores_of_serial_nbgrader(serial_course, dask_course):
    students = students_of(serial_course)
    assert all_scores(dask_course, students) == all_scores(serial_course, students)


@pytest.mark.parametrize("route", ["local_course", "dask_course"])
def test_feedback_and_grades_csv_for_every_student(route, request, serial_course):
    folder = request.getfixturevalue(route)
    students = students_of(serial_course)
    for student in students:
        page = folder / "feedback" / student / PS01 / f"{PS01}.html"
        assert page.is_file(), student
        assert (folder / "autograded" / student / PS01 / f"{PS01}.ipynb").is_file()
    with open(folder / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file) if row["assignment"] == PS01}
    expected = all_scores(serial_course, students)
    assert set(students) <= set(rows)
    for student in students:
        assert float(rows[student]["score"]) == sum(score for score, _ in expected[student].values())


def test_a_broken_submission_fails_alone_and_is_named(local_course):
    run = LOCAL_RUN["result"]
    assert run.returncode == 0  # a student's garbage is that student's result, not a failure of the run
    summary = run.stdout
    assert f"NOT GRADED {BROKEN}: not graded: {PS01}.ipynb is not a notebook" in summary
    assert f"{BATCH_SIZE} graded, 0 failed, 1 not graded" in summary
    assert "Slowest:" in summary
    # Progress: count, rate, time left; the upload refused first.
    assert "left" in run.stderr and f"/{BATCH_SIZE}" in run.stderr
    results = read_results(local_course, PS01)
    assert results[BROKEN].status == "rejected" and results[BROKEN].error
    assert not (local_course / "autograded" / BROKEN).exists()


def test_feedback_renders_equations_offline(local_course):
    """The feedback page loads MathJax from its own folder, not a CDN, and typesets with no network."""
    from playwright.sync_api import sync_playwright

    folder = local_course / "feedback" / f"{WRONG[0].name}_a" / PS01
    page_text = (folder / f"{PS01}.html").read_text(encoding="utf-8")
    assert '<script src="mathjax/tex-svg.js"' in page_text and "MathJax.Hub" not in page_text
    assert "2.7.7" not in page_text  # nbgrader's MathJax 2 from a CDN is gone
    assert (folder / "mathjax" / "tex-svg.js").stat().st_size > 1_000_000
    requests = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.route("http*://**", lambda route: route.abort())
        page.goto((folder / f"{PS01}.html").as_uri())
        page.wait_for_function("document.querySelectorAll('mjx-container').length > 0", timeout=20_000)
        typeset = page.evaluate("document.querySelectorAll('mjx-container').length")
        errors = page.evaluate("document.querySelectorAll('mjx-merror').length")
        browser.close()
    assert typeset >= 5 and errors == 0
    assert not [url for url in requests if "mathjax" in url.lower() and not url.startswith("file:")]


def test_one_late_submission_is_graded_quickly_and_alone(local_course, serial_course):
    before = read_results(local_course, PS01)
    started = time.monotonic()
    run = mcdl(local_course, "grade", PS01, "--students", LATE)
    seconds = time.monotonic() - started
    assert "1 graded, 0 failed" in run.stdout
    assert seconds < 20  # measured at about 6 s on the course's two-core machine (README)
    after = read_results(local_course, PS01)
    assert after[LATE].score == after[LATE].max_score > 0
    assert {s: r.to_dict() for s, r in after.items() if s != LATE} == {s: r.to_dict() for s, r in before.items()}


def test_graded_submissions_are_skipped_without_force(local_course):
    run = mcdl(local_course, "grade", PS01, "--students", "right_00", "blank_00")
    assert "0 graded, 0 failed, 2 already graded (skipped)" in run.stdout
    run = mcdl(local_course, "grade", PS01, "--students", "blank_00", "--force")
    assert "1 graded" in run.stdout


def test_a_killed_run_continues_where_it_stopped(template_course, tmp_path_factory, serial_course):
    folder = copy_of(template_course, tmp_path_factory, "killed")
    command = [str(Path(sys.executable).parent / "mcdl"), "grade", PS01, "--workers", "2"]
    first = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=course.tool_environment(), start_new_session=True)
    results = folder / "results" / PS01
    deadline = time.monotonic() + 120
    while len(list(results.glob("*.json"))) < 4 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)  # the command and its grading helpers, at once
    first.wait()
    done = {p.stem for p in results.glob("*.json")}
    students = students_of(folder)
    assert 4 <= len(done) < len(students)
    run = mcdl(folder, "grade", PS01, "--workers", "2")
    assert f"{len(students) - len(done)} graded, 0 failed, {len(done)} already graded (skipped)" in run.stdout
    assert all_scores(folder, students) == all_scores(serial_course, students)


def test_a_helper_that_crashes_or_hangs_costs_only_its_task():
    crashing = batch.IsolatedGrader("os:_exit")
    with pytest.raises(batch.GradingError, match=r"died \(exit code 3\)"):
        crashing.run(3, timeout=30)
    hanging = batch.IsolatedGrader("time:sleep")
    started = time.monotonic()
    with pytest.raises(batch.GradingError, match="no result after 2 s"):
        hanging.run(60, timeout=2)
    assert time.monotonic() - started < 10
    working = batch.IsolatedGrader("json:dumps")
    try:
        assert working.run({"a": 1}, timeout=30) == json.dumps({"a": 1})
        assert working.run([2], timeout=30) == "[2]"  # one helper, many tasks
    finally:
        working.close()


def test_helper_messages_are_frames_of_the_sandbox_protocol():
    import datetime

    from autograder.batch import helper
    from autograder.sandbox import protocol

    task = {"submission": {"a.ipynb": b"\x00\xff" * 1000, "$bytes": b"named like a tag"}, "n": [1, 2.5, None],
            "timestamp": datetime.datetime(2026, 12, 5, 9, 30, 1, 5), "text": "é\n", "tag": {"$bytes": 0}}
    ours, theirs = socket.socketpair()
    with ours, theirs:
        helper.send_value(ours, task)
        header, blobs, _ = protocol.receive(theirs)  # one frame: a JSON header, the bytes as raw parts
        assert sorted(blobs) == [b"\x00\xff" * 1000, b"named like a tag"]
        assert helper.from_message(header, blobs) == {**task, "n": [1, 2.5, None]}
        helper.send_value(theirs, (1, "two"))
        assert helper.receive_value(ours) == [1, "two"]  # a tuple arrives as a list
    with pytest.raises(TypeError, match="cannot hold a set"):
        helper.to_message({"s": {1}})


def test_mcdl_outside_a_course_folder_says_where_to_run(tmp_path):
    run = mcdl(tmp_path, "grade", PS01, check=False)
    assert run.returncode == 2 and "holds no nbgrader_config.py" in run.stderr


def test_a_student_without_a_submission_is_refused(local_course):
    run = mcdl(local_course, "grade", PS01, "--students", "nobody_at_all", check=False)
    assert run.returncode == 2 and "no submission of" in run.stderr and "nobody_at_all" in run.stderr


# Starts a command with Ctrl-C's signal at its default: a test suite started in the
# background by a shell without job control inherits SIGINT ignored, and passes it on.
WITH_DEFAULT_SIGINT = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                       "os.execv(sys.argv[1], sys.argv[1:])")


def test_ctrl_c_stops_cleanly_and_says_how_to_continue(template_course, tmp_path_factory):
    folder = copy_of(template_course, tmp_path_factory, "interrupted")
    command = [sys.executable, "-c", WITH_DEFAULT_SIGINT,
               str(Path(sys.executable).parent / "mcdl"), "grade", PS01, "--workers", "1"]
    run = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=course.tool_environment())
    results = folder / "results" / PS01
    deadline = time.monotonic() + 120
    while len(list(results.glob("*.json"))) < 2 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    run.send_signal(signal.SIGINT)
    stdout, _ = run.communicate(timeout=60)
    assert run.returncode == 130
    assert "Interrupted: run the same command again" in stdout
    graded = len(list(results.glob("*.json")))
    assert 2 <= graded < len(students_of(folder))
    with open(folder / "grades.csv", newline="") as file:  # what was graded is exported
        assert len([row for row in csv.DictReader(file) if row["assignment"] == PS01]) >= graded
