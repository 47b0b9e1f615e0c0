"""Graded checks of ps06_nonlinear_least_squares (one function per test cell).

Y in R^{m x n}, X in R^{n x p}, C in R^{m x p}; f(X) = 1/2 ||tanh(YX) - C||_F^2.
"""

import numpy as np

from autograder import budgets, checks
from autograder.assignments import budget_checks, budget_rng, rngs

SMALL, LARGE = (5, 3, 4), (60, 30, 20)  # m, n, p


def _problem(rng, sizes, squash=np.tanh):
    m, n, p = sizes
    Y = rng.standard_normal((m, n)) / np.sqrt(n)
    X = rng.standard_normal((n, p))
    C = squash(Y @ rng.standard_normal((n, p))) + 0.1 * rng.standard_normal((m, p))
    return X, Y, C


def _sigmoid(A):
    return np.exp(-np.logaddexp(0.0, -A))


def _f(X, Y, C, squash=np.tanh):
    return 0.5 * float(np.sum((squash(Y @ X) - C) ** 2))


def _gradient(X, Y, C):
    Z = np.tanh(Y @ X)
    return Y.T @ ((Z - C) * (1 - Z * Z))


def _check_value_and_gradient(student, case, what, squash, func_name):
    for rng in rngs(case):
        for sizes in (SMALL, LARGE):
            X, Y, C = _problem(rng, sizes, squash)
            value = checks.call(student, X, Y, C).value
            f, grad = checks.unpack(value, ("f", "grad"), func_name=func_name)
            name = f"{func_name}(X, Y, C) with m, n, p = {sizes}"
            if what == "value":
                right = _f(X, Y, C, squash)
                checks.check_scalar(f, right, name=f"f returned by {name}", known_mistakes={
                    "f without its 1/2: f = 1/2 ||tanh(YX) - C||^2": 2 * right,
                    "a mean over the m*p entries instead of the sum: f = 1/2 sum of the squares": right / C.size,
                    "the norm instead of its square: f = 1/2 ||tanh(YX) - C||^2": float(np.sqrt(2 * right)) / 2})
                continue
            loss = lambda X_, Y=Y, C=C: _f(X_, Y, C, squash)  # noqa: E731
            if sizes == SMALL:
                Z = squash(Y @ X)
                missing = "the derivative of the activation is missing: (Z - C) needs the factor " + (
                    "(1 - Z * Z)" if squash is np.tanh else "Z * (1 - Z)")
                checks.check_gradient_entrywise(
                    loss, X, grad, name=f"the gradient returned by {name}",
                    known_mistakes={missing: Y.T @ (Z - C),
                                    "the derivative taken at the output Z instead of at YX: tanh'(YX) = 1 - Z^2, "
                                    "not 1 - tanh(Z)^2": Y.T @ ((Z - C) * (1 - np.tanh(Z) ** 2)),
                                    "tanh' taken as 1 - Z; it is 1 - Z^2 (with Z = tanh(YX))":
                                        Y.T @ ((Z - C) * (1 - Z))} if squash is np.tanh else {missing: Y.T @ (Z - C)},
                )
            else:
                checks.check_gradient_directional(loss, X, grad, name=f"the gradient returned by {name}", rng=rng)
                checks.check_taylor(loss, X, grad, name=f"the gradient returned by {name}", rng=rng)


def tanh_least_squares_value(tanh_least_squares, case="hidden"):
    """f = 1/2 ||tanh(YX) - C||^2."""
    _check_value_and_gradient(tanh_least_squares, case, "value", np.tanh, "tanh_least_squares")


def tanh_least_squares_gradient(tanh_least_squares, case="hidden"):
    """grad = Y^T [(Z - C) * (1 - Z * Z)], against central differences and the Taylor test."""
    _check_value_and_gradient(tanh_least_squares, case, "gradient", np.tanh, "tanh_least_squares")


def tanh_least_squares_inputs_unchanged(tanh_least_squares, case="hidden"):
    """X, Y and C are left exactly as they were."""
    for rng in rngs(case):
        checks.check_inputs_unchanged(tanh_least_squares, _problem(rng, LARGE), ("X", "Y", "C"),
                                      name="tanh_least_squares")


# Budgets, calibrated with scripts/benchmark_budgets.py.
BUDGET_SIZES = (4000, 50, 500)  # m, n, p: C holds 16 MB


