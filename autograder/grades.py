"""``grades.csv``: nbgrader's export columns, one row per student and assignment, and why a row has no grade.

The columns are those of nbgrader's ``CsvExportPlugin`` (so tools that read
its file read this one), written with the ``csv`` module (a name holding a
comma or a quote stays one field), plus ``status``: "graded", or "not
graded: <reason>" from ``results/``, or "no submission". A field that a
spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is written with a leading apostrophe.
"""

import csv
import os

from autograder.results import read_results

GRADES_CSV = "grades.csv"
COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
           "raw_score", "late_submission_penalty", "score", "max_score", "status"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """``value`` as text that no spreadsheet evaluates: numbers as they are, formulas quoted."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _status(result, submitted):
    if result is not None and not result.graded:
        return f"not graded: {result.error}"
    if result is not None or submitted:
        return "graded"
    return "no submission"


def rows(course_dir, gradebook):
    """One dict per (assignment, student) of the gradebook, with the ``COLUMNS`` as keys."""
    from nbgrader.api import MissingEntry

    for assignment in gradebook.assignments:
        results = read_results(course_dir, assignment.name)
        for student in gradebook.students:
            row = {"assignment": assignment.name, "duedate": assignment.duedate, "student_id": student.id,
                   "last_name": student.last_name, "first_name": student.first_name, "email": student.email,
                   "max_score": assignment.max_score}
            try:
                submission = gradebook.find_submission(assignment.name, student.id)
            except MissingEntry:
                submission = None
                row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0)
            else:
                penalty = submission.late_submission_penalty
                row.update(timestamp=submission.timestamp, raw_score=submission.score,
                           late_submission_penalty=penalty, score=max(0.0, submission.score - penalty))
            row["status"] = _status(results.get(student.id), submission is not None)
            yield row


def export_grades(course_dir, gradebook):
    """Write ``<course_dir>/grades.csv`` from ``gradebook`` (an open nbgrader ``Gradebook``), atomically."""
    path = os.path.join(course_dir, GRADES_CSV)
    partial = path + ".partial"
    with open(partial, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows(course_dir, gradebook):
            writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    os.replace(partial, path)
    return path
