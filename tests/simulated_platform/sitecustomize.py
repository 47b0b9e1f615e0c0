"""Startup shim of tests/test_platforms.py: a Linux interpreter that behaves as macOS or Windows
does, for everything the student path could touch. Python imports it at start-up when this folder
is on PYTHONPATH; it acts only when MCDL_SIMULATE is "darwin" or "win32".

NumPy and threadpoolctl are imported first, as the platform's own builds of them would work
there; then, before any module of the course is imported:
- ``sys.platform`` is the simulated one;
- ``ctypes.CDLL`` finds no symbol at all (macOS has none of Linux's system calls such as
  process_vm_readv), and on Windows ``CDLL(None)`` is a TypeError;
- Windows has no ``resource``, ``fcntl`` or ``termios`` module; neither has ``os.sched_getaffinity``;
- nothing under /proc can be opened or listed;
- ``bwrap`` is not on PATH.

MCDL_SIMULATE_BLAS="unlimited" simulates a BLAS that threadpoolctl cannot limit (macOS's
Accelerate): threadpoolctl, which cannot work on a simulated platform, fails. Otherwise
threadpoolctl keeps its view of the real platform, as it works on macOS with OpenBLAS and on
Windows.
"""

import os
import sys
import types

SIMULATED = os.environ.get("MCDL_SIMULATE")


class _RealView(types.ModuleType):
    """A module as it is, but for some attributes: what threadpoolctl sees of sys and ctypes."""

    def __init__(self, module, **overrides):
        super().__init__(module.__name__)
        self._module = module
        self.__dict__.update(overrides)

    def __getattr__(self, name):
        return getattr(self._module, name)


def _under_proc(path):
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False  # a file descriptor
    path = os.fsdecode(os.fspath(path))
    return path == "/proc" or path.startswith("/proc/")


def _no_proc(function):
    def guarded(path=".", *args, **kwargs):
        if _under_proc(path):
            raise FileNotFoundError(2, "No such file or directory (simulated platform)", os.fsdecode(path))
        return function(path, *args, **kwargs)

    return guarded


def _simulate(platform):
    import builtins
    import ctypes

    # Standard-library modules that branch on sys.platform when imported, imported with the real one: on the
    # simulated platform they would look for its own C modules (such as _winapi).
    import importlib.util  # noqa: F401
    import inspect  # noqa: F401
    import io
    import json  # noqa: F401
    import pkgutil  # noqa: F401
    import platform as _platform  # noqa: F401
    import shutil
    import subprocess  # noqa: F401
    import tempfile  # noqa: F401
    import tracemalloc  # noqa: F401

    import numpy  # noqa: F401
    import threadpoolctl  # noqa: F401

    class CDLL(ctypes.CDLL):
        def __init__(self, name, *args, **kwargs):
            if name is None and platform == "win32":
                raise TypeError("LoadLibrary() argument 1 must be str, not None")
            super().__init__(name, *args, **kwargs)

        def __getitem__(self, symbol):
            raise AttributeError(f"dlsym(RTLD_DEFAULT, {symbol}): symbol not found")

    if os.environ.get("MCDL_SIMULATE_BLAS") != "unlimited":
        threadpoolctl.sys = _RealView(sys, platform=sys.platform)
        threadpoolctl.ctypes = _RealView(ctypes, CDLL=ctypes.CDLL)
        threadpoolctl.open = io.open  # it lists the loaded libraries in /proc/self/maps
    ctypes.CDLL = CDLL
    ctypes.cdll = ctypes.LibraryLoader(CDLL)
    if platform == "win32":
        for name in ("resource", "fcntl", "termios"):
            sys.modules[name] = None  # import raises ModuleNotFoundError
    for name in ("sched_getaffinity", "sched_setaffinity"):
        if hasattr(os, name):
            delattr(os, name)
    builtins.open = io.open = _no_proc(io.open)
    os.open, os.listdir, os.scandir = _no_proc(os.open), _no_proc(os.listdir), _no_proc(os.scandir)
    which = shutil.which
    shutil.which = lambda command, *args, **kwargs: None if command == "bwrap" else which(command, *args, **kwargs)
    sys.platform = platform


if SIMULATED in ("darwin", "win32"):
    _simulate(SIMULATED)
