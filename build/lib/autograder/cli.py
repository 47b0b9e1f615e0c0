"""The instructor's command line: ``mcdl <command>`` (or ``python -m autograder``).

Commands:
  release         regenerate exercises/ from solutions/ (run after editing a solution)
  check-release   exit 1 if exercises/ is not what ``release`` would write
  secret          create the course secret .mcdl_secret here (the course folder)
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

from autograder import course, secret
from autograder.notebooks import differing_notebooks


def _release(args):
    course.generate_release(ids=args.assignments or None)
    print(f"exercises/ regenerated for: {', '.join(args.assignments or course.assignments())}")
    return 0


def _check_release(args):
    fresh = course.release_in_copy()
    try:
        stale = differing_notebooks(fresh, course.ROOT / "exercises")
    finally:
        shutil.rmtree(fresh.parent)
    if stale:
        print("exercises/ is stale; run `mcdl release`. Differing: " + ", ".join(stale))
        return 1
    print("exercises/ is up to date.")
    return 0


def _secret(args):
    folder = Path.cwd()
    if not (folder / "nbgrader_config.py").is_file():
        print(f"mcdl secret: {folder} holds no nbgrader_config.py; run it in the course folder.", file=sys.stderr)
        return 1
    path = folder / secret.SECRET_FILE
    existed = path.exists()
    secret.create_secret(folder)
    if existed:
        print(f"The course secret already exists: {path} (left unchanged).")
    else:
        print(f"Created the course secret: {path} (readable by you only).")
    print(f"Hidden test cases and budget inputs derive from it. Keep it out of git ({secret.SECRET_FILE} "
          f"belongs in .gitignore), back it up, and keep it for the whole course; or set {secret.ENV_VAR} "
          f"on the grading machine instead.")
    if secret.ENV_VAR in os.environ:
        print(f"Note: {secret.ENV_VAR} is set in this environment; while it is, it takes precedence over the file.")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="mcdl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate exercises/ from solutions/")
    release.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    release.set_defaults(run=_release)
    check = commands.add_parser("check-release", help="fail if exercises/ is stale")
    check.set_defaults(run=_check_release)
    create = commands.add_parser("secret", help="create the course secret .mcdl_secret in the course folder")
    create.set_defaults(run=_secret)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
