"""The nbgrader preprocessor that grades through ``autograder.trusted``.

It takes the place of nbgrader's ``Execute`` in ``nbgrader autograde``: the
student's notebook is never run in a kernel. The answer cells come from the
submission; the test cells and their points come from the gradebook (locked
cells have already been restored from it, deleted ones re-added); the reference
answers come from the course's source notebook. Each test
cell gets its verdict as output: nothing for nbgrader
to score but a pass (full points) or an error (zero).
"""

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell, new_output
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Unicode

from autograder import notebooks
from autograder.errors import failure_lines
from autograder.results import Verdict
from autograder.sandbox import policy
from autograder.secret import load_secret
from autograder.submissions import untrusted_entries
from autograder.trusted import grade_answers

# What RestoreCellsFromSource tells TrustedGrading about a notebook, in the notebook's metadata
# (nbgrader's autograde sanitizes in one pass, writes the notebook, and grades it in another).
# It is always rewritten by RestoreCellsFromSource, so nothing a student puts there is read.
NOTES = "mcdl_grading"
FAILED = "Failed"  # the ename of a failed verdict's output (no page shows it; the traceback is the message)


def _verdict_output(verdict):
    if verdict.passed:
        return new_output("stream", name="stdout", text=f"Passed. {verdict.message}\n")
    # wrapped as in the student's own run, and like it without a class name: the message alone
    return new_output("error", ename=FAILED, evalue=verdict.message, traceback=failure_lines(verdict.message))


class TrustedGrading(NbGraderPreprocessor):
    """Write trusted verdicts into the test cells of a submitted notebook.

    Its options are traits (``c.TrustedGrading.<option>`` in ``nbgrader_config.py``); the time
    limits default to ``sandbox.policy.LIMITS``, and every course path is asked of nbgrader's
    ``CourseDirectory``.
    """

    def _reference_answers(self, assignment, notebook, answer_ids):
        """The reference answer cells, from the course's source notebook.

        (The gradebook stores the released stubs, not the solutions.)
        """
        course = CourseDirectory(config=self.config)
        path = Path(course.format_path(course.source_directory, ".", assignment)) / f"{notebook}.ipynb"
        cells = notebooks.answer_cells(notebooks.load(path))
        return {name: cells[name] for name in answer_ids if name in cells}

    call_timeout = Float(policy.LIMITS["call_seconds"],
                         help="Seconds one call of student code may take").tag(config=True)
    submission_timeout = Float(policy.LIMITS["submission_seconds"],
                               help="Seconds the grading of one notebook may take").tag(config=True)
    isolation = Unicode(
        policy.LIMITS["isolation"],
        help="How student code is isolated: \"bubblewrap\" (its own namespaces; the default, or the "
             "environment's MCDL_ISOLATION) or \"container\" (inside a container that is itself the boundary, "
             "e.g. Gradescope's; see the README's threat model)",
    ).tag(config=True)
    verdicts_directory = Unicode(
        "", help="If set, the verdicts of each graded notebook are also written to "
                 "<verdicts_directory>/<student>/<notebook>.json (kind and budget measurements included)",
    ).tag(config=True)

    def _save_verdicts(self, info, verdicts):
        path = Path(self.verdicts_directory) / info["student"] / f"{info['notebook']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({name: asdict(v) for name, v in verdicts.items()}), encoding="utf-8")

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        assignment, notebook = info["assignment"], info["notebook"]
        course_notes = nb.metadata.pop(NOTES, None) or {}
        with Gradebook(info["db_url"]) as gradebook:
            source = gradebook.find_notebook(notebook, assignment)
            answer_ids = [cell.name for cell in source.solution_cells]
            test_ids = [cell.name for cell in source.grade_cells if cell.name not in answer_ids]
        secret = load_secret(CourseDirectory(config=self.config).root)  # no secret: grading stops, with what to do
        if course_notes.get("rejected"):
            verdicts = {t: Verdict(False, course_notes["rejected"], kind="not_graded") for t in test_ids}
            notes = {}
        else:
            reference = self._reference_answers(assignment, notebook, answer_ids)
            answers = {
                notebooks.nbgrader_meta(cell)["grade_id"]: notebooks.source(cell)
                for cell in nb.cells
                if cell.cell_type == "code" and notebooks.nbgrader_meta(cell).get("solution")
            }
            limits = {"call_seconds": self.call_timeout, "submission_seconds": self.submission_timeout,
                      "isolation": self.isolation}
            verdicts, notes = grade_answers(assignment, answers, test_ids, reference, secret=secret, limits=limits)
        for answer, copies in course_notes.get("duplicates", {}).items():
            duplicated = (f"This answer cell appears {copies} times in your notebook; the last copy was graded "
                          f"and the others were ignored.")
            notes[answer] = f"{duplicated} {notes[answer]}" if answer in notes else duplicated
        if self.verdicts_directory:
            self._save_verdicts(info, verdicts)
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


