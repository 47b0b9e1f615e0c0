"""Notebooks a submission is made of: the release with answer cells filled in, laid out as nbgrader collects them."""

import json
import re

from autograder import notebooks
from autograder.testdata.table import solution_answers

_SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def reference_answers(assignment):
    """{grade_id: code}: the solution notebook's answer cells, without nbgrader's solution markers."""
    return {grade_id: _SOLUTION_MARKER.sub("", code) for grade_id, code in solution_answers(assignment).items()}


def filled(release, answers):
    """A copy of the release notebook (its JSON) with the answer cells named in ``answers`` replaced."""
    notebook = json.loads(json.dumps(release))
    for cell in notebook["cells"]:
        grade_id = notebooks.nbgrader_meta(cell).get("grade_id")
        if notebooks.nbgrader_meta(cell).get("solution") and grade_id in answers:
            cell["source"] = answers[grade_id]
    return notebook


def submit(course_dir, student, assignment, notebook):
    """Write ``notebook`` where ``nbgrader collect`` puts it: submitted/<student>/<assignment>/."""
    folder = course_dir / "submitted" / student / assignment
    folder.mkdir(parents=True)
    (folder / f"{assignment}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
