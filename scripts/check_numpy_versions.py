"""The visible verdicts of every problem set under several NumPy versions: are they the same?

For each NumPy version, a fresh virtual environment gets the light install a student
makes (``pip install numpy==X threadpoolctl -e .``), and runs every problem set's visible
tests there for the solution and every wrong submission of autograder/testdata/ (with
scripts/visible_verdicts.py, in that environment). It prints one verdict table per version,
then whether all of them are identical (exit code 0) or which verdicts differ (exit code 1).

    python scripts/check_numpy_versions.py                   # NumPy 1.26.4, 2.0.2, 2.2.6 and the pinned one
    python scripts/check_numpy_versions.py --versions 2.2.6  # some of them
    python scripts/check_numpy_versions.py --python python3.12 --full

It takes a few minutes per version (the time-budget cells time kernels). The environments
go to a temporary folder, removed at the end unless --keep.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "scripts" / "visible_verdicts.py"
DEFAULT_VERSIONS = ("1.26.4", "2.0.2", "2.2.6")
# What a student's environment does not have: the course secret and the grader's thread settings.
CLEARED = ("MCDL_COURSE_SECRET", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONPATH")


def pinned_numpy():
    """The NumPy version requirements.txt pins."""
    match = re.search(r"^numpy==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    if match is None:
        raise SystemExit("requirements.txt pins no NumPy version")
    return match.group(1)


def make_venv(folder, numpy_version, python):
    """A fresh venv in ``folder`` with NumPy ``numpy_version``, threadpoolctl and this package; its python."""
    subprocess.run([python, "-m", "venv", str(folder)], check=True)
    venv_python = folder / "bin" / "python"
    subprocess.run([str(venv_python), "-m", "pip", "install", "-q", f"numpy=={numpy_version}", "threadpoolctl",
                    "-e", str(ROOT)], check=True)
    return venv_python


def verdicts_in(venv_python):
    """The JSON that scripts/visible_verdicts.py prints in that environment."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    result = subprocess.run([str(venv_python), str(RUNNER)], capture_output=True, text=True, env=env,
                            cwd=tempfile.gettempdir())
    if result.returncode != 0:
        raise SystemExit(f"the visible tests did not run under {venv_python}:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.splitlines()[-1])


def rows(verdicts):
    """[(assignment, submission, failing cells as text)] in a fixed order."""
    return [(assignment, name, ", ".join(failing) or "all pass")
            for assignment, table in sorted(verdicts.items()) for name, failing in table.items()]


def table(run, *, full):
    """The verdict table of one run: one line per problem set (or per submission when ``full``)."""
    digest = hashlib.sha256(json.dumps(run["verdicts"], sort_keys=True).encode()).hexdigest()[:12]
    lines = [f"NumPy {run['numpy']} (Python {run['python']}, {run['seconds']:.0f} s; verdicts {digest})"]
    if full:
        lines += [f"  {a:30s} {name:40s} {failing}" for a, name, failing in rows(run["verdicts"])]
        return lines
    lines.append(f"  {'problem set':30s} {'solution':10s} {'wrong submissions failing':>26s} {'failing cells':>14s}")
    for assignment, submissions in sorted(run["verdicts"].items()):
        wrong = {name: failing for name, failing in submissions.items() if name != "solution"}
        solution = "all pass" if not submissions["solution"] else f"{len(submissions['solution'])} FAIL"
        caught = f"{sum(bool(f) for f in wrong.values())} of {len(wrong)}"
        lines.append(f"  {assignment:30s} {solution:10s} {caught:>26s} {sum(map(len, wrong.values())):>14d}")
    return lines


def differences(runs):
    """Lines naming every verdict that is not the same under every version."""
    first = dict(((a, n), f) for a, n, f in rows(runs[0]["verdicts"]))
    lines = []
    for run in runs[1:]:
        other = dict(((a, n), f) for a, n, f in rows(run["verdicts"]))
        for key in sorted(set(first) | set(other)):
            if first.get(key) != other.get(key):
                lines.append(f"  {key[0]} {key[1]}: NumPy {runs[0]['numpy']}: {first.get(key)}; "
                             f"NumPy {run['numpy']}: {other.get(key)}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", nargs="+", help="NumPy versions (default: 1.26.4 2.0.2 2.2.6 and the pinned)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the venvs (default: this one)")
    parser.add_argument("--full", action="store_true", help="one line per submission instead of per problem set")
    parser.add_argument("--keep", metavar="FOLDER", help="make the venvs in FOLDER and keep them")
    args = parser.parse_args(argv)
    versions = args.versions or [*DEFAULT_VERSIONS, pinned_numpy()]
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mcdl-numpy-"))
    runs = []
    try:
        for version in dict.fromkeys(versions):
            venv = folder / f"numpy-{version}"
            venv_python = venv / "bin" / "python" if (venv / "bin" / "python").exists() else make_venv(
                venv, version, args.python)
            run = verdicts_in(venv_python)
            runs.append(run)
            print("\n".join(table(run, full=args.full)), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    differing = differences(runs)
    if differing:
        print(f"The verdicts differ between NumPy versions ({len(differing)}):")
        print("\n".join(differing))
        return 1
    print(f"The verdicts are identical under NumPy {', '.join(r['numpy'] for r in runs)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
