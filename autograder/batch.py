"""Grading a class in parallel: ``mcdl grade``.

One task grades one submission, with nbgrader's own ``autograde`` (and the
course's ``TrustedGrading``), in a private temporary course folder holding a
copy of the gradebook (the workaround of nbgrader issue #174), then writes
its feedback page. The task returns the autograded folder, the feedback
folder, the grades and the verdicts; this process alone writes them into the
course: ``autograded/``, ``feedback/``, ``gradebook.db`` (SQLite: one writer),
``results/<id>/<student>.json`` and at the end ``grades.csv``.

Tasks run in grading helpers (``IsolatedGrader``): long-lived processes, one
task at a time, so that a submission which crashes or hangs its helper costs
only its own grade; a new helper takes the next task. Locally the helpers are
``--workers`` threads' own processes; on a Dask cluster (``--scheduler``) each
Dask worker thread keeps one. Each helper finds the course secret where it
runs (``MCDL_COURSE_SECRET`` or ``.mcdl_secret`` in its working folder) and
refuses to grade with a secret other than the instructor's.
"""

import contextlib
import hashlib
import hmac
import importlib
import json
import os
import pickle
import queue
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from autograder import course
from autograder.grades import export_grades
from autograder.nbgrader_settings import SOURCE_DIRECTORY
from autograder.results import RESULTS_DIRECTORY, SubmissionResult, Verdict, printable, read_result, write_result
from autograder.secret import ENV_VAR, MissingSecret, find_secret, load_secret
from autograder.submissions import Rejected, digest, read_files, read_student_submission, selected_students, write_files

HELPER_TARGET = "autograder.batch:grade_task"
# Inside a helper's private course every submission is graded under this one id: nbgrader globs
# and parses paths, so a student id holding "[", "*" or a newline must never reach it.
PLACEHOLDER_STUDENT = "student"
HELPER_MARGIN_SECONDS = 120.0  # beyond TrustedGrading.submission_timeout before a helper counts as hung
MATHJAX_COMPONENT = "tex-svg.js"  # MathJax 3, one file with its fonts (as the book uses)


class GradingError(RuntimeError):
    """A task failed; the message says why, for the summary."""


def secret_fingerprint(secret):
    """A short tag of the course secret: workers compare it with their own, never see the instructor's."""
    return hmac.new(secret.encode(), b"mcdl grading fingerprint", hashlib.sha256).hexdigest()[:16]


# ---------------------------------------------------------------- in a grading helper

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


def _grades_of(gradebook_file, assignment, student):
    """What autograde stored for a submission: timestamp, and per notebook its grades, comments, penalty."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook_file}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        notebooks = {}
        for notebook in submission.notebooks:
            notebooks[notebook.name] = {
                "late_penalty": notebook.late_submission_penalty,
                "grades": {g.name: [g.auto_score, g.needs_manual_grade] for g in notebook.grades},
                "comments": {c.name: c.auto_comment for c in notebook.comments},
            }
        return {"timestamp": submission.timestamp, "notebooks": notebooks}


def grade_task(task):
    """Grade one submission in a temporary course folder (runs in a grading helper).

    task: {"assignment", "student", "submission": {path: bytes}, "shared": {"config": the course's
        nbgrader_config.py text, "gradebook": gradebook.db bytes, "source": {path: bytes} of
        solutions/<id>/, "fingerprint": of the course secret}}.
    Returns {"autograded", "feedback": {path: bytes}, "grades": see ``_grades_of``,
        "verdicts": {notebook: {test id: Verdict fields}}, "seconds", "cpu_seconds"}.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    started, cpu_started = time.perf_counter(), _cpu_seconds()
    shared, assignment, student = task["shared"], task["assignment"], PLACEHOLDER_STUDENT
    _helper_secret(shared["fingerprint"])
    with tempfile.TemporaryDirectory(prefix="mcdl-grade-") as scratch:
        root = Path(scratch)
        (root / course.CONFIG_FILE).write_text(shared["config"], encoding="utf-8")
        (root / "gradebook.db").write_bytes(shared["gradebook"])
        write_files(root / SOURCE_DIRECTORY / assignment, shared["source"])
        write_files(root / "submitted" / student / assignment, task["submission"])
        config = PyFileConfigLoader(course.CONFIG_FILE, path=str(root)).load_config()
        config.CourseDirectory.root = str(root)
        config.TrustedGrading.verdicts_directory = str(root / "verdicts")
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        for step in (api.autograde, api.generate_feedback):
            outcome = step(assignment, student, force=True)
            if not outcome["success"]:
                raise GradingError(f"nbgrader {step.__name__} failed: "
                                   + _last_lines(outcome.get("error") or outcome.get("log") or ""))
        verdicts = {p.stem: json.loads(p.read_text(encoding="utf-8"))
                    for p in sorted((root / "verdicts" / student).glob("*.json"))}
        return {
            "autograded": read_files(root / "autograded" / student / assignment),
            "feedback": read_files(root / "feedback" / student / assignment),
            "grades": _grades_of(root / "gradebook.db", assignment, student),
            "verdicts": verdicts,
            "seconds": time.perf_counter() - started,
            "cpu_seconds": _cpu_seconds() - cpu_started,
        }


