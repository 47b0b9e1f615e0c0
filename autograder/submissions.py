"""Finding and reading the submissions of a course folder: ``submitted/<student>/<id>/<id>.ipynb``.

nbgrader's layout: one folder per student and assignment, holding the
notebook (and ``timestamp.txt`` when nbgrader collected it). Everything in
``submitted/`` was chosen by a student (names, links, modes), so it is read
as untrusted input: no link is ever followed, only regular files are read,
sizes are bounded, and whatever cannot be read costs only its own student,
with a reason (``Rejected``). Imports only the standard library.
"""

import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

SUBMITTED_DIRECTORY = "submitted"
IGNORED = {".ipynb_checkpoints", "__pycache__"}
MAX_FILE_BYTES = 50 * 2**20  # a notebook with its outputs and plots stays far below this
MAX_SUBMISSION_BYTES = 100 * 2**20
MAX_FILES = 1000
MAX_CELLS = 5000  # a problem set has about 60 cells; far more is not a notebook to grade


class NoSubmission(LookupError):
    """A named student has no submission of the assignment."""


class Rejected(Exception):
    """A submission that cannot be graded; the message says why, for the instructor and the student."""


@dataclass
class Submission:
    """What was read of one submission folder.

    files: {relative posix path: bytes} of its regular files.
    skipped: "<path>: <why>" for everything left out (links, FIFOs, devices, sockets, unreadable files).
    """

    files: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)


def submission_folder(course_dir, assignment, student):
    return Path(course_dir) / SUBMITTED_DIRECTORY / student / assignment


def notebook_path(course_dir, assignment, student):
    return submission_folder(course_dir, assignment, student) / f"{assignment}.ipynb"


