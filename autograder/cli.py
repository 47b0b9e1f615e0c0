"""The course's command line: ``mcdl <command>`` (or ``python -m autograder``).

For students (the light install, NumPy only):
  check NOTEBOOK  run the visible tests of a problem set's notebook; one verdict per test cell
                  and the predicted visible score

For the instructor:
  release         regenerate exercises/ from solutions/ (run after editing a solution)
  check-release   exit 1 if exercises/ is not what ``release`` would write
  secret          create the course secret .mcdl_secret here (the course folder)
  grade ID        grade every submission of ID in parallel: autograded/, feedback/, grades.csv
  report ID       reports/ID.html: grades, failure rates, diagnosed mistakes, budget measurements
  watch ID        grade on submit: collect, grade and release the feedback of each new submission
  gradescope ID   gradescope/ID.zip: a Gradescope autograder for ID (holds the course secret: keep it private)
  export canvas ID --gradebook FILE
                  fill ID's column of a Canvas gradebook export with the grades of grades.csv

The instructor's commands act on the course folder they run in (the one holding nbgrader_config.py).
Each command imports what it needs when it runs: ``check`` needs nothing of the grading tools.
"""

import argparse
import os
import sys
from pathlib import Path


def _check(args):
    from autograder import notebook_check

    assignment, verdicts, broken = notebook_check.check_notebook(args.notebook)
    print("\n".join(notebook_check.report_lines(assignment, verdicts, broken)))
    return 0 if all(v.passed for v in verdicts) and not broken else 1


def _release(args):
    from autograder import course

    course.generate_release(ids=args.assignments or None)
    print(f"exercises/ regenerated for: {', '.join(args.assignments or course.assignments())}")
    return 0


def _check_release(args):
    import shutil

    from autograder import course
    from autograder.nbgrader_settings import RELEASE_DIRECTORY
    from autograder.notebooks import differing_notebooks

    fresh = course.release_in_copy()
    try:
        stale = differing_notebooks(fresh, course.course_root() / RELEASE_DIRECTORY)
    finally:
        shutil.rmtree(fresh.parent)
    if stale:
        print("exercises/ is stale; run `mcdl release`. Differing: " + ", ".join(stale))
        return 1
    print("exercises/ is up to date.")
    return 0


def _secret(args):
    from autograder import secret

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


def _grade(args):
    from autograder import batch
    from autograder.grades import GRADES_CSV

    summary = batch.grade(assignment=args.assignment, students=args.students, workers=args.workers,
                          scheduler=args.scheduler, force=args.force)
    print("\n".join(summary.lines()))
    print(f"Wrote autograded/, feedback/ and {GRADES_CSV}; `mcdl report {args.assignment}` summarizes the "
          f"class.")
    if summary.interrupted:
        return 130
    return 1 if any(result.status == "failed" for result in summary.failed) else 0


def _report(args):
    from autograder import report

    path = report.write_report(assignment=args.assignment)
    print(f"Wrote {path}")
    return 0


def _watch(args):
    from autograder import watch

    try:
        watch.watch(assignment=args.assignment, workers=args.workers, poll=args.interval)
    except KeyboardInterrupt:
        print("Stopped. Run the same command again to go on: nothing graded is graded again.")
    return 0


def _gradescope(args):
    from autograder import gradescope

    path = gradescope.build_zip(assignment=args.assignment, visibility=args.visibility)
    print(f"Wrote {path}: upload it as the autograder of a Gradescope programming assignment. It holds the "
          f"course secret: keep it private, and delete it once uploaded.")
    return 0