def _last_lines(text, n=6):
    return " | ".join(line.strip() for line in text.strip().splitlines()[-n:])


def _send(stream, value):
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()


def _receive(stream):
    header = stream.read(8)
    if len(header) < 8:
        return None
    size = int.from_bytes(header, "little")
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def serve(target=HELPER_TARGET):
    """The grading helper's loop: read a task from stdin, answer ("ok", value) or ("error", message).

    ``target`` ("module:function") does the work. Anything printed goes to stderr,
    never into the answers.
    """
    module, name = target.split(":")
    function = getattr(importlib.import_module(module), name)
    if target == HELPER_TARGET:  # import nbgrader before the first task, not during it
        importlib.import_module("nbgrader.apps")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    tasks = sys.stdin.buffer
    while (task := _receive(tasks)) is not None:
        try:
            answer = ("ok", function(task))
        except GradingError as error:
            answer = ("error", str(error))
        except Exception as error:  # a grader bug: the batch goes on, the summary names it
            answer = ("error", f"{type(error).__name__}: {error} ({_last_lines(traceback.format_exc(), 3)})")
        _send(answers, answer)


# ---------------------------------------------------------------- the helpers, seen from outside

class IsolatedGrader:
    """One grading helper process; ``run`` gives it one task and waits at most ``timeout`` seconds.

    A helper that dies or does not answer in time is stopped and replaced at the
    next task; the task raises GradingError saying which.
    """

    def __init__(self, target=HELPER_TARGET, *, cwd=None, env=None, log=None):
        self.target, self.cwd, self.env, self.log = target, cwd, env, log
        self.process = None

    def _start(self):
        stderr = open(self.log, "ab") if self.log else None  # noqa: SIM115 (the helper owns it)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "import sys; from autograder.batch import serve; serve(sys.argv[1])",
                 self.target],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd=self.cwd, env=self.env,
            )
        finally:
            if stderr is not None:
                stderr.close()

    def run(self, task, timeout):
        if self.process is None or self.process.poll() is not None:
            self._start()
        process = self.process
        ready = True
        try:
            _send(process.stdin, task)
            ready, _, _ = select.select([process.stdout], [], [], timeout)
            answer = _receive(process.stdout) if ready else None
        except (BrokenPipeError, OSError):
            answer = None
        if answer is None:
            if ready:  # the helper closed its end: it died
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
            self.close()
            if not ready:
                raise GradingError(f"no result after {timeout:.0f} s: its grading process was stopped")
            raise GradingError(f"its grading process died (exit code {process.returncode})")
        status, value = answer
        if status == "error":
            raise GradingError(value)
        return value

    def close(self):
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()


_thread_helpers = threading.local()


def grade_on_worker(task, shared, timeout):
    """A Dask task: grade one submission in this worker thread's grading helper.

    Returns the output of ``grade_task``, or {"error": message}.
    """
    grader = getattr(_thread_helpers, "grader", None)
    if grader is None:
        grader = _thread_helpers.grader = IsolatedGrader()
    try:
        return grader.run({**task, "shared": shared}, timeout)
    except GradingError as error:
        return {"error": str(error)}


