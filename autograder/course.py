"""The course's folders, its assignments, and how ``exercises/`` is made.

A course folder is the one holding ``nbgrader_config.py``; every ``mcdl``
command acts on the folder it runs in (``course_root()``), never on the
checkout the package was installed from.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.nbgrader_settings import RELEASE_DIRECTORY, SOURCE_DIRECTORY

CONFIG_FILE = "nbgrader_config.py"


class NotACourse(RuntimeError):
    """A command that needs a course folder ran elsewhere."""


def course_root(folder=None):
    """The course folder: ``folder`` (default: the current directory), which must hold nbgrader_config.py."""
    folder = Path(folder if folder is not None else Path.cwd()).resolve()
    if not (folder / CONFIG_FILE).is_file():
        raise NotACourse(f"{folder} holds no {CONFIG_FILE}; run mcdl in the course folder (the top of the "
                         f"course's repository).")
    return folder


def course_config(root):
    """The traitlets configuration of the course's ``nbgrader_config.py``, with the course folder as
    ``CourseDirectory.root``."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return config


def course_directory(root, config=None):
    """nbgrader's ``CourseDirectory`` of the course at ``root``: every course path is asked of it
    (``format_path``, ``db_url``), none is typed by hand."""
    from nbgrader.coursedir import CourseDirectory

    config = config if config is not None else course_config(root)
    return CourseDirectory(config=config)


def gradebook_file(directory):
    """The gradebook's file of a ``CourseDirectory`` whose gradebook is SQLite, else None."""
    prefix = "sqlite:///"
    return Path(directory.db_url[len(prefix):]) if directory.db_url.startswith(prefix) else None


def silence_gradebook_warnings():
    """Hide the SAWarnings nbgrader 0.9's gradebook raises with SQLAlchemy 2 when it adds a submission.

    ("Object of type <SubmittedAssignment> not in session, add operation along
    'Assignment.submissions' will not proceed", three per student: harmless, the
    objects are added to the session right after.) Only these warnings are hidden.
    """
    import warnings

    warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session, add operation along")


def assignments(root=None):
    """Ids of the assignments: the folders of solutions/ holding <id>.ipynb."""
    source = course_root(root) / SOURCE_DIRECTORY
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


def generate_release(root=None, ids=None):
    """Regenerate exercises/<id>/ from solutions/<id>/ with nbgrader.

    This is the one way exercises/ is made; it also records the assignments
    in the course's gradebook, as ``nbgrader generate_assignment`` always does.
    """
    root = course_root(root)
    ids = list(ids or assignments(root))
    folders = {p.name for p in (root / SOURCE_DIRECTORY).iterdir() if p.is_dir() and not p.name.startswith(".")}
    if folders == set(ids):  # nbgrader's glob "*" names exactly these: one run (nbgrader takes seconds to start)
        run_nbgrader(root, "generate_assignment", "*", "--force")
        return
    for assignment in ids:
        run_nbgrader(root, "generate_assignment", assignment, "--force")


def release_in_copy(root=None):
    """Generate the release of every assignment in a scratch copy of the course.

    Returns the scratch folder holding exercises/; the caller removes it.
    """
    root = course_root(root)
    scratch = Path(tempfile.mkdtemp(prefix="mcdl-release-"))
    shutil.copytree(Path(root) / SOURCE_DIRECTORY, scratch / SOURCE_DIRECTORY)
    shutil.copy(Path(root) / "nbgrader_config.py", scratch / "nbgrader_config.py")
    generate_release(scratch, assignments(root))
    return scratch / RELEASE_DIRECTORY
