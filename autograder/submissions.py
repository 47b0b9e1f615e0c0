"""Finding and reading the submissions of a course folder: ``submitted/<student>/<id>/<id>.ipynb``.

nbgrader's layout: one folder per student and assignment, holding the
notebook (and ``timestamp.txt`` when nbgrader collected it). Imports only the
standard library.
"""

import hashlib
import shutil
from pathlib import Path

SUBMITTED_DIRECTORY = "submitted"
IGNORED = {".ipynb_checkpoints", "__pycache__"}


class NoSubmission(LookupError):
    """A named student has no submission of the assignment."""


def submission_folder(course_dir, assignment, student):
    return Path(course_dir) / SUBMITTED_DIRECTORY / student / assignment


def notebook_path(course_dir, assignment, student):
    return submission_folder(course_dir, assignment, student) / f"{assignment}.ipynb"


def submitted_students(course_dir, assignment):
    """The students with a submission of ``assignment`` (a folder holding files), sorted."""
    root = Path(course_dir) / SUBMITTED_DIRECTORY
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and (p / assignment).is_dir() and any((p / assignment).iterdir()))


def selected_students(course_dir, assignment, students=None):
    """``students`` (checked: each must have a submission), or every student who submitted."""
    everyone = submitted_students(course_dir, assignment)
    if not students:
        return everyone
    missing = [s for s in students if s not in everyone]
    if missing:
        raise NoSubmission(
            f"no submission of {assignment} for {', '.join(missing)} in "
            f"{Path(course_dir) / SUBMITTED_DIRECTORY}/<student>/{assignment}/ (collect it first: "
            f"nbgrader collect or nbgrader zip_collect)")
    return list(dict.fromkeys(students))


def read_files(folder):
    """{relative path: bytes} of every file under ``folder`` (checkpoints and caches left out)."""
    folder = Path(folder)
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not IGNORED.intersection(relative.parts):
            files[relative.as_posix()] = path.read_bytes()
    return files


def write_files(folder, files):
    """Write {relative path: bytes} under ``folder``, which is emptied first."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def digest(files):
    """A hash of {relative path: bytes}: it changes when a student submits again."""
    hasher = hashlib.sha256()
    for relative in sorted(files):
        hasher.update(relative.encode() + b"\0" + hashlib.sha256(files[relative]).digest())
    return hasher.hexdigest()
