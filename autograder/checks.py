"""Assertions the test cells make about a student's function.

Every check raises ``GradingFailure`` (an ``AssertionError``) with a message
that says what is wrong, and writes nothing to stderr: warnings raised by
student code are recorded, not printed, so that a correct submission never
loses points for output (nbgrader scores a test cell that writes to stderr as
zero). Student code is always called on copies of the inputs, in the grading
sandbox or, in a student's own run, locally by the same rules (``call``).
"""

import contextlib
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from autograder import loop_counts, raised, tracebacks, transport
from autograder.diagnostics import DEFAULT_RTOL, concealed, diagnose, values_concealed
from autograder.errors import (  # noqa: F401 (re-exported)
    CallTimedOut,
    GradingFailure,
    SandboxError,
    StudentError,
    failure_lines,
)
from autograder.finite_differences import (
    EPS,
    LOSS_ROUNDING,
    central_gradient_and_error,
    convergence_order,
    directional_derivative_and_error,
    relative_error,
    taylor_remainders,
)
from autograder.scoped import ScopedValue

MIN_TAYLOR_ORDER = 1.8
# A directional derivative matches when it is within this fraction of the size
# of the slopes along the random directions (plus the error of the difference).
DIRECTIONAL_RTOL = 10 * DEFAULT_RTOL

_margins = ScopedValue("check_margins", list)


def recording_margins():
    """While inside, every comparison that passes appends (kind, ratio) to the list this yields.

    kind is "close" (check_close and check_scalar: relative error over rtol, plus any slack),
    "directional" (error over the allowed error, worst direction) or "taylor"
    ((2 - order) / (2 - MIN_TAYLOR_ORDER), 0 at order 2 or more). A ratio of 1
    would fail: the largest ratio seen is how close a right answer came to
    failing. Off (and free) unless a caller records.
    """
    return _margins.within()


def _record_margin(kind, ratio):
    record = _margins.current()
    if record is not None:
        record.append((kind, float(ratio)))


@dataclass
class Outcome:
    value: object
    warnings: list = field(default_factory=list)  # "Category: message" strings
    modified: list = field(default_factory=list)  # paths of arguments changed in place, e.g. (0,) or (0, 1, 0)


def private_copy(value):
    """A copy of every array in ``value``, also inside lists, tuples and dicts."""
    return loop_counts.map_arrays(value, np.ndarray.copy)


def _changed_paths(before, after, path):
    """Paths of the arrays of ``after`` that differ from ``before``."""
    if isinstance(before, np.ndarray):
        same = isinstance(after, np.ndarray) and after.shape == before.shape and after.tobytes() == before.tobytes()
        return [] if same else [path]
    if type(before) in (list, tuple, dict):
        keys = before.keys() if type(before) is dict else range(len(before))
        try:
            return [p for k in keys for p in _changed_paths(before[k], after[k], (*path, k))]
        except (IndexError, KeyError, TypeError):
            return [path]
    return []


