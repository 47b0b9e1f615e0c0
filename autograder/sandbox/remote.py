"""The grader's side of the sandbox: worker processes and function proxies.

``Sandbox`` runs one set of answer cells in an isolated worker
(``isolation``, ``policy``) and restarts it when student code kills or hangs
it; ``RemoteFunction`` makes a function in the worker callable like a local
one. Arguments are copies in shared memory, so the grader's own arrays are
never within the worker's reach; after a call the grader reads the copies
back to see what the worker changed in place. Time is the worker's CPU time
and memory its peak resident size, both read from ``/proc`` by the grader.
"""

import inspect
import os
import select
import signal
import socket
import subprocess
import threading
import time
import types
from dataclasses import dataclass, field

import numpy as np

from . import isolation, policy, protocol
from .isolation import SandboxUnavailable

__all__ = ["CallResult", "RemoteFunction", "Sandbox", "SandboxError", "SandboxUnavailable", "StudentError"]


class SandboxError(Exception):
    """The worker could not do what was asked; the message is for the student."""


class StudentError(Exception):
    """Student code raised ``kind`` with ``message`` in the worker."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind, self.message = str(kind)[:100], str(message)


@dataclass
class CallResult:
    """What one call of student code returned, and what it did."""

    value: object
    warnings: list = field(default_factory=list)  # "Category: message" strings
    modified: list = field(default_factory=list)  # paths of arguments changed in place, e.g. (0,) or (0, 1, 0)
    cpu_seconds: float = 0.0
    traced_peak: int = 0


class _OutputCounter(threading.Thread):
    """Drains a pipe from the worker, counting what it prints and keeping the start."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.count, self.start_of_text = stream, 0, b""

    def run(self):
        while chunk := self.stream.read1(1 << 16):
            if len(self.start_of_text) < 2000:
                self.start_of_text += chunk[:2000]
            self.count += len(chunk)


def _memfd(data):
    fd = os.memfd_create("argument", os.MFD_CLOEXEC)
    if data:
        os.write(fd, data)
    return fd


def _test_function_form(func):
    """A grader's test function (such as f in numerical_gradient(f, X)), sent as source."""
    if not isinstance(func, types.FunctionType) or func.__closure__ or not func.__module__.startswith("autograder."):
        raise SandboxError(f"the grader cannot send {func!r} to a worker")
    return {"function": func.__name__, "source": inspect.getsource(func)}


