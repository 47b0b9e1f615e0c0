"""Name what is wrong with an array that should have matched an expected one.

``diagnose(got, expected)`` returns ``None`` when the two agree and otherwise a
``Diagnosis``: a short ``kind`` (``"shape"``, ``"transposed"``, ``"sign"``,
``"factor"``, ``"nonfinite"``, ``"zero"``, ``"known_mistake"``, ``"some_entries"``,
``"mismatch"``, ``"type"``; declared in ``kinds``), a message a student can act
on and, for a known mistake, its description (``detail``).  Only one
diagnosis is given, the most specific that fits, in the order of the checks
below.

A constant factor is named when it is simple (-1, a small fraction p/q such as
2, 1/2 or 3/4, or a constant of ``factor_names`` or its inverse).  For a single
number, where every ratio is a "constant factor", only a whole number n or its
inverse 1/n is named besides (a size missing or extra: 1/t, 1/(mp)); any other
ratio is not mentioned: the message gives the value got and the value expected.  For an
array, a constant ratio that is not simple is still reported, because every
entry is off by the same amount.

On hidden cases (``concealing_values``, which the trusted grader sets for the
whole of grading) no message holds a number computed from the inputs: no
value got or expected, no ratio that is not simple; student text (exception
messages, warnings) is cut to a short line without digits (``concealed``).
A student's own run of the visible cases shows everything.
"""

import contextlib
import contextvars
import math
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from autograder.finite_differences import relative_error

DEFAULT_RTOL = 1e-6


_concealing = contextvars.ContextVar("concealing_values", default=False)
CONCEALED_TEXT_CHARS = 80
_NUMBER = re.compile(r"[0-9][0-9.eE+\-]*")


@contextlib.contextmanager
def concealing_values():
    """Inside the block, messages hold no value of the inputs or results (hidden cases)."""
    token = _concealing.set(True)
    try:
        yield
    finally:
        _concealing.reset(token)


def values_concealed():
    return _concealing.get()


def concealed(text):
    """Student text as feedback on a hidden case may show it: when values are concealed, its
    first line without digits, at most ``CONCEALED_TEXT_CHARS`` long; otherwise all of it."""
    if not values_concealed():
        return text
    lines = str(text).strip().splitlines()
    line = " ".join(_NUMBER.sub("#", lines[0] if lines else "").split())
    return line if len(line) <= CONCEALED_TEXT_CHARS else line[:CONCEALED_TEXT_CHARS - 1] + "…"


@dataclass(frozen=True)
class Diagnosis:
    """kind: one of ``kinds.KIND_LABELS``; message: for the student; detail: the description of a
    known mistake (kind "known_mistake"), else None."""

    kind: str
    message: str
    detail: str | None = None


def _close(got, expected, rtol):
    return relative_error(got, expected) <= rtol


# A ratio is "simple" when it names a likely mistake: a named constant or its
# inverse (1/t, S), or a fraction p/q of small integers (2, 1/2, 3/4, -1/3).
SIMPLE_FRACTION_LIMIT = 4


def _simple_factor(c, factor_names, rtol):
    """Name the constant c if it is simple, else return None."""
    tolerance = max(rtol, 1e-6)
    for value, name in factor_names.items():
        for sign, minus in ((1, ""), (-1, "-")):
            for power, word in ((1, "{name}"), (-1, "1/{name}")):
                if value and np.isclose(c, sign * float(value) ** power, rtol=tolerance, atol=0.0):
                    return minus + word.format(name=name)
    fraction = Fraction(c).limit_denominator(SIMPLE_FRACTION_LIMIT)
    if (fraction != 0 and abs(fraction.numerator) <= SIMPLE_FRACTION_LIMIT
            and np.isclose(float(fraction), c, rtol=tolerance, atol=0.0)):
        return str(fraction)
    return None


def _describe_number(c):
    """c with six digits, and as 1/n when it is the inverse of an integer."""
    text = f"{c:.6g}"
    if c != 0 and abs(1 / c) >= 2:
        n = round(1 / c)
        if np.isclose(1 / c, n, rtol=1e-9, atol=0.0):
            text += f" (1/{n})" if n > 0 else f" (-1/{-n})"
    return text


def _two_numbers(got, expected):
    """got and expected with enough digits to tell them apart (six at least)."""
    for digits in range(6, 18):
        a, b = f"{got:.{digits}g}", f"{expected:.{digits}g}"
        if a != b:
            break
    return a, b


