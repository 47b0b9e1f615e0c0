"""The nbgrader preprocessor that grades through ``autograder.trusted``.

It takes the place of nbgrader's ``Execute`` in ``nbgrader autograde``: the
student's notebook is never run in a kernel. The answer cells come from the
submission; the test cells, their points and the reference answers come from
the gradebook (nbgrader has already restored locked cells from it, and re-adds
deleted ones). Each test cell gets its verdict as output: nothing for nbgrader
to score but a pass (full points) or an error (zero).
"""

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from nbgrader.api import Gradebook
from traitlets import Bool

from autograder import notebooks
from autograder.trusted import grade_answers


def _verdict_output(verdict):
    if verdict.passed:
        return new_output("stream", name="stdout", text=f"Passed. {verdict.message}\n")
    return new_output("error", ename="GradingFailure", evalue=verdict.message,
                      traceback=[f"GradingFailure: {verdict.message}"])


class TrustedGrading(Preprocessor):
    """Write trusted verdicts into the test cells of a submitted notebook."""

    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        assignment, notebook = info["assignment"], info["notebook"]
        with Gradebook(info["db_url"]) as gradebook:
            source = gradebook.find_notebook(notebook, assignment)
            answer_ids = [cell.name for cell in source.solution_cells]
            test_ids = [cell.name for cell in source.grade_cells if cell.name not in answer_ids]
            reference = {
                name: gradebook.find_source_cell(name, notebook, assignment).source for name in answer_ids
            }
        answers = {
            notebooks.nbgrader_meta(cell)["grade_id"]: notebooks.source(cell)
            for cell in nb.cells
            if cell.cell_type == "code" and notebooks.nbgrader_meta(cell).get("solution")
        }
        verdicts, notes = grade_answers(assignment, answers, test_ids, reference)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            grade_id = notebooks.nbgrader_meta(cell).get("grade_id")
            cell.outputs = []
            if grade_id in verdicts:
                cell.outputs = [_verdict_output(verdicts[grade_id])]
            elif grade_id in notes:
                cell.outputs = [new_output("stream", name="stdout", text=notes[grade_id] + "\n")]
        if "__printed__" in notes:
            first = next(c for c in nb.cells if c.cell_type == "code")
            first.outputs.append(new_output("stream", name="stdout", text=notes["__printed__"] + "\n"))
        return nb, resources
