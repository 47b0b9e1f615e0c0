"""A run of ``mcdl grade``: ``grade`` reads the submissions, has helpers grade them, and writes the course.

One task grades one submission (``task.grade_task``) in a grading helper
(``helper.IsolatedGrader``), locally or on a Dask cluster (``dispatch``). The
task returns the autograded folder, the feedback folder, the gradebook rows
and the verdicts; this process alone writes them into the course:
``autograded/``, ``feedback/`` (``feedback_pages``), ``gradebook.db``
(``gradebook_rows``; SQLite: one writer), ``results/<id>/<student>.json`` and
at the end ``grades.csv``. Every course path is asked of nbgrader's
``CourseDirectory``.
"""

import contextlib
import os
import sys
import time
from pathlib import Path

from autograder import course
from autograder.batch.dispatch import cores, dask_outputs, local_outputs
from autograder.batch.feedback_pages import localize_mathjax
from autograder.batch.gradebook_rows import disagreement_note, record_grades
from autograder.batch.helper import GradingError
from autograder.batch.progress import Progress, Summary
from autograder.batch.task import gradebook_path, shared_files
from autograder.grades import export_grades
from autograder.results import RESULTS_DIRECTORY, SubmissionResult, Verdict, read_result, write_result
from autograder.secret import load_secret
from autograder.submissions import Rejected, digest, read_student_submission, selected_students, write_files

HELPER_MARGIN_SECONDS = 120.0  # beyond TrustedGrading.submission_timeout before a helper counts as hung


def task_timeout(config):
    """Seconds a helper may take on one task: the course's ``TrustedGrading.submission_timeout``
    (``sandbox.policy``'s limit unless the course sets another) and a margin."""
    from autograder.nbgrader_plugin import TrustedGrading

    return float(TrustedGrading(config=config).submission_timeout) + HELPER_MARGIN_SECONDS


def _record(directory, gradebook, assignment, student, output):
    """Write one task's output into the course; return the cell scores the gradebook now holds."""
    write_files(directory.format_path(directory.autograded_directory, student, assignment), output["autograded"])
    feedback = directory.format_path(directory.feedback_directory, student, assignment)
    write_files(feedback, output["feedback"])
    localize_mathjax(feedback)
    return record_grades(gradebook, assignment, student, output["grades"])


def _is_graded(directory, assignment, student, submission_digest):
    prior = read_result(directory.root, assignment, student)
    autograded = Path(directory.format_path(directory.autograded_directory, student, assignment))
    return (prior is not None and prior.graded and prior.digest == submission_digest
            and (autograded / f"{assignment}.ipynb").is_file())


def grade(course_dir=None, assignment=None, *, students=None, workers=None, scheduler=None, force=False,
          progress_stream=None, pool=None):
    """Grade the submissions of ``assignment`` (every one in submitted/, or ``students``); return a Summary.

    One run at a time per course: a second run waits for the first (``course_lock``),
    then grades only what the first did not. ``pool``: a ``LocalPool`` to grade in
    (else one is made for this run, or the Dask cluster at ``scheduler`` is used).
    """
    root = course.course_root(course_dir)
    course.silence_gradebook_warnings()
    with course_lock(root, progress_stream):
        return _grade(root, assignment, students, workers, scheduler, force, progress_stream, pool)


LOCK_FILE = ".mcdl-grade.lock"


@contextlib.contextmanager
def course_lock(root, stream=None):
    """Hold the course's grading lock; wait (saying so on ``stream``) while another run holds it.

    The gradebook, ``autograded/``, ``feedback/`` and ``results/`` have one
    writer at a time. The lock is released by the kernel when its holder exits,
    even when killed.
    """
    import fcntl

    stream = stream if stream is not None else sys.stderr
    with open(Path(root) / LOCK_FILE, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            print(f"Another mcdl grade is running on this course ({holder}); waiting for it to finish...",
                  file=stream, flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        lock.flush()
        try:
            yield
        finally:
            lock.truncate(0)


def _grade(root, assignment, students, workers, scheduler, force, progress_stream, pool):
    from nbgrader.api import Gradebook, MissingEntry

    started = time.monotonic()
    summary = Summary(assignment)
    config = course.course_config(root)
    directory = course.course_directory(root, config)
    db_url, course_id = directory.db_url, directory.course_id
    with Gradebook(db_url, course_id) as gradebook:
        try:
            notebook_names = [n.name for n in gradebook.find_assignment(assignment).notebooks]
        except MissingEntry:
            raise GradingError(f"{assignment} is not in {gradebook_path(directory)}: run `mcdl release "
                               f"{assignment}` (or nbgrader generate_assignment {assignment}) first") from None
    secret = load_secret(root)
    tasks, rejected = [], []
    for student in selected_students(root, assignment, students):
        try:
            submission = read_student_submission(root, assignment, student, notebook_names)
        except Rejected as why:
            rejected.append(SubmissionResult(assignment, student, "rejected", error=f"not graded: {why}"))
            continue
        submission_digest = digest(submission.files)
        if not force and _is_graded(directory, assignment, student, submission_digest):
            summary.skipped.append(student)
            continue
        tasks.append({"assignment": assignment, "student": student, "submission": submission.files,
                      "digest": submission_digest, "notes": submission.skipped})
    shared = shared_files(root, assignment, secret)
    timeout = task_timeout(config)
    with Gradebook(db_url, course_id) as gradebook:
        for result in rejected:
            gradebook.update_or_create_student(result.student)
            write_result(root, result)
            summary.failed.append(result)
        if tasks:
            progress = Progress(len(tasks), progress_stream)
            if scheduler:
                outputs = dask_outputs(tasks, shared, timeout, scheduler)
            elif pool is not None:
                outputs = pool.outputs(tasks, shared, timeout)
            else:
                count = max(1, min(workers or cores(), len(tasks)))
                log = root / RESULTS_DIRECTORY / assignment / "grade.log"
                outputs = local_outputs(tasks, shared, timeout, count, root, log)
            try:
                for task, output in outputs:
                    result = _result_of(directory, gradebook, task, output)
                    write_result(root, result)
                    (summary.graded if result.graded else summary.failed).append(result)
                    progress.step(result)
            except KeyboardInterrupt:
                summary.interrupted = True
            finally:
                outputs.close()
        export_grades(root, gradebook)
    summary.seconds = time.monotonic() - started
    return summary


def _result_of(directory, gradebook, task, output):
    assignment, student, notes = task["assignment"], task["student"], task.get("notes", [])
    if "error" in output:
        return SubmissionResult(assignment, student, "failed", error=output["error"], digest=task["digest"],
                                notes=notes)
    try:
        scores = _record(directory, gradebook, assignment, student, output)
    except Exception as error:  # e.g. a notebook the gradebook does not know
        gradebook.db.rollback()
        return SubmissionResult(assignment, student, "failed", digest=task["digest"],
                                error=f"recording its grades failed: {type(error).__name__}: {error}")
    verdicts = {name: Verdict(**fields) for notebook in output["verdicts"].values()
                for name, fields in notebook.items()}
    if note := disagreement_note(verdicts, scores):  # the cell outputs nbgrader scored and the verdicts
        notes = [*notes, note]
    return SubmissionResult(assignment, student, "graded", scores=scores, verdicts=verdicts, notes=notes,
                            digest=task["digest"], seconds=output["seconds"], cpu_seconds=output["cpu_seconds"])
