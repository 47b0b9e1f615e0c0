"""The assertions test cells make: right answers pass silently, wrong ones fail with a reason."""

import warnings

import numpy as np
import pytest

from autograder import checks

rng = np.random.default_rng(11)
A = rng.standard_normal((6, 6))
B = rng.standard_normal((6, 4))
FUNCTIONS = {
    "quadratic form": (lambda X: float(np.sum(X * (A @ X))), lambda X: (A + A.T) @ X, (6, 4)),
    "least squares": (lambda X: 0.5 * float(np.sum((A @ X - B) ** 2)), lambda X: A.T @ (A @ X - B), (6, 4)),
    "tanh fit": (lambda X: 0.5 * float(np.sum((np.tanh(A @ X) - B) ** 2)),
                 lambda X: A.T @ ((np.tanh(A @ X) - B) * (1 - np.tanh(A @ X) ** 2)), (6, 4)),
}
PERTURBATIONS = {
    "sign": (lambda g: -g, "wrong sign"),
    "factor": (lambda g: 2 * g, "constant factor"),
    "one entry": (lambda g: g + (np.arange(g.size).reshape(g.shape) == 3), "wrong in 1 of"),
    "nan": (lambda g: np.where(np.arange(g.size).reshape(g.shape) == 0, np.nan, g), "NaN"),
}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_right_gradients_pass_every_gradient_check(function, capsys):
    loss, grad, shape = FUNCTIONS[function]
    X = rng.standard_normal(shape)
    checks.check_gradient_entrywise(loss, X, grad(X), name="g")
    checks.check_gradient_directional(loss, X, grad(X), name="g", rng=rng)
    checks.check_taylor(loss, X, grad(X), name="g", rng=rng)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("perturbation", PERTURBATIONS)
def test_perturbed_gradients_fail_the_entrywise_check_with_a_reason(function, perturbation):
    loss, grad, shape = FUNCTIONS[function]
    X = rng.standard_normal(shape)
    perturb, reason = PERTURBATIONS[perturbation]
    with pytest.raises(checks.GradingFailure, match=reason):
        checks.check_gradient_entrywise(loss, X, perturb(grad(X)), name="g")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_directional_check_names_sign_and_factor(function):
    loss, grad, shape = FUNCTIONS[function]
    X = rng.standard_normal(shape)
    with pytest.raises(checks.GradingFailure, match="wrong sign"):
        checks.check_gradient_directional(loss, X, -grad(X), name="g", rng=rng)
    with pytest.raises(checks.GradingFailure, match="factor"):
        checks.check_gradient_directional(loss, X, 0.5 * grad(X), name="g", rng=rng)
    with pytest.raises(checks.GradingFailure, match="wrong shape"):
        checks.check_gradient_directional(loss, X, grad(X).T, name="g", rng=rng)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_taylor_check_rejects_wrong_gradients(function):
    loss, grad, shape = FUNCTIONS[function]
    X = rng.standard_normal(shape)
    wrong = grad(X) + 0.1 * rng.standard_normal(shape)
    with pytest.raises(checks.GradingFailure, match="Taylor remainder"):
        checks.check_taylor(loss, X, wrong, name="g", rng=rng)


def test_call_reports_unimplemented_and_crashing_code():
    def stub(X):
        raise NotImplementedError()

    def crash(X):
        return X @ np.ones((7, 7))

    with pytest.raises(checks.GradingFailure, match="not implemented yet"):
        checks.call(stub, np.ones(3))
    with pytest.raises(checks.GradingFailure, match="raised ValueError"):
        checks.call(crash, np.ones((2, 3)))
    with pytest.raises(checks.GradingFailure, match="should be a function"):
        checks.call(42, np.ones(3))


def test_call_records_warnings_without_printing_them(capsys):
    def noisy(X):
        warnings.warn("careful", RuntimeWarning, stacklevel=1)
        return np.exp(X)

    outcome = checks.call(noisy, np.array([1000.0]))
    assert capsys.readouterr() == ("", "")
    assert len(outcome.warnings) == 2  # ours and NumPy's overflow
    with pytest.raises(checks.GradingFailure, match="RuntimeWarning"):
        checks.check_no_warnings(outcome, name="noisy")


def test_call_gives_student_code_copies():
    def scribble(X):
        X[...] = 0.0
        return X

    X = np.ones(3)
    checks.call(scribble, X)
    assert np.array_equal(X, np.ones(3))


def test_inputs_unchanged_names_the_modified_argument():
    def scribble(G, X):
        G += 1.0
        return G

    with pytest.raises(checks.GradingFailure, match="modified its input G"):
        checks.check_inputs_unchanged(scribble, (np.ones(2), np.ones(2)), ("G", "X"))
    checks.check_inputs_unchanged(lambda G, X: G + X, (np.ones(2), np.ones(2)), ("G", "X"))


def test_unpack_and_check_scalar_explain_wrong_return_values():
    with pytest.raises(checks.GradingFailure, match="tuple"):
        checks.unpack(np.ones(3), ("dX", "dW", "db"), func_name="f")
    with pytest.raises(checks.GradingFailure, match="of length 2"):
        checks.unpack((1, 2), ("dX", "dW", "db"), func_name="f")
    with pytest.raises(checks.GradingFailure, match="should be a number"):
        checks.check_scalar("0.5", 0.5, name="r")
    checks.check_scalar(np.float64(0.5), 0.5, name="r")
    checks.check_scalar(np.array(0.5), 0.5, name="r")


def test_failure_renders_as_a_short_wrapped_message_in_notebooks():
    failure = checks.GradingFailure("dW is transposed: " + "it has the wrong layout " * 8)
    lines = failure._render_traceback_()
    assert "GradingFailure" in lines[0] and "dW is transposed" in lines[0]
    assert len(lines) > 1 and all(len(line) < 110 for line in lines)
