"""Grading without nbgrader: the trusted procedure on the solutions and the wrong
submissions, and the visible checks as students run them in their kernel.

A wrong submission is graded on the cells its functions reach (``autograder.testdata.reach``): every
other cell runs the solution's code, whose verdicts test_solution_passes_every_trusted_check gives.
With ``pytest -m exhaustive`` each is graded on every cell of its notebook as well.
The same expectations are checked through nbgrader itself in test_pipeline.py.
"""

from collections import Counter

import pytest
from conftest import ASSIGNMENTS, graded_cells, run_test_cells
from graded_table import LIMITS, graded_entry, trusted_verdicts

from autograder import kinds
from autograder.testdata import ATTACKS, RIGHT_VARIANTS, WRONG_SUBMISSIONS, ps04, ps05
from autograder.testdata.reach import cells_reached

pytestmark = pytest.mark.slow  # the whole table through the trusted grader: 7 CPU-minutes


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_every_visible_check_silently(assignment):
    results, stderr = run_test_cells(assignment)
    assert {k: v for k, v in results.items() if v} == {}
    assert stderr == ""


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_every_trusted_check(assignment):
    verdicts, _ = trusted_verdicts(assignment)
    assert {k: v.message for k, v in verdicts.items() if not v.passed} == {}


@pytest.mark.table
@pytest.mark.parametrize("wrong", WRONG_SUBMISSIONS, ids=lambda w: f"{w.assignment}-{w.name}")
def test_wrong_submission_loses_exactly_its_cells(wrong):
    loses_exactly_its_cells(wrong, cells_reached(wrong.assignment, wrong.answers),
                            graded_entry(wrong.assignment, wrong.name))


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda w: f"{w.assignment}-{w.name}")
def test_attack_loses_exactly_its_cells(attack):
    # With the notebook's own time budget, which some attacks meet.
    cells = cells_reached(attack.assignment, attack.answers)
    loses_exactly_its_cells(attack, cells, trusted_verdicts(attack.assignment, attack.answers, cells,
                                                            limits=ATTACK_LIMITS))


# An attack's endless loops need only reach the limit; its other calls end far sooner (the slowest
# attack's whole grading took 2.7 s on two busy cores: its slow kernel is told by the loop rule).
ATTACK_LIMITS = {"call_seconds": 5.0}


@pytest.mark.exhaustive
@pytest.mark.parametrize("wrong", WRONG_SUBMISSIONS + ATTACKS, ids=lambda w: f"{w.assignment}-{w.name}")
def test_every_cell_of_the_notebook_is_graded_as_on_the_cells_reached(wrong):
    limits = ATTACK_LIMITS if wrong in ATTACKS else LIMITS
    loses_exactly_its_cells(wrong, None, trusted_verdicts(wrong.assignment, wrong.answers, limits=limits))


# What no student should read: the grader's class names, NumPy's gufunc jargon, the tools that measure.
INTERNAL_WORDS = ("GradingFailure", "StudentError", "SandboxError", "gufunc signature", "tracemalloc")


def loses_exactly_its_cells(wrong, cells, graded):
    """``graded``, the solution with ``wrong``'s answers graded on ``cells`` (None: all): exactly its
    cells fail, with its message, in words a student reads (none of ``INTERNAL_WORDS``)."""
    assert cells is None or wrong.fails <= cells, sorted(wrong.fails - cells)
    verdicts, notes = graded
    shown = [v.message for v in verdicts.values()] + list(notes.values())
    assert [m for m in shown if any(word in m for word in INTERNAL_WORDS)] == []
    if not wrong.fails:  # nothing to lose: the feedback notes what happened
        assert all(v.passed for v in verdicts.values())
        assert any(wrong.says in note for note in notes.values()), notes
        return
    failed = {test_id for test_id, verdict in verdicts.items() if not verdict.passed}
    assert failed == wrong.fails, {t: verdicts[t].message for t in failed ^ wrong.fails}
    # Each failure carries its declared kind from where it was raised (a kind-less raise is a grader bug).
    unknown = {t: verdicts[t].kind for t in failed if verdicts[t].kind in (None, kinds.UNKNOWN)}
    assert unknown == {} and all(kinds.known(verdicts[t].kind) for t in failed)
    messages = [verdicts[test_id].message for test_id in sorted(wrong.fails)]
    assert any(wrong.says in message for message in messages), messages
    if wrong.kind is not None:  # the first message a student reads (notebook order) carries the declared kind
        first = next(test_id for test_id in graded_cells(wrong.assignment) if test_id in failed)
        assert verdicts[first].kind == wrong.kind, (first, verdicts[first].kind, verdicts[first].message)


LOSING = [wrong for wrong in WRONG_SUBMISSIONS if wrong.fails]
# Mistakes whose first message misled before the catalogue: a dropped product-rule term told "1/2 times the right
# answer" (doubling is the wrong fix for a non-symmetric A), a mean over all entries of a 2-column output told
# "J is 1/2 times" (it reads as the 1/2 ||.||^2 convention). Each must now be named.
ONCE_MISLEADING = {"trace_quadratic_drops_a_term", "trace_quadratic_drops_the_other_term",
                   "mlp_mse_mean_over_all_entries", "tied_mean_over_all_entries", "tied_loss_mean_over_all_entries"}


def test_every_entry_that_loses_points_declares_the_kind_of_its_first_message():
    assert [wrong.name for wrong in LOSING if not kinds.known(wrong.kind)] == []


def test_nine_in_ten_first_messages_name_or_locate_the_mistake_and_none_misleads():
    # The kinds are asserted per entry by test_wrong_submission_loses_exactly_its_cells; counted here.
    precision = Counter(kinds.precision(wrong.kind) for wrong in LOSING)
    assert precision["named"] + precision["located"] >= 0.9 * len(LOSING), precision
    assert {w.name: w.kind for w in LOSING if w.name in ONCE_MISLEADING} == dict.fromkeys(ONCE_MISLEADING,
                                                                                          "known_mistake")
    # A bare ratio ("2 times the right answer") is the diagnosis of last resort: every mistake of the table
    # that is a ratio is in its function's catalogue, which names it instead.
    assert [wrong.name for wrong in LOSING if wrong.kind == "factor"] == []


@pytest.mark.parametrize("module", [ps04, ps05], ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_a_mistake_in_one_output_loses_only_that_outputs_cells(module):
    single = [wrong for wrong in module.WRONG if wrong.output]
    assert {wrong.output for wrong in single} >= {"J", "dW", "db"}
    assert {w.name: sorted(w.fails - module.OUTPUT_CELLS[w.output]) for w in single} == {w.name: [] for w in single}
    # the output cells are cells of the notebook (a renamed cell would make the check above vacuous)
    cells = set(graded_cells(single[0].assignment))
    assert all(own <= cells for own in module.OUTPUT_CELLS.values())


def test_at_least_five_wrong_submissions_per_assignment():
    for assignment in ASSIGNMENTS:
        assert sum(w.assignment == assignment for w in WRONG_SUBMISSIONS) >= 5


@pytest.mark.parametrize("right", RIGHT_VARIANTS, ids=lambda w: f"{w.assignment}-{w.name}")
def test_right_answers_in_other_forms_score_full_marks(right):
    verdicts, notes = trusted_verdicts(right.assignment, right.answers)
    assert {k: v.message for k, v in verdicts.items() if not v.passed} == {}
    results, stderr = run_test_cells(right.assignment, right.answers)
    assert {k: v for k, v in results.items() if v} == {} and stderr == ""
