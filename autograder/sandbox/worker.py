"""The worker process: runs a student's answer cells and serves calls to them.

Started by ``remote.Sandbox`` as ``python -I -m autograder.sandbox.worker FD
ASSIGNMENT MEMORY_LIMIT CPU_SECONDS``. Before it reads any student code it
imports everything it will need (imports open files), limits its memory and
CPU time, and loads the seccomp filter. Nothing it sends back is trusted: the
other side decodes plain values and checks them itself.
"""

import builtins
import importlib
import math  # noqa: F401 (pre-imported so answer cells may import it)
import mmap
import os
import resource
import socket
import sys
import tracemalloc
import warnings

import numpy as np
import numpy.ctypeslib  # noqa: F401 (pre-imported: imports need files, which the sandbox forbids)
import numpy.fft  # noqa: F401
import numpy.linalg  # noqa: F401
import numpy.random  # noqa: F401
import numpy.testing  # noqa: F401

from autograder.sandbox import protocol, seccomp

MAX_WARNINGS = 5


def _decode_argument(form, blobs, fds, module):
    """An argument: shared arrays are mapped, so the caller sees in-place changes."""
    if isinstance(form, dict) and "shared" in form:
        dtype, shape = np.dtype(form["dtype"]), tuple(form["shape"])
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        memory = mmap.mmap(fds[form["shared"]], size)  # unmapped when the array is freed
        return np.frombuffer(memory, dtype=dtype).reshape(shape)
    if isinstance(form, dict) and "callable" in form:
        return getattr(module, form["callable"])
    if isinstance(form, dict) and "tuple" in form:
        return tuple(_decode_argument(v, blobs, fds, module) for v in form["tuple"])
    if isinstance(form, dict) and "list" in form:
        return [_decode_argument(v, blobs, fds, module) for v in form["list"]]
    return protocol.decode(form, blobs)


def _call(func, args, measure_memory):
    """Call student code; returns (reply header, blobs)."""
    peak = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if measure_memory:
            tracemalloc.start()
        try:
            value = func(*args)
            error = None
        except BaseException as exception:  # SystemExit and KeyboardInterrupt too
            value, error = None, (type(exception).__name__, str(exception)[:2000])
        finally:
            if measure_memory:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
    reply = {
        "warnings": [f"{w.category.__name__}: {w.message}"[:500] for w in caught[:MAX_WARNINGS]],
        "n_warnings": len(caught),
        "tracemalloc_peak": peak,
    }
    blobs = []
    if error is None:
        try:
            reply["value"] = protocol.encode(value, blobs)
        except TypeError as unsupported:
            error, blobs = ("TypeError", f"returned {unsupported}, which is not a number or a NumPy array"), []
    if error is not None:
        reply["error"] = list(error)
    return reply, blobs


def serve(sock, module):
    namespace = {"__name__": "__answers__", "np": np, "__builtins__": builtins}
    staged = None
    while True:
        header, blobs, fds = protocol.receive(sock, max_fds=64)
        try:
            op = header["op"]
            if op == "define":
                try:
                    exec(compile(header["code"], f"<answer cell {header['cell']}>", "exec"), namespace)
                    protocol.send(sock, {"ok": True})
                except BaseException as exception:
                    protocol.send(sock, {"error": [type(exception).__name__, str(exception)[:2000]]})
            elif op in ("call", "stage"):
                func = namespace.get(header["name"])
                args = [_decode_argument(a, blobs, fds, module) for a in header["args"]]
                if not callable(func):
                    protocol.send(sock, {"error": ["NameError", f"name '{header['name']}' is not defined"]})
                elif op == "stage":
                    for arg in args:  # touch every page now, not during the measured call
                        if isinstance(arg, np.ndarray) and arg.size:
                            float(arg.sum())
                    staged = (func, args)
                    protocol.send(sock, {"ok": True})
                else:
                    protocol.send(sock, *_call(func, args, measure_memory=False))
                del args
            elif op == "run_staged":
                func, args = staged
                staged = None
                protocol.send(sock, *_call(func, args, measure_memory=True))
                del args
            elif op == "exit":
                return
        finally:
            for fd in fds:
                os.close(fd)


def main():
    fd, assignment = int(sys.argv[1]), sys.argv[2]
    memory_limit, cpu_seconds = int(sys.argv[3]), int(sys.argv[4])
    sock = socket.socket(fileno=fd)
    module = importlib.import_module(f"autograder.assignments.{assignment}")
    # Let the BLAS library allocate its work buffers now, not inside a measured call.
    for size in (8, 256):
        np.ones((size, size)) @ np.ones((size, size))
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    try:
        seccomp.load_filter()
    except OSError as error:
        protocol.send(sock, {"op": "unavailable", "reason": f"seccomp: {error}"})
        return
    protocol.send(sock, {"op": "ready"})
    try:
        serve(sock, module)
    except EOFError:
        pass


if __name__ == "__main__":
    main()
