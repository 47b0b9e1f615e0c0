"""The shape of an entry of the wrong-submission table, and the solution notebooks entries are read against.

Each entry replaces one or more answer cells of a solution notebook. ``fails`` is the
exact set of test cells that must lose their points (all others keep theirs) and
``says`` a phrase the feedback of at least one of them must contain. The entries are data,
one TOML file per problem set (``ps01.toml`` ... ``ps09.toml``, read by ``records.py``, which
says how they are written): where a mistake is a small change of the reference answer, the
entry is written as that change, so the table holds the mistake and not a copy of the answer.
The attacks on the grader (``Attack``) are read the same way from ``attacks.toml``.
"""

from dataclasses import dataclass, field
from pathlib import Path

# The course checkout this package sits in (autograder/testdata/ is left out of the wheel).
COURSE = Path(__file__).resolve().parents[2]
SOLUTIONS = COURSE / "solutions"

PS01 = "ps01_gradient_checking"
PS02 = "ps02_linear_layers"
PS03 = "ps03_softmax_cross_entropy"
PS04 = "ps04_feedforward_networks"
PS05 = "ps05_autoencoders"
PS06 = "ps06_nonlinear_least_squares"
PS07 = "ps07_word_embeddings"
PS08 = "ps08_matrix_factorization"
PS09 = "ps09_weighted_factorization"
# Each problem set by the short name test-data files give it (``ps03.toml``, ``problem_set = "ps03"``).
BY_SHORT_NAME = {assignment[:4]: assignment for assignment in (PS01, PS02, PS03, PS04, PS05, PS06, PS07, PS08, PS09)}


@dataclass(frozen=True)
class WrongSubmission:
    """A submission: ``answers`` maps a function's name to the code of its answer cell.

    kind: the diagnosis kind (``autograder/kinds.py``) the first message a student reads carries: that
        of the first cell, in notebook order, among ``fails`` (every entry of a table's ``WRONG`` that
        loses points declares it; its precision, named / located / generic, is counted).
    output: for a mistake in one output of a kernel that returns several ("J", "dW", "db", "dalphas"),
        that output: the entry must lose only that output's cells (the ``[cells]`` group of that name in
        its TOML file, ``OUTPUT_CELLS`` of its module).
    past_the_call_limit: one call takes longer than grading allows a call (minutes in a student's own
        run): its verdict is the call limit's, so the visible time estimates leave it out.
    """

    name: str
    assignment: str
    answers: dict
    fails: frozenset
    says: str
    notes: str = field(default="")
    kind: str | None = None
    output: str | None = None
    past_the_call_limit: bool = False


@dataclass(frozen=True)
class Attack(WrongSubmission):
    """A submission that attacks the grader; ``mutate(notebook)`` edits the notebook's JSON (in place; one of
    ``attacks.NOTEBOOK_EDITS``, named in ``attacks.toml`` with its arguments), or None.

    through_nbgrader: False for an attack on the checks of one graded call (what it returns, raises,
        patches or reads while called), which ``trusted.grade_answers`` shows whole: nbgrader's plugin
        calls that same function, and tests/test_wrong_submissions.py grades every attack with it. The
        others attack the notebook's file or the grading process (its exit, its files, its output, the
        batch), which only a real nbgrader run shows: tests/test_pipeline.py grades them through it.
    """

    mutate: object = None
    through_nbgrader: bool = True


def solution_notebook(assignment):
    """The solution notebook of ``assignment`` (its JSON)."""
    from autograder.notebooks import load

    return load(SOLUTIONS / assignment / f"{assignment}.ipynb")


def solution_answers(assignment):
    """{grade_id: code} of the solution notebook's answer cells, nbgrader's solution markers included."""
    from autograder.notebooks import answer_cells

    return answer_cells(solution_notebook(assignment))


def graded_test_ids(assignment):
    """The grade ids of the solution notebook's graded test cells, in notebook order."""
    from autograder.notebooks import nbgrader_meta

    return [nbgrader_meta(cell)["grade_id"] for cell in solution_notebook(assignment)["cells"]
            if nbgrader_meta(cell).get("grade")]