def _known_mistake(got, known_mistakes, *, name, rtol, expected=None):
    """The Diagnosis of the first known mistake ``got`` matches, or None; a mistake whose value is the
    expected one (a mistake that changes nothing on this input) is never named."""
    for description, wrong in (known_mistakes or {}).items():
        wrong = np.asarray(wrong, dtype=np.float64)
        if expected is not None and wrong.shape == expected.shape and _close(wrong, expected, rtol):
            continue
        if wrong.shape == got.shape and _close(got, wrong, rtol):
            return Diagnosis("known_mistake", f"{name} is wrong: it looks like {description}.", detail=description)
    return None


def _diagnose_number(got_array, expected_array, *, name, rtol, known_mistakes, factor_names):
    """Diagnose one wrong number (arrays of size 1): a ratio is named only when it is simple.

    Any two numbers differ by a constant factor, so "1.03981 times the right
    answer" would always be true and never help; the two values do.
    """
    got, expected = got_array.item(), expected_array.item()
    got_text, expected_text = _two_numbers(got, expected)
    values = f"got {got_text}, expected {expected_text}"
    if values_concealed():
        expected_text, values = "not", "on a hidden case, whose values are not shown"
    if got == 0:
        return Diagnosis("zero", f"{name} is 0, but the right answer is {expected_text}.")
    mistake = _known_mistake(got_array, known_mistakes, name=name, rtol=rtol, expected=expected_array)
    if mistake is not None:
        return mistake
    c = got / expected if expected != 0 else np.inf
    if np.isfinite(c):
        described = _simple_factor(c, factor_names, rtol)
        if described == "-1":
            return Diagnosis("sign", f"{name} has the wrong sign: {values}.")
        if described is not None and described != "1":
            return Diagnosis("factor", f"{name} is {described} times the right answer: {values}.")
        whole = _whole_number_ratio(c, rtol)
        if whole is not None:
            return Diagnosis("factor", f"{name} is off by a whole-number factor: it is {whole} times the right "
                                       f"answer (a size missing or extra, such as 1/t or 1/(mp)?): {values}.")
    return Diagnosis("mismatch", f"{name} does not match: {values}.")


# A single number off by an integer n or by 1/n (a size: t, S, N, mp) is named up to this n: any
# two numbers have some ratio, but one within rtol of an integer this small is rarely a coincidence.
WHOLE_RATIO_LIMIT = 10_000


def _whole_number_ratio(c, rtol):
    """c as "n" or "1/n" (also negative) when it is within rtol of a whole number n (or its inverse)
    up to WHOLE_RATIO_LIMIT; on hidden cases without the number ("1/n"). Else None."""
    tolerance = max(rtol, 1e-9)
    for value, inverse in ((abs(c), False), (1 / abs(c), True)):
        n = round(value)
        if 2 <= n <= WHOLE_RATIO_LIMIT and abs(value - n) <= tolerance * n:
            text = "n" if values_concealed() else str(n)
            return ("-" if c < 0 else "") + ("1/" if inverse else "") + text
    return None


def _close_within(got, expected, rtol, slack):
    """||got - expected|| <= rtol * max(||got||, ||expected||) + slack (slack: an absolute error allowed,
    e.g. the rounding error of a finite difference that ``expected`` carries)."""
    if _close(got, expected, rtol) or slack <= 0:
        return _close(got, expected, rtol)
    scale = max(float(np.linalg.norm(got)), float(np.linalg.norm(expected)))
    return relative_error(got, expected) <= rtol + slack / scale


