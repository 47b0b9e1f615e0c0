"""The worker process: runs a student's answer cells and serves calls to them.

It runs inside bubblewrap (``policy``: its own namespaces, an empty read-only
file system) as ``python -I -S -B -c <boot> SOCKET_FD ARENA_FD MODE LIMITS``, with this
package importable as ``mcdl_sandbox`` (and the modules it shares with the
grader, ``isolation.SHARED_MODULES``). Before it reads any student code it
imports every NumPy module (imports open files, which the filter forbids),
limits its resources and loads the seccomp filter. It imports nothing of the
grader: it never holds a check, a seed or a reference answer.

Arguments arrive in ARENA_FD, shared memory it maps once, where the grader
writes them before each call; large arrays of a result stay in the worker's
memory for the grader to read (``protocol.LeftInPlace``). So a timed call
pays for neither copy.

MODE is ``plain`` or ``memory``: a memory worker first lets the BLAS library
touch its work buffers, so that the first matrix product of a measured call
does not count them.
"""

import builtins
import importlib
import json
import linecache
import math
import mmap
import os
import pkgutil
import resource
import socket
import sys
import tracemalloc
import warnings

import numpy as np

from . import policy, protocol, seccomp

if __package__ == "mcdl_sandbox":  # in a worker, which has the counter as a module of its own (isolation.py)
    import mcdl_loop_counts as loop_counts
    import mcdl_tracebacks as tracebacks
else:
    from autograder import loop_counts, tracebacks

MAX_WARNINGS = 5
ARENA = None  # the shared memory where the grader writes arguments, as bytes (mapped in main)
SKIPPED_MODULES = ("tests", "f2py", "distutils", "_pyinstaller", "conftest", "mypy_plugin", "extbuild", "setup")
# Matrix products large enough in every dimension to touch every page of
# OpenBLAS's packing buffers (their panels are at most a few hundred rows
# deep and some thousands of columns wide, whichever kernel it picks).
BLAS_WARM_UP = ((64, 1024, 16384), (4096, 1024, 64), (1024, 1024, 1024))


def import_numpy_completely():
    """Import every NumPy module, so that no NumPy function needs a file later."""
    for module in pkgutil.walk_packages(np.__path__, "numpy."):
        if any(part in SKIPPED_MODULES for part in module.name.split(".")):
            continue
        try:
            importlib.import_module(module.name)
        except Exception:  # optional dependencies (for example of numpy.testing)
            pass


class ModulesAreLoaded:
    """An import finder placed first once the filter is on: a module that is
    not loaded yet cannot be, so say so instead of failing to open its file."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        raise ModuleNotFoundError(f"No module named {name!r} can be imported while grading "
                                  "(answer cells may use numpy and math)")


def _message(exception):
    try:
        return str(exception)[:2000]
    except Exception:
        return "(its message could not be shown)"


def _test_function(form, cache):
    """One of the grader's test functions, compiled from the source it sent."""
    source = str(form["source"])
    if source not in cache:
        namespace = {"np": np, "math": math, "__builtins__": builtins}
        exec(compile(source, f"<grader's {form['function']}>", "exec"), namespace)
        cache[source] = namespace[str(form["function"])]
    return cache[source]


def decode_argument(form, blobs, fds, cache):
    """An argument: shared arrays are mapped, so the grader sees in-place changes."""
    if isinstance(form, dict) and "shared" in form:
        dtype, shape = np.dtype(form["shared"]), tuple(form["shape"])
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        # Mapped with its pages at once (cheaper than a fault per page); unmapped when the array is freed.
        memory = mmap.mmap(fds[form["fd"]], size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE)
        return np.frombuffer(memory, dtype=dtype).reshape(shape)
    if isinstance(form, dict) and "arena" in form:
        dtype, shape = np.dtype(form["arena"]), tuple(form["shape"])
        start = int(form["offset"])
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        return ARENA[start:start + size].view(dtype).reshape(shape)
    if isinstance(form, dict) and "function" in form:
        return _test_function(form, cache)
    for kind in (tuple, list):
        if isinstance(form, dict) and kind.__name__ in form:
            return kind(decode_argument(item, blobs, fds, cache) for item in form[kind.__name__])
    if isinstance(form, dict) and "dict" in form:
        return {key: decode_argument(item, blobs, fds, cache) for key, item in form["dict"].items()}
    return protocol.decode(form, blobs)


def _raised(exception, func, namespace):
    """[kind, message, where] of an exception of student code: where is the line of the answers'
    code that raised it and its parameters (``tracebacks``), for the grader to check and explain."""
    try:
        place = tracebacks.where(exception, namespace) if namespace is not None else None
        place = dict(place or {}, parameters=tracebacks.parameter_names(func))
    except Exception:  # a traceback of student code that cannot be read: the message alone
        place = None
    return [type(exception).__name__, _message(exception), place]


