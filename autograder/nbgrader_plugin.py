"""The nbgrader preprocessor that grades through ``autograder.trusted``.

It takes the place of nbgrader's ``Execute`` in ``nbgrader autograde``: the
student's notebook is never run in a kernel. The answer cells come from the
submission; the test cells and their points come from the gradebook (locked
cells have already been restored from it, deleted ones re-added); the reference
answers come from the course's source notebook. Each test
cell gets its verdict as output: nothing for nbgrader
to score but a pass (full points) or an error (zero).
"""

from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output
from nbgrader.api import Gradebook
from traitlets import Bool, Float

from autograder import notebooks
from autograder.checks import failure_lines
from autograder.trusted import grade_answers


def _verdict_output(verdict):
    if verdict.passed:
        return new_output("stream", name="stdout", text=f"Passed. {verdict.message}\n")
    first, *rest = failure_lines(verdict.message)  # wrapped as in the student's own run
    return new_output("error", ename="GradingFailure", evalue=verdict.message,
                      traceback=[f"GradingFailure: {first}", *rest])


class TrustedGrading(Preprocessor):
    """Write trusted verdicts into the test cells of a submitted notebook."""

    def _reference_answers(self, assignment, notebook, answer_ids):
        """The reference answer cells, from the course's source notebook.

        (The gradebook stores the released stubs, not the solutions.)
        """
        course = self.config.CourseDirectory
        root = Path(course.root) if "root" in course else Path.cwd()
        source_directory = course.source_directory if "source_directory" in course else "source"
        path = root / source_directory / assignment / f"{notebook}.ipynb"
        cells = notebooks.answer_cells(notebooks.load(path))
        return {name: cells[name] for name in answer_ids if name in cells}

    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled
    call_timeout = Float(30.0, help="Seconds one call of student code may take").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        assignment, notebook = info["assignment"], info["notebook"]
        with Gradebook(info["db_url"]) as gradebook:
            source = gradebook.find_notebook(notebook, assignment)
            answer_ids = [cell.name for cell in source.solution_cells]
            test_ids = [cell.name for cell in source.grade_cells if cell.name not in answer_ids]
        reference = self._reference_answers(assignment, notebook, answer_ids)
        answers = {
            notebooks.nbgrader_meta(cell)["grade_id"]: notebooks.source(cell)
            for cell in nb.cells
            if cell.cell_type == "code" and notebooks.nbgrader_meta(cell).get("solution")
        }
        verdicts, notes = grade_answers(assignment, answers, test_ids, reference, timeout=self.call_timeout)
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


class RestoreLockedCells(Preprocessor):
    """Put every locked cell back exactly as the instructor wrote it.

    Runs before nbgrader's OverwriteCells, which restores a locked cell's
    source but not its type or its flags, and stops on a cell retyped to
    markdown or unlocked. Here any cell that carries the id of a locked cell
    is rebuilt from the gradebook: type, source, flags and points.
    """

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            source = gradebook.find_notebook(info["notebook"], info["assignment"])
            points = {cell.name: cell.max_score for cell in source.grade_cells}
            solutions = {cell.name for cell in source.solution_cells}
            locked = {cell.name: cell for cell in source.source_cells if cell.locked}
            for index, cell in enumerate(nb.cells):
                grade_id = notebooks.nbgrader_meta(cell).get("grade_id")
                if grade_id in locked:
                    nb.cells[index] = self._rebuilt(cell, locked[grade_id], points, solutions)
        return nb, resources

    @staticmethod
    def _rebuilt(cell, original, points, solutions):
        meta = {
            "grade": original.name in points, "grade_id": original.name, "locked": True,
            "schema_version": 3, "solution": original.name in solutions, "task": False,
            "checksum": original.checksum,
        }
        if original.name in points:
            meta["points"] = points[original.name]
        if original.cell_type == "code":
            rebuilt = new_code_cell(original.source)
        else:
            rebuilt = new_markdown_cell(original.source)
        rebuilt.metadata["nbgrader"] = meta
        rebuilt.metadata["deletable"] = False
        rebuilt.metadata["editable"] = False
        if "id" in cell:
            rebuilt["id"] = cell["id"]
        return rebuilt