# ---------------------------------------------------------------- the batch, in the instructor's process

@dataclass
class Summary:
    assignment: str
    graded: list = field(default_factory=list)  # SubmissionResult, in the order they finished
    failed: list = field(default_factory=list)  # SubmissionResult
    skipped: list = field(default_factory=list)  # students already graded
    seconds: float = 0.0
    interrupted: bool = False

    def lines(self, slowest=5):
        rejected = sum(result.status == "rejected" for result in self.failed)
        refused = f"{rejected} not graded (see why below), " if rejected else ""
        lines = [f"{self.assignment}: {len(self.graded)} graded, {len(self.failed) - rejected} failed, {refused}"
                 f"{len(self.skipped)} already graded (skipped) in {self.seconds:.1f} s."]
        if self.interrupted:
            lines.append("Interrupted: run the same command again to grade the rest.")
        for result in self.failed:
            label = "NOT GRADED" if result.status == "rejected" else "FAILED"
            lines.append(f"  {label} {printable(result.student)}: {result.error}")
        noted = [r for r in self.graded if r.notes]
        for result in noted:
            lines.append(f"  NOTE {printable(result.student)}: " + "; ".join(result.notes))
        if self.graded:
            ranked = sorted(self.graded, key=lambda r: r.seconds, reverse=True)[:slowest]
            lines.append("Slowest: " + ", ".join(f"{printable(r.student)} {r.seconds:.1f} s" for r in ranked))
        return lines


class Progress:
    """count, rate and time left, on one line of stderr (one line per submission when not a terminal)."""

    def __init__(self, total, stream=None):
        self.total, self.done, self.failed = total, 0, 0
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.live = getattr(self.stream, "isatty", lambda: False)()

    def step(self, result):
        self.done += 1
        self.failed += not result.graded
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        bar = "#" * round(width * self.done / self.total) + "-" * (width - round(width * self.done / self.total))
        text = (f"[{bar}] {self.done}/{self.total} ({self.failed} failed)  {rate * 60:.1f}/min  "
                f"{int(left) // 60}:{int(left) % 60:02d} left  {printable(result.student)}")
        if self.live:
            print("\r" + text.ljust(100), end="" if self.done < self.total else "\n", file=self.stream, flush=True)
        else:
            print(text, file=self.stream, flush=True)


def _course_config(root):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(course.CONFIG_FILE, path=str(root)).load_config()


def _task_timeout(config):
    trusted = config.TrustedGrading
    submission = float(trusted.submission_timeout) if "submission_timeout" in trusted else 900.0
    return submission + HELPER_MARGIN_SECONDS


def _mathjax_file():
    spec = find_spec("mathjax")  # the django-static-mathjax wheel of requirements.txt
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax is missing: pip install -r requirements.txt")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5" / MATHJAX_COMPONENT


MATHJAX_FROM_CDN = re.compile(r'<script src="https?://[^"]*mathjax[^"]*">\s*</script>', re.IGNORECASE)
MATHJAX_2_CONFIG = re.compile(r'<script type="text/x-mathjax-config">.*?</script>', re.DOTALL)
# MathJax 3 from the folder of the page; from a CDN only if that copy is missing (a page handed
# out alone, as `nbgrader release_feedback` does).
MATHJAX_CDN_FALLBACK = f"https://cdnjs.cloudflare.com/ajax/libs/mathjax/3.2.2/es5/{MATHJAX_COMPONENT}"
LOCAL_MATHJAX = (
    "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
    "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true, processEnvironments: true}};"
    "</script>\n"
    f'<script src="mathjax/{MATHJAX_COMPONENT}" onerror="var s = document.createElement(\'script\'); '
    f's.src = \'{MATHJAX_CDN_FALLBACK}\'; document.head.appendChild(s);"></script>'
)


