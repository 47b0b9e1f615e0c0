"""Submission folders as a hostile student would make them, graded beside correct ones.

A student chooses the names, links, modes and size of everything it hands in.
One ps01 batch holds a folder of each kind (links to the course secret, to a
canary file of the course, to /etc/passwd and /proc files, to a classmate's
notebook, at depth and in loops; FIFOs; odd modes; empty folders and files
where folders belong; odd student ids; a huge notebook; 100 000 cells;
duplicated cells) and four controls. `mcdl grade` must grade the controls
exactly as alone, copy no link's target anywhere, grade nobody on another's
notebook, name every submitter in grades.csv with a score or a reason, and exit 0.
The same folders go through serial `nbgrader autograde` with the course's
configuration, and links through `nbgrader collect` and `zip_collect`.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from batch_courses import mcdl, released_course
from conftest import TEST_SECRET
from test_pipeline import cell_scores

from autograder import course, notebooks
from autograder.results import read_results
from autograder.testdata import by_assignment
from autograder.testdata.filling import filled, reference_answers, submit

pytestmark = pytest.mark.slow  # batches of hostile folders through mcdl grade and nbgrader

PS01 = "ps01_gradient_checking"
NOTEBOOK = f"{PS01}.ipynb"
CANARY = "CANARY-7f3a9c1e-the-target-of-a-link"
WRONG = by_assignment(PS01)[0]
CONTROLS = ["control_right_0", "control_right_1", "control_wrong", "control_blank"]


def scratch_course(folder):
    release = released_course(folder)
    (folder / ".mcdl_secret").write_text(TEST_SECRET, encoding="utf-8")
    (folder / "canary.txt").write_text(CANARY, encoding="utf-8")
    return release


def right(release):
    return filled(release, reference_answers(PS01))


def submit_controls(folder, release):
    submit(folder, CONTROLS[0], PS01, right(release))
    submit(folder, CONTROLS[1], PS01, right(release))
    submit(folder, CONTROLS[2], PS01, filled(release, {**reference_answers(PS01), **WRONG.answers}))
    submit(folder, CONTROLS[3], PS01, release)


def with_duplicates(release, first, last):
    """The notebook with the answer cell of ``relative_error`` copied: ``first`` code, then ``last`` code."""
    notebook = json.loads(json.dumps(right(release)))
    cells = notebook["cells"]
    index = next(i for i, c in enumerate(cells) if notebooks.nbgrader_meta(c).get("grade_id") == "relative_error")
    test = next(i for i, c in enumerate(cells)
                if notebooks.nbgrader_meta(c).get("grade_id", "").startswith("test_relative_error"))
    original, copy = json.loads(json.dumps(cells[index])), json.loads(json.dumps(cells[index]))
    original["source"], copy["source"] = first, last
    original.pop("id", None)
    copy.pop("id", None)
    cells[index] = original
    cells.insert(len(cells), copy)  # the last copy, at the end of the notebook
    cells.insert(test + 1, json.loads(json.dumps(cells[test])))  # a copied test cell too
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    return notebook


WRONG_RELATIVE_ERROR = "def relative_error(A, B):\n    return 0.5\n"


def hostile_folders(folder, release):
    """Make every hostile submission folder; return {student: what its grading must say or None}."""
    submitted = folder / "submitted"
    control_notebook = submitted / CONTROLS[0] / PS01 / NOTEBOOK
    expect = {}

    def own(student, notebook=None):
        submit(folder, student, PS01, notebook or right(release))
        return submitted / student / PS01

    for student, target in [("link_secret", folder / ".mcdl_secret"), ("link_gradebook", folder / "gradebook.db"),
                            ("link_canary", folder / "canary.txt"), ("link_passwd", Path("/etc/passwd")),
                            ("link_environ", Path("/proc/self/environ")), ("link_shadow", Path("/etc/shadow")),
                            ("link_mem", Path("/proc/self/mem")), ("link_pagemap", Path("/proc/self/pagemap")),
                            ("link_classmate_file", control_notebook)]:
        os.symlink(target, own(student) / "notes.txt")
        expect[student] = "graded"
    deep = own("link_at_depth") / "a" / "b" / "c"
    deep.mkdir(parents=True)
    os.symlink(folder / "canary.txt", deep / "notes.txt")
    os.symlink(folder, deep / "course")  # a link to a folder: never descended
    expect["link_at_depth"] = "graded"
    loop = own("link_loop")
    os.symlink(loop / "b", loop / "a")
    os.symlink(loop / "a", loop / "b")
    os.symlink(".", loop / "self")
    expect["link_loop"] = "graded"
    os.mkfifo(own("fifo") / "pipe")
    expect["fifo"] = "graded"

    linked = submitted / "notebook_is_link" / PS01
    linked.mkdir(parents=True)
    os.symlink(control_notebook, linked / NOTEBOOK)
    expect["notebook_is_link"] = "is a link"
    os.symlink(submitted / CONTROLS[0], submitted / "student_folder_is_link")
    expect["student_folder_is_link"] = "is a link"
    (submitted / "submission_is_link").mkdir()
    os.symlink(submitted / CONTROLS[0] / PS01, submitted / "submission_is_link" / PS01)
    expect["submission_is_link"] = "is a link"

    os.chmod(own("mode_044") / NOTEBOOK, 0o044)
    expect["mode_044"] = "graded"
    os.chmod(own("folder_055"), 0o055)
    expect["folder_055"] = "graded"
    (submitted / "empty_folder" / PS01).mkdir(parents=True)
    expect["empty_folder"] = "the folder is empty"
    (submitted / "submission_is_file").mkdir()
    (submitted / "submission_is_file" / PS01).write_text("not a folder", encoding="utf-8")
    expect["submission_is_file"] = "not a folder"
    (submitted / "student_is_file").write_text("not a folder", encoding="utf-8")
    expect["student_is_file"] = "not a folder"
    os.mkfifo(own("notebook_is_fifo") / "x")
    (submitted / "notebook_is_fifo" / PS01 / NOTEBOOK).unlink()
    os.mkfifo(submitted / "notebook_is_fifo" / PS01 / NOTEBOOK)
    expect["notebook_is_fifo"] = "is a FIFO"

    for student in ["odd[id]", "new\nline", "=HYPERLINK(1)", "-1+1", "@SUM(A1)", "comma,quote\"id"]:
        own(student)
        expect[student] = "graded"

    huge = submitted / "huge_notebook" / PS01
    huge.mkdir(parents=True)
    with open(huge / NOTEBOOK, "wb") as file:
        file.truncate(300 * 2**20)  # 300 MB (sparse: only its size is read)
    expect["huge_notebook"] = "300 MiB"
    many = right(release)
    many["cells"] = many["cells"] + [{"cell_type": "markdown", "metadata": {}, "source": "x", "id": f"m{i}"}
                                     for i in range(100_000)]
    own("many_cells", many)
    expect["many_cells"] = "cells"
    own("garbage", None)
    (submitted / "garbage" / PS01 / NOTEBOOK).write_bytes(b"[" * 100_000)
    expect["garbage"] = "is not a notebook"

    own("duplicate_last_right", with_duplicates(release, WRONG_RELATIVE_ERROR,
                                                reference_answers(PS01)["relative_error"]))
    expect["duplicate_last_right"] = "graded"
    own("duplicate_last_wrong", with_duplicates(release, reference_answers(PS01)["relative_error"],
                                                WRONG_RELATIVE_ERROR))
    expect["duplicate_last_wrong"] = "graded"
    return expect


def secrets_of(folder):
    """Byte strings that must never appear in what grading writes."""
    return [CANARY.encode(), TEST_SECRET.encode(), b"SQLite format 3", Path("/etc/passwd").read_bytes()[:40],
            b"MCDL_COURSE_SECRET="]


def leaked(folder, needles, places=("autograded", "feedback", "results", "reports", "grades.csv", "submitted")):
    found = []
    for place in places:
        root = folder / place
        paths = [root] if root.is_file() else [p for p in root.rglob("*") if not p.is_symlink() and p.is_file()]
        for path in paths:
            if path.stat().st_size > 50 * 2**20:
                continue
            data = path.read_bytes()
            found += [(str(path), needle[:20]) for needle in needles if needle in data]
    return found


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile") / "course"
    folder.mkdir()
    release = scratch_course(folder)
    submit_controls(folder, release)
    expect = hostile_folders(folder, release)
    started = time.monotonic()
    run = mcdl(folder, "grade", PS01, "--workers", "2", check=False, timeout=900)
    report = mcdl(folder, "report", PS01, check=False)
    return {"folder": folder, "expect": expect, "run": run, "report": report, "seconds": time.monotonic() - started}


@pytest.fixture(scope="module")
def controls_alone(tmp_path_factory):
    folder = tmp_path_factory.mktemp("controls") / "course"
    folder.mkdir()
    submit_controls(folder, scratch_course(folder))
    mcdl(folder, "grade", PS01, "--workers", "2")
    return folder


def test_mcdl_grade_exits_0_and_names_everyone(hostile_course):
    run = hostile_course["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert "0 failed" in run.stdout


def test_controls_are_graded_exactly_as_alone(hostile_course, controls_alone):
    folder = hostile_course["folder"]
    for student in CONTROLS:
        assert cell_scores({PS01: folder}, PS01, student) == cell_scores({PS01: controls_alone}, PS01, student)


def test_no_target_of_a_link_is_copied_anywhere(hostile_course):
    folder = hostile_course["folder"]
    assert leaked(folder, secrets_of(folder), ("autograded", "feedback", "results", "reports", "grades.csv")) == []


def test_nobody_is_graded_on_another_students_notebook(hostile_course):
    folder = hostile_course["folder"]
    results = read_results(folder, PS01)
    for student in ["notebook_is_link", "student_folder_is_link", "submission_is_link"]:
        assert results[student].status == "rejected", student
        assert results[student].score == 0 and not (folder / "autograded" / student).exists()


def test_every_submitter_has_a_score_or_a_reason(hostile_course):
    folder, expect = hostile_course["folder"], hostile_course["expect"]
    results = read_results(folder, PS01)
    assert set(expect) | set(CONTROLS) <= set(results)
    for student, says in expect.items():
        result = results[student]
        if says == "graded":
            assert result.graded, (student, result.error)
        else:
            assert result.status == "rejected" and says in result.error, (student, result.error)
    with open(folder / "grades.csv", newline="", encoding="utf-8") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file) if row["assignment"] == PS01}
    for student, says in expect.items():
        shown = "'" + student if student[0] in "=+-@" else student
        assert shown in rows, student
        status = rows[shown]["status"]
        assert status == "graded" if says == "graded" else says in status, (student, status)
    for student in ["odd[id]", "new\nline", "=HYPERLINK(1)"]:
        assert results[student].score == results[CONTROLS[0]].score == results[CONTROLS[0]].max_score
    assert "NOT GRADED notebook_is_link: not graded: " in hostile_course["run"].stdout


def test_no_field_of_grades_csv_is_a_formula(hostile_course):
    with open(hostile_course["folder"] / "grades.csv", newline="", encoding="utf-8") as file:
        fields = [value for row in csv.reader(file) for value in row]
    assert fields and not [value for value in fields if value[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_skipped_files_are_named_in_the_students_result(hostile_course):
    results = read_results(hostile_course["folder"], PS01)
    assert any("notes.txt: is a link" in note for note in results["link_secret"].notes)
    assert any("pipe: is a FIFO" in note for note in results["fifo"].notes)
    assert any("a/b/c/course: is a link" in note for note in results["link_at_depth"].notes)


def test_the_report_names_every_student_not_graded(hostile_course):
    assert hostile_course["report"].returncode == 0
    page = (hostile_course["folder"] / "reports" / f"{PS01}.html").read_text(encoding="utf-8")
    for student in ["notebook_is_link", "empty_folder", "student_is_file", "huge_notebook", "many_cells"]:
        assert student in page


def test_duplicated_answer_cells_are_graded_on_their_last_copy(hostile_course):
    folder = hostile_course["folder"]
    right_scores = cell_scores({PS01: folder}, PS01, CONTROLS[0])
    assert cell_scores({PS01: folder}, PS01, "duplicate_last_right") == right_scores
    wrong = cell_scores({PS01: folder}, PS01, "duplicate_last_wrong")
    lost = {cell for cell, (score, maximum) in wrong.items() if score < maximum}
    assert lost and all(cell.startswith("test_relative_error") for cell in lost)
    graded = notebooks.load(folder / "autograded" / "duplicate_last_right" / PS01 / NOTEBOOK)
    said = json.dumps(graded["cells"])
    assert "appears 2 times in your notebook; the last copy was graded" in said


# ---------------------------------------------------------------- serial nbgrader, collect and zip_collect

SERIAL_STUDENTS = ["link_secret", "link_canary", "link_passwd", "link_environ", "link_at_depth", "link_loop",
                   "link_classmate_file", "notebook_is_link", "duplicate_last_right"]


def test_serial_nbgrader_autograde_is_protected_the_same_way(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    release = scratch_course(folder)
    submit_controls(folder, release)
    hostile_folders(folder, release)
    for student in os.listdir(folder / "submitted"):  # what serial nbgrader is not asked to survive
        if student not in SERIAL_STUDENTS + CONTROLS:
            path = folder / "submitted" / student
            if path.is_symlink() or path.is_file():
                path.unlink()
            else:
                subprocess.run(["chmod", "-R", "u+rwx", str(path)], check=True)
                shutil.rmtree(path)
    nbgrader = [str(Path(sys.executable).parent / "nbgrader")]
    run = subprocess.run([*nbgrader, "autograde", PS01], cwd=folder, env=course.tool_environment(),
                         capture_output=True, text=True)
    # nbgrader copies a submission's files before any preprocessor of the course runs: a link
    # loop fails that copy, and nbgrader then skips that student alone (mcdl grade grades it).
    assert "There was an error processing assignment 'ps01_gradient_checking' for student 'link_loop'" in run.stderr
    assert run.stderr.count("There was an error processing assignment '") == 1, run.stderr[-3000:]
    course.run_nbgrader(folder, "generate_feedback", PS01)
    assert leaked(folder, secrets_of(folder), ("autograded", "feedback")) == []
    graded = [s for s in SERIAL_STUDENTS if s != "link_loop"]
    scores = {s: sum(score for score, _ in cell_scores({PS01: folder}, PS01, s).values()) for s in graded}
    full = sum(score for score, _ in cell_scores({PS01: folder}, PS01, CONTROLS[0]).values())
    assert scores["notebook_is_link"] == 0
    assert all(score == full for student, score in scores.items() if student != "notebook_is_link"), scores
    page = (folder / "feedback" / "notebook_is_link" / PS01 / f"{PS01}.html").read_text(encoding="utf-8")
    assert "is a link; only a notebook of your own is graded" in page
    own_code = reference_answers(PS01)["relative_error"].strip().splitlines()[-1].strip()
    assert own_code not in page


def nbgrader_as(folder, home, *args):
    env = {**course.tool_environment(), "HOME": str(home)}
    result = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=folder, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_a_link_in_the_exchange_never_reaches_submitted(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    release = scratch_course(folder)
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    with open(folder / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    nbgrader_as(folder, tmp_path, "release_assignment", PS01)
    students = {}
    for student in ["alice", "mallory"]:
        home = tmp_path / student
        home.mkdir()
        (home / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.course_id = 'mcdl'\nc.Exchange.root = {str(exchange)!r}\n",
            encoding="utf-8")
        nbgrader_as(home, home, "fetch_assignment", PS01)
        (home / PS01 / NOTEBOOK).write_text(json.dumps(right(release)), encoding="utf-8")
        env = {**course.tool_environment(), "HOME": str(home), "USER": student}
        subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "submit", PS01, "--student", student],
                       cwd=home, env=env, check=True, capture_output=True)
        students[student] = home
    inbound = exchange / "mcdl" / "inbound"
    (mallory,) = [p for p in inbound.iterdir() if p.name.startswith("mallory+")]
    os.symlink(folder / "canary.txt", mallory / "notes.txt")
    os.symlink(folder, mallory / "course")
    (mallory / NOTEBOOK).unlink()
    (alice,) = [p for p in inbound.iterdir() if p.name.startswith("alice+")]
    os.symlink(alice / NOTEBOOK, mallory / NOTEBOOK)
    result = nbgrader_as(folder, tmp_path, "collect", PS01)
    assert "Not collected" in result.stdout + result.stderr
    submitted = folder / "submitted"
    assert (submitted / "alice" / PS01 / NOTEBOOK).is_file()
    assert not any(p.is_symlink() for p in submitted.rglob("*"))
    assert not (submitted / "mallory" / PS01 / NOTEBOOK).exists()
    assert leaked(folder, secrets_of(folder), ("submitted",)) == []


def test_zip_collect_keeps_every_file_inside_submitted_and_with_its_uploader(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    release = scratch_course(folder)
    archive = folder / "downloaded" / PS01 / "archive"
    archive.mkdir(parents=True)
    text = json.dumps(right(release))
    (archive / f".._{NOTEBOOK}").write_text(text, encoding="utf-8")
    (archive / f"carol_{NOTEBOOK}").write_text(text, encoding="utf-8")
    with zipfile.ZipFile(archive / f"alice_{PS01}.zip", "w") as upload:
        upload.writestr(f"alice_{NOTEBOOK}", text)
        upload.writestr(f"bob_{NOTEBOOK}", text)  # named for a classmate: not collected for bob
        link = zipfile.ZipInfo(f"alice_notes_{NOTEBOOK}")
        link.external_attr = (0o120777 << 16)  # a symbolic link entry
        upload.writestr(link, str(folder / "canary.txt"))
    with zipfile.ZipFile(archive / f"bob_{PS01}.zip", "w") as upload:
        upload.writestr(f"bob_{NOTEBOOK}", text)
    course.run_nbgrader(folder, "zip_collect", PS01)
    submitted = folder / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["alice", "bob", "carol"]
    assert not (folder / "submitted" / "..").resolve().joinpath(PS01).exists()
    assert not (folder / PS01).exists() and not (folder / "submitted" / f"..{NOTEBOOK}").exists()
    assert not any(p.is_symlink() for p in submitted.rglob("*"))
    assert leaked(folder, [CANARY.encode()], ("submitted",)) == []


# ---------------------------------------------------------------- two runs at once

def test_two_runs_at_once_grade_everyone_once(tmp_path):
    """Two `mcdl grade` started together (two terminals, a cron job): the second waits, then skips."""
    template = tmp_path / "template"
    template.mkdir()
    submit_controls(template, scratch_course(template))
    command = [str(Path(sys.executable).parent / "mcdl"), "grade", PS01, "--workers", "1"]
    for round_ in range(2):  # the race twice: which one waits is up to the scheduler
        folder = tmp_path / f"round{round_}"
        shutil.copytree(template, folder)
        runs = [subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=course.tool_environment()) for _ in range(2)]
        outputs = [run.communicate(timeout=600) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        graded = sum(int(out.split(f"{PS01}: ")[1].split(" graded")[0]) for out, _ in outputs)
        skipped = [out for out, _ in outputs if f"{len(CONTROLS)} already graded (skipped)" in out]
        assert graded == len(CONTROLS) and len(skipped) == 1, outputs
        assert any("Another mcdl grade is running on this course" in err for _, err in outputs)
        results = read_results(folder, PS01)
        assert sorted(results) == sorted(CONTROLS) and all(r.graded for r in results.values())
        assert results[CONTROLS[0]].score == results[CONTROLS[0]].max_score > results[CONTROLS[2]].score
