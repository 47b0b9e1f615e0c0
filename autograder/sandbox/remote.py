"""The trusted side of the sandbox: worker processes and function proxies.

``Sandbox`` runs one set of answer cells in a worker process and restarts it
when student code kills or hangs it; ``RemoteFunction`` makes a function in the
worker look like a local one to the checks of ``autograder.checks``.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np

from autograder.sandbox import protocol

DEFAULT_MEMORY_LIMIT = 4 << 30  # address space of a worker, bytes
DEFAULT_CPU_SECONDS = 600  # CPU time of a worker over its whole life
DEFAULT_CALL_TIMEOUT = 30.0  # wall-clock seconds for one definition or call
START_TIMEOUT = 60.0

WORKER_ENVIRONMENT = {
    # One thread everywhere: fair timings, and the sandbox forbids new threads.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    # Large arrays get their own mappings, returned to the system when freed,
    # so the peak resident size measures the peak of live arrays.
    "MALLOC_MMAP_THRESHOLD_": "65536",
    "MALLOC_TRIM_THRESHOLD_": "0",
}


class SandboxError(Exception):
    """The worker could not do what was asked; the message is for the student."""


class SandboxUnavailable(RuntimeError):
    """This machine cannot run the sandbox (no seccomp); grading must stop."""


def _student_exception(kind, message):
    """An exception carrying the name and message of one raised in the worker."""
    if kind == "NotImplementedError":
        return NotImplementedError(message)
    exception_type = type(str(kind)[:100] if str(kind).isidentifier() else "Exception", (Exception,), {})
    return exception_type(message)


class _OutputCounter(threading.Thread):
    """Drains a pipe from the worker, counting (and discarding) what it prints."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.count = stream, 0

    def run(self):
        while chunk := self.stream.read1(1 << 16):
            self.count += len(chunk)


def _is_shared(value):
    return isinstance(value, np.ndarray) and value.size > 0 and value.dtype.kind in protocol.NUMERIC_KINDS


def _shared_array(array):
    """A memfd holding the bytes of ``array``; the worker maps it."""
    fd = os.memfd_create("argument")
    data = np.ascontiguousarray(array).tobytes()
    if data:
        os.write(fd, data)
    return fd


class Worker:
    """One worker process with a connection to it."""

    def __init__(self, assignment, *, memory_limit, cpu_seconds, timeout):
        self.timeout = timeout
        parent, child = socket.socketpair()
        self.workdir = tempfile.TemporaryDirectory(prefix="mcdl-worker-")
        environment = {"PATH": os.environ.get("PATH", ""), "HOME": self.workdir.name, **WORKER_ENVIRONMENT}
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-m", "autograder.sandbox.worker", str(child.fileno()), assignment,
             str(memory_limit), str(cpu_seconds)],
            pass_fds=[child.fileno()], cwd=self.workdir.name, env=environment,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        child.close()
        self.sock = parent
        self.output = [_OutputCounter(self.process.stdout), _OutputCounter(self.process.stderr)]
        for counter in self.output:
            counter.start()
        header, _ = self.request(None, timeout=START_TIMEOUT)
        if header.get("op") == "unavailable":
            self.close()
            raise SandboxUnavailable(str(header.get("reason")))
        if header.get("op") != "ready":
            self.close()
            raise SandboxError("the grading process did not start")

    @property
    def printed_bytes(self):
        return sum(counter.count for counter in self.output)

    def request(self, header, blobs=(), fds=(), *, timeout=None):
        """Send a request (None: just wait) and return the reply (header, blobs)."""
        self.sock.settimeout(timeout or self.timeout)
        try:
            if header is not None:
                protocol.send(self.sock, header, blobs, fds)
            reply, reply_blobs, _ = protocol.receive(self.sock)
        except TimeoutError:
            self.close()
            raise SandboxError(
                f"it did not finish within {timeout or self.timeout:.0f} seconds (an endless loop?)"
            ) from None
        except (EOFError, OSError, protocol.ProtocolError) as error:
            status = self.close()
            raise SandboxError(self._death_message(status, error)) from None
        if not isinstance(reply, dict):
            self.close()
            raise SandboxError("the grading process sent a malformed reply")
        return reply, reply_blobs

    def _death_message(self, status, error):
        if status is None or status == 0:
            return f"the grading process stopped answering ({error})"
        if status < 0:
            name = signal.Signals(-status).name if -status in signal.Signals._value2member_map_ else -status
            hint = " (out of memory or CPU time?)" if name in ("SIGKILL", "SIGXCPU", "SIGSEGV") else ""
            return f"your code crashed the grading process (signal {name}){hint}"
        return f"your code ended the grading process (exit status {status}: sys.exit or os._exit?)"

    def status_kib(self, field):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise SandboxError(f"cannot read {field} of the grading process")

    def reset_peak_memory(self):
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as clear:
            clear.write("5")

    def close(self):
        """Stop the worker; return its exit status."""
        if self.process.poll() is None:
            self.process.kill()
        status = self.process.wait()
        for counter in self.output:
            counter.join(timeout=5)
        self.process.stdout.close()
        self.process.stderr.close()
        self.sock.close()
        self.workdir.cleanup()
        return status