class Worker:
    """One isolated worker process with a connection to it."""

    def __init__(self, *, mode, limits):
        self.limits = limits
        parent, child = socket.socketpair()
        info_read, info_write = os.pipe()
        try:
            argv = isolation.command(mode, limits, child.fileno(), info_write)
            self.process = subprocess.Popen(
                argv, pass_fds=[child.fileno(), info_write], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            )
        finally:
            child.close()
            os.close(info_write)
        self.sock = parent
        self.output = [_OutputCounter(self.process.stdout), _OutputCounter(self.process.stderr)]
        for counter in self.output:
            counter.start()
        try:
            self.pid = self._child_pid(info_read)
        finally:
            os.close(info_read)
        header, _ = self.request(None, timeout=limits["start_seconds"])
        if header.get("op") == "unavailable":
            self.close()
            raise SandboxUnavailable(str(header.get("reason")))
        if header.get("op") != "ready":
            self.close()
            raise SandboxError("the grading process did not start")

    def _child_pid(self, info_read):
        """The worker's process id, from bubblewrap's --info-fd."""
        text, deadline = b"", time.monotonic() + self.limits["start_seconds"]
        while b"}" not in text and time.monotonic() < deadline:
            ready, _, _ = select.select([info_read], [], [], 1.0)
            if ready:
                chunk = os.read(info_read, 4096)
                if not chunk:
                    break
                text += chunk
        try:
            import json

            return int(json.loads(text)["child-pid"])
        except (ValueError, KeyError, TypeError):
            self.process.kill()
            self.process.wait()
            for counter in self.output:
                counter.join(timeout=5)
            reason = self.output[1].start_of_text.decode(errors="replace").strip() or "no reason given"
            raise SandboxUnavailable(f"bubblewrap could not isolate a worker on this machine: {reason}") from None

    @property
    def printed_bytes(self):
        return sum(counter.count for counter in self.output)

    def request(self, header, blobs=(), fds=(), *, timeout=None):
        """Send a request (None: just wait) and return the reply (header, blobs)."""
        timeout = timeout or self.limits["call_seconds"]
        self.sock.settimeout(timeout)
        try:
            if header is not None:
                protocol.send(self.sock, header, blobs, fds)
            reply, reply_blobs, _ = protocol.receive(self.sock)
        except TimeoutError:
            self.close()
            raise SandboxError(f"it did not finish within {timeout:.0f} seconds (an endless loop?)") from None
        except (EOFError, OSError) as error:
            status = self.close(grace_seconds=2.0)  # let it finish dying, to report how it died
            raise SandboxError(self._death_message(status, error)) from None
        except Exception as error:  # anything else on the socket: the worker is not speaking the protocol
            self.close()
            raise SandboxError(f"the grading process sent garbage ({type(error).__name__}) and was stopped") from None
        return reply, reply_blobs

    def _death_message(self, status, error):
        if status is None or status == 0:
            return f"the grading process stopped answering ({error})"
        if status < 0 or status > 128:
            number = -status if status < 0 else status - 128
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else number
            hint = " (out of memory or CPU time?)" if name in ("SIGKILL", "SIGXCPU", "SIGSEGV") else ""
            return f"your code crashed the grading process (signal {name}){hint}"
        return f"your code ended the grading process (exit status {status}: sys.exit or os._exit?)"

    def _proc(self, name):
        return f"/proc/{self.pid}/{name}"

    def status_kib(self, field_name):
        with open(self._proc("status")) as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        raise SandboxError(f"cannot read {field_name} of the grading process")

    def reset_peak_memory(self):
        with open(self._proc("clear_refs"), "w") as clear:
            clear.write("5")

    def cpu_seconds(self):
        """CPU time the worker has used so far (from the kernel's scheduler statistics)."""
        try:
            with open(self._proc("schedstat")) as stat:
                return int(stat.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            raise SandboxError("the grading process is gone") from None

    def close(self, grace_seconds=0.0):
        """Stop the worker (after ``grace_seconds`` to end by itself); return its exit status."""
        if grace_seconds:
            try:
                self.process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                pass
        if self.process.poll() is None:
            for kill, target in ((os.kill, getattr(self, "pid", None)), (os.killpg, self.process.pid)):
                try:
                    if target:
                        kill(target, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        status = self.process.wait()
        for counter in self.output:
            counter.join(timeout=5)
        self.process.stdout.close()
        self.process.stderr.close()
        self.sock.close()
        return status


class Sandbox:
    """A student's answer cells, running in a worker that is restarted as needed.

    cells: {cell id: code} in notebook order. A cell whose definition raises
    is reported; one that hangs or kills the worker is left out of the
    restarted workers, so only the functions it defines are lost.
    deadline: a time.monotonic() value after which no more calls are made.
    """

    def __init__(self, cells, *, limits=None, deadline=None, **overrides):
        self.cells = dict(cells)
        self.limits = {**policy.LIMITS, **(limits or {}), **overrides}
        self.deadline = deadline
        self.cell_errors = {}
        self.printed_bytes = 0
        self.worker = None

    # --- workers ---------------------------------------------------------------------------------
    def _timeout(self):
        timeout = self.limits["call_seconds"]
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise SandboxError(
                    f"grading this notebook took longer than {self.limits['submission_seconds']:.0f} seconds, "
                    "so this check was not run")
            timeout = min(timeout, left)
        return timeout

    def _define_cells(self, worker):
        for cell, code in self.cells.items():
            if cell in self.cell_errors and self.cell_errors[cell][1]:
                continue  # this cell killed or hung an earlier worker
            try:
                reply, _ = worker.request({"op": "define", "cell": cell, "code": code}, timeout=self._timeout())
            except SandboxError as error:
                self.cell_errors[cell] = (f"running the cell: {error}", True)
                raise
            if "error" in reply:
                kind, message = (list(reply["error"]) + ["", ""])[:2]
                self.cell_errors[cell] = (f"{kind}: {message}", False)

    def _fatal_cells(self):
        return sum(fatal for _, fatal in self.cell_errors.values())

    def _start(self, mode="plain", before_cells=None):
        """A worker with every cell defined that did not kill or hang an earlier one."""
        while True:
            worker = Worker(mode=mode, limits=self.limits)
            fatal = self._fatal_cells()
            try:
                if before_cells:
                    before_cells(worker)
                self._define_cells(worker)
                return worker
            except SandboxError:
                self.printed_bytes += worker.printed_bytes
                worker.close()
                if self._fatal_cells() == fatal:  # no cell to blame: do not try again
                    raise

    def _worker(self):
        if self.worker is None:
            self.worker = self._start()
        return self.worker

    def _lose_worker(self):
        if self.worker is not None:
            self.printed_bytes += self.worker.printed_bytes
            self.worker.close()
            self.worker = None

    def close(self):
        self._lose_worker()

    def total_printed_bytes(self):
        return self.printed_bytes + (self.worker.printed_bytes if self.worker else 0)

    def cpu_seconds(self):
        """CPU time of the current worker so far (0 when none runs)."""
        return self.worker.cpu_seconds() if self.worker is not None else 0.0

    # --- calls -----------------------------------------------------------------------------------
    def _encode_arguments(self, args):
        """Forms of the arguments; arrays, also inside lists, tuples and dicts, become shared copies.

        Returns (forms, blobs, fds, shared) where shared lists (path, bytes) of each shared array.
        """
        blobs, fds, shared = [], [], []
        max_shared = self.limits["open_files"] // 2

        def form(value, path):
            if type(value) is np.ndarray and value.size and value.dtype.kind in protocol.NUMERIC_KINDS \
                    and len(fds) < max_shared:
                data = np.ascontiguousarray(value).tobytes()
                fds.append(_memfd(data))
                shared.append((path, data))
                return {"shared": value.dtype.str, "shape": list(value.shape), "fd": len(fds) - 1}
            if type(value) in (list, tuple):
                return {type(value).__name__: [form(v, (*path, i)) for i, v in enumerate(value)]}
            if type(value) is dict:
                return {"dict": {k: form(v, (*path, k)) for k, v in value.items()}}
            if callable(value):
                return _test_function_form(value)
            return protocol.encode(value, blobs)

        forms = [form(arg, (i,)) for i, arg in enumerate(args)]
        return forms, blobs, fds, shared

    def _decode_reply(self, reply, blobs):
        if "error" in reply:
            kind, message = (list(reply["error"]) + ["", ""])[:2]
            raise StudentError(kind, message)
        try:
            value = protocol.decode(reply.get("value"), blobs)
        except protocol.ProtocolError as error:
            raise SandboxError(f"the grading process sent an invalid result ({error})") from None
        caught = reply.get("warnings")
        warnings = [f"{str(w[0])[:100]}: {str(w[1])[:500]}" for w in caught if isinstance(w, list) and len(w) == 2] \
            if isinstance(caught, list) else []
        traced = reply.get("tracemalloc_peak")
        traced = int(traced) if type(traced) in (int, float) and traced >= 0 else 0
        return CallResult(value, warnings[:5], traced_peak=traced)

    def _check_defined(self, name):
        if name in self.cell_errors:
            raise SandboxError(f"its cell could not be run: {self.cell_errors[name][0]}")

    def call(self, name, args, *, detect_changes=True):
        """Call ``name(*args)`` in the worker; returns a CallResult.

        Raises StudentError when student code raised, SandboxError when the
        worker failed (it is restarted for the next call).
        """
        self._check_defined(name)
        worker = self._worker()
        forms, blobs, fds, shared = self._encode_arguments(args)
        try:
            try:
                before = worker.cpu_seconds()
                reply, reply_blobs = worker.request({"op": "call", "name": name, "args": forms}, blobs, fds,
                                                    timeout=self._timeout())
                cpu = worker.cpu_seconds() - before
            except SandboxError:
                self._lose_worker()
                raise
            modified = [path for (path, data), fd in zip(shared, fds, strict=True)
                        if detect_changes and os.pread(fd, len(data), 0) != data]
        finally:
            for fd in fds:
                os.close(fd)
        result = self._decode_reply(reply, reply_blobs)
        result.modified, result.cpu_seconds = modified, cpu
        return result

    def measure_memory(self, name, args):
        """One call in a fresh worker; returns (CallResult, resident bytes beyond the baseline).

        The baseline is the worker's resident size once its arguments are
        mapped and before any answer cell runs, so memory that the cells
        allocate when they are defined counts too.
        """
        self._check_defined(name)
        forms, blobs, fds, _ = self._encode_arguments(args)
        baseline = {}

        def hold_arguments(worker):
            worker.request({"op": "hold", "args": forms}, blobs, fds, timeout=self._timeout())
            baseline["kib"] = worker.status_kib("VmRSS")

        try:
            worker = self._start("memory", before_cells=hold_arguments)
        finally:
            for fd in fds:
                os.close(fd)
        try:
            worker.reset_peak_memory()
            reply, reply_blobs = worker.request({"op": "call", "name": name, "held": True, "measure_memory": True},
                                                timeout=self._timeout())
            peak = worker.status_kib("VmHWM")
        finally:
            self.printed_bytes += worker.printed_bytes
            worker.close()
        result = self._decode_reply(reply, reply_blobs)
        return result, max(peak - baseline["kib"], 0) * 1024

    def function(self, name):
        return RemoteFunction(self, name)


class RemoteFunction:
    """A student function in a sandbox, callable like the local one."""

    def __init__(self, sandbox, name):
        self.sandbox, self.__name__ = sandbox, name

    def run(self, args, *, detect_changes=True):
        return self.sandbox.call(self.__name__, args, detect_changes=detect_changes)

    def measure_memory(self, args):
        return self.sandbox.measure_memory(self.__name__, args)

    def cpu_seconds(self):
        return self.sandbox.cpu_seconds()

    def __call__(self, *args):
        return self.run(args).value
