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
    assert lines[0].startswith("dW is transposed") and not any("GradingFailure" in line for line in lines)
    assert len(lines) > 1 and all(len(line) < 110 for line in lines)


class _Directions:
    """A stand-in for a generator: standard_normal returns the given directions in turn."""

    def __init__(self, *directions):
        self.directions = list(directions)

    def standard_normal(self, shape):
        return self.directions.pop(0).reshape(shape)


def _softmax_nll(A, Y):
    """The loss of the issue's network output, (1/t) sum -Y log softmax(A); its gradient is (softmax(A) - Y) / t."""
    log_Z = A - np.logaddexp.reduce(A, axis=1, keepdims=True)
    return -float(np.sum(Y * log_Z)) / A.shape[0], (np.exp(log_Z) - Y) / A.shape[0]


def test_a_direction_nearly_perpendicular_to_the_gradient_does_not_fail_a_right_gradient():
    generator = np.random.default_rng(3)
    A, Y = 3 * generator.standard_normal((40, 5)), np.eye(5)[generator.integers(0, 5, 40)]
    grad = _softmax_nll(A, Y)[1]
    unit = grad / np.linalg.norm(grad)
    V = generator.standard_normal(A.shape)
    V -= (np.sum(V * unit) - 1e-6 * np.linalg.norm(V)) * unit  # a slope 1e-6 of ||grad|| ||V||
    others = generator.standard_normal((2, *A.shape))

    def loss(A_):
        return _softmax_nll(A_, Y)[0]

    with checks.recording_margins() as margins:
        checks.check_gradient_directional(loss, A, grad, name="dA", rng=_Directions(V, *others))
    assert margins and margins[0][0] == "directional" and margins[0][1] < 0.1
    wrong = grad + 1e-3 * np.linalg.norm(grad) * generator.standard_normal(A.shape) / np.sqrt(A.size)
    with pytest.raises(checks.GradingFailure, match="does not match the directional derivatives"):
        checks.check_gradient_directional(loss, A, wrong, name="dA", rng=_Directions(V, *others))


def test_margins_are_recorded_only_when_asked():
    X = rng.standard_normal((6, 4))
    loss, grad, _ = FUNCTIONS["least squares"]
    checks.check_gradient_entrywise(loss, X, grad(X), name="g")  # nothing recorded, nothing kept
    with checks.recording_margins() as margins:
        checks.check_gradient_entrywise(loss, X, grad(X), name="g")
        checks.check_taylor(loss, X, grad(X), name="g", rng=rng)
    assert [kind for kind, _ in margins] == ["close", "taylor"]
    assert all(0 <= ratio < 0.1 for _, ratio in margins)
