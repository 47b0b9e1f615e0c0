"""`mcdl report`: its numbers, computed again from the gradebook and the autograded notebooks,
its budget section, what the grader records of a budget check, and the page in headless Chromium."""

import io
import re
import shutil
from collections import Counter

import pytest
from batch_courses import BATCH_SIZE, BLANK_COUNT, BROKEN, PS01, mcdl, students_of
from conftest import ROOT, TEST_SECRET
from test_pipeline import cell_scores

from autograder import course, notebooks, report
from autograder.results import SubmissionResult, Verdict, read_results, write_result
from autograder.testdata import named
from autograder.testdata.filling import reference_answers
from autograder.trusted import grade_answers

PS02 = "ps02_linear_layers"


def rows(page, table):
    """The data- attributes of each row of the table with id ``table``."""
    body = re.search(rf"<table id='{table}'>(.*?)</table>", page, re.S).group(1)
    return [dict(re.findall(r"data-([\w-]+)='([^']*)'", row)) for row in re.findall(r"<tr (data-[^>]*)>", body)]


def graded_students(folder):
    from nbgrader.api import Gradebook, MissingEntry

    graded = []
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        for student in students_of(folder):
            try:
                gradebook.find_submission(PS01, student)
            except MissingEntry:
                continue
            graded.append(student)
    return graded


def error_messages(folder, student):
    notebook = notebooks.load(folder / "autograded" / student / PS01 / f"{PS01}.ipynb")
    return [output["evalue"] for cell in notebook["cells"] for output in cell.get("outputs", [])
            if output["output_type"] == "error"]


@pytest.fixture(scope="module")
def class_report(local_course):
    mcdl(local_course, "report", PS01)
    return (local_course / "reports" / f"{PS01}.html").read_text(encoding="utf-8")


def test_grade_distribution_and_failure_rates_match_the_gradebook(local_course, class_report):
    graded = graded_students(local_course)
    scores = {s: cell_scores({PS01: local_course}, PS01, s) for s in graded}
    totals = Counter(sum(score for score, _ in cells.values()) for cells in scores.values())
    assert {float(r["score"]): int(r["students"]) for r in rows(class_report, "scores")} == totals
    failed = Counter(cell for cells in scores.values() for cell, (score, maximum) in cells.items() if score < maximum)
    cells = {r["cell"]: (int(r["failed"]), int(r["graded"])) for r in rows(class_report, "cells")}
    assert set(cells) == {cell for cells in scores.values() for cell in cells}
    assert cells == {cell: (failed[cell], len(graded)) for cell in cells}
    summary = re.search(r"<p id='summary' data-graded='(\d+)' data-not-graded='(\d+)'", class_report)
    assert int(summary.group(1)) == len(graded) >= BATCH_SIZE


def test_mistakes_are_counted_across_the_class(local_course, class_report):
    messages = [m for s in graded_students(local_course) for m in error_messages(local_course, s)]
    mistakes = {r["mistake"]: int(r["count"]) for r in rows(class_report, "mistakes")}
    assert sum(mistakes.values()) == len(messages)
    stubs = sum("is not implemented yet" in m for m in messages)
    assert mistakes["not implemented (stub left)"] == stubs >= BLANK_COUNT * 14
    assert mistakes["wrong sign"] == sum("has the wrong sign" in m for m in messages) > 0
    assert mistakes["inputs modified in place"] == sum("modified its input" in m for m in messages) > 0
    known = {label: n for label, n in mistakes.items() if label.startswith("known mistake: ")}
    assert sum(known.values()) == sum("it looks like" in m for m in messages) > 0
    forward = named("forward_difference")
    assert any(forward.says in label for label in known)
    body = re.search(r"<table id='mistakes'>(.*?)</table>", class_report, re.S).group(1)
    examples = re.findall(r"<tr data-mistake=.*?<td>([^<]*)</td></tr>", body)
    assert len(examples) == len(mistakes) and all(len(example) > 20 for example in examples)


def test_verdicts_agree_with_the_gradebook_and_a_score_changed_there_is_named(local_course, class_report,
                                                                              tmp_path):
    assert "id='disagreements'" not in class_report
    assert report.class_statistics(read_results(local_course, PS01), [],
                                   report.gradebook_scores(local_course, PS01))["disagreements"] == {}
    copy = tmp_path / "course"
    shutil.copytree(local_course, copy, symlinks=True)
    student, cell = next((s, c) for s, r in sorted(read_results(copy, PS01).items()) if r.graded
                         for c, v in sorted(r.verdicts.items()) if v.passed)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gradebook:
        gradebook.find_grade(cell, PS01, PS01, student).manual_score = 0.0  # the verdict says it passed
        gradebook.db.commit()
    warnings = io.StringIO()
    page = report.write_report(copy, PS01, stream=warnings).read_text(encoding="utf-8")
    assert warnings.getvalue() == (f"WARNING {PS01}: {student}: the verdicts of {cell} disagree with the scores "
                                   "in the gradebook\n")
    assert rows(page, "disagreeing") == [{"student": student, "cells": cell}]
    assert page.index("id='disagreements'") < page.index("Grade distribution")  # at the top of the page


