"""The instructor's command line: ``mcdl <command>`` (or ``python -m autograder``).

Commands:
  release         regenerate exercises/ from solutions/ (run after editing a solution)
  check-release   exit 1 if exercises/ is not what ``release`` would write
"""

import argparse
import shutil
import sys

from autograder import course
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="mcdl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate exercises/ from solutions/")
    release.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    release.set_defaults(run=_release)
    check = commands.add_parser("check-release", help="fail if exercises/ is stale")
    check.set_defaults(run=_check_release)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
