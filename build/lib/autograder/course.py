"""The course's folders, its assignments, and how ``exercises/`` is made."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.nbgrader_settings import RELEASE_DIRECTORY, SOURCE_DIRECTORY

ROOT = Path(__file__).resolve().parent.parent


def assignments(root=ROOT):
    """Ids of the assignments: the folders of solutions/ holding <id>.ipynb."""
    source = Path(root) / SOURCE_DIRECTORY
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def nbgrader_command(*args):
    """The nbgrader command line of the Python running this code."""
    return [sys.executable, "-m", "nbgrader", *args]


def tool_environment():
    """The environment for nbgrader: this interpreter's scripts first on PATH.

    nbgrader runs helper programs (``alembic``) by name, so a virtual
    environment that is used without being activated must be on PATH.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run_nbgrader(course_dir, *args):
    """Run nbgrader in ``course_dir``; raise with its output if it fails."""
    result = subprocess.run(
        nbgrader_command(*args), cwd=course_dir, capture_output=True, text=True,
        env=tool_environment(),
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"nbgrader {' '.join(args)} failed in {course_dir}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def generate_release(root=ROOT, ids=None):
    """Regenerate exercises/<id>/ from solutions/<id>/ with nbgrader.

    This is the one way exercises/ is made; it also records the assignments
    in the course's gradebook, as ``nbgrader generate_assignment`` always does.
    """
    for assignment in ids or assignments(root):
        run_nbgrader(root, "generate_assignment", assignment, "--force")


def release_in_copy(root=ROOT):
    """Generate the release of every assignment in a scratch copy of the course.

    Returns the scratch folder holding exercises/; the caller removes it.
    """
    scratch = Path(tempfile.mkdtemp(prefix="mcdl-release-"))
    shutil.copytree(Path(root) / SOURCE_DIRECTORY, scratch / SOURCE_DIRECTORY)
    shutil.copy(Path(root) / "nbgrader_config.py", scratch / "nbgrader_config.py")
    generate_release(scratch, assignments(root))
    return scratch / RELEASE_DIRECTORY