def test_a_verdict_and_a_score_that_disagree_are_found_without_a_gradebook(tmp_path):
    course_folder = synthetic_course(tmp_path)
    cell = "test_softmax_cross_entropy_time_budget"
    write_result(course_folder, SubmissionResult("ps03_softmax_cross_entropy", "s99", "graded",
                                                 scores={cell: [0.0, 1.0]}, verdicts={cell: Verdict(True, "passed")}))
    warnings = io.StringIO()
    page = report.write_report(course_folder, "ps03_softmax_cross_entropy", stream=warnings).read_text(encoding="utf-8")
    assert warnings.getvalue().count("WARNING") == 1 and "s99" in warnings.getvalue()
    assert rows(page, "disagreeing") == [{"student": "s99", "cells": cell}]


def test_students_not_graded_are_listed(local_course, class_report):
    listed = {r["student"] for r in rows(class_report, "not-graded")}
    expected = set(students_of(local_course)) - set(graded_students(local_course))
    assert BROKEN in listed and listed == expected
    assert "not graded: ps01_gradient_checking.ipynb is not a notebook" in class_report


def test_budget_checks_record_their_measurement_and_limit():
    """The grader keeps what a memory budget measured: the reference within the limit, an unfused kernel over it."""
    source = notebooks.load(ROOT / "solutions" / PS02 / f"{PS02}.ipynb")
    reference = notebooks.answer_cells(source)
    answers = reference_answers(PS02)
    unfused = named("dense_tanh_unfused")
    test = "test_dense_tanh_backward_memory_budget"
    right, _ = grade_answers(PS02, answers, [test], reference, secret=TEST_SECRET)
    wrong, _ = grade_answers(PS02, {**answers, **unfused.answers}, [test], reference, secret=TEST_SECRET)
    assert right[test].passed and right[test].kind is None
    assert right[test].limit == wrong[test].limit == pytest.approx(1.25)
    assert right[test].measured < right[test].limit < wrong[test].measured
    assert not wrong[test].passed and wrong[test].kind == "too_much_memory"
    used = float(re.search(r"uses too much memory: ([\d.]+) arrays", wrong[test].message).group(1))
    assert wrong[test].measured == pytest.approx(used, abs=0.05)  # the message rounds to tenths of an array


def synthetic_course(tmp_path):
    """A course folder with stored results of a budget cell (no grading): 10 within the limit, 3 over it."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    cell = "test_softmax_cross_entropy_time_budget"
    for index, ratio in enumerate([0.8, 0.9, 1.0, 1.0, 1.1, 1.2, 1.3, 0.95, 1.05, 1.4, 9.0, 17.0, 25.0]):
        passed = ratio <= 4.0
        message = "passed" if passed else f"softmax_cross_entropy is too slow: ... {ratio:.1f} times as long"
        verdict = Verdict(passed, message, None if passed else "too_slow", measured=ratio, limit=4.0)
        write_result(tmp_path, SubmissionResult("ps03_softmax_cross_entropy", f"s{index:02d}", "graded",
                                                scores={cell: [float(passed), 1.0]}, verdicts={cell: verdict}))
    (tmp_path / "submitted" / "nobody" / "ps03_softmax_cross_entropy").mkdir(parents=True)
    (tmp_path / "submitted" / "nobody" / "ps03_softmax_cross_entropy" / "x.ipynb").write_text("{}")
    return tmp_path


def test_budget_section_draws_the_measurements_and_the_limit(tmp_path):
    path = report.write_report(synthetic_course(tmp_path), "ps03_softmax_cross_entropy")
    page = path.read_text(encoding="utf-8")
    [budget] = rows(page, "budgets")
    assert budget == {"cell": "test_softmax_cross_entropy_time_budget", "measured": "13", "over": "3"}
    assert {r["mistake"]: r["count"] for r in rows(page, "mistakes")} == {"too slow": "3"}
    assert [r["student"] for r in rows(page, "not-graded")] == ["nobody"]
    assert page.count("data:image/png;base64,") == 3  # grades, failure rates, budgets: all inside the page


def test_report_looks_right_in_headless_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    path = report.write_report(synthetic_course(tmp_path), "ps03_softmax_cross_entropy")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        page.route("http*://**", lambda route: route.abort())  # self-contained: nothing to fetch
        page.goto(path.as_uri())
        sizes = page.evaluate("[...document.images].map(i => [i.naturalWidth, i.naturalHeight])")
        headings = page.evaluate("[...document.querySelectorAll('h2')].map(h => h.textContent)")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert len(sizes) == 3 and all(w > 300 and h > 150 for w, h in sizes)
    assert headings == ["Grade distribution", "Failure rate of each test cell", "Diagnosed mistakes across the class",
                        "Budget measurements", "Students not graded"]
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_report_outside_a_course_or_without_submissions(tmp_path):
    with pytest.raises(course.NotACourse):
        report.write_report(tmp_path, PS01)
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    with pytest.raises(LookupError, match="nothing to report"):
        report.write_report(tmp_path, PS01)
