"""Copying a graded submission's rows into the course's gradebook: ``record_grades``.

A helper grades in a private course with its own copy of the gradebook
(``task.grade_task``); the instructor's process alone writes the course's
gradebook (SQLite: one writer), from the rows the helper returns.
"""

from autograder.results import disagreements


def record_grades(gradebook, assignment, student, grades):
    """Write a helper's gradebook rows of a submission into ``gradebook`` (an open nbgrader Gradebook).

    grades: ``task._grades_of``'s {"timestamp", "notebooks": {name: {"late_penalty", "grades":
    {cell: [auto score, needs manual grade]}, "comments": {cell: text}}}}.
    Returns the cell scores the gradebook now holds, {cell: [score, max score]}.
    """
    gradebook.update_or_create_student(student)
    if grades["timestamp"] is not None:
        gradebook.update_or_create_submission(assignment, student, timestamp=grades["timestamp"])
    else:
        gradebook.update_or_create_submission(assignment, student)
    for name, notebook in grades["notebooks"].items():
        for cell, (auto_score, needs_manual_grade) in notebook["grades"].items():
            grade = gradebook.find_grade(cell, name, assignment, student)
            grade.auto_score, grade.needs_manual_grade = auto_score, needs_manual_grade
        for cell, text in notebook["comments"].items():
            gradebook.find_comment(cell, name, assignment, student).auto_comment = text
        submitted = gradebook.find_submission_notebook(name, assignment, student)
        submitted.late_submission_penalty = notebook["late_penalty"]
    gradebook.db.commit()
    scores = {}
    for notebook in gradebook.find_submission(assignment, student).notebooks:
        scores.update({g.name: [g.score, g.max_score] for g in notebook.grades})
    return scores


def disagreement_note(verdicts, scores):
    """A note naming the cells whose verdict disagrees with the score the gradebook now holds, or None."""
    cells = disagreements(verdicts, scores)
    if not cells:
        return None
    return (f"GRADER BUG: the verdicts of {', '.join(cells)} disagree with the scores nbgrader recorded; "
            "check this submission by hand")
