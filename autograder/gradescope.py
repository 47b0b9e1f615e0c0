"""``mcdl gradescope``: a Gradescope autograder for one problem set, graded as ``mcdl grade`` grades.

``build_zip`` writes ``gradescope/<id>.zip`` in the layout Gradescope's
autograder specification asks for: ``setup.sh`` (run once on Gradescope's
Ubuntu 22.04 image: Python 3.11, bubblewrap, the pinned grading requirements),
``run_autograder`` (run for each submission), and the course: this package,
the problem set's source notebook, a fresh gradebook holding only that problem
set, the nbgrader configuration and **the course secret** (the zip is the
instructor's, uploaded privately to Gradescope; never share it).

``run`` is what ``run_autograder`` starts: it reads ``<root>/submission/`` as
untrusted input (``autograder.submissions``), grades the notebook with
nbgrader's autograde and the course's ``TrustedGrading`` (``batch.grade_task``,
the very procedure of ``mcdl grade``), in the isolation mode "container"
(Gradescope runs autograders in Docker, which refuses user namespaces), and
writes ``<root>/results/results.json``: one test per graded cell with its
points and its feedback. A submission that cannot be graded gets a message and
0 points, never a crash.
"""

import argparse
import importlib.metadata
import json
import re
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from autograder import batch, course, submissions
from autograder.nbgrader_settings import SOURCE_DIRECTORY
from autograder.secret import load_secret

GRADESCOPE_DIRECTORY = "gradescope"
TEST_DATA = "testdata"  # autograder/testdata: wrong submissions and attacks, for the tests alone
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
GRADING_PACKAGES = ("nbgrader", "ipykernel", "numpy", "threadpoolctl")
SETTINGS_FILE = "gradescope.json"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, on its Ubuntu 22.04 image, to build the autograder.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3.11 python3.11-venv bubblewrap libseccomp2
python3.11 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install -r /autograder/source/requirements-grading.txt
/autograder/venv/bin/pip install --no-deps /autograder/source/course
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission; it writes /autograder/results/results.json.
# Docker refuses user namespaces, so student code runs in the isolation mode "container".
export MCDL_ISOLATION=container
cd /autograder/source/course
exec /autograder/venv/bin/python -m autograder.gradescope run --root /autograder
"""


class GradescopeError(ValueError):
    """The autograder cannot be built; the message says why."""


# ---------------------------------------------------------------- building the zip

def grading_requirements(packages=GRADING_PACKAGES):
    """Pinned requirement lines of ``packages`` and everything they need, as installed here."""
    from packaging.requirements import Requirement

    pinned, pending = {}, list(packages)
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in pinned:
            continue
        distribution = importlib.metadata.distribution(name)
        pinned[key] = f"{distribution.metadata['Name']}=={distribution.version}"
        for text in distribution.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return sorted(pinned.values(), key=str.lower)


def _fresh_gradebook(root, assignment, folder):
    """A gradebook holding only ``assignment``, made by nbgrader in a scratch copy of the course."""
    (folder / SOURCE_DIRECTORY).mkdir(parents=True)
    shutil.copytree(root / SOURCE_DIRECTORY / assignment, folder / SOURCE_DIRECTORY / assignment)
    shutil.copy(root / course.CONFIG_FILE, folder / course.CONFIG_FILE)
    course.run_nbgrader(folder, "generate_assignment", assignment, "--force")
    return (folder / "gradebook.db").read_bytes()


def build_zip(course_dir=None, assignment=None, *, visibility="after_published"):
    """Write ``gradescope/<assignment>.zip`` for the course at ``course_dir``; return its path."""
    root = course.course_root(course_dir)
    if visibility not in VISIBILITIES:
        raise GradescopeError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    if not (root / SOURCE_DIRECTORY / assignment / f"{assignment}.ipynb").is_file():
        raise GradescopeError(f"no {SOURCE_DIRECTORY}/{assignment}/{assignment}.ipynb in {root}")
    secret = load_secret(root)
    package = Path(__file__).resolve().parent
    path = root / GRADESCOPE_DIRECTORY / f"{assignment}.zip"
    path.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mcdl-gradescope-") as scratch:
        gradebook = _fresh_gradebook(root, assignment, Path(scratch))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            def add(name, data, mode=0o644):
                info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)

            add("setup.sh", SETUP_SH, 0o755)
            add("run_autograder", RUN_AUTOGRADER, 0o755)
            add("requirements-grading.txt", "\n".join(grading_requirements()) + "\n")
            prefix = "course/"
            for file in sorted(package.rglob("*.py")):
                if TEST_DATA in file.relative_to(package).parts:
                    continue  # the course's test data, left out of the wheel too (pyproject.toml)
                add(prefix + "autograder/" + file.relative_to(package).as_posix(), file.read_bytes())
            add(prefix + "pyproject.toml", (package.parent / "pyproject.toml").read_bytes())
            config = (root / course.CONFIG_FILE).read_text(encoding="utf-8")
            add(prefix + course.CONFIG_FILE, config + '\nc.TrustedGrading.isolation = "container"  # Gradescope\n')
            for file in sorted((root / SOURCE_DIRECTORY / assignment).rglob("*")):
                if file.is_file() and not file.is_symlink() and ".ipynb_checkpoints" not in file.parts:
                    add(prefix + file.relative_to(root).as_posix(), file.read_bytes())
            add(prefix + "gradebook.db", gradebook)
            add(prefix + ".mcdl_secret", secret + "\n", 0o600)
            add(prefix + SETTINGS_FILE, json.dumps({"assignment": assignment, "visibility": visibility}))
    return path


# ---------------------------------------------------------------- grading one submission

def _submitted_notebook(folder, assignment):
    """The bytes of the notebook to grade in Gradescope's submission folder; raise Rejected if none."""
    submission = submissions.read_submission(folder)
    notebooks = sorted(name for name in submission.files if name.endswith(".ipynb") and "/" not in name)
    wanted = f"{assignment}.ipynb"
    if wanted in notebooks:
        chosen = wanted
    elif len(notebooks) == 1:
        chosen = notebooks[0]  # e.g. "ps01_gradient_checking (1).ipynb", as a browser renames a download
    elif not notebooks:
        skipped = f" ({'; '.join(submission.skipped)})" if submission.skipped else ""
        raise submissions.Rejected(f"the submission holds no notebook: upload {wanted}{skipped}")
    else:
        raise submissions.Rejected(f"the submission holds {len(notebooks)} notebooks ({', '.join(notebooks)}); "
                                   f"upload only {wanted}")
    data = submission.files[chosen]
    submissions.check_notebook(chosen, data)
    return data