def diagnose(got, expected, *, name="the result", rtol=DEFAULT_RTOL,
             known_mistakes=None, factor_names=None, slack=0.0):
    """Compare ``got`` with ``expected`` and say what is wrong, if anything.

    got, expected: arrays of any shape (``expected`` is trusted and finite).
    known_mistakes: optional dict {description: wrong array}; if ``got``
        matches one of these arrays the diagnosis names the description.
    factor_names: optional dict {value: name} of constants to recognise when
        ``got`` is off by a factor, e.g. {t: "the batch size t"}.
    slack: an absolute error ||got - expected|| allowed beyond rtol, e.g. the
        rounding error of a finite difference ``expected`` (0 by default).
    """
    expected = np.asarray(expected, dtype=np.float64)
    if isinstance(got, (int, float, np.number)) and not isinstance(got, bool):
        got = np.asarray(got, dtype=np.float64)
    if not isinstance(got, np.ndarray):
        return Diagnosis(
            "type",
            f"{name} should be a NumPy array of shape {expected.shape}, "
            f"but it is a {type(got).__name__}.",
        )
    try:
        got = got.astype(np.float64)
    except (TypeError, ValueError):
        return Diagnosis("type", f"{name} has dtype {got.dtype}, not a real number type.")

    if got.shape != expected.shape:
        # e.g. outputs in the wrong order
        mistake = _known_mistake(got, known_mistakes, name=name, rtol=rtol, expected=expected)
        if mistake is not None:
            return mistake
        if expected.ndim == 2 and got.shape == expected.shape[::-1] and _close(got.T, expected, rtol):
            return Diagnosis(
                "transposed",
                f"{name} is transposed: it has shape {got.shape} but should have "
                f"shape {expected.shape}, and its transpose is right.",
            )
        hint = ""
        if expected.ndim == 1 and got.ndim == 2 and 1 in got.shape:
            hint = " (it should be a 1-D array: sum over the batch axis without keepdims)"
        elif got.size == expected.size:
            hint = " (it has the right number of entries: check the order of the factors or the axis you sum over)"
        return Diagnosis(
            "shape",
            f"{name} has the wrong shape: got {got.shape}, expected {expected.shape}{hint}.",
        )

    bad = ~np.isfinite(got)
    if bad.any():
        return Diagnosis(
            "nonfinite",
            f"{name} contains NaN or inf in {int(bad.sum())} of {got.size} entries "
            "(overflow, 0/0 or log of 0?).",
        )

    if _close_within(got, expected, rtol, slack):
        return None

    if expected.size == 1:  # a single number: say both values
        return _diagnose_number(got, expected, name=name, rtol=rtol,
                                known_mistakes=known_mistakes, factor_names=factor_names or {})

    if not got.any():
        return Diagnosis("zero", f"{name} is all zeros, but the right answer is not.")

    mistake = _known_mistake(got, known_mistakes, name=name, rtol=rtol, expected=expected)
    if mistake is not None:
        return mistake

    if _close(got, -expected, rtol):
        return Diagnosis("sign", f"{name} has the wrong sign: it is exactly minus the right answer.")

    largest = max(float(np.abs(expected).max(initial=0.0)), float(np.abs(got).max(initial=0.0)))
    unit_expected, unit_got = expected / largest, got / largest  # scaled: huge entries cannot overflow
    norm2 = float(np.sum(unit_expected * unit_expected))
    if norm2 > 0:
        c = float(np.sum(unit_got * unit_expected)) / norm2
        # A factor within 0.1% of 1 is an inaccuracy, not a missing constant; any
        # other factor is reported only when every entry is off by the same c.
        if abs(c - 1.0) > 1e-3 and _close(got, c * expected, rtol):
            described = _simple_factor(c, factor_names or {}, rtol)
            if described is not None:
                return Diagnosis(
                    "factor",
                    f"{name} is off by a constant factor: it is {described} times the right answer.",
                )
            times = "the same number of" if values_concealed() else _describe_number(c)
            return Diagnosis(
                "factor",
                f"{name} is off by a constant factor: all its values are {times} "
                "times the right answer.",
            )

    if expected.ndim == 2 and expected.shape[0] == expected.shape[1] and _close(got, expected.T, rtol):
        return Diagnosis(
            "transposed",
            f"{name} is transposed: its transpose is the right answer.",
        )

    scale = max(np.abs(expected).max(), np.abs(got).max())
    wrong_entries = ~np.isclose(got, expected, rtol=rtol, atol=rtol * scale)
    n_wrong = int(wrong_entries.sum())
    if 0 < n_wrong <= got.size // 2:
        first = tuple(int(i) for i in np.argwhere(wrong_entries)[0])
        values = "" if values_concealed() else f": got {got[first]:.6g}, expected {expected[first]:.6g}"
        return Diagnosis(
            "some_entries",
            f"{name} is right in most entries but wrong in {n_wrong} of {got.size}; "
            f"the first wrong entry is at index {first}{values}.",
        )
    error = relative_error(got, expected)
    error_text = f"about 1e{math.floor(math.log10(max(error, 1e-300))):+03d}" if values_concealed() else f"{error:.2e}"
    return Diagnosis(
        "mismatch",
        f"{name} does not match: relative error {error_text} (allowed {rtol:.0e}).",
    )
