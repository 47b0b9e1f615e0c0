"""Every derivative stated in book/checking_gradients.md, checked numerically.

Each test writes the chapter's formula independently and compares it with
central differences (or, for exact algebraic claims, with direct evaluation)
on small seeded float64 inputs.
"""

import numpy as np
import pytest

from autograder.finite_differences import central_gradient, relative_error

EPS = np.finfo(np.float64).eps


def rng(seed):
    return np.random.default_rng(seed)


def scalar_derivative(phi, x, h=1e-6):
    """Central-difference derivative of a scalar function of one float."""
    return float(central_gradient(lambda a: phi(a[0]), np.array([x]), h=h)[0])


# --- the two running examples (eq. checking-eq-gradsin and checking-eq-gradg) ---------


def test_gradient_of_sine_weighted_sum():
    X = rng(0).standard_normal((3, 4))

    def f(Y):
        return np.sum(Y * np.sin(Y))

    formula = np.sin(X) + X * np.cos(X)
    assert formula.shape == X.shape
    assert relative_error(formula, central_gradient(f, X)) < 1e-8


def test_gradient_of_fourth_power_of_frobenius_norm():
    X = rng(1).standard_normal((4, 3))

    def g(Y):
        return np.linalg.norm(Y) ** 4

    formula = 4.0 * np.linalg.norm(X) ** 2 * X
    assert formula.shape == X.shape
    assert relative_error(formula, central_gradient(g, X)) < 1e-8


# --- the scalar example s(x) = x sin x and its derivatives (checking-eq-sderivs) --


def s(x):
    return x * np.sin(x)


def ds(x):
    return np.sin(x) + x * np.cos(x)


def d2s(x):
    return 2 * np.cos(x) - x * np.sin(x)


def d3s(x):
    return -3 * np.sin(x) - x * np.cos(x)


@pytest.mark.parametrize(
    "func, derivative",
    [(s, ds), (ds, d2s), (d2s, d3s)],
    ids=["s_prime", "s_second", "s_third"],
)
def test_derivatives_of_x_sin_x(func, derivative):
    for x in rng(2).uniform(-3, 3, size=5):
        numeric = scalar_derivative(func, x)
        assert relative_error(derivative(x), numeric) < 1e-8


# --- truncation errors of forward and central differences -------------------


def test_forward_difference_leading_error_is_h_over_2_times_second_derivative():
    x, h = 1.0, 1e-4
    forward = (s(x + h) - s(x)) / h
    assert relative_error(forward - ds(x), h / 2 * d2s(x)) < 1e-2


def test_central_difference_leading_error_is_h2_over_6_times_third_derivative():
    x, h = 1.0, 1e-3
    central = (s(x + h) - s(x - h)) / (2 * h)
    assert relative_error(central - ds(x), h**2 / 6 * d3s(x)) < 1e-3


# --- optimal steps (checking-eq-eplus, checking-eq-ezero) ----------------------------


def test_optimal_forward_step_minimises_the_error_model():
    x = 1.0
    a, b = abs(s(x)), abs(d2s(x))

    def model(h):
        return h / 2 * b + 2 * EPS * a / h

    h_star = 2 * np.sqrt(EPS * a / b)
    slope = scalar_derivative(model, h_star, h=h_star * 1e-3)
    assert abs(slope) < 1e-6 * b  # dE/dh = 0 at h*
    assert model(h_star) < min(model(0.9 * h_star), model(1.1 * h_star))
    assert relative_error(model(h_star), 2 * np.sqrt(EPS * a * b)) < 1e-12


def test_optimal_central_step_minimises_the_error_model():
    x = 1.0
    a, c = abs(s(x)), abs(d3s(x))

    def model(h):
        return h**2 / 6 * c + EPS * a / h

    h_star = (3 * EPS * a / c) ** (1 / 3)
    slope = scalar_derivative(model, h_star, h=h_star * 1e-3)
    assert abs(slope) < 1e-6 * h_star * c  # dE/dh = 0 at h*
    assert model(h_star) < min(model(0.9 * h_star), model(1.1 * h_star))
    assert relative_error(model(h_star), h_star**2 * c / 2) < 1e-12


# --- log-sum-exp (exercise checking-ex-logsumexp) --------------------------------


def test_gradient_of_log_sum_exp_is_softmax():
    x = rng(3).standard_normal(5)

    def lse(v):
        return np.log(np.sum(np.exp(v)))

    formula = np.exp(x) / np.sum(np.exp(x))
    assert formula.shape == x.shape
    assert relative_error(formula, central_gradient(lse, x)) < 1e-8
    assert np.all(formula > 0)
    assert abs(np.sum(formula) - 1.0) < 1e-12


