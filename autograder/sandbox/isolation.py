"""The command line that starts a worker inside bubblewrap, as ``policy`` says.

Only the system libraries, the Python installation, NumPy and this package
are visible inside, read-only; NumPy and this package appear under
``policy.LIBRARY_ROOT``, so nothing inside names the course's folder.
"""

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from autograder import transport

from . import policy

PACKAGE = "mcdl_sandbox"
TRANSPORT = "mcdl_transport"
BOOT = (
    f"import sys; sys.path.insert(0, {policy.LIBRARY_ROOT!r}); "
    f"from {PACKAGE} import worker; worker.main(sys.argv[1:])"
)


class SandboxUnavailable(RuntimeError):
    """This machine cannot isolate a worker; grading must stop."""


def bubblewrap():
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "grading needs bubblewrap (the `bwrap` command; on Debian and Ubuntu: apt-get install "
            "bubblewrap) to isolate student code; it is not installed"
        )
    return path


def _python_paths():
    """Read-only folders the interpreter needs beyond /usr."""
    executable = Path(os.path.realpath(sys.executable))
    paths = {Path(sys.base_prefix).resolve(), executable.parent.parent}
    return sorted(str(p) for p in paths if not any(str(p).startswith(s) for s in policy.SYSTEM_PATHS))


def _library_binds():
    """(outside, inside) pairs: NumPy, its vendored libraries, this package and the value codec."""
    numpy_dir = Path(np.__file__).resolve().parent
    binds = [(numpy_dir, "numpy")]
    vendored = numpy_dir.parent / "numpy.libs"
    if vendored.is_dir():
        binds.append((vendored, "numpy.libs"))
    binds.append((Path(__file__).resolve().parent, PACKAGE))
    binds.append((Path(transport.__file__).resolve(), f"{TRANSPORT}.py"))  # the value codec, which protocol imports
    return [(str(outside), f"{policy.LIBRARY_ROOT}/{inside}") for outside, inside in binds]


def environment(mode):
    env = dict(policy.WORKER_ENVIRONMENT)
    env.update({name: os.environ[name] for name in policy.PASSED_THROUGH if name in os.environ})
    if mode == "memory":
        env.update(policy.MEMORY_WORKER_ENVIRONMENT)
    return env


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
