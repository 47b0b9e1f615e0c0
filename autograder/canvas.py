"""``mcdl export canvas``: one assignment column of a Canvas gradebook, filled from ``grades.csv``.

Canvas exports its gradebook as CSV: a header row (``Student``, ``ID``, ``SIS
User ID``, ``SIS Login ID``, ``Section``, then one column per assignment named
``<name> (<canvas id>)`` and read-only totals), a ``Points Possible`` row (and
sometimes a ``Manual Posting`` row) under it, then one row per student. Its
import takes the same layout with any subset of the assignment columns. The
file written here keeps every row and the five identity columns, and only the
one assignment column, so an import changes nothing else. Students are matched
by one identity column (``--match``); every student who cannot be matched, on
either side, and every one with no grade, is reported, never dropped.
Imports only the standard library.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grades import FORMULA_STARTS, GRADES_CSV

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MATCH_COLUMNS = {"login": "SIS Login ID", "sis": "SIS User ID", "id": "ID"}
META_ROWS = ("Points Possible", "Manual Posting")  # rows under the header that are not students
EXPORTS_DIRECTORY = "exports"


class CanvasError(ValueError):
    """The gradebook or the grades cannot be used; the message says why and what to do."""


@dataclass
class Export:
    """What ``fill_column`` did.

    rows: the rows written (header first), as lists of strings.
    filled: {canvas key: score} written into the column.
    no_grade: {canvas key: why} of matched students without a score (no submission, not graded).
    unmatched_canvas: Canvas students whose key is in no row of grades.csv.
    unmatched_grades: grades.csv students matching no Canvas student.
    """

    column: str
    rows: list
    filled: dict = field(default_factory=dict)
    no_grade: dict = field(default_factory=dict)
    unmatched_canvas: list = field(default_factory=list)
    unmatched_grades: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def read_canvas(path):
    """(header, meta rows, student rows) of a Canvas gradebook export; rows are lists of strings."""
    text = Path(path).read_text(encoding="utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise CanvasError(f"{path} is empty")
    header = rows[0]
    missing = [name for name in IDENTITY if name not in header]
    if missing:
        raise CanvasError(f"{path} is not a Canvas gradebook export: its first row lacks {', '.join(missing)} "
                          f"(export it from Canvas: Grades > Export > Export Entire Gradebook)")
    width = len(header)
    rows = [row + [""] * (width - len(row)) for row in rows[1:]]
    meta = [row for row in rows if row[0].strip().startswith(META_ROWS)]
    students = [row for row in rows if not row[0].strip().startswith(META_ROWS)]
    return header, meta, students


def find_column(header, assignment, column=None):
    """The assignment column: ``column`` (its whole name, or its name without `` (<id>)``), else ``assignment``."""
    wanted = column or assignment
    exact = [name for name in header[len(IDENTITY):] if name == wanted]
    named = [name for name in header[len(IDENTITY):] if name.rsplit(" (", 1)[0] == wanted]
    matches = exact or named
    if len(matches) == 1:
        return matches[0]
    choices = ", ".join(repr(name) for name in header[len(IDENTITY):]) or "none"
    if not matches:
        raise CanvasError(f"the gradebook has no column {wanted!r}; its columns: {choices}. Create the assignment "
                          f"in Canvas, export the gradebook again, or name the column with --column")
    raise CanvasError(f"the gradebook has several columns named {wanted!r}: {', '.join(map(repr, matches))}; "
                      f"name one whole with --column")


def read_grades(course_dir, assignment):
    """{student id: (score or None, why not graded)} of ``assignment`` in ``<course_dir>/grades.csv``."""
    path = Path(course_dir) / GRADES_CSV
    if not path.is_file():
        raise CanvasError(f"no {path}: grade the class first (mcdl grade {assignment})")
    grades = {}
    with open(path, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row.get("assignment") != assignment:
                continue
            student = row["student_id"]
            if student.startswith("'") and student[1:].startswith(FORMULA_STARTS):
                student = student[1:]  # written formula-safe by grades.export_grades
            status = row.get("status") or ("graded" if row.get("timestamp") else "no submission")
            grades[student] = (float(row["score"]), "") if status == "graded" else (None, status)
    if not grades:
        raise CanvasError(f"{path} holds no grades of {assignment}")
    return grades


def fill_column(canvas_path, grades, assignment, *, column=None, match="login"):
    """Fill one column of the Canvas export at ``canvas_path`` from ``grades`` (see ``read_grades``)."""
    if match not in MATCH_COLUMNS:
        raise CanvasError(f"--match must be one of {', '.join(MATCH_COLUMNS)}, not {match!r}")
    header, meta, students = read_canvas(canvas_path)
    column = find_column(header, assignment, column)
    key_index, value_index = header.index(MATCH_COLUMNS[match]), header.index(column)
    kept = [header.index(name) for name in IDENTITY] + [value_index]
    export = Export(column, rows=[[header[i] for i in kept]] + [[row[i] for i in kept] for row in meta])
    seen = set()
    for row in students:
        key = row[key_index].strip()
        out = [row[i] for i in kept]
        if key in grades:
            seen.add(key)
            score, why = grades[key]
            if score is None:
                export.no_grade[key] = why
            else:
                out[-1] = f"{score:g}"
                export.filled[key] = score
        else:
            export.unmatched_canvas.append(key or f"(no {MATCH_COLUMNS[match]}: {row[0]})")
        export.rows.append(out)
    export.unmatched_grades = sorted(set(grades) - seen)
    possible = next((row[value_index] for row in meta if row[0].strip().startswith("Points Possible")), "")
    top = max((score for score, _ in grades.values() if score is not None), default=None)
    try:
        if possible and top is not None and top > float(possible):
            export.warnings.append(f"a score of {top:g} is above the column's {possible} points possible: "
                                   f"set the assignment's points in Canvas to the problem set's maximum")
    except ValueError:
        pass
    return export


def write_export(export, path):
    """Write the rows of ``export`` as a CSV that Canvas imports (UTF-8, comma-separated, quoted as needed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(export.rows)
    return path


def summary_lines(export, path):
    lines = [f"Wrote {path}: column {export.column!r}, {len(export.filled)} scores filled. Import it in Canvas: "
             f"Grades > Import."]
    if export.no_grade:
        lines.append(f"No score for {len(export.no_grade)} (left blank):")
        lines += [f"  {key}: {why}" for key, why in sorted(export.no_grade.items())]
    if export.unmatched_canvas:
        lines.append(f"In Canvas but not in grades.csv ({len(export.unmatched_canvas)}, left blank): "
                     + ", ".join(export.unmatched_canvas))
    if export.unmatched_grades:
        lines.append(f"In grades.csv but not in Canvas ({len(export.unmatched_grades)}, not exported): "
                     + ", ".join(export.unmatched_grades))
    lines += [f"Warning: {text}" for text in export.warnings]
    return lines
