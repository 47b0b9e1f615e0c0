"""The grader's side of the sandbox: worker processes and function proxies.

``Sandbox`` runs one set of answer cells in an isolated worker
(``isolation``, ``policy``) and restarts it when student code kills or hangs
it; ``RemoteFunction`` makes a function in the worker callable like a local
one. Arguments are copies in shared memory, so the grader's own arrays are
never within the worker's reach; after a call the grader reads the copies
back to see what the worker changed in place. Time is the worker's CPU time
(its CPU-time clock) and memory its peak resident size (``/proc``), both read
by the grader.
"""

import contextlib
import ctypes
import inspect
import json
import mmap
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

from autograder import loop_counts, tracebacks
from autograder.errors import CallTimedOut, SandboxError, StudentError

from . import isolation, policy, protocol
from .isolation import SandboxUnavailable

__all__ = ["CallResult", "OutOfTime", "RemoteFunction", "ResultTooLarge", "Sandbox", "SandboxError",
           "SandboxUnavailable", "StudentError", "TooIdle"]


CPUCLOCK_SCHED = 2  # Linux's encoding of a process's CPU-time clock: ((~pid) << 3) | 2


class ResultTooLarge(SandboxError):
    """A reply larger than the call's arguments can justify, refused before it was decoded."""


class OutOfTime(SandboxError):
    """The notebook's time budget ran out (``Sandbox.budget_seconds``)."""


class TooIdle(OutOfTime):
    """The notebook's idle budget ran out (``Sandbox.idle_budget_seconds``): its code waited,
    neither running nor ready to run, longer than that in all."""


IDLE_TICK_SECONDS = 0.1  # how often a worker's idle time is read while the grader waits for it


@dataclass
class CallResult:
    """What one call of student code returned, and what it did."""

    value: object
    warnings: list = field(default_factory=list)  # "Category: message" strings
    modified: list = field(default_factory=list)  # paths of arguments changed in place, e.g. (0,) or (0, 1, 0)
    cpu_seconds: float = 0.0
    traced_peak: int = 0
    events: dict | None = None  # what the call did, when counted (``loop_counts.EVENTS``)


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


class _IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.process_vm_readv.argtypes = [ctypes.c_int, ctypes.POINTER(_IoVec), ctypes.c_ulong,
                                   ctypes.POINTER(_IoVec), ctypes.c_ulong, ctypes.c_ulong]
_libc.process_vm_readv.restype = ctypes.c_ssize_t


def read_process_memory(pid, address, size):
    """``size`` bytes at ``address`` in process ``pid`` (process_vm_readv), as a bytearray."""
    buffer = bytearray(size)
    done = 0
    while done < size:
        local = _IoVec(ctypes.addressof(ctypes.c_char.from_buffer(buffer, done)), size - done)
        remote = _IoVec(address + done, size - done)
        count = _libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
        if count <= 0:
            raise OSError(ctypes.get_errno(), "process_vm_readv failed")
        done += count
    return buffer


class _WorkerMemory(list):
    """The blobs of a reply, and the worker's memory for the arrays it left in place."""

    def __init__(self, pid, blobs, limit):
        super().__init__(blobs)
        self.pid, self.left = pid, limit

    def read(self, address, size):
        if size > self.left:
            raise protocol.ProtocolError("result too large")
        self.left -= size
        try:
            return read_process_memory(self.pid, address, size) if size else bytearray()
        except OSError as error:
            raise protocol.ProtocolError(f"cannot read the result ({error})") from None


def _float64_bytes(value):
    """Bytes of the arrays in ``value`` (also inside lists, tuples and dicts) as float64 numbers."""
    if isinstance(value, np.ndarray):
        return value.size * max(value.itemsize, 8)
    if type(value) in (list, tuple):
        return sum(_float64_bytes(v) for v in value)
    if type(value) is dict:
        return sum(_float64_bytes(v) for v in value.values())
    return 0


def _events(reply):
    """The counts of a reply (``loop_counts.EVENTS``) as {event: int}, or None if it has none or they
    are malformed."""
    if type(reply) is not dict or set(reply) != set(loop_counts.EVENTS):
        return None
    if not all(type(n) is int and n >= 0 for n in reply.values()):
        return None
    return dict(reply)


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


PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In a container-mode worker before it starts: be killed when the grader dies (bubblewrap's
    --die-with-parent)."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Worker:
    """One isolated worker process with a connection to it."""

    def __init__(self, *, mode, limits):
        self.limits = limits
        parent, child = socket.socketpair()
        info_read, info_write = os.pipe()
        # The arena: shared memory that the worker maps once, where the grader writes arguments.
        arena_fd = os.memfd_create("arguments", os.MFD_CLOEXEC)
        os.ftruncate(arena_fd, limits["arena_bytes"])
        self.arena = mmap.mmap(arena_fd, limits["arena_bytes"])
        container = isolation.check_mode(limits) == "container"
        try:
            if container:  # no bubblewrap: the worker is the child, with only the worker's environment
                argv = isolation.container_command(mode, limits, child.fileno(), arena_fd)
                options = {"env": isolation.environment(mode), "cwd": "/", "preexec_fn": _die_with_parent}
            else:
                argv = isolation.command(mode, limits, child.fileno(), info_write, arena_fd)
                options = {}
            self.process = subprocess.Popen(
                argv, pass_fds=[child.fileno(), info_write, arena_fd], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, **options,
            )
        finally:
            child.close()
            os.close(info_write)
            os.close(arena_fd)
        self.sock = parent
        self.output = [_OutputCounter(self.process.stdout), _OutputCounter(self.process.stderr)]
        for counter in self.output:
            counter.start()
        try:
            self.pid = self.process.pid if container else self._child_pid(info_read)
        finally:
            os.close(info_read)
        header, _ = self.request(None, timeout=limits["start_seconds"])
        if header.get("op") == "unavailable":
            self.close()
            raise SandboxUnavailable(str(header.get("reason")))
        if header.get("op") != "ready":
            self.close()
            raise SandboxError("the grading process did not start")
        self.left_in_place = self._can_read_memory(header.get("probe"))
        self.last_idle_seconds = 0.0

    def _can_read_memory(self, address):
        """Whether results can stay in the worker's memory for the grader to read."""
        try:
            return read_process_memory(self.pid, int(address), len(protocol.MEMORY_PROBE)) == protocol.MEMORY_PROBE
        except (OSError, TypeError, ValueError):
            return False

    def memory(self, blobs, limit):
        """The blobs of the last reply, able to read the arrays the worker left in place
        (``limit`` bytes at most)."""
        return _WorkerMemory(self.pid, blobs, limit)

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
            return int(json.loads(text)["child-pid"])
        except (ValueError, KeyError, TypeError):
            self.process.kill()
            self.process.wait()
            for counter in self.output:
                counter.join(timeout=5)
            reason = self.output[1].start_of_text.decode(errors="replace").strip() or "no reason given"
            raise SandboxUnavailable(f"bubblewrap could not isolate a worker on this machine: {reason} "
                                     f"{isolation.CONTAINER_HINT}") from None

    @property
    def printed_bytes(self):
        return sum(counter.count for counter in self.output)

    def request(self, header, blobs=(), fds=(), *, timeout=None, max_reply_bytes=None, idle_allowance=None):
        """Send a request (None: just wait) and return the reply (header, blobs).

        max_reply_bytes: the largest reply accepted (its arrays' bytes and its JSON part);
        a larger one is refused unread (ResultTooLarge) and the worker stopped.
        idle_allowance: seconds the worker may be idle (``idle_seconds``) before it replies;
        past them it is stopped (TooIdle). ``last_idle_seconds`` is the idle time of this request.
        """
        timeout = timeout or self.limits["call_seconds"]
        header_limit = self.limits["reply_header_bytes"]
        self.last_idle_seconds = 0.0
        try:
            self.sock.settimeout(timeout)
            if header is not None:
                protocol.send(self.sock, header, blobs, fds)
            self.sock.settimeout(self._await_reply(timeout, idle_allowance))
            reply, reply_blobs, _ = protocol.receive(
                self.sock, max_bytes=(max_reply_bytes or self.limits["frame_bytes"]) + header_limit,
                max_header_bytes=header_limit)
        except TooIdle:
            self.close()
            raise
        except protocol.MessageTooLarge as error:
            self.close()
            raise ResultTooLarge(f"its reply was too large ({error}) and was refused") from None
        except TimeoutError:
            self.close()
            raise CallTimedOut(timeout) from None
        except (EOFError, OSError) as error:
            status = self.close(grace_seconds=2.0)  # let it finish dying, to report how it died
            raise SandboxError(self._death_message(status, error)) from None
        except Exception as error:  # anything else on the socket: the worker is not speaking the protocol
            self.close()
            raise SandboxError(f"the grading process sent garbage ({type(error).__name__}) and was stopped") from None
        return reply, reply_blobs

    def _await_reply(self, timeout, idle_allowance):
        """Wait until the reply starts arriving; return the seconds left of ``timeout``.

        Raises TimeoutError when none are left, TooIdle when the worker has been idle
        longer than ``idle_allowance`` seconds meanwhile (None: any time)."""
        started, busy = time.monotonic(), self.busy_seconds()

        def idle():
            now_busy = self.busy_seconds()
            if busy is None or now_busy is None:
                return 0.0
            return max(0.0, time.monotonic() - started - (now_busy - busy))

        try:
            while True:
                left = started + timeout - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                ready, _, _ = select.select([self.sock], [], [], min(left, IDLE_TICK_SECONDS))
                if ready:
                    return max(left, 1.0)
                if idle_allowance is not None and idle() > idle_allowance:
                    raise TooIdle
        finally:
            self.last_idle_seconds = idle()

    def busy_seconds(self):
        """Seconds the worker has spent running or ready to run (waiting for a CPU), from the
        kernel's schedstat; where the kernel keeps no such count, its CPU time, so that waiting
        for a CPU counts as idle there. None once the worker is gone.

        Whatever else its life holds (sleeping, waiting for a pipe or a lock) is idle time:
        code that waits makes a grading worker wait without using the machine."""
        try:
            with open(self._proc("schedstat")) as stat:
                running, runnable = (int(n) for n in stat.read().split()[:2])
            if running:
                return (running + runnable) / 1e9
        except (OSError, ValueError):
            pass
        try:
            return self.cpu_seconds()
        except SandboxError:
            return None

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

    def wait_until_idle(self, seconds=1.0):
        """Wait (briefly) until the worker sleeps, waiting for a request, so that
        what it did after its last reply is not counted in the next call."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with open(self._proc("stat")) as stat:
                    state = stat.read().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                return
            if state != "R":
                return
            time.sleep(0.0001)

    def cpu_seconds(self):
        """CPU time the worker has used so far, through its CPU-time clock.

        While the worker runs, the kernel may not have accounted its current
        slice yet; ``settled_cpu_seconds`` waits until it sleeps.
        """
        try:
            return time.clock_gettime(((~self.pid) << 3) | CPUCLOCK_SCHED)
        except OSError:
            raise SandboxError("the grading process is gone") from None

    def settled_cpu_seconds(self):
        """CPU time once the worker waits for its next request and the count stands still."""
        self.wait_until_idle()
        value = self.cpu_seconds()
        for _ in range(20):
            time.sleep(0.0001)
            again = self.cpu_seconds()
            if again == value:
                break
            self.wait_until_idle()
            value = again
        return value

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
        if not self.arena.closed:
            self.arena.close()
        return status


class Sandbox:
    """A student's answer cells, running in a worker that is restarted as needed.

    cells: {cell id: code} in notebook order. A cell whose definition raises
    is reported; one that hangs or kills the worker is left out of the
    restarted workers, so only the functions it defines are lost.
    deadline: a time.monotonic() value after which no more calls are made.
    budget_seconds: the wall-clock time its workers may take in all (starting,
        defining the cells, calls); the call running when it runs out is
        stopped (OutOfTime). ``spent_seconds()`` is the time taken so far.
    idle_budget_seconds: the time its code may spend idle in all (sleeping or
        blocked: ``Worker.busy_seconds``); the call or definition running when
        it runs out is stopped (TooIdle). ``idle_seconds`` is the time so far.
    """

    def __init__(self, cells, *, limits=None, deadline=None, budget_seconds=None, idle_budget_seconds=None,
                 **overrides):
        self.cells = dict(cells)
        self.limits = {**policy.LIMITS, **(limits or {}), **overrides}
        self.deadline = deadline
        self.budget_seconds = budget_seconds
        self.idle_budget_seconds = idle_budget_seconds
        self.spent, self._since = 0.0, None
        self.idle_seconds = 0.0
        self.cell_errors = {}
        self.printed_bytes = 0
        self.worker = None

    # --- time ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _charged(self):
        """Count the time inside the block as the notebook's (nested blocks count once); a
        SandboxError raised once the budget is spent becomes OutOfTime, and a worker's TooIdle
        gets its message."""
        outer = self._since is None
        if outer:
            self._since = time.monotonic()
        try:
            yield
        except TooIdle as error:
            if str(error):
                raise
            raise TooIdle(f"stopped: {self.exhausted()} during this check") from None
        except OutOfTime:
            raise
        except SandboxError as error:
            if self._out_of_time():
                raise OutOfTime(f"stopped: {self.exhausted()} during this check") from error
            raise
        finally:
            if outer:
                self.spent += time.monotonic() - self._since
                self._since = None

    def _out_of_time(self):
        return self.budget_seconds is not None and self.spent_seconds() >= self.budget_seconds

    def _too_idle(self):
        return self.idle_budget_seconds is not None and self.idle_seconds >= self.idle_budget_seconds

    def exhausted(self):
        """Why this notebook's code may run no more ("this notebook reached its time limit ..."), or None."""
        if self._too_idle():
            return (f"this notebook's code waited (time.sleep or a blocking call?) instead of "
                    f"computing for more than {self.idle_budget_seconds:.0f} seconds in all")
        if self._out_of_time():
            return (f"this notebook reached its time limit for running your code "
                    f"({self.budget_seconds:.0f} seconds in all)")
        return None

    def _request(self, worker, header, blobs=(), fds=(), **options):
        """``worker.request`` within this notebook's time limits, its idle time counted."""
        allowance = None if self.idle_budget_seconds is None else self.idle_budget_seconds - self.idle_seconds
        try:
            return worker.request(header, blobs, fds, timeout=self._timeout(), idle_allowance=allowance, **options)
        finally:
            self.idle_seconds += worker.last_idle_seconds

    def spent_seconds(self):
        """Wall-clock time the workers have taken so far (starting, defining, calls)."""
        return self.spent + (time.monotonic() - self._since if self._since is not None else 0.0)

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
        if self._too_idle():
            raise TooIdle(f"not run: {self.exhausted()} in an earlier check")
        if self.budget_seconds is not None:
            left = self.budget_seconds - self.spent_seconds()
            if left <= 0:
                raise OutOfTime(f"not run: {self.exhausted()} in an earlier check")
            timeout = min(timeout, left)
        return timeout

    def _define_cells(self, worker):
        self._define_cells_named(worker, list(self.cells))

    def _define_cells_named(self, worker, names):
        for cell in names:
            code = self.cells[cell]
            if cell in self.cell_errors and self.cell_errors[cell][1]:
                continue  # this cell killed or hung an earlier worker
            try:
                reply, _ = self._request(worker, {"op": "define", "cell": cell, "code": code})
            except SandboxError as error:
                if not (isinstance(error, OutOfTime) or self._out_of_time()):  # else the notebook's time is to blame
                    self.cell_errors[cell] = (f"running the cell: {error}", True)
                raise
            if "error" in reply:
                kind, message = (list(reply["error"]) + ["", ""])[:2]
                self.cell_errors[cell] = (f"{kind}: {message}", False)

    def _fatal_cells(self):
        return sum(fatal for _, fatal in self.cell_errors.values())

    def _start(self, mode="plain", before_cells=None):
        """A worker with every cell defined that did not kill or hang an earlier one."""
        with self._charged():
            return self._start_uncharged(mode, before_cells)

    def _start_uncharged(self, mode, before_cells):
        while True:
            self._timeout()  # no worker is started for a call that may not run
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

    def add_cell(self, cell, code):
        """Define one more cell, now and in every restarted worker."""
        self.cells[cell] = code
        if self.worker is not None:
            with self._charged():
                self._define_cells_named(self.worker, [cell])

    def total_printed_bytes(self):
        return self.printed_bytes + (self.worker.printed_bytes if self.worker else 0)

    def cpu_seconds(self, *, once_idle=False):
        """CPU time of the current worker so far (0 when none runs); with
        ``once_idle``, after it has finished what it did after its last reply."""
        if self.worker is None:
            return 0.0
        return self.worker.settled_cpu_seconds() if once_idle else self.worker.cpu_seconds()

    # --- calls -----------------------------------------------------------------------------------
    def _encode_arguments(self, args, worker):
        """Forms of the arguments for ``worker``; arrays, also inside lists, tuples and
        dicts, become copies in its arena (or, past its size, in shared memory of their own).

        Returns (forms, blobs, fds, shared) where shared lists (path, bytes, place) of each
        array copied, place being ("arena", offset) or ("fd", descriptor).
        """
        blobs, fds, shared = [], [], []
        max_fds, free = self.limits["open_files"] // 2, [0]

        def form(value, path):
            if type(value) is np.ndarray and value.size and value.dtype.kind in protocol.NUMERIC_KINDS:
                data = np.ascontiguousarray(value).tobytes()
                offset = -(-free[0] // 64) * 64  # aligned for SIMD loads
                if offset + len(data) <= len(worker.arena):
                    worker.arena[offset:offset + len(data)] = data
                    free[0] = offset + len(data)
                    shared.append((path, data, ("arena", offset)))
                    return {"arena": value.dtype.str, "shape": list(value.shape), "offset": offset}
                if len(fds) < max_fds:
                    fds.append(_memfd(data))
                    shared.append((path, data, ("fd", fds[-1])))
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

    @staticmethod
    def _changed(worker, data, place):
        kind, where = place
        now = worker.arena[where:where + len(data)] if kind == "arena" else os.pread(where, len(data), 0)
        return now != data

    def _result_limit(self, args):
        """The most bytes a result of a call on ``args`` may take as float64 numbers."""
        return max(self.limits["result_floor_bytes"], self.limits["result_multiple"] * _float64_bytes(args))

    def _decode_reply(self, reply, blobs, limit):
        if "error" in reply:
            kind, message, place = (list(reply["error"]) + ["", "", None])[:3]
            raise StudentError(kind, message, self._place(place))
        size = protocol.float64_bytes(reply.get("value"))
        if size > limit:
            raise ResultTooLarge(
                f"its result is too large: {size / 1e6:.0f} MB as float64 numbers, more than the "
                f"{limit / 1e6:.0f} MB a result of these arguments may take")
        try:
            value = protocol.decode(reply.get("value"), blobs)
        except protocol.ProtocolError as error:
            raise SandboxError(f"the grading process sent an invalid result ({error})") from None
        caught = reply.get("warnings")
        warnings = [f"{str(w[0])[:100]}: {str(w[1])[:500]}" for w in caught if isinstance(w, list) and len(w) == 2] \
            if isinstance(caught, list) else []
        traced = reply.get("tracemalloc_peak")
        traced = int(traced) if type(traced) in (int, float) and traced >= 0 else 0
        return CallResult(value, warnings[:5], traced_peak=traced, events=_events(reply.get("events")))

    def _place(self, place):
        """``StudentError.where`` from a worker's account of where its code raised, checked: the line
        is read from this side's copy of the cell, and only operands written on it are kept."""
        place = place if isinstance(place, dict) else {}
        parameters = place.get("parameters")
        where = {"parameters": [p for p in parameters if isinstance(p, str) and p.isidentifier()][:20]
                 if isinstance(parameters, list) else None}
        file, line = place.get("file"), place.get("line")
        cell = file[len("<answer cell "):-1] if isinstance(file, str) and file.startswith("<answer cell ") else None
        lines = self.cells.get(cell, "").splitlines() if cell in self.cells else []
        if type(line) is int and 1 <= line <= len(lines):
            where["code"] = lines[line - 1].strip()
            where["operands"] = tracebacks.checked_operands(place.get("operands"), where["code"])
        return where

    def _check_defined(self, name):
        if name in self.cell_errors:
            raise SandboxError(f"its cell could not be run: {self.cell_errors[name][0]}")

    def call(self, name, args, *, detect_changes=True, count_events=False):
        """Call ``name(*args)`` in the worker; returns a CallResult.

        count_events: count what the call does (``loop_counts``) into the
        result's ``events``; its value is then None.
        Raises StudentError when student code raised, SandboxError when the
        worker failed (it is restarted for the next call).
        """
        with self._charged():
            return self._call(name, args, detect_changes, count_events)

    def _call(self, name, args, detect_changes, count_events=False):
        self._check_defined(name)
        worker = self._worker()
        forms, blobs, fds, shared = self._encode_arguments(args, worker)
        request = {"op": "call", "name": name, "args": forms, "left_in_place": worker.left_in_place,
                   "count_events": count_events}
        limit = self._result_limit(args)
        try:
            try:
                before = worker.settled_cpu_seconds()
                reply, reply_blobs = self._request(worker, request, blobs, fds, max_reply_bytes=limit)
                cpu = worker.settled_cpu_seconds() - before
                result = self._decode_reply(reply, worker.memory(reply_blobs, limit), limit)
            except SandboxError:
                self._lose_worker()
                raise
            modified = [path for path, data, place in shared if detect_changes and self._changed(worker, data, place)]
        finally:
            for fd in fds:
                os.close(fd)
        result.modified, result.cpu_seconds = modified, cpu
        return result

    def measure_memory(self, name, args):
        """One call in a fresh worker; returns (CallResult, resident bytes beyond the baseline).

        The baseline is the worker's resident size once its arguments are
        mapped and before any answer cell runs, so memory that the cells
        allocate when they are defined counts too.
        """
        with self._charged():
            return self._measure_memory(name, args)

    def _measure_memory(self, name, args):
        self._check_defined(name)
        baseline = {}

        def hold_arguments(worker):
            forms, blobs, fds, _ = self._encode_arguments(args, worker)
            try:
                self._request(worker, {"op": "hold", "args": forms}, blobs, fds)
            finally:
                for fd in fds:
                    os.close(fd)
            baseline["kib"] = worker.status_kib("VmRSS")

        worker = self._start("memory", before_cells=hold_arguments)
        try:
            worker.reset_peak_memory()
            request = {"op": "call", "name": name, "held": True, "measure_memory": True,
                       "left_in_place": worker.left_in_place}
            limit = self._result_limit(args)
            reply, reply_blobs = self._request(worker, request, max_reply_bytes=limit)
            peak = worker.status_kib("VmHWM")
            result = self._decode_reply(reply, worker.memory(reply_blobs, limit), limit)
        finally:
            self.printed_bytes += worker.printed_bytes
            worker.close()
        return result, max(peak - baseline["kib"], 0) * 1024

    def function(self, name):
        return RemoteFunction(self, name)


class RemoteFunction:
    """A student function in a sandbox, callable like the local one."""

    def __init__(self, sandbox, name):
        self.sandbox, self.__name__ = sandbox, name

    def run(self, args, *, detect_changes=True):
        return self.sandbox.call(self.__name__, args, detect_changes=detect_changes)

    def parameter_names(self):
        """Its positional parameters, as its cell defines them (None where that is not a plain def)."""
        return tracebacks.parameter_names_in_source(self.sandbox.cells.get(self.__name__, ""), self.__name__)

    def measure_memory(self, args):
        return self.sandbox.measure_memory(self.__name__, args)

    def count_events(self, args):
        """What one call on ``args`` did: {event: count} (``loop_counts``)."""
        events = self.sandbox.call(self.__name__, args, detect_changes=False, count_events=True).events
        if events is None:
            raise SandboxError("the grading process did not say what the call did")
        return events

    def cpu_seconds(self, *, once_idle=False):
        return self.sandbox.cpu_seconds(once_idle=once_idle)

    def __call__(self, *args):
        return self.run(args).value
