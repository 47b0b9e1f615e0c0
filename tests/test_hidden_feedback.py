"""Feedback on hidden cases reveals neither their inputs nor the values expected on them.

Each attack of ``autograder.testdata.HIDDEN_INPUT_ATTACKS`` (and one that prints its
inputs) is graded through ``trusted.grade_answers`` while every array that
crosses to the student's worker, every array it returns and every expected
value a check compares with are recorded; no entry of any of them, written
as NumPy or a failure message would write it, may appear in a verdict or a
note. A student's own run of the visible cases keeps the full messages.
"""

import math
import re

import numpy as np
import pytest
from conftest import run_test_cells
from graded_table import trusted_verdicts

from autograder import checks, diagnostics
from autograder.sandbox import policy
from autograder.sandbox.remote import Sandbox
from autograder.testdata import HIDDEN_INPUT_ATTACKS, PS02, Attack
from autograder.testdata.reach import cells_reached

PRINTS_INPUTS = Attack(
    "prints_hidden_inputs", PS02,
    {"tanh_backward": "\ndef tanh_backward(G, Z):\n    print(repr(G), repr(Z))\n    return G * (1.0 - Z ** 2)\n"},
    frozenset(), "",
)


def _floats(value):
    """Every float entry of the arrays and numbers in ``value`` (nested in lists, tuples, dicts)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return [float(x) for x in value.ravel()]
    if isinstance(value, (float, np.floating)):
        return [float(value)]
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in _floats(item)]
    if isinstance(value, dict):
        return [x for item in value.values() for x in _floats(item)]
    return []


NUMBER = re.compile(r"\d+\.?\d*(?:e[+-]?\d+)?")


def _significant_digits(token):
    mantissa = re.split(r"e", token)[0]
    return len(mantissa.replace(".", "").lstrip("0"))


def leaked(values, messages):
    """The numbers of ``messages`` that are entries of ``values`` as NumPy or a failure message
    prints them (rounded to the digits shown); numbers of fewer than 4 digits say nothing."""
    entries = np.sort(np.abs(np.asarray(values, dtype=np.float64)))
    found = []
    for token in (t for m in messages for t in NUMBER.findall(m)):
        digits = _significant_digits(token)
        value = float(token)
        if digits < 4 or value == 0:
            continue
        half_unit = 0.5 * 10.0 ** (math.floor(math.log10(value)) - digits + 1) * (1 + 1e-9)
        i = np.searchsorted(entries, value - half_unit)
        if i < len(entries) and entries[i] <= value + half_unit:
            found.append(token)
    return found


@pytest.fixture
def recorded(monkeypatch):
    """Arrays sent to and returned by the student's worker, and the expected values compared with."""
    seen = []
    call, diagnose = Sandbox.call, checks.diagnose

    def recording_call(self, name, args, **options):
        seen.append(args)
        result = call(self, name, args, **options)
        seen.append(result.value)
        return result

    def recording_diagnose(got, expected, **options):
        seen.append(expected)
        return diagnose(got, expected, **options)

    monkeypatch.setattr(Sandbox, "call", recording_call)
    monkeypatch.setattr(checks, "diagnose", recording_diagnose)
    return seen


def graded(attack):
    """The attack graded on the cells it reaches (``cells_reached``; the others run the solution's code,
    which passes without a message)."""
    return trusted_verdicts(attack.assignment, attack.answers, cells_reached(attack.assignment, attack.answers),
                            limits=policy.NO_NOTEBOOK_BUDGETS)


def test_the_detector_finds_entries_as_numpy_prints_them():
    A = np.random.default_rng(1).standard_normal((3, 4))
    entries = _floats(A)
    assert len(leaked(entries, [repr(A)])) == 12 and len(leaked(entries, [str(A)])) == 12
    assert leaked(entries, [f"got {A[1, 2]:.6g}, expected {repr(float(A[0, 0]))}"]) == [
        f"{abs(A[1, 2]):.6g}", repr(abs(float(A[0, 0])))]
    assert not leaked(entries, ["raised ValueError: array([[-#.#, #.#]])", "got 1.2345e+07, shape (10, 200)"])


@pytest.mark.slow  # each attack graded by the trusted grader with every array recorded
@pytest.mark.parametrize("attack", [*HIDDEN_INPUT_ATTACKS, PRINTS_INPUTS], ids=lambda a: a.name)
def test_feedback_on_hidden_cases_holds_no_input_or_expected_entry(attack, recorded):
    verdicts, notes = graded(attack)
    assert {t for t, v in verdicts.items() if not v.passed} == attack.fails
    messages = [v.message for v in verdicts.values()] + list(notes.values())
    entries = _floats(recorded)
    assert len(entries) > 20  # the hidden inputs of the cells it reaches were recorded
    assert leaked(entries, messages) == []
    assert not attack.fails or any(attack.says in verdicts[t].message for t in attack.fails)


@pytest.mark.parametrize("attack", HIDDEN_INPUT_ATTACKS, ids=lambda a: a.name)
def test_a_students_own_run_of_the_visible_cases_shows_the_values(attack):
    results, _ = run_test_cells(attack.assignment, attack.answers, visible_only=True)
    messages = [results[test_id] for test_id in attack.fails if results[test_id]]
    assert messages and re.search(r"\d\.\d{4}", " ".join(messages)), messages


def test_concealed_student_text_is_one_short_line_without_digits():
    text = repr(np.arange(100.0).reshape(10, 10) / 7) + "\nsecond line"
    assert diagnostics.concealed(text) == text
    with diagnostics.concealing_values():
        short = diagnostics.concealed(text)
    assert len(short) <= diagnostics.CONCEALED_TEXT_CHARS and not re.search(r"\d", short)
    assert short.startswith("array([[") and short.count("#") >= 4
