"""The command line that starts a worker inside bubblewrap, as ``policy`` says.

Only the system libraries, the Python installation, NumPy, this package and the
grader's modules it shares (``SHARED_MODULES``) are visible inside, read-only;
all but the system and Python appear under ``policy.LIBRARY_ROOT``, so nothing
inside names the course's folder.
"""

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from autograder import loop_counts, tracebacks, transport

from . import policy

PACKAGE = "mcdl_sandbox"
# Modules of the grader a worker needs beyond its package, under the names they have inside: the value
# codec (which protocol imports), the counter of the loop rule and the reader of tracebacks (which the
# worker imports).
SHARED_MODULES = {"mcdl_transport": transport, "mcdl_loop_counts": loop_counts, "mcdl_tracebacks": tracebacks}
BOOT = (
    f"import sys; sys.path.insert(0, {policy.LIBRARY_ROOT!r}); "
    f"from {PACKAGE} import worker; worker.main(sys.argv[1:])"
)


# Without bubblewrap's binds: the worker's package and the shared modules are loaded from their files
# under the names they have inside bubblewrap; NumPy from its installation.
CONTAINER_BOOT = (
    "import json, sys, importlib.util as u\n"
    "def load(name, path, folder=None):\n"
    "    spec = u.spec_from_file_location(name, path, submodule_search_locations=folder)\n"
    "    sys.modules[name] = module = u.module_from_spec(spec); spec.loader.exec_module(module)\n"
    "package, shared, numpy_parent = sys.argv[1:4]; del sys.argv[1:4]; sys.path.insert(0, numpy_parent)\n"
    "for name, path in json.loads(shared).items(): load(name, path)\n"
    f"load({PACKAGE!r}, package + '/__init__.py', [package])\n"
    f"from {PACKAGE} import worker; worker.main(sys.argv[1:])"
)
CONTAINER_HINT = (
    "Inside a container that refuses user namespaces (Docker's default, so Gradescope), grade with "
    "the isolation mode \"container\" (c.TrustedGrading.isolation = \"container\" in nbgrader_config.py, "
    "or mcdl grade --isolation container), where the container is the boundary; the README's threat "
    "model says what that mode does not protect."
)


class SandboxUnavailable(RuntimeError):
    """This machine cannot isolate a worker; grading must stop."""


def bubblewrap():
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "grading needs bubblewrap (the `bwrap` command; on Debian and Ubuntu: apt-get install "
            "bubblewrap) to isolate student code; it is not installed. " + CONTAINER_HINT
        )
    return path


def check_mode(limits):
    """The isolation mode of ``limits``; raise SandboxUnavailable for an unknown one."""
    mode = limits.get("isolation", "bubblewrap")
    if mode not in policy.ISOLATION_MODES:
        raise SandboxUnavailable(f"unknown isolation mode {mode!r}: use one of {', '.join(policy.ISOLATION_MODES)}")
    return mode


def _python_paths():
    """Read-only folders the interpreter needs beyond /usr."""
    executable = Path(os.path.realpath(sys.executable))
    paths = {Path(sys.base_prefix).resolve(), executable.parent.parent}
    return sorted(str(p) for p in paths if not any(str(p).startswith(s) for s in policy.SYSTEM_PATHS))


def _shared_files():
    """{name inside a worker: file} of ``SHARED_MODULES``."""
    return {name: str(Path(module.__file__).resolve()) for name, module in SHARED_MODULES.items()}


def _library_binds():
    """(outside, inside) pairs: NumPy, its vendored libraries, this package and the value codec."""
    numpy_dir = Path(np.__file__).resolve().parent
    binds = [(numpy_dir, "numpy")]
    vendored = numpy_dir.parent / "numpy.libs"
    if vendored.is_dir():
        binds.append((vendored, "numpy.libs"))
    binds.append((Path(__file__).resolve().parent, PACKAGE))
    binds += [(path, f"{name}.py") for name, path in _shared_files().items()]
    return [(str(outside), f"{policy.LIBRARY_ROOT}/{inside}") for outside, inside in binds]


def environment(mode):
    env = dict(policy.WORKER_ENVIRONMENT)
    env.update({name: os.environ[name] for name in policy.PASSED_THROUGH if name in os.environ})
    if mode == "memory":
        env.update(policy.MEMORY_WORKER_ENVIRONMENT)
    return env


def container_command(mode, limits, socket_fd, arena_fd):
    """The argument list of a worker run without bubblewrap (isolation mode "container").

    The worker's package is loaded from its folder under the name it has inside
    bubblewrap, and NumPy from its installation; nothing else of the grader is
    imported (``-I -S``: no site-packages, no environment variables of Python).
    """
    numpy_parent = str(Path(np.__file__).resolve().parent.parent)
    package = str(Path(__file__).resolve().parent)
    python = os.path.realpath(sys.executable)
    return [python, "-I", "-S", "-B", "-c", CONTAINER_BOOT, package, json.dumps(_shared_files()), numpy_parent,
            str(socket_fd), str(arena_fd), mode, json.dumps(limits)]


def command(mode, limits, socket_fd, info_fd, arena_fd):
    """The argument list of a worker process (``mode``: "plain" or "memory")."""
    argv = [bubblewrap(), *policy.BUBBLEWRAP_OPTIONS, "--info-fd", str(info_fd)]
    for path in policy.SYSTEM_PATHS:
        argv += ["--ro-bind", path, path]
    for link, target in policy.SYSTEM_LINKS.items():
        if os.path.islink(link):
            argv += ["--symlink", target, link]
        elif os.path.isdir(link):
            argv += ["--ro-bind", link, link]
    for path in _python_paths():
        argv += ["--ro-bind", path, path]
    for outside, inside in _library_binds():
        argv += ["--ro-bind", outside, inside]
    for name, value in environment(mode).items():
        argv += ["--setenv", name, value]
    argv += ["--remount-ro", "/"]
    python = os.path.realpath(sys.executable)
    return [*argv, "--", python, "-I", "-S", "-B", "-c", BOOT, str(socket_fd), str(arena_fd), mode,
            json.dumps(limits)]