def localize_mathjax(folder):
    """Make the feedback pages in ``folder`` load MathJax from ``folder/mathjax/`` instead of a CDN.

    The copy is a hard link to the installed MathJax where possible (one copy on disk for the class).
    """
    folder = Path(folder)
    changed = False
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        local = MATHJAX_2_CONFIG.sub("", MATHJAX_FROM_CDN.sub(lambda _: LOCAL_MATHJAX, text))
        if local != text:
            page.write_text(local, encoding="utf-8")
            changed = True
    if changed:
        target = folder / "mathjax" / MATHJAX_COMPONENT
        target.parent.mkdir(exist_ok=True)
        if not target.exists():
            try:
                os.link(_mathjax_file(), target)
            except OSError:
                shutil.copyfile(_mathjax_file(), target)


def _record(root, gradebook, assignment, student, output):
    """Write one task's output into the course; return the cell scores the gradebook now holds."""
    write_files(root / "autograded" / student / assignment, output["autograded"])
    feedback = root / "feedback" / student / assignment
    write_files(feedback, output["feedback"])
    localize_mathjax(feedback)
    grades = output["grades"]
    gradebook.update_or_create_student(student)
    if grades["timestamp"] is not None:
        gradebook.update_or_create_submission(assignment, student, timestamp=grades["timestamp"])
    else:
        gradebook.update_or_create_submission(assignment, student)
    scores = {}
    for name, notebook in grades["notebooks"].items():
        for cell, (auto_score, needs_manual_grade) in notebook["grades"].items():
            grade = gradebook.find_grade(cell, name, assignment, student)
            grade.auto_score, grade.needs_manual_grade = auto_score, needs_manual_grade
        for cell, text in notebook["comments"].items():
            gradebook.find_comment(cell, name, assignment, student).auto_comment = text
        submitted = gradebook.find_submission_notebook(name, assignment, student)
        submitted.late_submission_penalty = notebook["late_penalty"]
    gradebook.db.commit()
    for notebook in gradebook.find_submission(assignment, student).notebooks:
        scores.update({g.name: [g.score, g.max_score] for g in notebook.grades})
    return scores


def _is_graded(root, assignment, student, submission_digest):
    prior = read_result(root, assignment, student)
    return (prior is not None and prior.graded and prior.digest == submission_digest
            and (root / "autograded" / student / assignment / f"{assignment}.ipynb").is_file())


class LocalPool:
    """``workers`` grading helpers on this machine, started at once and kept for as many batches as asked.

    ``mcdl grade`` makes one per run; ``mcdl watch`` keeps one, so that a
    submission does not wait for a helper to start. A task takes an idle
    helper and gives it back; a helper that died or hung is replaced at its next task.
    """

    def __init__(self, workers, root, log):
        log.parent.mkdir(parents=True, exist_ok=True)
        env = dict(course.tool_environment())
        self.helpers = [IsolatedGrader(cwd=root, env=env, log=log) for _ in range(workers)]
        for helper in self.helpers:
            helper._start()
        self.idle = queue.SimpleQueue()
        for helper in self.helpers:
            self.idle.put(helper)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mcdl-grade")

    def _run(self, task, shared, timeout):
        helper = self.idle.get()
        try:
            return helper.run({**task, "shared": shared}, timeout)
        except GradingError as error:
            return {"error": str(error)}
        finally:
            self.idle.put(helper)

    def outputs(self, tasks, shared, timeout):
        """Yield (task, output or {"error"}) as tasks finish."""
        futures = {self.executor.submit(self._run, task, shared, timeout): task for task in tasks}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            if any(not future.done() for future in futures):  # interrupted: stop what still runs
                for future in futures:
                    future.cancel()
                for helper in self.helpers:
                    helper.close()

    def close(self):
        for helper in self.helpers:
            helper.close()
        self.executor.shutdown(wait=True, cancel_futures=True)


def _local_outputs(tasks, shared, timeout, workers, root, assignment):
    """Yield (task, output or {"error"}) as tasks finish on ``workers`` new local grading helpers."""
    pool = LocalPool(workers, root, root / RESULTS_DIRECTORY / assignment / "grade.log")
    try:
        yield from pool.outputs(tasks, shared, timeout)
    finally:
        pool.close()