def _kind(mode):
    """What a file-system entry is, in words, from its ``lstat`` mode."""
    for test, name in ((stat.S_ISLNK, "a link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISREG, "a file")):
        if test(mode):
            return name
    return "not a regular file"


def _lstat(path):
    try:
        return os.lstat(path)
    except OSError:
        return None


def submitters(course_dir, assignment):
    """Every name under ``submitted/`` that holds something for ``assignment``, sorted.

    A student folder that is not a folder (a file, a link) counts too: such a
    student is named, with the reason, rather than dropped.
    """
    root = Path(course_dir) / SUBMITTED_DIRECTORY
    try:
        entries = list(os.scandir(root))
    except OSError:
        return []
    names = []
    for entry in entries:
        if entry.name in IGNORED:
            continue
        if not entry.is_dir(follow_symlinks=False) or _lstat(Path(entry.path) / assignment) is not None:
            names.append(entry.name)
    return sorted(names)


def selected_students(course_dir, assignment, students=None):
    """``students`` (checked: each must have a submission), or every student who submitted."""
    everyone = submitters(course_dir, assignment)
    if not students:
        return everyone
    missing = [s for s in students if s not in everyone]
    if missing:
        raise NoSubmission(
            f"no submission of {assignment} for {', '.join(missing)} in "
            f"{Path(course_dir) / SUBMITTED_DIRECTORY}/<student>/{assignment}/ (collect it first: "
            f"nbgrader collect or nbgrader zip_collect)")
    return list(dict.fromkeys(students))


def _read_regular(path, size):
    """The bytes of the regular file at ``path``, opened without following a link."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # swapped for something else since lstat
            raise Rejected("it changed while it was read")
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            data = file.read(size + 1)
    finally:
        os.close(descriptor)
    if len(data) != size:
        raise Rejected("it changed while it was read")
    return data


def read_submission(folder, *, max_file_bytes=MAX_FILE_BYTES, max_total_bytes=MAX_SUBMISSION_BYTES,
                    max_files=MAX_FILES):
    """Read a submission folder as untrusted input; return a ``Submission``.

    Raise ``Rejected`` when the folder itself is not a readable folder or holds
    too much. Links (to files or folders, at any depth), FIFOs, devices and
    sockets are never opened: they are listed in ``skipped``, as are files that
    cannot be read or are larger than ``max_file_bytes``.
    """
    folder = Path(folder)
    info = _lstat(folder)
    if info is None:
        raise Rejected(f"{folder.name} does not exist")
    if not stat.S_ISDIR(info.st_mode):
        raise Rejected(f"{folder.name} is {_kind(info.st_mode)}, not a folder")
    submission, total = Submission(), 0
    pending = [Path()]
    while pending:
        relative_folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder / relative_folder), key=lambda e: e.name)
        except OSError as error:
            where = relative_folder.as_posix() if relative_folder.parts else folder.name
            if not relative_folder.parts:
                raise Rejected(f"the folder {where} cannot be read ({error.strerror})") from None
            submission.skipped.append(f"{where}/: cannot be read ({error.strerror})")
            continue
        for entry in entries:
            relative = relative_folder / entry.name
            name = relative.as_posix()
            if entry.name in IGNORED:
                continue
            info = _lstat(entry.path)
            if info is None:
                submission.skipped.append(f"{name}: vanished while it was read")
            elif stat.S_ISDIR(info.st_mode):
                pending.append(relative)
            elif not stat.S_ISREG(info.st_mode):
                submission.skipped.append(f"{name}: is {_kind(info.st_mode)}, not read")
            elif info.st_size > max_file_bytes:
                submission.skipped.append(f"{name}: {info.st_size / 2**20:.0f} MiB, more than the "
                                          f"{max_file_bytes / 2**20:.0f} MiB a file may have")
            else:
                if len(submission.files) >= max_files or total + info.st_size > max_total_bytes:
                    raise Rejected(f"the submission holds more than {max_files} files or "
                                   f"{max_total_bytes / 2**20:.0f} MiB")
                try:
                    submission.files[name] = _read_regular(entry.path, info.st_size)
                except Rejected as why:
                    submission.skipped.append(f"{name}: {why}")
                except OSError as error:
                    submission.skipped.append(f"{name}: cannot be read ({error.strerror or error})")
                else:
                    total += info.st_size
    return submission


def read_student_submission(course_dir, assignment, student, notebook_names):
    """Read ``submitted/<student>/<assignment>/`` for grading; raise ``Rejected`` when it cannot be graded.

    notebook_names: the assignment's notebooks (without ``.ipynb``). A
    notebook that is a link, is missing, or cannot be read is not graded as
    the student's work. (A hard link cannot be told from its original: both
    are the same file. ``autograder.collect`` copies what the exchange
    holds, so a collected notebook is never one.)
    """
    student_folder = Path(course_dir) / SUBMITTED_DIRECTORY / student
    info = _lstat(student_folder)
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise Rejected(f"submitted/{student} is {_kind(info.st_mode)}, not a folder")
    submission = read_submission(submission_folder(course_dir, assignment, student))
    folder = submission_folder(course_dir, assignment, student)
    for name in notebook_names:
        filename = f"{name}.ipynb"
        info = _lstat(folder / filename)
        if info is None:
            raise Rejected(f"no {filename} in the submission" + _listing(submission))
        if not stat.S_ISREG(info.st_mode):
            raise Rejected(f"{filename} is {_kind(info.st_mode)}: only a notebook of your own is graded")
        if filename not in submission.files:
            reason = next((s for s in submission.skipped if s.startswith(filename + ":")), filename)
            raise Rejected(f"the notebook was not read: {reason}")
        check_notebook(filename, submission.files[filename])
    return submission


def check_notebook(filename, data):
    """Raise ``Rejected`` unless ``data`` is notebook JSON of at most ``MAX_CELLS`` cells."""
    try:
        cells = json.loads(data).get("cells")
    except (ValueError, AttributeError, RecursionError):
        raise Rejected(f"{filename} is not a notebook (it is not notebook JSON)") from None
    if not isinstance(cells, list):
        raise Rejected(f"{filename} is not a notebook (it has no list of cells)")
    if len(cells) > MAX_CELLS:
        raise Rejected(f"{filename} has {len(cells)} cells; a notebook of at most {MAX_CELLS} cells is graded")


def untrusted_entries(folder):
    """[(relative posix path, why)] of what under ``folder`` must not be read as a student's file.

    Links (never descended into), FIFOs, devices and sockets.
    """
    found, pending = [], [Path()]
    while pending:
        relative_folder = pending.pop()
        try:
            entries = list(os.scandir(Path(folder) / relative_folder))
        except OSError:
            continue
        for entry in entries:
            relative, info = relative_folder / entry.name, _lstat(entry.path)
            if info is None:
                continue
            if stat.S_ISDIR(info.st_mode):
                pending.append(relative)
            elif not stat.S_ISREG(info.st_mode):
                found.append((relative.as_posix(), f"is {_kind(info.st_mode)}"))
    return sorted(found)


def _listing(submission):
    names = sorted(submission.files) + [s.split(":")[0] for s in submission.skipped]
    return f" (it holds: {', '.join(names[:10])})" if names else " (the folder is empty)"


def write_files(folder, files):
    """Write {relative path: bytes} under ``folder``, which is emptied first.

    Paths come from ``read_submission`` (relative, no ``..``); anything else is refused.
    """
    folder = Path(folder)
    if folder.is_symlink():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for relative, data in files.items():
        parts = Path(relative).parts
        if Path(relative).is_absolute() or ".." in parts or not parts:
            raise ValueError(f"refusing to write {relative!r} outside {folder}")
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def read_files(folder):
    """{relative path: bytes} of the regular files under a trusted ``folder`` (links never followed)."""
    return read_submission(folder, max_file_bytes=2**40, max_total_bytes=2**42, max_files=10**7).files


def digest(files):
    """A hash of {relative path: bytes}: it changes when a student submits again."""
    hasher = hashlib.sha256()
    for relative in sorted(files):
        hasher.update(relative.encode() + b"\0" + hashlib.sha256(files[relative]).digest())
    return hasher.hexdigest()
