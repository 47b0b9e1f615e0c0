"""What grading found: one ``Verdict`` per test cell, one ``SubmissionResult`` per submission.

The bottom layer of the batch grader and the report: plain data, written and
read as JSON (``results/<assignment>/<student>.json`` in the course folder).
A failure is a result too (``status == "failed"``, with its ``error``), so a
batch always goes on. Imports only the standard library.
"""

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS_DIRECTORY = "results"


@dataclass(frozen=True)
class Verdict:
    """The verdict of one test cell.

    kind: None when passed, else what went wrong, as the failure carried it from where it
        was raised (one of ``kinds.KIND_LABELS``): "transposed", "sign", "factor",
        "too_slow", "too_much_memory", "known_mistake", ...
    measured, limit: for a budget check, the measured ratio (time: the student's
        time over the reference's; memory: arrays of the named size) and the
        largest value that passes.
    detail: for a known mistake, its description (the report counts mistakes by it).
    """

    passed: bool
    message: str
    kind: str | None = None
    measured: float | None = None
    limit: float | None = None
    detail: str | None = None


@dataclass
class SubmissionResult:
    """The grading of one submission.

    status: "graded"; "rejected" (the submission cannot be graded: a link for a notebook, not a
        notebook, an empty folder...; ``error`` says why); or "failed" (grading it failed: its
        code crashed or hung the grading process, or the grader did; ``error`` says why).
    scores: {cell id: [score, max score]} of every graded cell, as the gradebook has them.
    verdicts: {test cell id: Verdict} of the course's checks.
    digest: a hash of the submitted files, to see whether a submission changed since.
    notes: what was left out of the submission and why ("notes.txt: is a link, not read").
    seconds, cpu_seconds: wall and CPU time of the grading (the grading process and its sandboxes).
    """

    assignment: str
    student: str
    status: str
    scores: dict = field(default_factory=dict)
    verdicts: dict = field(default_factory=dict)
    error: str = ""
    notes: list = field(default_factory=list)
    digest: str = ""
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def graded(self):
        return self.status == "graded"

    @property
    def score(self):
        return sum(score for score, _ in self.scores.values())

    @property
    def max_score(self):
        return sum(maximum for _, maximum in self.scores.values())

    def to_dict(self):
        data = asdict(self)
        data["verdicts"] = {name: asdict(v) for name, v in self.verdicts.items()}
        return data

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        data["verdicts"] = {name: Verdict(**v) for name, v in data.get("verdicts", {}).items()}
        return cls(**data)


def disagreements(verdicts, scores):
    """The test cells whose verdict and score disagree, sorted.

    verdicts: {cell: Verdict}; scores: {cell: [score, max score]} as nbgrader recorded them in the
    gradebook. nbgrader gives a test cell its full points exactly when its output holds no error,
    which is where ``nbgrader_plugin`` writes a failed verdict: a passed verdict must have full
    points and a failed one less. A cell of either without the other is left out.
    """
    return sorted(cell for cell, verdict in verdicts.items()
                  if cell in scores and verdict.passed != (scores[cell][0] >= scores[cell][1]))


def printable(name):
    """A student id as one line of text: control characters (a newline in a folder name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(name))


def result_path(course_dir, assignment, student):
    return Path(course_dir) / RESULTS_DIRECTORY / assignment / f"{student}.json"


def write_result(course_dir, result):
    """Write ``result`` atomically (a run killed while writing leaves the old file or none)."""
    path = result_path(course_dir, result.assignment, result.student)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(result.to_dict(), indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)
    return path


def read_result(course_dir, assignment, student):
    """The stored result of a student, or None."""
    path = result_path(course_dir, assignment, student)
    if not path.is_file():
        return None
    return SubmissionResult.from_dict(json.loads(path.read_text(encoding="utf-8")))


def read_results(course_dir, assignment):
    """{student: SubmissionResult} of every stored result of an assignment."""
    folder = Path(course_dir) / RESULTS_DIRECTORY / assignment
    if not folder.is_dir():
        return {}
    return {p.stem: read_result(course_dir, assignment, p.stem) for p in sorted(folder.glob("*.json"))}
