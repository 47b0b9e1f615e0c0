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


# --- single numbers: a ratio is named only when it is simple --------------------------------

def test_number_off_by_an_arbitrary_ratio_gives_both_values():
    diagnosis = diagnose(1.03981 * 2.0, 2.0, name="the loss")
    assert diagnosis.kind == "mismatch"
    assert "times" not in diagnosis.message and "factor" not in diagnosis.message
    assert "got 2.07962, expected 2" in diagnosis.message


def test_number_off_by_two_names_the_factor():
    diagnosis = diagnose(np.float64(5.0), np.float64(2.5), name="the loss")
    assert diagnosis.kind == "factor"
    assert "2 times the right answer" in diagnosis.message and "got 5, expected 2.5" in diagnosis.message


def test_number_with_the_wrong_sign():
    diagnosis = diagnose(-2.5, 2.5)
    assert diagnosis.kind == "sign"
    assert "wrong sign" in diagnosis.message and "got -2.5, expected 2.5" in diagnosis.message


def test_number_off_by_a_named_factor():
    diagnosis = diagnose(2.5 / t, 2.5, factor_names={t: "t"})
    assert diagnosis.kind == "factor" and "1/t times the right answer" in diagnosis.message
    assert diagnose(-2.5 * t, 2.5, factor_names={t: "t"}).message.count("-t times") == 1


@pytest.mark.parametrize("ratio, word", [(0.5, "1/2"), (3.0, "3"), (1 / 3, "1/3"), (4.0, "4"), (0.25, "1/4"),
                                         (0.75, "3/4"), (-2.0, "-2"), (4 / 3, "4/3")])
def test_number_off_by_a_small_fraction(ratio, word):
    diagnosis = diagnose(ratio * 2.5, 2.5)
    assert diagnosis.kind == "factor" and f"is {word} times the right answer" in diagnosis.message


@pytest.mark.parametrize("ratio", [5 / 7, 1.37, 1500.5, 1.0005])  # whole numbers n and 1/n: named (below)
def test_number_off_by_a_ratio_that_is_not_simple(ratio):
    diagnosis = diagnose(ratio * 2.5, 2.5)
    assert diagnosis.kind == "mismatch" and "times" not in diagnosis.message
    assert "got " in diagnosis.message and "expected 2.5" in diagnosis.message


def test_known_mistake_of_a_number_comes_first():
    diagnosis = diagnose(5.0, 2.5, known_mistakes={"the loss without the 1/2": 5.0})
    assert diagnosis.kind == "known_mistake" and "without the 1/2" in diagnosis.message


def test_size_one_arrays_are_numbers():
    diagnosis = diagnose(np.array([1.03981]), np.array([1.0]))
    assert diagnosis.kind == "mismatch" and "got 1.03981, expected 1" in diagnosis.message
    assert "2 times" in diagnose(np.array([[2.0]]), np.array([[1.0]])).message
    assert diagnose(np.array(1.03981), 1.0).kind == "mismatch"


def test_number_digits_tell_the_values_apart():
    diagnosis = diagnose(2.302585093 * (1 + 1e-8), 2.302585093, rtol=1e-9)
    got, expected = diagnosis.message.split("got ")[1].rstrip(".").split(", expected ")
    assert got != expected


def test_number_zero_and_expected_zero():
    assert diagnose(0.0, 2.5).message.endswith("is 0, but the right answer is 2.5.")
    assert "got 0.3, expected 0" in diagnose(0.3, 0.0).message


# --- arrays: a constant factor is reported only when every entry has it ----------------------

def test_array_factor_that_is_not_simple_gives_its_value():
    diagnosis = diagnose(1.03981 * E, E)
    assert diagnosis.kind == "factor"
    assert "all its values are 1.03981 times the right answer" in diagnosis.message
    assert "(1/16)" in diagnose(E / 16, E).message


def test_array_ratio_that_varies_is_not_a_factor():
    scales = np.linspace(1.02, 1.06, E.size).reshape(E.shape)
    assert diagnose(E * scales, E).kind == "mismatch"


def test_array_small_fractions_and_negative_named_factor():
    assert "it is -1/2 times" in diagnose(-E / 2, E).message
    assert "it is 3/4 times" in diagnose(0.75 * E, E).message
    assert "it is -1/t times" in diagnose(-E / t, E, factor_names={t: "t"}).message


# --- a single number off by a size: named like an array's ratio ---------------------------------

@pytest.mark.parametrize("ratio, word", [(1 / 12, "1/12"), (1 / 40, "1/40"), (40.0, "40"), (-1 / 6, "-1/6")])
def test_number_off_by_a_whole_number_or_its_inverse_names_it(ratio, word):
    diagnosis = diagnose(2.5 * ratio, 2.5)
    assert diagnosis.kind == "factor" and f"it is {word} times the right answer" in diagnosis.message


def test_number_ratio_near_but_not_at_a_whole_number_is_not_named():
    diagnosis = diagnose(2.5 / 12 * (1 + 1e-4), 2.5)
    assert diagnosis.kind == "mismatch" and "times" not in diagnosis.message


def test_number_off_by_a_size_on_a_hidden_case_hides_the_size():
    from autograder.diagnostics import concealing_values

    with concealing_values():
        diagnosis = diagnose(2.5 / 12, 2.5)
    assert diagnosis.kind == "factor" and "1/n times" in diagnosis.message and "12" not in diagnosis.message


def test_a_known_mistake_that_changes_nothing_here_is_never_named():
    # e.g. "db as a mean" leaves dW as it is: a dW that fails for another reason must not be told so
    diagnosis = diagnose(E + 0.5, E, known_mistakes={"db as a mean": E.copy(), "E plus a half": E + 0.5})
    assert diagnosis.kind == "known_mistake" and diagnosis.detail == "E plus a half"
    assert diagnose(E * 1.3 + 0.1, E, known_mistakes={"db as a mean": E.copy()}).kind == "mismatch"


def test_a_known_mistake_of_another_shape_comes_before_the_shape_diagnosis():
    diagnosis = diagnose(E[:, :2].copy(), E, known_mistakes={"the outputs in the wrong order": E[:, :2]})
    assert diagnosis.kind == "known_mistake" and "wrong order" in diagnosis.message
    assert diagnose(E[:, :2].copy(), E).kind == "shape"
