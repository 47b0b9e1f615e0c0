"""Grading one submission, in a grading helper: ``grade_task``.

A task holds one submission's files and what every task of the assignment
shares (``shared_files``: the course's nbgrader configuration, a copy of its
gradebook, the source notebooks and a fingerprint of the course secret). The
helper grades it with nbgrader's own ``autograde`` (and the course's
``TrustedGrading``) in a private temporary course folder holding that copy of
the gradebook (the workaround of nbgrader issue #174), writes its feedback
page, and returns the autograded folder, the feedback folder, the gradebook
rows of the submission and the verdicts. Each helper finds the course secret
where it runs (``MCDL_COURSE_SECRET`` or ``.mcdl_secret`` in its working
folder) and refuses to grade with a secret other than the instructor's.
"""

import hashlib
import hmac
import json
import os
import tempfile
import time
from pathlib import Path

from autograder import course
from autograder.batch.helper import GradingError, last_lines
from autograder.secret import ENV_VAR, MissingSecret, find_secret
from autograder.submissions import read_files, write_files

# Inside a helper's private course every submission is graded under this one id: nbgrader globs
# and parses paths, so a student id holding "[", "*" or a newline must never reach it.
PLACEHOLDER_STUDENT = "student"
PRELOADED = ("nbgrader.apps",)  # a helper imports these before its first task (``helper.serve``)


def secret_fingerprint(secret):
    """A short tag of the course secret: workers compare it with their own, never see the instructor's."""
    return hmac.new(secret.encode(), b"mcdl grading fingerprint", hashlib.sha256).hexdigest()[:16]


def gradebook_path(directory):
    """The file of a ``CourseDirectory``'s gradebook, which must be SQLite (a copy of it goes to each task)."""
    path = course.gradebook_file(directory)
    if path is None:
        raise GradingError(f"mcdl grade needs a SQLite gradebook, not {directory.db_url}")
    return path


def shared_files(root, assignment, secret):
    """What every task of ``assignment`` of the course at ``root`` shares (see ``grade_task``)."""
    directory = course.course_directory(root)
    return {
        "config": (Path(root) / course.CONFIG_FILE).read_text(encoding="utf-8"),
        "gradebook": gradebook_path(directory).read_bytes(),
        "source": read_files(directory.format_path(directory.source_directory, ".", assignment)),
        "fingerprint": secret_fingerprint(secret),
    }


def _cpu_seconds():
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _helper_secret(fingerprint):
    secret = find_secret(Path.cwd())
    if secret is None:
        raise GradingError(str(MissingSecret(f"the grading machine has no course secret ({ENV_VAR} unset, "
                                             f"no {Path.cwd() / '.mcdl_secret'})")))
    if secret_fingerprint(secret) != fingerprint:
        raise GradingError("this grading machine's course secret differs from the instructor's: give every "
                           f"grading machine the same {ENV_VAR} or .mcdl_secret")
    os.environ[ENV_VAR] = secret  # TrustedGrading reads it in the temporary course folder


def _grades_of(db_url, assignment, student):
    """What autograde stored for a submission: timestamp, and per notebook its grades, comments, penalty."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        notebooks = {}
        for notebook in submission.notebooks:
            notebooks[notebook.name] = {
                "late_penalty": notebook.late_submission_penalty,
                "grades": {g.name: [g.auto_score, g.needs_manual_grade] for g in notebook.grades},
                "comments": {c.name: c.auto_comment for c in notebook.comments},
            }
        return {"timestamp": submission.timestamp, "notebooks": notebooks}


def _private_course(root, task):
    """The ``CourseDirectory`` of a private course at ``root`` holding the task's shared files and
    submission, and its configuration."""
    shared, assignment = task["shared"], task["assignment"]
    (root / course.CONFIG_FILE).write_text(shared["config"], encoding="utf-8")
    config = course.course_config(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"  # the private copy, whatever the course's
    config.TrustedGrading.verdicts_directory = str(root / "verdicts")
    directory = course.course_directory(root, config)
    gradebook_path(directory).write_bytes(shared["gradebook"])
    write_files(directory.format_path(directory.source_directory, ".", assignment), shared["source"])
    write_files(directory.format_path(directory.submitted_directory, PLACEHOLDER_STUDENT, assignment),
                task["submission"])
    return directory, config


def grade_task(task):
    """Grade one submission in a temporary course folder (runs in a grading helper).

    task: {"assignment", "student", "submission": {path: bytes}, "shared": ``shared_files``}.
    Returns {"autograded", "feedback": {path: bytes}, "grades": see ``_grades_of``,
        "verdicts": {notebook: {test id: Verdict fields}}, "seconds", "cpu_seconds"}.
    """
    from nbgrader.apps import NbGraderAPI

    started, cpu_started = time.perf_counter(), _cpu_seconds()
    assignment, student = task["assignment"], PLACEHOLDER_STUDENT
    _helper_secret(task["shared"]["fingerprint"])
    with tempfile.TemporaryDirectory(prefix="mcdl-grade-") as scratch:
        root = Path(scratch)
        directory, config = _private_course(root, task)
        api = NbGraderAPI(coursedir=directory, config=config)
        for step in (api.autograde, api.generate_feedback):
            outcome = step(assignment, student, force=True)
            if not outcome["success"]:
                raise GradingError(f"nbgrader {step.__name__} failed: "
                                   + last_lines(outcome.get("error") or outcome.get("log") or ""))
        verdicts = {p.stem: json.loads(p.read_text(encoding="utf-8"))
                    for p in sorted((root / "verdicts" / student).glob("*.json"))}
        return {
            "autograded": read_files(directory.format_path(directory.autograded_directory, student, assignment)),
            "feedback": read_files(directory.format_path(directory.feedback_directory, student, assignment)),
            "grades": _grades_of(directory.db_url, assignment, student),
            "verdicts": verdicts,
            "seconds": time.perf_counter() - started,
            "cpu_seconds": _cpu_seconds() - cpu_started,
        }
