"""Graded checks of ps01_gradient_checking (one function per test cell)."""

import numpy as np

from autograder import checks
from autograder.assignments import rngs
from autograder.finite_differences import central_gradient
from autograder.finite_differences import relative_error as trusted_relative_error

# Finite differences are compared with exact gradients only up to their own
# accuracy (a forward difference is that close too); the ``*_central`` checks
# tell central from forward differences with a large step instead.
LOOSE = 1e-5

# Scalar test functions with their gradients, derived by hand. They are
# module-level functions so that they can be handed to student code running in
# the grading sandbox (which finds them by name).


def sum_x_sin_x(X):
    return float(np.sum(X * np.sin(X)))


def grad_sum_x_sin_x(X):
    return np.sin(X) + X * np.cos(X)


def frobenius_norm_fourth(X):
    return float(np.sum(X * X) ** 2)


def grad_frobenius_norm_fourth(X):
    return 4.0 * np.sum(X * X) * X


def log_sum_exp(X):
    return float(np.log(np.sum(np.exp(X))))


def grad_log_sum_exp(X):
    return np.exp(X) / np.sum(np.exp(X))


def sum_exp(X):
    return float(np.sum(np.exp(X)))


TEST_FUNCTIONS = {
    "sum(X * sin(X))": (sum_x_sin_x, grad_sum_x_sin_x),
    "||X||_F^4": (frobenius_norm_fourth, grad_frobenius_norm_fourth),
    "log(sum(exp(X)))": (log_sum_exp, grad_log_sum_exp),
}


def _forward_gradient(f, X, h):
    X = X.astype(np.float64)
    grad = np.empty_like(X)
    for index in np.ndindex(X.shape):
        step = np.zeros_like(X)
        step[index] = h
        grad[index] = (f(X + step) - f(X)) / h
    return grad


def numerical_gradient_values(numerical_gradient, case="hidden"):
    """Central differences at the default h match the true gradient."""
    for rng in rngs(case):
        X = rng.standard_normal((3, 4))
        for label, (f, grad) in TEST_FUNCTIONS.items():
            got = checks.call(numerical_gradient, f, X).value
            checks.check_close(got, grad(X), name=f"numerical_gradient for f(X) = {label}", rtol=LOOSE)


def numerical_gradient_central(numerical_gradient, case="hidden"):
    """The step h is honoured and the difference is central, not one-sided."""
    f, _ = TEST_FUNCTIONS["sum(X * sin(X))"]
    h = 1e-2
    for rng in rngs(case):
        X = rng.standard_normal((2, 3))
        expected = central_gradient(f, X, h)
        got = checks.call(numerical_gradient, f, X, h).value
        checks.check_close(
            got, expected, name=f"numerical_gradient(f, X, h={h})", rtol=1e-9,
            known_mistakes={
                "a one-sided (forward) difference (f(X + h e) - f(X)) / h": _forward_gradient(f, X, h),
                "the step h you were given was ignored": TEST_FUNCTIONS["sum(X * sin(X))"][1](X),
            },
        )


def numerical_gradient_shapes(numerical_gradient, case="hidden"):
    """Works for arrays of any shape and returns the shape of X."""
    for rng in rngs(case):
        for shape in [(5,), (3, 2), (2, 3, 2), (1, 1)]:
            X = rng.standard_normal(shape)
            got = checks.call(numerical_gradient, sum_exp, X).value
            checks.check_close(got, np.exp(X), name=f"numerical_gradient for X of shape {shape}", rtol=LOOSE)


def numerical_gradient_inputs_unchanged(numerical_gradient, case="hidden"):
    """X is exactly the same after the call (perturbations are undone or made on a copy)."""
    f, _ = TEST_FUNCTIONS["sum(X * sin(X))"]
    for rng in rngs(case):
        X = rng.standard_normal((3, 3)) * 10.0 ** rng.integers(-3, 4, size=(3, 3))
        checks.check_inputs_unchanged(numerical_gradient, (f, X), ("f", "X"))


