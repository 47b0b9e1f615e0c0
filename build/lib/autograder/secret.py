"""The course secret: the seed of the hidden test cases and budget inputs.

The instructor creates it once with ``mcdl secret`` in the course folder (the
one holding ``nbgrader_config.py``), which writes ``.mcdl_secret`` there, or
sets the environment variable ``MCDL_COURSE_SECRET`` on the grading machine.
It never goes into the repository: without it, nobody can recompute the
hidden inputs from the public library.

This module imports only the standard library.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

ENV_VAR = "MCDL_COURSE_SECRET"
SECRET_FILE = ".mcdl_secret"


class MissingSecret(RuntimeError):
    """Hidden cases or budget inputs were asked for without a course secret."""

    def __init__(self, detail="hidden test cases and budget inputs need the course secret"):
        super().__init__(
            f"{detail}. To create it, run `mcdl secret` in the course folder (the one holding "
            f"nbgrader_config.py), which writes {SECRET_FILE} there; or set the environment variable "
            f"{ENV_VAR} on the grading machine. Keep it out of git, and keep the same secret for the "
            f"whole course so that every student is graded on the same inputs."
        )


def find_secret(course_dir):
    """The course secret: from ``MCDL_COURSE_SECRET`` if set, else from
    ``<course_dir>/.mcdl_secret`` if it exists, else None.

    An empty value counts as no secret.
    """
    value = os.environ.get(ENV_VAR, "").strip()
    if value:
        return value
    path = Path(course_dir) / SECRET_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


def load_secret(course_dir):
    """The course secret, as ``find_secret``; raise MissingSecret if there is none."""
    value = find_secret(course_dir)
    if value is None:
        raise MissingSecret(f"no course secret: {ENV_VAR} is not set and {Path(course_dir) / SECRET_FILE} "
                            f"does not exist")
    return value


def create_secret(course_dir):
    """Write a new random secret to ``<course_dir>/.mcdl_secret`` (mode 600) and
    return its path; an existing file is left as it is.
    """
    path = Path(course_dir) / SECRET_FILE
    try:
        # O_EXCL: never overwrite, even if another process creates the file meanwhile;
        # the mode is set at creation, so the secret is never readable by others.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    os.fchmod(fd, 0o600)  # exactly 600, whatever the umask
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(secrets.token_hex(32) + "\n")
    return path


def derive_seed(secret, *labels):
    """A 128-bit non-negative integer seed: HMAC-SHA256(secret, "/".join(labels)).

    Labels may be strings or integers. The same secret and labels always give the
    same seed; without the secret, the seed cannot be computed.
    """
    if not secret:
        raise MissingSecret()
    message = "/".join(str(label) for label in labels).encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:16], "big")
