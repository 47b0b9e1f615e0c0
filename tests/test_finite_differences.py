"""The trusted finite-difference tools, against gradients derived by hand."""

import numpy as np
import pytest

from autograder.finite_differences import (
    central_gradient,
    central_gradient_and_error,
    convergence_order,
    directional_derivative,
    directional_derivative_and_error,
    relative_error,
    taylor_remainders,
)

rng = np.random.default_rng(7)
A = rng.standard_normal((4, 4))
CASES = {
    "quadratic form": (lambda X: float(np.sum(X * (A @ X))), lambda X: (A + A.T) @ X, (4, 3)),
    "sum of cubes": (lambda X: float(np.sum(X**3)), lambda X: 3 * X**2, (5,)),
    "log-sum-exp": (lambda X: float(np.log(np.exp(X).sum())), lambda X: np.exp(X) / np.exp(X).sum(), (2, 3, 2)),
}


@pytest.mark.parametrize("name", CASES)
def test_central_gradient_matches_hand_derived_gradients(name):
    f, grad, shape = CASES[name]
    X = rng.standard_normal(shape)
    assert relative_error(central_gradient(f, X), grad(X)) < 1e-8


def test_central_gradient_leaves_x_unchanged_and_keeps_its_shape():
    f, _, shape = CASES["quadratic form"]
    X = rng.standard_normal(shape)
    before = X.copy()
    assert central_gradient(f, X).shape == shape
    assert np.array_equal(X, before)


def test_central_gradient_error_falls_like_h_squared():
    f = lambda x: float(np.sum(np.exp(x)))  # noqa: E731
    x = np.array([0.3])
    errors = [abs(central_gradient(f, x, h)[0] - np.exp(0.3)) for h in (1e-1, 1e-2)]
    assert 80 < errors[0] / errors[1] < 120  # 100 = (1e-1 / 1e-2)^2


def test_directional_derivative_is_gradient_dot_direction():
    f, grad, shape = CASES["quadratic form"]
    X, V = rng.standard_normal((2, *shape))
    assert abs(directional_derivative(f, X, V) - np.sum(grad(X) * V)) < 1e-7


def test_relative_error_cases():
    B = np.array([3.0, 4.0])
    assert relative_error(B, B) == 0.0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(np.zeros(2), B) == 1.0
    assert relative_error(B, 2 * B) == pytest.approx(0.5)
    assert relative_error(2 * B, B) == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(20))
def test_taylor_order_two_for_right_gradient_and_one_for_wrong(seed):
    f, grad, shape = CASES["quadratic form"]
    X, V = np.random.default_rng(seed).standard_normal((2, *shape))
    steps = 2.0 ** -np.arange(1, 8)
    wrong = 2 * A @ X
    right_order = convergence_order(steps, taylor_remainders(f, X, grad(X), V, steps))
    assert right_order == pytest.approx(2.0, abs=0.05)
    # Along the gradient's error the first-order term cannot vanish (along a random V it nearly
    # can, and the fitted order then drifts towards 2 in about one draw in six).
    error = (wrong - grad(X)) / np.linalg.norm(wrong - grad(X))
    wrong_order = convergence_order(steps, taylor_remainders(f, X, wrong, error, steps))
    assert wrong_order == pytest.approx(1.0, abs=0.2)


def test_convergence_order_of_vanishing_remainders_is_infinite():
    assert convergence_order([0.1, 0.01], [0.0, 0.0]) == float("inf")


def test_central_gradient_of_a_transposed_array():
    X = np.arange(6.0).reshape(2, 3).T  # Fortran order
    assert np.allclose(central_gradient(lambda V: float(np.sum(V**2)), X), 2 * X)


def test_relative_error_of_huge_entries_does_not_overflow():
    with np.errstate(all="raise"):
        assert relative_error(np.array([1e308, -1e308]), np.array([1e308, -1e308])) == 0.0
        assert relative_error(np.array([1e308, 0.0]), np.array([0.0, 0.0])) == 1.0


ONE_SIGNED = {  # losses whose terms do not cancel, as every graded loss (LOSS_ROUNDING)
    "sum of squares": (lambda X: float(np.sum((A @ X - 1.0) ** 2)), lambda X: 2 * A.T @ (A @ X - 1.0), (4, 3)),
    "log-sum-exp": CASES["log-sum-exp"],
    "softplus": (lambda X: float(np.sum(np.logaddexp(0.0, 3 * X))), lambda X: 3 / (1 + np.exp(-3 * X)), (6,)),
}


@pytest.mark.parametrize("name", ONE_SIGNED)
def test_error_bounds_cover_the_error_of_central_differences(name):
    """The bounds that tolerances are built from hold against the exact gradient, and stay small."""
    f, grad, shape = ONE_SIGNED[name]
    for _ in range(20):
        X, V = rng.standard_normal(shape), rng.standard_normal(shape)
        slope, error = directional_derivative_and_error(f, X, V)
        exact = float(np.sum(grad(X) * V))
        assert abs(slope - exact) <= error <= 1e-6 * (abs(f(X)) + np.linalg.norm(grad(X)) * np.linalg.norm(V))
        estimate, bounds = central_gradient_and_error(f, X)
        assert bounds.shape == X.shape
        assert np.all(np.abs(estimate - grad(X)) <= bounds)


def test_the_truncation_part_of_the_directional_bound_grows_as_h_squared():
    X, V = rng.standard_normal(10), rng.standard_normal(10)
    _, linear_error = directional_derivative_and_error(lambda X: float(np.sum(X)), X, V)  # no truncation
    _, cubic_small = directional_derivative_and_error(lambda X: float(np.sum(np.exp(3 * X))), X, V, h=1e-3)
    _, cubic_large = directional_derivative_and_error(lambda X: float(np.sum(np.exp(3 * X))), X, V, h=2e-3)
    assert linear_error < 1e-7
    assert 3.0 < cubic_large / cubic_small < 5.0  # truncation dominates at these steps: about 4 times


def test_remainders_at_round_off_carry_no_order():
    steps = 2.0 ** -np.arange(8, 14)
    assert convergence_order(steps, steps ** 2) == pytest.approx(2.0)
    noisy = np.array([3e-15, 1e-15, 4e-15, 2e-15, 1e-15, 3e-15])  # rounding, no power of h
    assert convergence_order(steps, noisy) < 1.0
    assert convergence_order(steps, noisy, noise=1e-14) == float("inf")