def directional_derivative_values(directional_derivative, case="hidden"):
    """The result is a float equal to grad f(X) . V."""
    for rng in rngs(case):
        X, V = rng.standard_normal((2, 4, 3))
        for label, (f, grad) in TEST_FUNCTIONS.items():
            got = checks.call(directional_derivative, f, X, V).value
            checks.check_scalar(
                got, np.sum(grad(X) * V),
                name=f"directional_derivative for f(X) = {label}", rtol=LOOSE,
            )


def directional_derivative_central(directional_derivative, case="hidden"):
    """The step h is honoured and the difference is central."""
    f, grad = TEST_FUNCTIONS["sum(X * sin(X))"]
    h = 1e-2
    for rng in rngs(case):
        X, V = rng.standard_normal((2, 3, 3))
        got = checks.call(directional_derivative, f, X, V, h).value
        checks.check_scalar(
            got, (f(X + h * V) - f(X - h * V)) / (2 * h),
            name=f"directional_derivative(f, X, V, h={h})", rtol=1e-9,
            known_mistakes={
                "a one-sided (forward) difference (f(X + hV) - f(X)) / h": (f(X + h * V) - f(X)) / h,
                "the step h you were given was ignored": np.sum(grad(X) * V),
            },
        )


def relative_error_values(relative_error, case="hidden"):
    """||A - B|| / max(||A||, ||B||), symmetric in A and B."""
    for rng in rngs(case):
        A = rng.standard_normal((4, 3))
        for B in (3.0 * A + rng.standard_normal((4, 3)), 0.2 * A, A + 1e-9):
            for first, second in ((A, B), (B, A)):
                diff = np.linalg.norm(first - second)
                n1, n2 = np.linalg.norm(first), np.linalg.norm(second)
                checks.check_scalar(
                    checks.call(relative_error, first, second).value,
                    trusted_relative_error(first, second),
                    name="relative_error(A, B)",
                    known_mistakes={
                        "the absolute error ||A - B|| (divide by the larger norm)": diff,
                        "a division by ||A|| only (divide by the larger of the two norms)": diff / n1,
                        "a division by ||B|| only (divide by the larger of the two norms)": diff / n2,
                        "a division by ||A|| + ||B|| (divide by the larger of the two norms)": diff / (n1 + n2),
                        "squared norms ||A - B||^2 / max(||A||^2, ||B||^2): the Frobenius norms are square roots "
                        "of the sums of squares": diff ** 2 / max(n1, n2) ** 2,
                    },
                )


def relative_error_zero(relative_error, case="hidden"):
    """Two zero arrays have relative error 0.0, without a division warning."""
    for rng in rngs(case):
        shape = tuple(rng.integers(1, 5, size=2))
        zeros = np.zeros(shape)
        outcome = checks.call(relative_error, zeros, zeros.copy())
        checks.check_no_warnings(outcome, name="relative_error(0, 0)")
        checks.check_scalar(outcome.value, 0.0, name="relative_error(0, 0)")
        other = rng.standard_normal(shape)
        outcome = checks.call(relative_error, zeros, other)
        checks.check_scalar(outcome.value, 1.0, name="relative_error(0, B) for nonzero B")


def _trace_quadratic_case(rng, n, p, symmetric):
    A = rng.standard_normal((n, n))
    if symmetric:
        A = A + A.T
    X = rng.standard_normal((n, p))

    def loss(X_):
        return float(np.sum(X_ * (A @ X_)))

    return A, X, loss


def _trace_quadratic_mistakes(A, X):
    """The product rule with one term dropped: d tr(X^T A X) = tr(dX^T A X) + tr(X^T A dX) gives
    AX + A^T X; keeping one term gives AX or A^T X (half the gradient only when A is symmetric)."""
    dropped = ("one term of the product rule dropped: d tr(X^T A X) = tr(dX^T A X) + tr(X^T A dX) has two "
               "terms, and {kept} is only one of them (the gradient is AX + A^T X)")
    if np.array_equal(A, A.T):
        return {dropped.format(kept="AX (= A^T X for this symmetric A)"): A @ X}
    return {dropped.format(kept="AX"): A @ X, dropped.format(kept="A^T X"): A.T @ X}