def _dask_outputs(tasks, shared, timeout, scheduler):
    """Yield (task, output or {"error"}) as tasks finish on the Dask cluster at ``scheduler``."""
    from distributed import Client
    from distributed import as_completed as dask_completed

    with Client(scheduler, timeout="20s") as client:
        on_cluster = client.scatter(shared, broadcast=True)
        futures = {}
        for task in tasks:
            key = f"mcdl-grade-{task['assignment']}-{task['student']}-{os.urandom(4).hex()}"
            futures[client.submit(grade_on_worker, task, on_cluster, timeout, key=key, pure=False)] = task
        try:
            for future in dask_completed(futures):
                try:
                    output = future.result()
                except Exception as error:  # e.g. KilledWorker: the task killed every worker it ran on
                    output = {"error": f"its Dask task failed: {type(error).__name__}: {error}"}
                yield futures[future], output
        finally:
            client.cancel(list(futures))


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
    config = _course_config(root)
    course_id = str(config.CourseDirectory.course_id) if "course_id" in config.CourseDirectory else ""
    gradebook_file = root / "gradebook.db"
    db_url = f"sqlite:///{gradebook_file}"
    with Gradebook(db_url, course_id) as gradebook:
        try:
            notebook_names = [n.name for n in gradebook.find_assignment(assignment).notebooks]
        except MissingEntry:
            raise GradingError(f"{assignment} is not in {gradebook_file}: run `mcdl release {assignment}` "
                               f"(or nbgrader generate_assignment {assignment}) first") from None
    secret = load_secret(root)
    tasks, rejected = [], []
    for student in selected_students(root, assignment, students):
        try:
            submission = read_student_submission(root, assignment, student, notebook_names)
        except Rejected as why:
            rejected.append(SubmissionResult(assignment, student, "rejected", error=f"not graded: {why}"))
            continue
        submission_digest = digest(submission.files)
        if not force and _is_graded(root, assignment, student, submission_digest):
            summary.skipped.append(student)
            continue
        tasks.append({"assignment": assignment, "student": student, "submission": submission.files,
                      "digest": submission_digest, "notes": submission.skipped})
    shared = {
        "config": (root / course.CONFIG_FILE).read_text(encoding="utf-8"),
        "gradebook": gradebook_file.read_bytes(),
        "source": read_files(root / SOURCE_DIRECTORY / assignment),
        "fingerprint": secret_fingerprint(secret),
    }
    timeout = _task_timeout(config)
    with Gradebook(db_url, course_id) as gradebook:
        for result in rejected:
            gradebook.update_or_create_student(result.student)
            write_result(root, result)
            summary.failed.append(result)
        if tasks:
            progress = Progress(len(tasks), progress_stream)
            if scheduler:
                outputs = _dask_outputs(tasks, shared, timeout, scheduler)
            elif pool is not None:
                outputs = pool.outputs(tasks, shared, timeout)
            else:
                count = max(1, min(workers or _cores(), len(tasks)))
                outputs = _local_outputs(tasks, shared, timeout, count, root, assignment)
            try:
                for task, output in outputs:
                    result = _result_of(root, gradebook, task, output)
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


def _cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _result_of(root, gradebook, task, output):
    assignment, student, notes = task["assignment"], task["student"], task.get("notes", [])
    if "error" in output:
        return SubmissionResult(assignment, student, "failed", error=output["error"], digest=task["digest"],
                                notes=notes)
    try:
        scores = _record(root, gradebook, assignment, student, output)
    except Exception as error:  # e.g. a notebook the gradebook does not know
        gradebook.db.rollback()
        return SubmissionResult(assignment, student, "failed", digest=task["digest"],
                                error=f"recording its grades failed: {type(error).__name__}: {error}")
    verdicts = {name: Verdict(**fields) for notebook in output["verdicts"].values()
                for name, fields in notebook.items()}
    return SubmissionResult(assignment, student, "graded", scores=scores, verdicts=verdicts, notes=notes,
                            digest=task["digest"], seconds=output["seconds"], cpu_seconds=output["cpu_seconds"])
