"""Collecting submissions as untrusted input: ``nbgrader collect`` and ``nbgrader zip_collect``.

``SafeExchangeCollect``: ``nbgrader collect`` that copies a student's submission
without following a link.

An nbgrader exchange's inbound folder is writable by every student, and
nbgrader's own collect copies it with ``shutil.copytree``, which reads the
target of every link: a link to the course secret or to a classmate's notebook
would arrive in ``submitted/`` as the student's own file. ``SafeExchangeCollect``
(set in ``nbgrader_settings``) copies regular files only, each opened without
following a link, and leaves out links, FIFOs, devices and sockets with a
warning in the log that names them. A submission folder that is itself a link
is not collected.

``CourseFileNameCollector``: ``nbgrader zip_collect``'s file-name collector
(with the course's regular expression), which also refuses names that would
land outside ``submitted/`` (``..``, path separators, control characters),
links, and a file inside one student's uploaded archive that is named for
another student.
"""

import os
import re
import shutil
import stat
from pathlib import PurePosixPath

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.utils import ignore_patterns


def copy_regular_file(source, destination):
    """Copy one regular file, refusing a link or a special file even if it was swapped in a moment ago."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
    descriptor = os.open(source, flags)
    with os.fdopen(descriptor, "rb") as reader:
        if not stat.S_ISREG(os.fstat(reader.fileno()).st_mode):
            raise OSError(f"{source} is not a regular file")
        with open(destination, "wb") as writer:
            shutil.copyfileobj(reader, writer)
    return destination


class SafeExchangeCollect(ExchangeCollect):
    """nbgrader's collect, copying submissions as untrusted folders (see the module's docstring)."""

    def _ignore(self):
        course_rules = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                       max_file_size=self.coursedir.max_file_size, log=self.log)

        def ignore(directory, names):
            ignored = set(course_rules(directory, names))
            for name in names:
                mode = os.lstat(os.path.join(directory, name)).st_mode
                if name not in ignored and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    kind = "a link" if stat.S_ISLNK(mode) else "not a regular file"
                    self.log.warning("Not collected: %s is %s", os.path.join(directory, name), kind)
                    ignored.add(name)
            return ignored

        return ignore

    def do_copy(self, src, dest, log=None):
        if not stat.S_ISDIR(os.lstat(src).st_mode):
            self.log.error("Not collected: %s is not a folder (a link?)", src)
            return
        size, limit = self.get_size(src), 1000 * self.coursedir.max_dir_size  # nbgrader's own check
        if size > limit:
            raise RuntimeError(f"Directory size is too big. Size is {size}, maximum size is {limit}")
        shutil.copytree(src, dest, ignore=self._ignore(), copy_function=copy_regular_file)


def safe_student_id(name):
    """Whether ``name`` can be a folder of ``submitted/``: one plain path component of printable text."""
    return (isinstance(name, str) and 0 < len(name) <= 100 and name.isprintable() and not name.startswith(".")
            and not any(c in name for c in "/\\:"))


def safe_file_id(name):
    """Whether ``name`` is a relative path that stays inside a submission folder."""
    if not isinstance(name, str) or not name or not name.isprintable() or "\\" in name:
        return False
    parts = PurePosixPath(name).parts
    return not PurePosixPath(name).is_absolute() and all(p not in ("", ".", "..") for p in parts)


class CourseFileNameCollector(FileNameCollectorPlugin):
    """``FileNameCollectorPlugin`` that collects a file only under a safe name, for the student who uploaded it."""

    def _uploader(self, path):
        """The student whose archive holds ``path`` (an archive named ``<student>_<assignment>``), else None."""
        app = self.parent
        extracted = app._format_collect_path(app.extracted_directory)  # nbgrader's own layout of downloaded/
        relative = PurePosixPath(os.path.relpath(path, extracted).replace(os.sep, "/"))
        if len(relative.parts) < 2:
            return None  # a loose notebook, named by its own file name
        match = re.fullmatch(r"(?P<student>[^_]+)_" + re.escape(app.coursedir.assignment_id), relative.parts[0])
        return match.group("student") if match else None

    def collect(self, submitted_file):
        info = super().collect(submitted_file)
        if not info:
            return info
        student, file_id = info.get("student_id"), info.get("file_id")
        if not safe_student_id(student) or not safe_file_id(file_id):
            self.log.warning("Not collected: %r names the student %r and the file %r; neither may hold "
                             "'..', a path separator or a control character", submitted_file, student, file_id)
            return None
        if not stat.S_ISREG(os.lstat(submitted_file).st_mode):
            self.log.warning("Not collected: %s is a link or not a regular file", submitted_file)
            return None
        uploader = self._uploader(submitted_file) if self.parent is not None else None
        if uploader is not None and uploader != student:
            self.log.warning("Not collected: %s is in %s's upload but named for %s", submitted_file, uploader,
                             student)
            return None
        return info
