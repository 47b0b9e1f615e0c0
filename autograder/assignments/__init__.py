"""One module per assignment, holding its graded checks.

Each public function of a module is one graded behaviour: the notebook's test
cell ``test_<function>`` calls it with the student's function.  The argument
``case`` selects the inputs: ``"visible"`` are the cases students run
themselves, ``"hidden"`` (the default) the cases that decide the grade. Both
are of the same kinds (every size, option and special input a check grades),
on other values.

The visible inputs come from a public seed. The hidden cases and the budget
inputs derive from the course secret (``autograder.secret``), which the
trusted grading process sets with ``using_secret`` for the duration of grading;
without it they raise ``MissingSecret``. Hidden cases depend on the secret
alone (the same submission always gets the same score); budget inputs also on
the grading run (``run``: a nonce drawn for each graded notebook), so that no
stored answer can match them.
"""

import contextlib
import functools
import importlib
import pkgutil

import numpy as np

from autograder import budgets
from autograder.secret import MissingSecret, derive_seed

VISIBLE_SEEDS = (0,)
HIDDEN_CASES = 3  # generators per hidden case
CASES = ("hidden", "visible")

_secret = None  # the course secret while grading (set by using_secret), else None
_run = None  # the grading run's nonce (set by using_secret), else None
_public_budget_inputs = False  # True inside a budget check run with case="visible"


def function_of(check_name, functions):
    """The graded function a check is about: the longest of ``functions`` whose name prefixes it."""
    matches = [f for f in functions if check_name.startswith(f + "_")]
    return max(matches, key=len) if matches else None


@contextlib.contextmanager
def using_secret(secret, run=None):
    """Derive hidden cases and budget inputs from ``secret`` inside the block.

    ``None`` (or an empty string) means no secret: hidden inputs then raise
    MissingSecret. run: a nonce of the grading run (a string), from which the
    budget inputs derive too; None gives the same budget inputs on every run.
    The previous secret and run are restored on exit.
    """
    global _secret, _run
    previous, _secret, _run = (_secret, _run), secret or None, run
    try:
        yield
    finally:
        _secret, _run = previous


def current_secret():
    """The secret set by ``using_secret``; raise MissingSecret if there is none."""
    if _secret is None:
        raise MissingSecret()
    return _secret


def rngs(case, label=None):
    """Random generators for a case: the same inputs on every run.

    ``"visible"``: one generator from a public seed. ``"hidden"``: three generators
    derived from the course secret and ``label`` (optional: a name that gives a
    check inputs of its own).
    """
    if case not in CASES:
        raise ValueError(f"case must be one of {sorted(CASES)}, not {case!r}")
    if case == "visible":
        return [np.random.default_rng(seed) for seed in VISIBLE_SEEDS]
    secret = current_secret()
    labels = ("hidden",) if label is None else ("hidden", label)
    return [np.random.default_rng(derive_seed(secret, *labels, index)) for index in range(HIDDEN_CASES)]


# How far generated cases keep every non-differentiable point (the kink of ReLU
# at 0, of |x| at 0) from the values the checks differentiate through. A
# central difference with h = 1e-6 moves a pre-activation by h times a few
# inputs (entry by entry) or by h times a sum of normal directions (along a
# random direction): under 1e-4, ten times less than the margin.
KINK_MARGIN = 1e-3
KINK_ATTEMPTS = 1000


def clear_of_kinks(draw, kinks, *, margin=None):
    """The first case ``draw()`` gives whose kinks are all at least ``margin`` from 0.

    draw: function of no arguments that draws a new case from a generator.
    kinks: function of a case returning the arrays (any shapes) whose entries
        must keep |value| >= margin: the pre-activations of ReLU layers, the
        arguments of absolute values. A central difference across a kink
        averages two slopes, so a right answer would not match it.
    Drawing again rather than moving the values keeps every other case as it
    was: only a case near a kink changes. ``margin`` defaults to KINK_MARGIN.
    """
    margin = KINK_MARGIN if margin is None else margin
    for _ in range(KINK_ATTEMPTS):
        case = draw()
        if all(np.min(np.abs(values), initial=np.inf) >= margin for values in kinks(case)):
            return case
    raise RuntimeError(f"no case clear of kinks in {KINK_ATTEMPTS} draws: the margin {margin} is too large")


def budget_rng(label, round_):
    """The generator of round ``round_`` of the budget inputs named ``label``:
    derived from the course secret and the grading run's nonce, or from a
    public seed inside a budget check run with ``case="visible"`` (a
    student's own run).
    """
    if _public_budget_inputs:
        return np.random.default_rng(derive_seed("public", "budget", label, round_))
    run = () if _run is None else ("run", _run)
    return np.random.default_rng(derive_seed(current_secret(), "budget", *run, label, round_))


def budget_check(check):
    """Decorate a budget check: with ``case="visible"`` its inputs come from public seeds.

    The inputs have the sizes of the graded ones, so the student's own run
    measures what grading measures, on other values.
    """
    @functools.wraps(check)
    def wrapped(*args, case="hidden", **options):
        global _public_budget_inputs
        previous, _public_budget_inputs = _public_budget_inputs, case == "visible"
        try:
            return check(*args, case=case, **options)
        finally:
            _public_budget_inputs = previous
    wrapped.is_budget_check = True  # scripts/sweep_secrets.py leaves these out
    return wrapped


def budget_checks(kernel):
    """The budget checks of a ``budgets.CoreKernel``, as its notebook's test cells call them:
    (``<function>_memory_budget``, ``<function>_time_budget``), each only where the kernel has
    that budget, in that order."""
    made = []
    if kernel.memory is not None:
        rule = kernel.time.loop_rule if kernel.time is not None else None
        loop = None if rule is None else (rule, kernel.arguments, kernel.time_advice or budgets.TIME_ADVICE)

        def memory_budget(func, case="hidden"):
            args = kernel.memory_inputs()
            budgets.check_memory_budget(func, args, kernel.memory, kernel.unit_bytes(args), name=kernel.function,
                                        advice=kernel.memory_advice or budgets.MEMORY_ADVICE, loop=loop)
        made.append((memory_budget, kernel.memory_doc))
    if kernel.time is not None:
        def time_budget(func, case="hidden", reference=None):
            budgets.check_time_budget(func, reference, kernel.arguments, kernel.time, name=kernel.function,
                                      advice=kernel.time_advice or budgets.TIME_ADVICE)
        made.append((time_budget, kernel.time_doc))
    for check, doc in made:
        check.__name__ = check.__qualname__ = f"{kernel.function}_{check.__name__}"
        check.__doc__ = doc
    return tuple(budget_check(check) for check, _ in made)


def core_kernels():
    """[(assignment, budgets.CoreKernel)] of every problem set, in the order of the sets and of
    their declarations."""
    found = []
    for assignment in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name[:2] == "ps"):
        module = importlib.import_module(f"{__name__}.{assignment}")
        found += [(assignment, value) for value in vars(module).values() if isinstance(value, budgets.CoreKernel)]
    return found
