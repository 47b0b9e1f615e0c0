"""A grading helper: a long-lived process that does one task at a time, and its messages.

The instructor's process gives a helper a task and waits for its answer at
most so long (``IsolatedGrader.run``); a helper that dies or hangs is stopped
and replaced at the next task, so a submission that crashes or hangs its
helper costs only its own grade.

Tasks and answers are messages of ``autograder.sandbox.protocol`` (the
grader's one message format) over a socket pair: a JSON header holding the
value, with every ``bytes`` in it (the files of a submission, a gradebook)
sent as a raw part of the message (``to_message``, ``from_message``).
"""

import contextlib
import datetime
import importlib
import os
import select
import socket
import subprocess
import sys
import traceback

from autograder.sandbox import protocol

# Messages between the instructor's process and its own helpers carry a class's files: no size limit.
NO_LIMIT = sys.maxsize


class GradingError(RuntimeError):
    """A task failed; the message says why, for the summary."""


def last_lines(text, n=6):
    """The last ``n`` lines of ``text`` on one line."""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-n:])


# ---------------------------------------------------------------- values as messages

def _encoded(value, blobs):
    """``value`` as JSON: bytes become {"$bytes": index in blobs}, a datetime {"$time": ISO text},
    a dict {"$dict": {key: encoded}}; nothing else is a JSON object, so no value is mistaken
    for another."""
    if isinstance(value, (bytes, bytearray)):
        blobs.append(bytes(value))
        return {"$bytes": len(blobs) - 1}
    if isinstance(value, datetime.datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, dict):
        return {"$dict": {str(key): _encoded(item, blobs) for key, item in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_encoded(item, blobs) for item in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise TypeError(f"a grading helper's message cannot hold a {type(value).__name__}")


def _decoded(value, blobs):
    if isinstance(value, list):
        return [_decoded(item, blobs) for item in value]
    if not isinstance(value, dict):
        return value
    (tag, content), = value.items()
    if tag == "$bytes":
        return blobs[content]
    if tag == "$time":
        return datetime.datetime.fromisoformat(content)
    return {key: _decoded(item, blobs) for key, item in content.items()}


def to_message(value):
    """(header, blobs) of ``protocol.send`` that carry ``value`` (dicts with string keys, lists,
    text, numbers, None, bytes and datetimes; a tuple arrives as a list)."""
    blobs = []
    return {"value": _encoded(value, blobs)}, blobs


def from_message(header, blobs):
    """The value of a message made by ``to_message``."""
    return _decoded(header["value"], blobs)


def send_value(sock, value):
    protocol.send(sock, *to_message(value))


def receive_value(sock):
    """The value of the next message on ``sock``; EOFError when the other side is gone."""
    header, blobs, _ = protocol.receive(sock, max_bytes=NO_LIMIT)
    return from_message(header, blobs)


# ---------------------------------------------------------------- inside the helper

def serve(target):
    """The grading helper's loop: take a task from the socket on standard input, answer
    {"ok": value} or {"error": message} on it.

    ``target`` ("module:function") does the work; the modules its module names in ``PRELOADED``
    are imported first. Anything printed goes to stderr, never into the
    answers; standard input and output are closed to the task.
    """
    module_name, name = target.split(":")
    module = importlib.import_module(module_name)
    function = getattr(module, name)
    for preloaded in getattr(module, "PRELOADED", ()):  # imported before the first task, not during it
        importlib.import_module(preloaded)
    channel = socket.socket(fileno=os.dup(0))
    with open(os.devnull, "rb") as nothing:
        os.dup2(nothing.fileno(), 0)
    os.dup2(2, 1)
    while True:
        try:
            task = receive_value(channel)
        except EOFError:
            return
        try:
            answer = {"ok": function(task)}
        except GradingError as error:
            answer = {"error": str(error)}
        except Exception as error:  # a grader bug: the batch goes on, the summary names it
            answer = {"error": f"{type(error).__name__}: {error} ({last_lines(traceback.format_exc(), 3)})"}
        send_value(channel, answer)


# ---------------------------------------------------------------- the helper, seen from outside

class IsolatedGrader:
    """One grading helper process; ``run`` gives it one task and waits at most ``timeout`` seconds.

    target: "module:function" the helper calls on each task. A helper that dies or does not
    answer in time is stopped and replaced at the next task; the task raises GradingError saying which.
    """

    def __init__(self, target, *, cwd=None, env=None, log=None):
        self.target, self.cwd, self.env, self.log = target, cwd, env, log
        self.process = self.channel = None

    def start(self):
        """Start the helper now (else the first task starts it)."""
        ours, theirs = socket.socketpair()
        stderr = open(self.log, "ab") if self.log else None  # noqa: SIM115 (the helper owns it)
        try:
            # The command line names `autograder.batch import serve`: tests find the helpers by it.
            self.process = subprocess.Popen(
                [sys.executable, "-c", "import sys; from autograder.batch import serve; serve(sys.argv[1])",
                 self.target],
                stdin=theirs, stdout=subprocess.DEVNULL, stderr=stderr, cwd=self.cwd, env=self.env,
            )
        finally:
            theirs.close()
            if stderr is not None:
                stderr.close()
        self.channel = ours

    def run(self, task, timeout):
        if self.process is None or self.process.poll() is not None:
            self.close()
            self.start()
        process = self.process
        ready = True
        try:
            send_value(self.channel, task)
            ready, _, _ = select.select([self.channel], [], [], timeout)
            answer = receive_value(self.channel) if ready else None
        except (EOFError, OSError, protocol.ProtocolError):
            answer = None
        if answer is None:
            if ready:  # the helper closed its end: it died
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
            self.close()
            if not ready:
                raise GradingError(f"no result after {timeout:.0f} s: its grading process was stopped")
            raise GradingError(f"its grading process died (exit code {process.returncode})")
        if "error" in answer:
            raise GradingError(answer["error"])
        return answer["ok"]

    def close(self):
        process, channel, self.process, self.channel = self.process, self.channel, None, None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
        if channel is not None:
            channel.close()


def answer_or_error(helper, task, timeout):
    """``helper.run(task, timeout)``, or {"error": why} when the task failed: what every dispatch
    (local threads, Dask workers) yields for a task."""
    try:
        return helper.run(task, timeout)
    except GradingError as error:
        return {"error": str(error)}