def _export_canvas(args):
    from autograder import canvas, course

    root = course.course_root()
    grades = canvas.read_grades(root, args.assignment)
    export = canvas.fill_column(args.gradebook, grades, args.assignment, column=args.column, match=args.match)
    path = Path(args.output) if args.output else root / canvas.EXPORTS_DIRECTORY / f"canvas-{args.assignment}.csv"
    print("\n".join(canvas.summary_lines(export, canvas.write_export(export, path))))
    return 0


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _expected_errors(command):
    """The exceptions whose message is the whole story for ``command`` (printed, exit code 2)."""
    if command == "check":
        from autograder.notebook_check import CheckError

        return (CheckError,)
    from autograder import batch, course, secret
    from autograder.canvas import CanvasError
    from autograder.gradescope import GradescopeError

    return (course.NotACourse, secret.MissingSecret, LookupError, batch.GradingError, CanvasError, GradescopeError,
            OSError)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="mcdl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    student = commands.add_parser("check", help="run the visible tests of a problem set's notebook (students)")
    student.add_argument("notebook", help="the notebook, e.g. ps04_feedforward_networks.ipynb")
    student.set_defaults(run=_check)
    release = commands.add_parser("release", help="regenerate exercises/ from solutions/")
    release.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    release.set_defaults(run=_release)
    check = commands.add_parser("check-release", help="fail if exercises/ is stale")
    check.set_defaults(run=_check_release)
    create = commands.add_parser("secret", help="create the course secret .mcdl_secret in the course folder")
    create.set_defaults(run=_secret)
    grade = commands.add_parser("grade", help="grade a class in parallel (local workers or a Dask cluster)")
    grade.add_argument("assignment", help="assignment id, e.g. ps01_gradient_checking")
    grade.add_argument("--students", nargs="+", metavar="ID", help="grade only these students")
    grade.add_argument("--workers", type=_positive, help="local grading processes (default: one per core)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786")
    grade.add_argument("--force", action="store_true", help="regrade submissions that are already graded")
    grade.set_defaults(run=_grade)
    report = commands.add_parser("report", help="write reports/ID.html about a graded assignment")
    report.add_argument("assignment", help="assignment id")
    report.set_defaults(run=_report)
    watching = commands.add_parser("watch", help="grade on submit (an nbgrader exchange)")
    watching.add_argument("assignment", help="assignment id")
    watching.add_argument("--workers", type=_positive, help="local grading processes (default: one per core)")
    watching.add_argument("--interval", type=float, default=1.0, metavar="SECONDS",
                          help="how often to look for new submissions (default: 1)")
    watching.set_defaults(run=_watch)
    to_gradescope = commands.add_parser("gradescope", help="write a Gradescope autograder zip for one problem set")
    to_gradescope.add_argument("assignment", help="assignment id")
    to_gradescope.add_argument("--visibility", default="after_published",
                               choices=["hidden", "after_due_date", "after_published", "visible"],
                               help="when students see each test cell's score and feedback (default: "
                                    "after_published; every cell includes hidden cases)")
    to_gradescope.set_defaults(run=_gradescope)
    export = commands.add_parser("export", help="write grades where a course keeps them")
    platforms = export.add_subparsers(dest="platform", required=True)
    to_canvas = platforms.add_parser("canvas", help="fill one column of a Canvas gradebook export")
    to_canvas.add_argument("assignment", help="assignment id")
    to_canvas.add_argument("--gradebook", required=True, metavar="FILE",
                           help="the gradebook exported from Canvas (Grades > Export)")
    to_canvas.add_argument("--column", metavar="NAME",
                           help="the assignment's column in Canvas, e.g. 'ps03 (123456)' (default: named ID)")
    to_canvas.add_argument("--match", choices=["login", "sis", "id"], default="login",
                           help="which Canvas column holds nbgrader's student ids: SIS Login ID (login, the "
                                "default), SIS User ID (sis) or Canvas's own ID (id)")
    to_canvas.add_argument("--output", metavar="FILE", help="where to write (default: exports/canvas-ID.csv)")
    to_canvas.set_defaults(run=_export_canvas)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except Exception as error:
        if not isinstance(error, _expected_errors(args.command)):
            raise
        print(f"mcdl {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
