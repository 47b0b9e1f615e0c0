"""The course that `mcdl grade` is tested on: one batch of 12 ps01 submissions (right, blank and
wrong ones) in a scratch course, and copies of it graded by serial `nbgrader autograde`, by
`mcdl grade --workers 2` and on a real Dask cluster.

The fixtures are session-wide (conftest.py imports them), so tests/test_batch.py and
tests/test_report.py share one grading of each copy.
"""

import atexit
import functools
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT

from autograder import course, notebooks
from autograder.testdata import named
from autograder.testdata.filling import filled, reference_answers, submit

PS01 = "ps01_gradient_checking"
RIGHT_COUNT, BLANK_COUNT = 4, 2
# A mistake of each kind the class report's figures are checked on: known, inputs changed, warnings, sign.
WRONG = [named(name) for name in ("forward_difference", "perturbs_x_in_place", "relative_error_zero_division",
                                  "least_squares_sign")]
AGAIN = WRONG[:2]  # submitted twice: a mistake two students make
BATCH_SIZE = RIGHT_COUNT + BLANK_COUNT + len(WRONG) + len(AGAIN)
BROKEN = "zz_broken_upload"  # not a notebook: its grading fails, the others go on
LATE = "zz_late_student"  # submitted after the batch was graded


def batch_submissions(release, reference):
    """{student: notebook}: right ones, blank ones, each of ``WRONG`` and those of ``AGAIN`` once more
    (``BATCH_SIZE`` in all)."""
    notebooks_by_student = {f"right_{i:02d}": filled(release, reference) for i in range(RIGHT_COUNT)}
    notebooks_by_student.update({f"blank_{i:02d}": release for i in range(BLANK_COUNT)})
    for copy, wrongs in (("a", WRONG), ("b", AGAIN)):
        for wrong in wrongs:
            notebooks_by_student[f"{wrong.name}_{copy}"] = filled(release, {**reference, **wrong.answers})
    return notebooks_by_student


@functools.cache
def _released(assignment):
    """A course folder with ``assignment`` released, made once per test process (nbgrader takes 5 s to start)."""
    folder = Path(tempfile.mkdtemp(prefix="mcdl-released-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    shutil.copytree(ROOT / "solutions" / assignment, folder / "solutions" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    course.run_nbgrader(folder, "generate_assignment", assignment, "--force")
    return folder


def released_course(folder, assignment=PS01):
    """Make ``folder`` a scratch course with ``assignment`` released as `nbgrader generate_assignment`
    leaves it (solutions/, exercises/, the gradebook, nbgrader_config.py); return the release notebook."""
    shutil.copytree(_released(assignment), folder, dirs_exist_ok=True)
    return notebooks.load(folder / "exercises" / assignment / f"{assignment}.ipynb")


def course_with(folder, attackers, size):
    """``folder`` made a course with ps01 released, ``size`` - len(attackers) right submissions
    (right_00, ...) and the attackers' ({student: answers replacing the reference's})."""
    release = released_course(folder)
    reference = reference_answers(PS01)
    for index in range(size - len(attackers)):
        submit(folder, f"right_{index:02d}", PS01, filled(release, reference))
    for student, answers in attackers.items():
        submit(folder, student, PS01, filled(release, {**reference, **answers}))
    return folder


def right_scores_in_full(folder):
    """The course's results ({student: SubmissionResult}), once every right_* submission is seen at full marks."""
    from autograder.results import read_results

    results = read_results(folder, PS01)
    right = [s for s in results if s.startswith("right_")]
    assert right and all(results[s].score == results[s].max_score for s in right)
    assert len(right) == len(list((folder / "submitted").glob("right_*")))
    return results


def mcdl(course_dir, *args, check=True, **options):
    """Run the installed `mcdl` command in ``course_dir``."""
    command = [str(Path(sys.executable).parent / "mcdl"), *args]
    result = subprocess.run(command, cwd=course_dir, capture_output=True, text=True,
                            env=course.tool_environment(), **options)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def template_course(tmp_path_factory):
    """A scratch course with ps01 released and the batch submitted (not graded)."""
    folder = tmp_path_factory.mktemp("batch-template")
    release = released_course(folder)
    for student, notebook in batch_submissions(release, reference_answers(PS01)).items():
        submit(folder, student, PS01, notebook)
    return folder


def copy_of(template, tmp_path_factory, name):
    folder = tmp_path_factory.mktemp(name) / "course"
    shutil.copytree(template, folder)
    return folder


@pytest.fixture(scope="session")
def serial_course(template_course, tmp_path_factory):
    folder = copy_of(template_course, tmp_path_factory, "serial")
    course.run_nbgrader(folder, "autograde", PS01, "--force")
    return folder


@pytest.fixture(scope="session")
def local_course(template_course, tmp_path_factory):
    """Graded by `mcdl grade --workers 2`, with a broken upload; a late one arrives afterwards."""
    folder = copy_of(template_course, tmp_path_factory, "local")
    broken = folder / "submitted" / BROKEN / PS01
    broken.mkdir(parents=True)
    (broken / f"{PS01}.ipynb").write_text("this is not a notebook", encoding="utf-8")
    started = time.monotonic()
    run = mcdl(folder, "grade", PS01, "--workers", "2", check=False)
    LOCAL_RUN.update(result=run, seconds=time.monotonic() - started)
    release = notebooks.load(folder / "exercises" / PS01 / f"{PS01}.ipynb")
    submit(folder, LATE, PS01, filled(release, reference_answers(PS01)))
    return folder


LOCAL_RUN = {}


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory):
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1; yields the address."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    logs = tmp_path_factory.mktemp("dask-logs")
    env = course.tool_environment()
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], stdout=subprocess.DEVNULL,
                                  stderr=open(logs / "scheduler.log", "wb"), env=env)]  # noqa: SIM115
    for index in range(2):
        processes.append(subprocess.Popen(
            [dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--host", "127.0.0.1",
             "--no-dashboard", "--local-directory", str(logs / f"worker{index}")],
            stdout=subprocess.DEVNULL, stderr=open(logs / f"worker{index}.log", "wb"), env=env,  # noqa: SIM115
            cwd=logs))
    try:
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def dask_course(template_course, tmp_path_factory, dask_cluster):
    folder = copy_of(template_course, tmp_path_factory, "dask")
    mcdl(folder, "grade", PS01, "--scheduler", dask_cluster)
    return folder


def students_of(folder):
    return sorted(p.name for p in (folder / "submitted").iterdir())
