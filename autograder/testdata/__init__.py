"""The course's test data: wrong, slow and memory-hungry submissions, right variants and attacks.

The tests, ``scripts/benchmark_budgets.py`` and ``scripts/benchmark_grading.py`` read them from here;
this package is left out of the wheel students install (pyproject.toml), and its answers are
read from the checkout's ``solutions/``. The wrong submissions (``WRONG``) and right variants
(``RIGHT``) of each problem set are data, ``ps01.toml`` ... ``ps09.toml``, read by ``records.py``
(whose docstring says how to write a record) and held by the module of the
same name, ``ps01`` ... ``ps09``, with the sets of cells the tests use. The submissions that attack
the grader are data too, ``attacks.toml``, read by the same loader and held by ``attacks``, with the
notebook edits they name, the system-call probes and the resource attacks tests make (Python).
"""

from autograder.testdata import attacks, ps01, ps02, ps03, ps04, ps05, ps06, ps07, ps08, ps09
from autograder.testdata.attacks import (
    ATTACKS,
    HIDDEN_INPUT_ATTACKS,
    SYSTEM_CALL_PROBES,
    claims_a_huge_reply,
    returns_a_gigabyte,
    sleeping,
)
from autograder.testdata.table import (
    PS01,
    PS02,
    PS03,
    PS04,
    PS05,
    PS06,
    PS07,
    PS08,
    PS09,
    SOLUTIONS,
    Attack,
    WrongSubmission,
)

PROBLEM_SETS = (ps01, ps02, ps03, ps04, ps05, ps06, ps07, ps08, ps09)
WRONG_SUBMISSIONS = [wrong for module in PROBLEM_SETS for wrong in module.WRONG]
RIGHT_VARIANTS = [right for module in PROBLEM_SETS for right in getattr(module, "RIGHT", [])]


_BY_NAME = {record.name: record for record in WRONG_SUBMISSIONS + RIGHT_VARIANTS + ATTACKS}
assert len(_BY_NAME) == len(WRONG_SUBMISSIONS) + len(RIGHT_VARIANTS) + len(ATTACKS), "a name used twice"


def named(name):
    """The wrong submission, right variant or attack called ``name`` (names are unique across them)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"autograder/testdata has no submission named {name!r}") from None


def by_assignment(assignment):
    """The wrong submissions of one problem set (its folder name, e.g. ``ps03_softmax_cross_entropy``)."""
    return [w for w in WRONG_SUBMISSIONS if w.assignment == assignment]


def attacks_on(assignment):
    """The attacks on one problem set."""
    return [a for a in ATTACKS if a.assignment == assignment]


__all__ = [
    "ATTACKS", "HIDDEN_INPUT_ATTACKS", "PS01", "PS02", "PS03", "PS04", "PS05", "PS06", "PS07", "PS08", "PS09",
    "RIGHT_VARIANTS", "SOLUTIONS", "SYSTEM_CALL_PROBES", "WRONG_SUBMISSIONS", "Attack", "WrongSubmission",
    "attacks", "attacks_on", "by_assignment", "named", "claims_a_huge_reply", "returns_a_gigabyte", "sleeping",
]