def _grade_id(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) else None


class RestoreCellsFromSource(NbGraderPreprocessor):
    """Trust no nbgrader metadata of a submission: rebuild it from the gradebook.

    Runs first, before nbgrader's own sanitizing preprocessors, which trust a
    cell's metadata (a schema version they do not know stops the whole batch)
    and restore a locked cell's source but not its type or its flags. Here
    every cell that carries the id of a cell of the source notebook is
    rebuilt from the gradebook: a locked cell entirely (type, source, flags,
    points), an answer cell with its flags and the student's source. Any
    other nbgrader metadata is removed. An answer cell that appears more
    than once (a student copied it) is graded on its last copy, any other
    duplicated cell restored once; the others become plain cells. A notebook
    that is a link to another file (a classmate's) is not graded: it is
    replaced by the source notebook's cells with empty answers.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        notes = {"rejected": self._untrusted_files(info), "duplicates": {}}
        nb.metadata[NOTES] = notes  # a copy (NotebookNode): set again below once it is complete
        with Gradebook(info["db_url"]) as gradebook:
            source = gradebook.find_notebook(info["notebook"], info["assignment"])
            points = {cell.name: cell.max_score for cell in source.grade_cells}
            solutions = {cell.name for cell in source.solution_cells}
            cells = {cell.name: cell for cell in source.source_cells}
            if notes["rejected"]:  # nothing of the file it points to is kept or graded
                nb.cells = [self._rebuilt({}, cell, cell.source if cell.locked else f"# {notes['rejected']}",
                                          points, solutions) for cell in source.source_cells]
                return nb, resources
            keep = self._cells_kept(nb, cells, solutions, notes["duplicates"])
            for index, cell in enumerate(nb.cells):
                original = cells.get(_grade_id(cell)) if index in keep else None
                if original is not None and original.locked:
                    nb.cells[index] = self._rebuilt(cell, original, original.source, points, solutions)
                elif original is not None and original.name in solutions:
                    nb.cells[index] = self._rebuilt(cell, original, notebooks.source(cell), points, solutions)
                else:
                    cell.get("metadata", {}).pop("nbgrader", None)
        nb.metadata[NOTES] = notes
        return nb, resources

    @staticmethod
    def _cells_kept(nb, cells, solutions, duplicates):
        """Indices of the cells that keep their id: the last copy of an answer, the first of any other cell.

        duplicates: filled with {answer id: number of copies} of the answers that appear more than once.
        """
        positions = {}
        for index, cell in enumerate(nb.cells):
            if (grade_id := _grade_id(cell)) in cells:
                positions.setdefault(grade_id, []).append(index)
        duplicates.update({g: len(p) for g, p in positions.items() if len(p) > 1 and g in solutions})
        return {p[-1] if g in solutions else p[0] for g, p in positions.items()}

    def _untrusted_files(self, info):
        """Why the submitted notebook is not the student's own file (None if it is).

        nbgrader has already copied the submission's other files into
        ``autograded/``, following links: what was a link (or a FIFO, device,
        socket, or hard link) in ``submitted/`` is removed from there again.
        """
        course = CourseDirectory(config=self.config)
        student, assignment = info["student"], info["assignment"]
        submitted = Path(course.format_path(course.submitted_directory, student, assignment))
        autograded = Path(course.format_path(course.autograded_directory, student, assignment))
        rejected = None
        for relative, why in untrusted_entries(submitted):
            if relative == f"{info['notebook']}.ipynb":
                rejected = f"not graded: {relative} {why}; only a notebook of your own is graded"
            copied = autograded / relative
            if copied.is_dir() and not copied.is_symlink():
                shutil.rmtree(copied)
            elif copied.exists() or copied.is_symlink():
                copied.unlink()
        return rejected

    @staticmethod
    def _rebuilt(cell, original, text, points, solutions):
        """A cell of the source notebook's type and flags, with ``text``, keeping ``cell``'s id."""
        name, locked = original.name, bool(original.locked)
        meta = {
            "grade": name in points, "grade_id": name, "locked": locked,
            "schema_version": 3, "solution": name in solutions, "task": False,
        }
        if original.checksum:
            meta["checksum"] = original.checksum
        if name in points:
            meta["points"] = points[name]
        if original.cell_type == "code":
            rebuilt = new_code_cell(text)
        else:
            rebuilt = new_markdown_cell(text)
        rebuilt.metadata["nbgrader"] = meta
        rebuilt.metadata["deletable"] = False
        if locked:
            rebuilt.metadata["editable"] = False
        if "id" in cell:
            rebuilt["id"] = cell["id"]
        return rebuilt
