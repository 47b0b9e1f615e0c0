"""``mcdl watch``: grading on submit for a course with an nbgrader exchange.

A loop, one round a second or so:

1. list the exchange's inbound folder; a submission of the assignment not seen
   before (``<student>+<assignment>+<timestamp>+<random>``) starts a round;
2. collect (nbgrader's collect with ``--update``, through the course's
   ``SafeExchangeCollect``: no link is copied);
3. grade the students who submitted (``batch.grade``: the course's lock, its
   helpers, resumable by content hash, so each student's latest collected
   submission is graded once and a crash or hang costs only that student);
4. release the feedback of every student graded (``nbgrader
   release_feedback``), so that the student's ``nbgrader fetch_feedback`` finds it.

What was done is derived from the course's own folders (``submitted/``,
``results/``) and ``results/<id>/watch/state.json`` (the inbound submissions
handled, the feedback released, written after each round), so a watch that is
stopped and started again redoes a half-done round and nothing else. Each step
is logged to standard output and ``results/<id>/watch/watch.log``.
"""

import json
import os
import time
from pathlib import Path

from autograder import batch, course
from autograder.results import RESULTS_DIRECTORY, printable, read_results
from autograder.submissions import submitters

POLL_SECONDS = 1.0
STATE_FILE = "state.json"


class Watch:
    """The state and the steps of ``mcdl watch`` for one assignment of the course at ``root``."""

    def __init__(self, root, assignment, *, workers=None, log=print):
        self.root, self.assignment = Path(root), assignment
        self.folder = self.root / RESULTS_DIRECTORY / assignment / "watch"
        self.folder.mkdir(parents=True, exist_ok=True)
        workers = workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
        # Helpers started now and kept: a submission never waits for one to start.
        self.pool = batch.LocalPool(workers or 1, self.root, self.folder.parent / "grade.log")
        self._log = log
        self.api = _nbgrader_api(self.root)
        self.inbound = _inbound_folder(self.api)
        state = self._read_state()
        self.seen, self.released = set(state.get("seen", [])), dict(state.get("released", {}))

    def log(self, text):
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}"
        self._log(line)
        with open(self.folder / "watch.log", "a", encoding="utf-8") as file:
            file.write(line + "\n")

    def _read_state(self):
        try:
            return json.loads((self.folder / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_state(self):
        path, partial = self.folder / STATE_FILE, self.folder / (STATE_FILE + ".partial")
        partial.write_text(json.dumps({"seen": sorted(self.seen), "released": self.released}), encoding="utf-8")
        os.replace(partial, path)

    def new_submissions(self):
        """{inbound folder name: student} of this assignment's submissions not handled yet."""
        try:
            names = [entry.name for entry in os.scandir(self.inbound)]
        except OSError:
            return {}
        found = {}
        for name in names:
            parts = name.split("+")
            if len(parts) >= 3 and parts[1] == self.assignment and name not in self.seen:
                found[name] = parts[0]
        return found

    def round(self):
        """Handle what is new in the inbound folder, and feedback not yet released; return the students graded."""
        new = self.new_submissions()
        unreleased = self._graded_but_unreleased()
        if not new and not unreleased:
            return []
        graded = []
        if new:
            self.log(f"new submissions from {', '.join(sorted({printable(s) for s in new.values()}))}")
            outcome = self.api.collect(self.assignment, update=True)
            if not outcome["success"]:
                self.log(f"collect failed: {_last_line(outcome)}")
                return []
            present = set(submitters(self.root, self.assignment))
            students = sorted(set(new.values()) & present)
            refused = sorted(set(new.values()) - present)
            if refused:
                self.log(f"not collected (see the collect log): {', '.join(map(printable, refused))}")
            if students:
                summary = batch.grade(self.root, self.assignment, students=students, pool=self.pool,
                                      progress_stream=_Discard())
                for line in summary.lines():
                    self.log(line)
                graded = [result.student for result in summary.graded]
            self.seen.update(new)
            self._write_state()
        self.release(sorted(set(graded) | set(self._graded_but_unreleased())))
        return graded

    def _graded_but_unreleased(self):
        results = read_results(self.root, self.assignment)
        return [s for s, r in results.items()
                if r.graded and self.released.get(s) != r.digest
                and (self.root / "submitted" / s / self.assignment / "timestamp.txt").is_file()]

    def release(self, students):
        results = read_results(self.root, self.assignment)
        for student in students:
            outcome = self.api.release_feedback(self.assignment, student_id=student)
            if outcome["success"]:
                self.released[student] = results[student].digest
                self.log(f"released the feedback of {printable(student)}")
            else:
                self.log(f"releasing the feedback of {printable(student)} failed: {_last_line(outcome)}")
        if students:
            self._write_state()

    def run(self, *, rounds=None, poll=POLL_SECONDS):
        """Watch until interrupted (or for ``rounds`` polls, for tests)."""
        self.log(f"watching {self.inbound} for submissions of {self.assignment} (Ctrl-C stops)")
        done = 0
        try:
            while rounds is None or done < rounds:
                started = time.monotonic()
                self.round()
                done += 1
                time.sleep(max(0.0, poll - (time.monotonic() - started)))
        finally:
            self.pool.close()


class _Discard:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


def _last_line(outcome):
    text = (outcome.get("error") or outcome.get("log") or "").strip().splitlines()
    return text[-1] if text else "no message"


def _inbound_folder(api):
    """The exchange's inbound folder of the course, where ``nbgrader submit`` puts submissions."""
    from nbgrader.exchange.default.exchange import Exchange

    root = Exchange(coursedir=api.coursedir, config=api.config).root
    return Path(root) / api.coursedir.course_id / "inbound"


def _nbgrader_api(root):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(course.CONFIG_FILE, path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def watch(course_dir=None, assignment=None, *, workers=None, rounds=None, poll=POLL_SECONDS):
    """``mcdl watch``: grade each new submission of ``assignment`` and release its feedback."""
    root = course.course_root(course_dir)
    course.silence_gradebook_warnings()
    Watch(root, assignment, workers=workers).run(rounds=rounds, poll=poll)
