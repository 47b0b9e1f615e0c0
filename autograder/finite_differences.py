"""Finite-difference tools the grader trusts.

Every function works in float64 and never modifies its arguments.
"""

import numpy as np

EPS = float(np.finfo(np.float64).eps)
# Rounding of one evaluation of a loss, in units of eps * |f|: a loss sums many
# terms, each rounded, so its value is off by a few eps times the sum of their
# sizes, which is |f| when the terms have one sign (sums of squares, negative
# log-likelihoods: the losses graded). Where terms cancel (a quadratic form),
# the rounding can exceed this; the relative part of each tolerance, rtol times
# the size of the gradient, covers it (scripts/sweep_secrets.py measures it).
LOSS_ROUNDING = 32.0


def central_gradient(f, X, h=1e-6):
    """Gradient of the scalar function ``f`` at ``X`` by central differences.

    ``X`` may have any shape; the result has the same shape.  Entry ``i`` is
    ``(f(X + h e_i) - f(X - h e_i)) / 2h``: the truncation error is O(h^2).
    """
    return central_gradient_and_error(f, X, h)[0]


def central_gradient_and_error(f, X, h=1e-6):
    """``central_gradient(f, X, h)`` and a bound on the rounding error of each entry (same shape as X).

    Each value of f is off by about LOSS_ROUNDING * eps * |f|, and the
    difference divides that by h. (The truncation error, h^2/6 times a third
    derivative, is 1e-13 times it for the default h: far below the rounding.)
    """
    X = np.array(X, dtype=np.float64, order="C")  # a private copy; C order makes reshape(-1) a view
    grad, error = np.empty_like(X), np.empty_like(X)
    flat, grad_flat, error_flat = X.reshape(-1), grad.reshape(-1), error.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + h
        f_plus = float(f(X))
        flat[i] = saved - h
        f_minus = float(f(X))
        flat[i] = saved
        grad_flat[i] = (f_plus - f_minus) / (2 * h)
        error_flat[i] = LOSS_ROUNDING * EPS * max(abs(f_plus), abs(f_minus)) / h
    return grad, error


def directional_derivative(f, X, V, h=1e-6):
    """Central-difference estimate of the derivative of ``f`` at ``X`` along ``V``.

    ``X`` and ``V`` have the same shape; the result is a float, an estimate
    of ``grad f(X) . V``.
    """
    X = np.asarray(X, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    return (float(f(X + h * V)) - float(f(X - h * V))) / (2 * h)


def directional_derivative_and_error(f, X, V, h=1e-6):
    """Central-difference slope of ``f`` at ``X`` along ``V``, and a bound on its error.

    ``X`` and ``V`` have the same shape. Returns (D(h), error), floats, with
    D(s) = (f(X + sV) - f(X - sV)) / 2s. The error has two parts:

    - rounding: each value of f is off by about LOSS_ROUNDING * eps * |f|, and
      the difference divides that by h: LOSS_ROUNDING * eps * max|f(X +- hV)| / h;
    - truncation, h^2/6 times the third derivative along V, estimated from the
      step 2h as |D(2h) - D(h)| / 3 (D(2h) has four times the truncation error).

    Neither depends on a gradient under test: a student's answer cannot widen it.
    """
    X = np.asarray(X, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    f_plus, f_minus = float(f(X + h * V)), float(f(X - h * V))
    slope = (f_plus - f_minus) / (2 * h)
    wide = (float(f(X + 2 * h * V)) - float(f(X - 2 * h * V))) / (4 * h)
    rounding = LOSS_ROUNDING * EPS * max(abs(f_plus), abs(f_minus)) / h
    return slope, rounding + abs(wide - slope) / 3


def relative_error(A, B):
    """``||A - B||_F / max(||A||_F, ||B||_F)``, and 0.0 when both are zero."""
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    # Divide by the largest entry first, so that norms of huge entries cannot overflow.
    largest = max(float(np.max(np.abs(A), initial=0.0)), float(np.max(np.abs(B), initial=0.0)))
    if largest == 0.0:
        return 0.0
    A, B = A / largest, B / largest
    return float(np.linalg.norm(A - B) / max(np.linalg.norm(A), np.linalg.norm(B)))


def taylor_remainders(f, X, grad, V, steps):
    """First-order Taylor remainders ``|f(X + hV) - f(X) - h grad.V|`` for each h.

    If ``grad`` is the gradient of a smooth ``f``, the remainder shrinks like
    h^2; a wrong gradient leaves a term that shrinks only like h.
    """
    X = np.asarray(X, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    f0 = float(f(X))
    slope = float(np.sum(np.asarray(grad, dtype=np.float64) * V))
    return np.array([abs(float(f(X + h * V)) - f0 - h * slope) for h in steps])


def convergence_order(steps, remainders, noise=0.0):
    """Least-squares slope of log(remainder) against log(step).

    Remainders that have reached round-off (at or below ``noise``, the
    rounding error of the loss values they are computed from) are left out;
    if fewer than two remain, the function returns ``inf`` (the remainder
    vanished faster than any power we can see).
    """
    steps = np.asarray(steps, dtype=np.float64)
    remainders = np.asarray(remainders, dtype=np.float64)
    keep = remainders > noise
    if keep.sum() < 2:
        return float("inf")
    slope, _ = np.polyfit(np.log(steps[keep]), np.log(remainders[keep]), 1)
    return float(slope)