def call(func, args, measure_memory, left_in_place, count_in=None, namespace=None):
    """Call student code; returns (reply header, blobs).

    left_in_place: large arrays of the result stay where they are, for the
    grader to read (``protocol.LeftInPlace``); the caller keeps them alive.
    count_in: the answers' namespace, to count what the call does
    (``loop_counts``): the reply then holds the counts as "events" and no value.
    namespace: the answers' namespace, where an exception's line is looked for.
    """
    peak, events = None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if measure_memory:
            tracemalloc.start()
        try:
            if count_in is None:
                value, error = func(*args), None
            else:
                (_, events), value, error = loop_counts.count(func, args, count_in), None, None
        except BaseException as exception:  # SystemExit and KeyboardInterrupt too
            value, error = None, _raised(exception, func, namespace)
        finally:
            if measure_memory:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
    reply = {
        "warnings": [[w.category.__name__, _message(w.message)[:500]] for w in caught[:MAX_WARNINGS]],
        "n_warnings": len(caught),
        "tracemalloc_peak": peak,
        "events": events,
    }
    blobs = protocol.LeftInPlace() if left_in_place else []
    if error is None:
        try:
            reply["value"] = protocol.encode(value, blobs)
        except protocol.UnsupportedValue as unsupported:
            error, blobs = ("TypeError", f"returned {unsupported}, which is not a number or a NumPy array"), []
            value = None
    if error is not None:
        reply["error"] = list(error)
    return reply, blobs


def serve(sock):
    namespace = {"__name__": "__answers__", "np": np, "__builtins__": builtins}
    held, cache, kept = None, {}, []
    while True:
        header, blobs, fds = protocol.receive(sock, max_fds=policy.LIMITS["open_files"] // 2)
        kept.clear()  # the grader has read the arrays the last reply left in place
        try:
            op = header.get("op")
            if op == "define":
                try:
                    file = f"<answer cell {header['cell']}>"
                    code = str(header["code"])  # kept where tracebacks find a line (no file is read)
                    linecache.cache[file] = (len(code), None, code.splitlines(True), file)
                    exec(compile(code, file, "exec"), namespace)
                    protocol.send(sock, {"ok": True})
                except BaseException as exception:
                    protocol.send(sock, {"error": [type(exception).__name__, _message(exception)]})
            elif op == "hold":  # map and touch the arguments of a measured call before the cells run
                held = [decode_argument(a, blobs, fds, cache) for a in header["args"]]
                for arg in held:
                    if isinstance(arg, np.ndarray) and arg.size:
                        float(arg.sum())
                protocol.send(sock, {"ok": True})
            elif op == "call":
                func = namespace.get(header["name"])
                if header.get("held"):
                    args, held = held, None
                else:
                    args = [decode_argument(a, blobs, fds, cache) for a in header["args"]]
                if not callable(func):
                    protocol.send(sock, {"error": ["NameError", f"name '{header['name']}' is not defined"]})
                else:
                    reply, reply_blobs = call(func, args, bool(header.get("measure_memory")),
                                              bool(header.get("left_in_place")),
                                              namespace if header.get("count_events") else None, namespace)
                    protocol.send(sock, reply, reply_blobs)
                    kept.extend(getattr(reply_blobs, "kept", []))
                del args
            elif op == "exit":
                return
        finally:
            for fd in fds:
                os.close(fd)


def warm_up_blas():
    for m, k, n in BLAS_WARM_UP:
        np.ones((m, k)) @ np.ones((k, n))


def limit_resources(limits):
    memory, cpu = int(limits["memory_bytes"]), int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    files = int(limits["open_files"])
    resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))


def main(argv):
    fd, arena_fd, mode, limits = int(argv[0]), int(argv[1]), argv[2], json.loads(argv[3])
    sock = socket.socket(fileno=fd)
    global ARENA
    # Mapped once with all its pages, so that no call pays to map its arguments.
    arena = mmap.mmap(arena_fd, int(limits["arena_bytes"]), flags=mmap.MAP_SHARED | mmap.MAP_POPULATE)
    ARENA = np.frombuffer(arena, dtype=np.uint8)
    os.close(arena_fd)
    import_numpy_completely()
    if mode == "memory":
        warm_up_blas()
    else:
        np.ones((8, 8)) @ np.ones((8, 8))
    try:
        limit_resources(limits)
        seccomp.load_filter()
    except OSError as error:
        protocol.send(sock, {"op": "unavailable", "reason": f"seccomp: {error}"})
        return
    sys.meta_path.insert(0, ModulesAreLoaded)
    # The grader reads this to learn whether it can read the worker's memory.
    probe = np.frombuffer(protocol.MEMORY_PROBE, dtype=np.uint8).copy()
    protocol.send(sock, {"op": "ready", "probe": int(probe.__array_interface__["data"][0])})
    try:
        serve(sock)
    except (EOFError, protocol.ProtocolError):
        pass
