"""The exceptions of grading, at the bottom of the package.

Everything a notebook imports (``assignments``, ``checks``, ``budgets``)
raises or catches these, and so does the grading sandbox; this module imports
only the standard library and ``kinds`` (which imports nothing), so that the
student path never needs the sandbox.
"""

import textwrap

from autograder import kinds


class GradingFailure(AssertionError):
    """A check failed; the message is written for the student.

    In a notebook, IPython shows only the message (through
    ``_render_traceback_``): neither the grader's internal frames nor this class's name.
    kind: what went wrong, one of ``kinds.KIND_LABELS`` (every raise in the package
        gives one: tests/test_kinds.py); None only for a failure raised elsewhere.
    detail: a known mistake's description (kind "known_mistake"), which the report names.
    """

    def __init__(self, message="", kind=None, detail=None):
        if kind is not None and not kinds.known(kind):
            raise ValueError(f"unknown failure kind {kind!r}: declare it in autograder/kinds.py")
        super().__init__(message)
        self.kind, self.detail = kind, detail

    def _render_traceback_(self):
        return failure_lines(str(self))


def failure_lines(message):
    """A failure's message as a notebook shows it: lines of at most 88 characters,
    broken at spaces only, continuation lines indented."""
    return textwrap.wrap(message, width=88, subsequent_indent="    ", break_long_words=False,
                         break_on_hyphens=False) or [""]


class StudentError(Exception):
    """Student code raised ``kind`` with ``message`` (in a worker or in a student's own run).

    where: {"code": the line of the student's code that raised, "operands": [[op, left, left shape,
        right, right shape]] on it, "parameters": the function's parameter names}, each None or
        empty where unknown (``tracebacks``; checked by whoever makes it from a worker's reply).
    """

    def __init__(self, kind, message, where=None):
        super().__init__(message)
        self.kind, self.message = str(kind)[:100], str(message)
        self.where = where or {}


class SandboxError(Exception):
    """The worker could not do what was asked; the message is for the student."""

    kind = "sandbox"  # the failure kind of a verdict it causes (``kinds.KIND_LABELS``)


class CallTimedOut(SandboxError):
    """A call of student code did not finish within its limit of ``seconds``."""

    def __init__(self, seconds):
        super().__init__(f"it did not finish within {seconds:.0f} seconds (an endless loop?)")
        self.seconds = seconds
