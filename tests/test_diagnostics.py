"""Each diagnosis fires on its own mistake, and only on it."""

import numpy as np
import pytest

from autograder.diagnostics import diagnose

rng = np.random.default_rng(3)
E = rng.standard_normal((4, 6))  # expected, not square
S = rng.standard_normal((5, 5))  # expected, square
t = 4

MISTAKES = {
    "transposed": lambda: (E.T, E, {}),
    "transposed square": lambda: (S.T, S, {}),
    "shape": lambda: (E[:, :5], E, {}),
    "sign": lambda: (-E, E, {}),
    "factor": lambda: (2 * E, E, {}),
    "factor named": lambda: (E / t, E, {"factor_names": {t: "t"}}),
    "nonfinite": lambda: (np.where(E > 1, np.nan, E), E, {}),
    "zero": lambda: (np.zeros_like(E), E, {}),
    "known_mistake": lambda: (E + 1.0, E, {"known_mistakes": {"E plus one": E + 1.0}}),
    "some_entries": lambda: (np.where(np.arange(E.size).reshape(E.shape) == 5, 0.0, E), E, {}),
    "mismatch": lambda: (rng.standard_normal(E.shape), E, {}),
    "type": lambda: (E.tolist(), E, {}),
}
KIND = {"transposed square": "transposed", "factor named": "factor"}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_gets_its_own_diagnosis(mistake):
    got, expected, options = MISTAKES[mistake]()
    diagnosis = diagnose(got, expected, **options)
    assert diagnosis is not None
    assert diagnosis.kind == KIND.get(mistake, mistake)


def test_factor_message_names_the_factor():
    assert "2 times" in diagnose(2 * E, E).message
    assert "1/t times" in diagnose(E / t, E, factor_names={t: "t"}).message
    assert "1/3 times" in diagnose(E / 3, E).message


def test_right_answers_get_no_diagnosis():
    assert diagnose(E.copy(), E) is None
    assert diagnose(E + 1e-12, E) is None
    assert diagnose(S, S) is None
    assert diagnose(np.float64(2.5), np.float64(2.5)) is None


def test_small_inaccuracy_is_not_called_a_factor():
    diagnosis = diagnose(E * (1 + 1e-4), E)
    assert diagnosis.kind == "mismatch"


def test_transposed_answer_of_wrong_values_is_a_shape_error():
    assert diagnose(2 * E.T, E).kind == "shape"


def test_wrong_shape_hint_for_keepdims_bias():
    b = rng.standard_normal(6)
    diagnosis = diagnose(b[None, :], b)
    assert diagnosis.kind == "shape" and "1-D" in diagnosis.message