def invoke(func, args):
    """``func(*args)`` with its warnings recorded: (value, ["Category: message", ...]).

    Exceptions of student code become ``StudentError``.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = func(*args)
        except GradingFailure:
            raise
        except Exception as error:
            raise StudentError(type(error).__name__, str(error), tracebacks.local_where(error, func)) from None
    return value, [f"{w.category.__name__}: {w.message}" for w in caught]


def transported(value):
    """``value`` as it reaches the grader from its sandbox (``transport.roundtrip``)."""
    try:
        return transport.roundtrip(value)
    except transport.UnsupportedValue as unsupported:
        raise StudentError("TypeError", f"returned {unsupported}, which is not a number or a NumPy array") from None


def _run_locally(func, args):
    """Call a local function the way the grader calls one in its sandbox.

    It gets copies of the arguments, and its result crosses the same value
    transport, so a value that the grader would not accept fails here too.
    """
    copies = tuple(private_copy(a) for a in args)
    value, caught = invoke(func, copies)
    modified = [p for i, a in enumerate(args) for p in _changed_paths(a, copies[i], (i,))]
    return Outcome(transported(value), caught, modified)


_reference_timer = ScopedValue("reference_timer")


def timing_reference(timer):
    """Inside the block, a call of student code stopped at its time limit is compared with the
    reference: ``timer(function name, args)`` gives the reference's seconds on the same arguments
    (None where it cannot), and a fast reference makes the failure "too slow"."""
    return _reference_timer.within(timer)


def parameter_names(func):
    """The names of ``func``'s positional parameters (a sandbox's function reads them from its cell)."""
    names = getattr(func, "parameter_names", None)
    return names() if callable(names) else tracebacks.parameter_names(func)


def _timed_out(error, name, func, args):
    timer = _reference_timer.current()
    function = getattr(func, "__name__", None)
    seconds = timer(function, args) if timer is not None and function is not None else None
    message, kind = raised.timed_out(name, error.seconds, args, parameter_names(func), seconds)
    return GradingFailure(message, kind=kind)


def _failure(error, name, func=None, args=()):
    """The GradingFailure that reports a StudentError or SandboxError of ``name`` on ``args``."""
    if isinstance(error, StudentError):
        if error.kind == "NotImplementedError":
            return GradingFailure(f"{name} is not implemented yet: its cell still raises NotImplementedError.",
                                  kind="not_implemented")
        names = error.where.get("parameters") or (parameter_names(func) if func is not None else None)
        return GradingFailure(raised.message(name, error, args, names), kind="raised")
    if isinstance(error, CallTimedOut) and func is not None:
        return _timed_out(error, name, func, args)
    return GradingFailure(f"{name}: {error}", kind=error.kind)


@contextlib.contextmanager
def reported_as(name, func=None, args=()):
    """Inside the block, what student code (``func`` on ``args``) raises, and what its sandbox fails
    at, becomes a GradingFailure of ``name``."""
    try:
        yield
    except (StudentError, SandboxError) as error:
        raise _failure(error, name, func, args) from None


def call(func, *args, name=None, detect_changes=True):
    """Call student code; its failures become ``GradingFailure``.

    Student code always works on copies of the arguments: the caller's arrays
    never change. Warnings are recorded in the returned ``Outcome`` instead of
    printed, and so are the arguments the code changed in place.
    """
    name = name or getattr(func, "__name__", "your function")
    if not callable(func):
        raise GradingFailure(f"{name} should be a function, but it is a {type(func).__name__}.", kind="type")
    with reported_as(name, func, args):
        if hasattr(func, "run"):  # a function in the grading sandbox
            result = func.run(args, detect_changes=detect_changes)
            return Outcome(result.value, result.warnings, result.modified)
        return _run_locally(func, args)


def unpack(value, names, *, func_name):
    """Check that a function returned a tuple with one entry per name."""
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        got = f"a {type(value).__name__}"
        if isinstance(value, (tuple, list)):
            got += f" of length {len(value)}"
        raise GradingFailure(
            f"{func_name} should return a tuple ({', '.join(names)}), but it returned {got}.", kind="type"
        )
    return tuple(value)


def check_close(got, expected, *, name, rtol=DEFAULT_RTOL, known_mistakes=None, factor_names=None, slack=0.0):
    """Fail with a diagnosis unless ``got`` matches ``expected``: within ``rtol`` relative error
    plus ``slack``, an absolute error allowed for the rounding of a finite-difference ``expected``."""
    diagnosis = diagnose(
        got, expected, name=name, rtol=rtol,
        known_mistakes=known_mistakes, factor_names=factor_names, slack=slack,
    )
    if diagnosis is not None:
        raise GradingFailure(diagnosis.message, kind=diagnosis.kind, detail=diagnosis.detail)
    if _margins.current() is not None:
        got = np.asarray(got, dtype=np.float64)
        allowed = rtol  # as a relative error
        if slack:
            scale = max(float(np.linalg.norm(got)), float(np.linalg.norm(expected)))
            allowed += slack / scale if scale else 0.0
        _record_margin("close", relative_error(got, expected) / allowed)


def check_scalar(got, expected, *, name, rtol=DEFAULT_RTOL, known_mistakes=None, factor_names=None):
    """Fail unless ``got`` is a real number close to ``expected`` (``diagnose`` names what is wrong)."""
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got[()]
    if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)):
        raise GradingFailure(f"{name} should be a number (a float), but it is a {type(got).__name__}.",
                             kind="type")
    check_close(np.float64(got), expected, name=name, rtol=rtol, known_mistakes=known_mistakes,
                factor_names=factor_names)


def check_no_warnings(outcome, *, name):
    """Fail if the call that produced ``outcome`` raised any warning."""
    if outcome.warnings:
        raise GradingFailure(
            f"{name} raised {len(outcome.warnings)} warning(s), for example {concealed(outcome.warnings[0])}. "
            "A correct answer raises none.", kind="warnings"
        )


def _path_name(arg_names, path):
    return arg_names[path[0]] + "".join(f"[{key!r}]" for key in path[1:])


def check_inputs_unchanged(func, args, arg_names, *, name=None):
    """Call ``func(*args)`` and fail if it changed any array of its arguments in place."""
    outcome = call(func, *args, name=name)
    if outcome.modified:
        changed = ", ".join(_path_name(arg_names, path) for path in outcome.modified)
        raise GradingFailure(
            f"{name or func.__name__} modified its input {changed} in place; graded "
            "functions must leave their inputs unchanged (write results to new arrays).", kind="inputs_modified"
        )


@contextlib.contextmanager
def blaming_changed_inputs(outcome, arg_names, *, name, callee=None):
    """Inside the block, a wrong value of the call that gave ``outcome`` is reported first as the
    change it made to its inputs, where it made one: a function that changes its inputs in place
    (or calls one that does, e.g. ``callee``) computes on changed values, and "J does not match"
    would hide why."""
    try:
        yield
    except GradingFailure as failure:
        if not outcome.modified:
            raise
        paths = [_path_name(arg_names, path) for path in outcome.modified]
        changed = paths[0] if len(paths) == 1 else ", ".join(paths[:-1]) + " and " + paths[-1]
        through = f" (or by {callee}, which it calls)" if callee else ""
        raise GradingFailure(
            f"{changed} {'was' if len(paths) == 1 else 'were'} changed in place by {name}{through}, the likely "
            f"cause of its wrong result: {failure} Graded functions must leave their inputs unchanged (write "
            "results to new arrays).", kind="inputs_modified") from None


def check_gradient_entrywise(loss, X, grad, *, name, rtol=DEFAULT_RTOL,
                             known_mistakes=None, factor_names=None):
    """Compare ``grad`` with central differences of ``loss`` at every entry of ``X``.

    loss: scalar function of an array shaped like X (trusted grader code).
    """
    expected, error = central_gradient_and_error(loss, X)
    check_close(grad, expected, name=name, rtol=rtol, slack=float(np.linalg.norm(error)),
                known_mistakes=known_mistakes, factor_names=factor_names)


def _check_shape(grad, X, name):
    if not isinstance(grad, np.ndarray):
        raise GradingFailure(
            f"{name} should be a NumPy array of shape {np.shape(X)}, but it is a {type(grad).__name__}.", kind="type"
        )
    if grad.shape != np.shape(X):
        transposed = grad.shape == np.shape(X)[::-1]
        raise GradingFailure(
            f"{name} has the wrong shape: got {grad.shape}, expected {np.shape(X)}{' (transposed?)' * transposed}.",
            kind="transposed" if transposed else "shape",
        )
    if not np.all(np.isfinite(grad)):
        raise GradingFailure(f"{name} contains NaN or inf.", kind="nonfinite")


def check_gradient_directional(loss, X, grad, *, name, rng, n_directions=3, rtol=None):
    """Compare ``grad . V`` with central differences along random directions V.

    Used on inputs too large for an entry-by-entry check; recognises a flipped
    sign or a constant factor from the ratios along the directions.

    The allowed error along V is rtol (default DIRECTIONAL_RTOL) times the size
    of the slope, plus the error bound of the central difference (rounding of
    the loss divided by h, and truncation). The size of the slope is the larger
    of |grad . V| and the root mean square of the slopes along all the
    directions, an estimate of
    ||grad f|| (for V with standard normal entries, E (grad f . V)^2 = ||grad f||^2):
    a direction nearly perpendicular to the gradient has a slope near 0, and
    the ordinary rounding of the difference must not count as a large relative
    error there. Both come from the trusted loss, not from the answer checked.
    """
    _check_shape(grad, X, name)
    rtol = DIRECTIONAL_RTOL if rtol is None else rtol
    grad = grad.astype(np.float64)
    directions = [rng.standard_normal(np.shape(X)) for _ in range(n_directions)]
    estimates = [directional_derivative_and_error(loss, X, V) for V in directions]
    typical = math.sqrt(sum(numeric * numeric for numeric, _ in estimates) / n_directions)
    ratios, worst = [], 0.0
    for V, (numeric, error) in zip(directions, estimates, strict=True):
        analytic = float(np.sum(grad * V))
        allowed = rtol * max(abs(numeric), abs(analytic), typical) + error + 1e-300
        worst = max(worst, abs(analytic - numeric) / allowed)
        if abs(analytic - numeric) <= allowed:
            continue
        ratios.append(analytic / numeric if numeric != 0 else math.inf)
    if not ratios:
        _record_margin("directional", worst)
        return
    if len(ratios) == n_directions and np.allclose(ratios, ratios[0], rtol=1e-4):
        c = ratios[0]
        if np.isclose(c, -1.0):
            raise GradingFailure(f"{name} has the wrong sign: it is minus the gradient.", kind="sign")
        if np.isfinite(c) and not np.isclose(c, 1.0, rtol=1e-4):  # a factor 1 is no diagnosis
            times = "the same multiple of" if values_concealed() else f"{c:.6g} times"
            raise GradingFailure(
                f"{name} is off by a constant factor: along random directions it gives {times} "
                "the finite-difference slope.", kind="factor"
            )
    raise GradingFailure(
        f"{name} does not match the directional derivatives of the loss along random "
        f"directions (on inputs of shape {np.shape(X)}).", kind="directional"
    )


def check_taylor(loss, X, grad, *, name, rng):
    """Taylor remainder test: |f(X+hV) - f(X) - h grad.V| must fall like h^2."""
    _check_shape(grad, X, name)
    V = rng.standard_normal(np.shape(X))
    V *= 0.1 * max(np.linalg.norm(X), 1.0) / np.linalg.norm(V)
    # Small steps, where the first-order error of a wrong gradient dominates
    # the h^2 term, yet the remainder stays far above round-off.
    steps = 2.0 ** -np.arange(8, 14)
    # Remainders at the rounding error of the loss values carry no order: a
    # direction of nearly zero curvature would otherwise read as order 0.
    noise = 2 * LOSS_ROUNDING * EPS * abs(float(loss(X)))
    order = convergence_order(steps, taylor_remainders(loss, X, grad, V, steps), noise=noise)
    if order < MIN_TAYLOR_ORDER:
        falls = "more slowly than h^2" if values_concealed() else f"like h^{order:.2f}"
        raise GradingFailure(
            f"{name} fails the Taylor remainder test: |f(X+hV) - f(X) - h {name}.V| "
            f"falls {falls}, but like h^2 for the true gradient.", kind="taylor"
        )
    _record_margin("taylor", max(0.0, 2.0 - order) / (2.0 - MIN_TAYLOR_ORDER))


def check_gradients(objective, points, grads, names, *, label, rng=None, known_mistakes=None):
    """Check the gradient of ``objective(*points)`` with respect to each of ``points``.

    grads[i] is the student's gradient for points[i] and names[i] its name.
    Without ``rng`` every entry is compared with central differences (small
    inputs; ``known_mistakes`` maps a name to its mistakes); with ``rng`` the
    check uses random directions and the Taylor test (large inputs).
    """
    for index, (point, grad, grad_name) in enumerate(zip(points, grads, names, strict=True)):
        def loss(X, index=index):
            changed = list(points)
            changed[index] = X
            return objective(*changed)

        name = f"{grad_name} returned by {label}"
        if rng is None:
            check_gradient_entrywise(loss, point, grad, name=name,
                                     known_mistakes=(known_mistakes or {}).get(grad_name))
        else:
            check_gradient_directional(loss, point, grad, name=name, rng=rng)
            check_taylor(loss, point, grad, name=name, rng=rng)
