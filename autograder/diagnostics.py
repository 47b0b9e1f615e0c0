"""Name what is wrong with an array that should have matched an expected one.

``diagnose(got, expected)`` returns ``None`` when the two agree and otherwise a
``Diagnosis``: a short ``kind`` (``"shape"``, ``"transposed"``, ``"sign"``,
``"factor"``, ``"nonfinite"``, ``"zero"``, ``"known_mistake"``, ``"some_entries"``,
``"mismatch"``, ``"type"``) and a message a student can act on.  Only one
diagnosis is given, the most specific that fits, in the order of the checks
below.
"""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from autograder.finite_differences import relative_error

DEFAULT_RTOL = 1e-6


@dataclass(frozen=True)
class Diagnosis:
    kind: str
    message: str


def _close(got, expected, rtol):
    return relative_error(got, expected) <= rtol


def _describe_factor(c, factor_names):
    """Describe the constant c, naming it when it is one of ``factor_names``."""
    for value, name in factor_names.items():
        for power, word in ((1, "{name}"), (-1, "1/{name}")):
            if np.isclose(c, float(value) ** power, rtol=1e-6):
                return word.format(name=name)
    fraction = Fraction(c).limit_denominator(16)
    if np.isclose(float(fraction), c, rtol=1e-6):
        return str(fraction)
    return f"{c:.6g}"


def diagnose(got, expected, *, name="the result", rtol=DEFAULT_RTOL,
             known_mistakes=None, factor_names=None):
    """Compare ``got`` with ``expected`` and say what is wrong, if anything.

    got, expected: arrays of any shape (``expected`` is trusted and finite).
    known_mistakes: optional dict {description: wrong array}; if ``got``
        matches one of these arrays the diagnosis names the description.
    factor_names: optional dict {value: name} of constants to recognise when
        ``got`` is off by a factor, e.g. {t: "the batch size t"}.
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

    if _close(got, expected, rtol):
        return None

    if not got.any():
        return Diagnosis("zero", f"{name} is all zeros, but the right answer is not.")

    for description, wrong in (known_mistakes or {}).items():
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape == got.shape and _close(got, wrong, rtol):
            return Diagnosis("known_mistake", f"{name} is wrong: it looks like {description}.")

    if _close(got, -expected, rtol):
        return Diagnosis("sign", f"{name} has the wrong sign: it is exactly minus the right answer.")

    largest = max(float(np.abs(expected).max(initial=0.0)), float(np.abs(got).max(initial=0.0)))
    unit_expected, unit_got = expected / largest, got / largest  # scaled: huge entries cannot overflow
    norm2 = float(np.sum(unit_expected * unit_expected))
    if norm2 > 0:
        c = float(np.sum(unit_got * unit_expected)) / norm2
        # A factor within 0.1% of 1 is an inaccuracy, not a missing constant.
        if abs(c - 1.0) > 1e-3 and _close(got, c * expected, rtol):
            described = _describe_factor(c, factor_names or {})
            return Diagnosis(
                "factor",
                f"{name} is off by a constant factor: it is {described} times the right answer.",
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
        return Diagnosis(
            "some_entries",
            f"{name} is right in most entries but wrong in {n_wrong} of {got.size}; "
            f"the first wrong entry is at index {first}: got {got[first]:.6g}, "
            f"expected {expected[first]:.6g}.",
        )
    return Diagnosis(
        "mismatch",
        f"{name} does not match: relative error {relative_error(got, expected):.2e} "
        f"(allowed {rtol:.0e}).",
    )