def budget_arguments(round_):
    return _problem(budget_rng("ps06_tanh", round_), BUDGET_SIZES)


def _memory_kernel(function, arguments, multiple, outputs, **declared):
    """A kernel of this set with a memory budget counted in arrays the size of C."""
    return budgets.CoreKernel(
        function, "m, n, p = " + ", ".join(map(str, BUDGET_SIZES)), arguments,
        memory=budgets.MemoryBudget(multiple=multiple, unit_name="C (m x p)", outputs=outputs),
        unit_bytes=lambda args: args[2].nbytes, **declared)


TANH = _memory_kernel(
    "tanh_least_squares", budget_arguments, 1.0, lambda args: ((), args[0].shape),
    memory_advice="Work on blocks of rows, say 256 rows of Y and C at a time: Z = tanh(Y[rows] @ X), the residual "
                  "and 1 - Z * Z (computed in place) are then only block x p, and f and Y[rows].T @ (...) add up "
                  "over the blocks.",
    memory_doc="At most one m x p temporary beyond the returned gradient.",
    versions=(("unfused temporaries", "tanh_unfused_temporaries", {"memory"}),),
)
(tanh_least_squares_memory_budget,) = budget_checks(TANH)


def tanh_least_squares_entry_values(tanh_least_squares_entry, case="hidden"):
    """One entry of the gradient, for several (i, j)."""
    for rng in rngs(case):
        X, Y, C = _problem(rng, SMALL)
        full = _gradient(X, Y, C)
        for i, j in ((0, 0), (2, 1), (1, 3), (2, 3)):
            got = checks.call(tanh_least_squares_entry, X, Y, C, i, j).value
            mistakes = {"the entry (j, i): the indices are swapped": full[j, i]} if j < full.shape[0] else {}
            checks.check_scalar(got, full[i, j], name=f"tanh_least_squares_entry(X, Y, C, {i}, {j})",
                                known_mistakes=mistakes)


TANH_ENTRY = _memory_kernel(
    "tanh_least_squares_entry", lambda round_: (*budget_arguments(round_), 3, 7), 0.0, lambda args: (),
    memory_advice="Only column j of Z enters: compute z = np.tanh(Y @ X[:, j]) (m numbers) and combine it with "
                  "column i of Y and column j of C; never form Y @ X (m x p) or the whole gradient.",
    memory_doc="O(m n) work and memory: no m x p array (the whole of Z is not needed).",
    versions=(("the whole gradient", "entry_from_the_whole_gradient", {"memory"}),),
)
(tanh_least_squares_entry_memory_budget,) = budget_checks(TANH_ENTRY)


def sigmoid_least_squares_values(sigmoid_least_squares, case="hidden"):
    """Transfer task: f and its gradient with the sigmoid instead of tanh."""
    _check_value_and_gradient(sigmoid_least_squares, case, "value", _sigmoid, "sigmoid_least_squares")
    _check_value_and_gradient(sigmoid_least_squares, case, "gradient", _sigmoid, "sigmoid_least_squares")


def _saturating_problem(rng, sizes):
    """A problem whose YX reaches +-1000 in rows 0 and 1 (exp(1000) overflows); other rows stay moderate."""
    X, Y, C = _problem(rng, sizes, _sigmoid)
    Y[0] *= 1000.0 / np.max(np.abs(Y[0] @ X))
    Y[1] = -Y[0]
    return X, Y, C


def sigmoid_least_squares_stable(sigmoid_least_squares, case="hidden"):
    """Transfer task: no overflow warnings, and the right f and gradient, when |YX| reaches 1000."""
    for rng in rngs(case):
        X, Y, C = _saturating_problem(rng, SMALL)
        outcome = checks.call(sigmoid_least_squares, X, Y, C)
        checks.check_no_warnings(outcome, name="sigmoid_least_squares with |YX| up to 1000 (evaluate the sigmoid "
                                               "so that no exponent is positive)")
        f, grad = checks.unpack(outcome.value, ("f", "grad"), func_name="sigmoid_least_squares")
        Z = _sigmoid(Y @ X)
        checks.check_scalar(f, _f(X, Y, C, _sigmoid), name="f returned by sigmoid_least_squares with |YX| up to 1000",
                            rtol=1e-9)
        checks.check_close(grad, Y.T @ ((Z - C) * Z * (1.0 - Z)),
                           name="the gradient returned by sigmoid_least_squares with |YX| up to 1000", rtol=1e-9)