def grad_trace_quadratic_symmetric_A(grad_trace_quadratic, case="hidden"):
    """Gradient of tr(X^T A X) for a symmetric A, checked entry by entry."""
    for rng in rngs(case):
        A, X, loss = _trace_quadratic_case(rng, 4, 3, symmetric=True)
        got = checks.call(grad_trace_quadratic, A, X).value
        checks.check_gradient_entrywise(loss, X, got, name="grad_trace_quadratic(A, X)",
                                        known_mistakes=_trace_quadratic_mistakes(A, X))


def grad_trace_quadratic_general_A(grad_trace_quadratic, case="hidden"):
    """Gradient of tr(X^T A X) for a non-symmetric A, small and large."""
    for rng in rngs(case):
        A, X, loss = _trace_quadratic_case(rng, 4, 3, symmetric=False)
        got = checks.call(grad_trace_quadratic, A, X).value
        checks.check_gradient_entrywise(
            loss, X, got, name="grad_trace_quadratic(A, X) for a non-symmetric A",
            known_mistakes={
                **_trace_quadratic_mistakes(A, X),
                "2AX, the gradient only when A is symmetric (here it is not)": 2 * A @ X,
                "2A^T X, the gradient only when A is symmetric (here it is not)": 2 * A.T @ X,
            },
        )
        A, X, loss = _trace_quadratic_case(rng, 40, 25, symmetric=False)
        got = checks.call(grad_trace_quadratic, A, X).value
        name = "grad_trace_quadratic(A, X) on a 40x40 A"
        checks.check_gradient_directional(loss, X, got, name=name, rng=rng)
        checks.check_taylor(loss, X, got, name=name, rng=rng)


def _least_squares_case(rng, m, n, p, weighted):
    A = rng.standard_normal((m, n))
    X = rng.standard_normal((n, p))
    B = rng.standard_normal((m, p))
    M = rng.uniform(0.5, 2.0, size=(m, p)) if weighted else np.ones((m, p))

    def loss(X_):
        return 0.5 * float(np.sum((M * (A @ X_ - B)) ** 2))

    return A, X, B, M, loss


def _check_least_squares(student, case, *, weighted, large):
    label = "grad_weighted_least_squares" if weighted else "grad_least_squares"
    sizes = (40, 30, 20) if large else (5, 3, 4)
    for rng in rngs(case):
        A, X, B, M, loss = _least_squares_case(rng, *sizes, weighted)
        args = (A, X, B, M) if weighted else (A, X, B)
        got = checks.call(student, *args).value
        name = f"{label}(A, X, B{', M' if weighted else ''})"
        if large:
            checks.check_gradient_directional(loss, X, got, name=name, rng=rng)
            checks.check_taylor(loss, X, got, name=name, rng=rng)
        else:
            mistakes = {}
            if weighted:
                mistakes["a weight applied once, M * (AX - B), instead of twice, M * M * (AX - B)"] = (
                    A.T @ (M * (A @ X - B))
                )
            checks.check_gradient_entrywise(loss, X, got, name=name, known_mistakes=mistakes)


def grad_least_squares_small(grad_least_squares, case="hidden"):
    """Gradient of 1/2 ||AX - B||^2 entry by entry on small inputs."""
    _check_least_squares(grad_least_squares, case, weighted=False, large=False)


def grad_least_squares_large(grad_least_squares, case="hidden"):
    """Gradient of 1/2 ||AX - B||^2 by directional derivatives and the Taylor test."""
    _check_least_squares(grad_least_squares, case, weighted=False, large=True)


def grad_weighted_least_squares_small(grad_weighted_least_squares, case="hidden"):
    """Transfer task: gradient of 1/2 ||M * (AX - B)||^2 entry by entry."""
    _check_least_squares(grad_weighted_least_squares, case, weighted=True, large=False)


def grad_weighted_least_squares_large(grad_weighted_least_squares, case="hidden"):
    """Transfer task: directional derivatives and the Taylor test on larger inputs."""
    _check_least_squares(grad_weighted_least_squares, case, weighted=True, large=True)