# --- directional derivatives (checking-eq-dirderiv, checking-eq-phik) -----------------


def sine_sum(Y):
    return np.sum(Y * np.sin(Y))


def test_directional_derivative_is_gradient_dot_direction():
    r = rng(4)
    X, V = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    numeric = scalar_derivative(lambda t: sine_sum(X + t * V), 0.0)
    formula = np.sum((np.sin(X) + X * np.cos(X)) * V)
    assert relative_error(formula, numeric) < 1e-8


@pytest.mark.parametrize("k", [1, 2, 3])
def test_kth_derivative_along_a_line(k):
    r = rng(5)
    X, V = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    derivs = [s, ds, d2s, d3s]

    def phi_k(order, t):
        # the chapter's formula: phi^(k)(t) = sum V^k s^(k)(X + tV)
        return np.sum(V**order * derivs[order](X + t * V))

    numeric = scalar_derivative(lambda t: phi_k(k - 1, t), 0.0)
    assert relative_error(phi_k(k, 0.0), numeric) < 1e-8


def test_second_directional_derivative_formula():
    r = rng(6)
    X, V = r.standard_normal((4, 3)), r.standard_normal((4, 3))

    def first(t):  # phi'(t) = grad f(X + tV) . V
        Y = X + t * V
        return np.sum((np.sin(Y) + Y * np.cos(Y)) * V)

    formula = np.sum((V * V) * (2 * np.cos(X) - X * np.sin(X)))
    assert relative_error(formula, scalar_derivative(first, 0.0)) < 1e-8


# --- relative error of scaled arrays (exercise checking-ex-relerr-scale) ---------


@pytest.mark.parametrize("c", [-1.0, 2.0, 0.5, 1.001, -3.0, 0.0])
def test_relative_error_of_a_scaled_array(c):
    A = rng(7).standard_normal((3, 4))
    expected = abs(1 - c) / max(1.0, abs(c))
    assert abs(relative_error(A, c * A) - expected) < 1e-12


def test_relative_error_special_values():
    A = rng(8).standard_normal((2, 5))
    assert relative_error(A, -A) == pytest.approx(2.0)
    assert relative_error(A, 0.5 * A) == pytest.approx(0.5)
    assert relative_error(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0
    assert relative_error(A, np.zeros_like(A)) == pytest.approx(1.0)


# --- all-ones directions (exercise checking-ex-ones-direction) -------------------


def test_transposed_gradient_passes_the_all_ones_direction():
    X = rng(9).standard_normal((4, 4))
    G = np.sin(X) + X * np.cos(X)
    ones = np.ones_like(X)
    assert np.isclose(np.sum(G.T * ones), np.sum(G * ones), rtol=1e-13, atol=0)
    assert relative_error(G.T, G) > 0.1  # yet G.T is wrong


def test_uniform_vector_passes_the_all_ones_direction_for_log_sum_exp():
    x = rng(10).standard_normal(6)
    grad = np.exp(x) / np.sum(np.exp(x))
    uniform = np.full_like(x, 1 / x.size)
    assert np.isclose(grad @ np.ones_like(x), uniform @ np.ones_like(x))
    assert relative_error(grad, uniform) > 1e-2


# --- Taylor remainder of ||X||_F^4 (exercise checking-ex-quartic-remainder) ------


def test_quartic_expansion_and_remainders():
    r = rng(11)
    X, V = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    a, b, c = np.sum(X * X), np.sum(X * V), np.sum(V * V)
    for h in (0.3, 0.05, 1e-2):
        value = np.linalg.norm(X + h * V) ** 4
        poly = a**2 + 4 * a * b * h + (4 * b**2 + 2 * a * c) * h**2 + 4 * b * c * h**3 + c**2 * h**4
        assert relative_error(value, poly) < 1e-12
        right = abs(value - a**2 - h * np.sum(4 * a * X * V))
        right_formula = abs((4 * b**2 + 2 * a * c) * h**2 + 4 * b * c * h**3 + c**2 * h**4)
        assert relative_error(right, right_formula) < 1e-9
        wrong = abs(value - a**2 - h * np.sum(2 * a * X * V))
        wrong_formula = abs(2 * a * b * h + (4 * b**2 + 2 * a * c) * h**2 + 4 * b * c * h**3 + c**2 * h**4)
        assert relative_error(wrong, wrong_formula) < 1e-9


# --- the kink claim in the checklist ----------------------------------------


def test_central_difference_of_relu_at_its_kink_is_one_half():
    h = 1e-6

    def relu(a):
        return max(0.0, a)

    assert (relu(h) - relu(-h)) / (2 * h) == pytest.approx(0.5)