class Sandbox:
    """A student's answer cells, running in a worker that is restarted as needed.

    cells: {cell id: code} in notebook order. A cell whose definition raises
    is reported; one that hangs or kills the worker is left out of the
    restarted workers, so only the functions it defines are lost.
    """

    def __init__(self, assignment, cells, *, memory_limit=DEFAULT_MEMORY_LIMIT,
                 cpu_seconds=DEFAULT_CPU_SECONDS, timeout=DEFAULT_CALL_TIMEOUT):
        self.assignment, self.cells = assignment, dict(cells)
        self.options = {"memory_limit": memory_limit, "cpu_seconds": cpu_seconds, "timeout": timeout}
        self.cell_errors = {}
        self.printed_bytes = 0
        self.worker = None

    def _start(self):
        while True:
            worker = Worker(self.assignment, **self.options)
            try:
                for cell, code in self.cells.items():
                    if cell in self.cell_errors and self.cell_errors[cell][1]:
                        continue  # this cell killed or hung an earlier worker
                    try:
                        reply, _ = worker.request({"op": "define", "cell": cell, "code": code})
                    except SandboxError as error:
                        self.cell_errors[cell] = (f"running the cell: {error}", True)
                        raise
                    if "error" in reply:
                        self.cell_errors[cell] = ("{}: {}".format(*reply["error"]), False)
                return worker
            except SandboxError:
                self.printed_bytes += worker.printed_bytes
                worker.close()

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

    def _encode_arguments(self, args):
        """JSON forms of the arguments; arrays, also inside lists and tuples, go in shared memory."""
        blobs, fds = [], []

        def form(value):
            if _is_shared(value):
                fds.append(_shared_array(value))
                return {"shared": len(fds) - 1, "dtype": value.dtype.str, "shape": list(value.shape)}
            if isinstance(value, (list, tuple)):
                return {type(value).__name__: [form(v) for v in value]}
            if callable(value) and getattr(value, "__module__", "") == f"autograder.assignments.{self.assignment}":
                return {"callable": value.__name__}
            return protocol.encode(value, blobs)

        return [form(arg) for arg in args], blobs, fds

    def _mirror_in_place_changes(self, args, fds):
        """Copy what the worker did to shared arguments back into the caller's arrays."""
        shared = iter(fds)

        def mirror(value):
            if _is_shared(value):
                fd = next(shared)
                after = np.frombuffer(os.pread(fd, value.nbytes, 0), dtype=value.dtype).reshape(value.shape)
                if not np.array_equal(after, value, equal_nan=True) and value.flags.writeable:
                    np.copyto(value, after)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    mirror(item)

        for arg in args:
            mirror(arg)

    def _decode_reply(self, reply, blobs, name):
        for message in reply.get("warnings", []):
            warnings.warn(f"{name}: {message}", RuntimeWarning, stacklevel=3)
        if "error" in reply:
            kind, message = (list(reply["error"]) + ["", ""])[:2]
            raise _student_exception(kind, message)
        try:
            return protocol.decode(reply.get("value"), blobs)
        except protocol.ProtocolError as error:
            raise SandboxError(f"the grading process sent an invalid result ({error})") from None

    def _check_defined(self, name):
        for cell, (message, _) in self.cell_errors.items():
            if cell == name:
                raise SandboxError(f"its cell could not be run: {message}")

    def call(self, name, args, *, timed=False):
        """Call ``name(*args)`` in the worker; returns the value (and seconds if timed)."""
        self._check_defined(name)
        worker = self._worker()
        forms, blobs, fds = self._encode_arguments(args)
        try:
            start = time.perf_counter()
            try:
                reply, reply_blobs = worker.request({"op": "call", "name": name, "args": forms}, blobs, fds)
            except SandboxError:
                self._lose_worker()
                raise
            seconds = time.perf_counter() - start
            self._mirror_in_place_changes(args, fds)
        finally:
            for fd in fds:
                os.close(fd)
        value = self._decode_reply(reply, reply_blobs, name)
        return (value, seconds) if timed else value

    def measure_memory(self, name, args):
        """Call once and measure memory; returns (value, tracemalloc peak, resident peak), bytes.

        The tracemalloc figure comes from inside the worker; the resident
        peak is read from outside (/proc), where student code cannot reach.
        """
        self._check_defined(name)
        worker = self._worker()
        forms, blobs, fds = self._encode_arguments(args)
        try:
            try:
                worker.request({"op": "stage", "name": name, "args": forms}, blobs, fds)
                before = worker.status_kib("VmRSS")
                worker.reset_peak_memory()
                reply, reply_blobs = worker.request({"op": "run_staged"})
                peak = worker.status_kib("VmHWM")
            except SandboxError:
                self._lose_worker()
                raise
        finally:
            for fd in fds:
                os.close(fd)
        value = self._decode_reply(reply, reply_blobs, name)
        traced = reply.get("tracemalloc_peak")
        traced = int(traced) if isinstance(traced, (int, float)) else 0
        return value, traced, max(peak - before, 0) * 1024

    def function(self, name):
        return RemoteFunction(self, name)


class RemoteFunction:
    """A student function in a sandbox, callable like the local one."""

    def __init__(self, sandbox, name):
        self.sandbox, self.__name__ = sandbox, name

    def __call__(self, *args):
        try:
            return self.sandbox.call(self.__name__, args)
        except SandboxError as error:
            from autograder.checks import GradingFailure

            raise GradingFailure(f"{self.__name__}: {error}") from None