def _check_problem_set(data, answer_ids, assignment):
    """Raise Rejected when the notebook holds none of the problem set's answer cells."""
    cells = json.loads(data).get("cells", [])
    ids = {((c.get("metadata") or {}).get("nbgrader") or {}).get("grade_id") for c in cells if isinstance(c, dict)}
    if not ids & set(answer_ids):
        raise submissions.Rejected(f"this notebook is not {assignment}: it has none of its answer cells "
                                   f"({', '.join(sorted(answer_ids)[:3])}, ...). Upload the notebook of {assignment}.")


def _cells(course_folder, assignment):
    """([answer cell ids], {test cell id: points}) of the problem set, from the shipped gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_folder / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_notebook(assignment, assignment)
        answers = [cell.name for cell in notebook.solution_cells]
        tests = {cell.name: cell.max_score for cell in notebook.grade_cells if cell.name not in answers}
    return answers, tests


def grade_submission(course_folder, submission_folder, assignment, visibility):
    """The results.json document of the submission in ``submission_folder``."""
    answers, tests = _cells(course_folder, assignment)
    try:
        data = _submitted_notebook(submission_folder, assignment)
        _check_problem_set(data, answers, assignment)
    except submissions.Rejected as why:
        return _rejected(f"Not graded: {why}", tests, visibility)
    shared = batch.shared_files(course_folder, assignment, load_secret(course_folder))
    task = {"assignment": assignment, "student": batch.PLACEHOLDER_STUDENT,
            "submission": {f"{assignment}.ipynb": data}, "shared": shared}
    try:
        output = batch.grade_task(task)
    except batch.GradingError as error:
        return _rejected(f"Not graded: {error}", tests, visibility)
    scores = output["grades"]["notebooks"][assignment]["grades"]
    verdicts = output["verdicts"].get(assignment, {})
    results = []
    for name, points in tests.items():
        score = float(scores.get(name, [0.0])[0] or 0.0)
        verdict = verdicts.get(name, {})
        text = verdict.get("message", "")
        if not verdict:
            text = "not run"
        results.append({"name": name, "score": score, "max_score": float(points),
                        "status": "passed" if score >= points else "failed",
                        "output": text if score >= points else f"Failed: {text}", "visibility": visibility})
    total = sum(t["score"] for t in results)
    return {"score": total, "output": f"{assignment}: {total:g} of {sum(tests.values()):g} points.",
            "tests": results, "visibility": visibility, "stdout_visibility": "hidden"}


def _rejected(message, tests, visibility):
    return {"score": 0.0, "output": message, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [{"name": name, "score": 0.0, "max_score": float(points), "status": "failed",
                       "output": message, "visibility": visibility} for name, points in tests.items()]}


def run(root):
    """Grade ``<root>/submission`` with the course in the working folder; write ``<root>/results/results.json``."""
    started = time.monotonic()
    root, course_folder = Path(root), Path.cwd()
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        settings = json.loads((course_folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        result = grade_submission(course_folder, root / "submission", settings["assignment"],
                                  settings["visibility"])
    except Exception as error:  # the autograder's own failure: say so, never leave Gradescope without results
        result = {"score": 0.0, "output": f"The autograder failed ({type(error).__name__}: {error}); tell your "
                                          f"instructor.", "tests": [], "visibility": "visible"}
    result["execution_time"] = round(time.monotonic() - started, 1)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope")
    commands = parser.add_subparsers(dest="command", required=True)
    running = commands.add_parser("run", help="grade /autograder/submission (what run_autograder starts)")
    running.add_argument("--root", default="/autograder", help="Gradescope's autograder folder")
    args = parser.parse_args(argv)
    result = run(args.root)
    print(result["output"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
