"""`mcdl export canvas`: a gradebook laid out exactly as Canvas exports it, one column filled from grades.csv."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import canvas, course

PS03 = "ps03_softmax_cross_entropy"
# As Canvas writes it: a byte-order mark, quoted names with commas, the assignment columns named
# "<name> (<canvas id>)", read-only totals, a "Points Possible" row and the test student.
CANVAS_EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,ps01_gradient_checking (880101),"
    "ps03_softmax_cross_entropy (880103),Current Score,Unposted Current Score,Final Score\r\n"
    "    Points Possible,,,,,14.00,24.00,(read only),(read only),(read only)\r\n"
    '"Lovelace, Ada",5001,S1001,ada,Section 1,14.00,,100.00,100.00,50.00\r\n'
    '"Noether, Emmy",5002,S1002,emmy,Section 1,12.00,3.00,80.00,80.00,40.00\r\n'
    '"Turing, Alan",5003,S1003,alan,Section 2,,,0.00,0.00,0.00\r\n'
    '"Hopper, Grace",5004,S1004,grace,Section 2,10.00,,70.00,70.00,35.00\r\n'
    '"Student, Test",5999,,test_student,Section 1,,,,,\r\n'
)
GRADES_CSV = """\
assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,late_submission_penalty,score,\
max_score,status
ps03_softmax_cross_entropy,,2026-12-01 10:00:00,ada,,,,24.0,0.0,24.0,24.0,graded
ps03_softmax_cross_entropy,,2026-12-01 10:00:00,emmy,,,,19.5,0.0,19.5,24.0,graded
ps03_softmax_cross_entropy,,,alan,,,,0.0,0.0,0.0,24.0,no submission
ps03_softmax_cross_entropy,,,grace,,,,0.0,0.0,0.0,24.0,not graded: ps03_softmax_cross_entropy.ipynb is a link
ps03_softmax_cross_entropy,,2026-12-01 10:00:00,zoe,,,,7.0,0.0,7.0,24.0,graded
ps01_gradient_checking,,2026-11-01 10:00:00,ada,,,,14.0,0.0,14.0,14.0,graded
"""


@pytest.fixture
def course_dir(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n", encoding="utf-8")
    (tmp_path / "grades.csv").write_text(GRADES_CSV, encoding="utf-8")
    (tmp_path / "canvas.csv").write_text(CANVAS_EXPORT, encoding="utf-8", newline="")
    return tmp_path


def rows_of(path):
    with open(path, newline="", encoding="utf-8-sig") as file:
        return list(csv.reader(file))


def run_mcdl(folder, *args):
    return subprocess.run([str(Path(sys.executable).parent / "mcdl"), *args], cwd=folder, capture_output=True,
                          text=True, env=course.tool_environment())


def test_the_export_fills_the_right_rows_and_reports_the_rest(course_dir):
    run = run_mcdl(course_dir, "export", "canvas", PS03, "--gradebook", "canvas.csv")
    assert run.returncode == 0, run.stderr
    rows = rows_of(course_dir / "exports" / f"canvas-{PS03}.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{PS03} (880103)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][-1] == "24.00"
    by_login = {row[3]: row for row in rows[2:]}
    assert set(by_login) == {"ada", "emmy", "alan", "grace", "test_student"}  # every Canvas row kept
    assert by_login["ada"][0] == "Lovelace, Ada" and by_login["ada"][1] == "5001"
    assert by_login["ada"][-1] == "24" and by_login["emmy"][-1] == "19.5"
    assert by_login["alan"][-1] == "" and by_login["grace"][-1] == ""  # no grade: left blank, reported
    out = run.stdout
    assert "alan: no submission" in out and "grace: not graded: ps03_softmax_cross_entropy.ipynb is a link" in out
    assert "In Canvas but not in grades.csv (1, left blank): test_student" in out
    assert "In grades.csv but not in Canvas (1, not exported): zoe" in out


def test_students_can_be_matched_by_sis_id(course_dir):
    grades = {"S1001": (20.0, ""), "S1003": (None, "no submission"), "ada": (24.0, "")}
    export = canvas.fill_column(course_dir / "canvas.csv", grades, PS03, match="sis")
    assert export.filled == {"S1001": 20.0} and export.no_grade == {"S1003": "no submission"}
    assert export.unmatched_grades == ["ada"] and "" not in export.unmatched_canvas
    assert any("test_student" in name or "Test" in name for name in export.unmatched_canvas)


def test_the_output_is_read_back_as_canvas_reads_it(course_dir):
    export = canvas.fill_column(course_dir / "canvas.csv", canvas.read_grades(course_dir, PS03), PS03)
    path = canvas.write_export(export, course_dir / "out.csv")
    header, meta, students = canvas.read_canvas(path)
    assert header[-1] == f"{PS03} (880103)" and len(meta) == 1 and len(students) == 5
    assert canvas.find_column(header, PS03) == header[-1]


def test_a_column_can_be_named_and_wrong_names_are_explained(course_dir):
    export = canvas.fill_column(course_dir / "canvas.csv", {"ada": (1.0, "")}, PS03,
                                column="ps01_gradient_checking (880101)")
    assert export.column == "ps01_gradient_checking (880101)"
    with pytest.raises(canvas.CanvasError, match="has no column 'ps99'.*ps03_softmax_cross_entropy"):
        canvas.fill_column(course_dir / "canvas.csv", {}, "ps99")
    (course_dir / "not_canvas.csv").write_text("name,score\nada,3\n", encoding="utf-8")
    run = run_mcdl(course_dir, "export", "canvas", PS03, "--gradebook", "not_canvas.csv")
    assert run.returncode == 2 and "is not a Canvas gradebook export" in run.stderr
    run = run_mcdl(course_dir, "export", "canvas", PS03, "--gradebook", "missing.csv")
    assert run.returncode == 2 and "missing.csv" in run.stderr and "Traceback" not in run.stderr


def test_a_score_above_the_points_possible_is_warned(course_dir):
    export = canvas.fill_column(course_dir / "canvas.csv", {"ada": (30.0, "")}, PS03)
    assert export.warnings and "above the column's 24.00 points possible" in export.warnings[0]


def test_grades_written_formula_safe_are_read_back(tmp_path):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["assignment", "timestamp", "student_id", "score", "status"])
    writer.writerow([PS03, "2026-12-01", "'=HYPERLINK(1)", "5.0", "graded"])
    (tmp_path / "grades.csv").write_text(text.getvalue(), encoding="utf-8")
    assert canvas.read_grades(tmp_path, PS03) == {"=HYPERLINK(1)": (5.0, "")}
