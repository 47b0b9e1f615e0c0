"""Graded checks of ps03_softmax_cross_entropy (one function per test cell).

A holds logits, one example per row: A in R^{S x C}. Targets T have rows that
sum to 1 (one-hot or soft labels); integer labels y index the classes.
"""

import numpy as np

from autograder import budgets, checks
from autograder.assignments import budget_checks, budget_rng, rngs

SMALL, LARGE = (4, 5), (60, 40)


def _log_softmax(A):
    """Trusted log-softmax through NumPy's log-add-exp reduction (never overflows)."""
    return A - np.logaddexp.reduce(A, axis=1, keepdims=True)


def _softmax(A):
    return np.exp(_log_softmax(A))


def _loss(A, T):
    return -float(np.sum(T * _log_softmax(A))) / A.shape[0]


def _soft_targets(rng, shape):
    T = rng.uniform(0.0, 1.0, shape) ** 3
    return T / T.sum(axis=1, keepdims=True)


def _one_hot(y, classes):
    T = np.zeros((y.size, classes))
    T[np.arange(y.size), y] = 1.0
    return T


def _logits(rng, shape, scale=3.0):
    return scale * rng.standard_normal(shape)


EXTREME = 1e4  # the largest logits the stable kernels must handle


def _extreme_logits(rng, shape):
    A = _logits(rng, shape)
    A[0, 0], A[1, :] = EXTREME, -EXTREME
    A[2, 1] = -EXTREME
    return A


# --- softmax and its backward pass --------------------------------------------------

def softmax_values(softmax, case="hidden"):
    """Row-wise softmax: positive entries, rows summing to 1."""
    for rng in rngs(case):
        for shape in (SMALL, (1, 3), (7, 2)):
            A = _logits(rng, shape)
            A_cols = np.exp(A - A.max(axis=0)) / np.exp(A - A.max(axis=0)).sum(axis=0)
            checks.check_close(
                checks.call(softmax, A).value, _softmax(A), name=f"softmax on logits of shape {shape}",
                known_mistakes={"a softmax over the columns (axis=0) instead of the rows": A_cols},
            )


def softmax_stable(softmax, case="hidden"):
    """Finite, correct and free of warnings for logits as large as 1e4 in size."""
    for rng in rngs(case):
        A = _extreme_logits(rng, (6, 5))
        outcome = checks.call(softmax, A)
        checks.check_no_warnings(outcome, name="softmax on logits up to 1e4 (subtract each row's maximum)")
        checks.check_close(outcome.value, _softmax(A), name="softmax on logits up to 1e4")


def softmax_backward_values(softmax_backward, case="hidden"):
    """dJ/dA = Y * (G - (G * Y) 1 1^T): the Jacobian-vector product."""
    for rng in rngs(case):
        for shape in (SMALL, LARGE):
            A, G = _logits(rng, shape), rng.standard_normal(shape)
            Y = _softmax(A)
            got = checks.call(softmax_backward, G, Y).value

            def loss(A_, G=G):
                return float(np.sum(G * _softmax(A_)))

            if shape == SMALL:
                checks.check_gradient_entrywise(
                    loss, A, got, name="softmax_backward(G, Y)",
                    known_mistakes={
                        "G * Y * (1 - Y): only the diagonal of the softmax Jacobian": G * Y * (1 - Y),
                        "Y * (G - G.sum(axis=1)): the row sums of G without the weights Y":
                            Y * (G - G.sum(axis=1, keepdims=True)),
                    },
                )
            else:
                checks.check_gradient_directional(loss, A, got, name="softmax_backward(G, Y)", rng=rng)


# --- cross-entropy -------------------------------------------------------------------------

def cross_entropy_values(cross_entropy, case="hidden"):
    """-(1/S) sum T * log Z, a float."""
    for rng in rngs(case):
        Z, T = _softmax(_logits(rng, SMALL)), _soft_targets(rng, SMALL)
        total = -float(np.sum(T * np.log(Z)))
        checks.check_scalar(
            checks.call(cross_entropy, Z, T).value, total / SMALL[0], name="cross_entropy(Z, T)",
            known_mistakes={
                "the sum over examples without the 1/S": total,
                "a mean over all S*C entries (divide by S only)": total / Z.size,
                "a missing minus sign": -total / SMALL[0],
            },
        )


def cross_entropy_backward_values(cross_entropy_backward, case="hidden"):
    """-(1/S) T / Z, element-wise division."""
    for rng in rngs(case):
        # moderate probabilities: central differences of log Z are inaccurate near 0
        Z, T = _softmax(_logits(rng, SMALL, scale=0.5)), _soft_targets(rng, SMALL)
        got = checks.call(cross_entropy_backward, Z, T).value
        checks.check_gradient_entrywise(
            lambda Z_, T=T: -float(np.sum(T * np.log(Z_))) / SMALL[0], Z, got,
            name="cross_entropy_backward(Z, T)", factor_names={SMALL[0]: "S"},
            known_mistakes={"-(1/S) T * Z: a product where the gradient has a division": -T * Z / SMALL[0],
                            "the gradient without the 1/S of the mean over the S examples": -T / Z},
        )


# --- the fused kernels -------------------------------------------------------------------

def _targets(rng, shape, kind):
    if kind == "soft":
        return _soft_targets(rng, shape)
    return _one_hot(rng.integers(0, shape[1], shape[0]), shape[1])


def _fused_case(rng, shape, kind):
    A = _logits(rng, shape)
    return A, _targets(rng, shape, kind)


def softmax_cross_entropy_loss(softmax_cross_entropy, case="hidden"):
    """The loss -(1/S) sum T * log softmax(A), for soft and one-hot targets."""
    for rng in rngs(case):
        for kind in ("soft", "one-hot"):
            A, T = _fused_case(rng, SMALL, kind)
            value = checks.call(softmax_cross_entropy, A, T).value
            loss, _ = checks.unpack(value, ("loss", "dA"), func_name="softmax_cross_entropy")
            checks.check_scalar(loss, _loss(A, T), name=f"the loss with {kind} targets",
                                known_mistakes={"the loss without the 1/S": _loss(A, T) * SMALL[0],
                                                "a mean over all S*C entries (divide by S only)":
                                                    _loss(A, T) / A.shape[1],
                                                "the softmax over the columns (axis=0) instead of the rows":
                                                    _loss(A.T, T.T) * A.shape[1] / A.shape[0]},
                                factor_names={SMALL[0]: "S"})


def softmax_cross_entropy_gradient(softmax_cross_entropy, case="hidden"):
    """dA = (Y - T) / S, against central differences of the loss."""
    for rng in rngs(case):
        for shape in (SMALL, LARGE):
            for kind in ("soft", "one-hot"):
                A, T = _fused_case(rng, shape, kind)
                value = checks.call(softmax_cross_entropy, A, T).value
                _, dA = checks.unpack(value, ("loss", "dA"), func_name="softmax_cross_entropy")
                name = f"dA returned by softmax_cross_entropy ({kind} targets)"
                if shape == SMALL:
                    checks.check_gradient_entrywise(
                        lambda A_, T=T: _loss(A_, T), A, dA, name=name, factor_names={shape[0]: "S"},
                        known_mistakes={
                            "(T * Y) 1 1^T - T, the source material's erratum; the gradient is (Y - T) / S":
                                (np.sum(T * _softmax(A), axis=1, keepdims=True) - T) / shape[0],
                            "the gradient without the 1/S of the mean over the S examples: dA = (Y - T) / S":
                                _softmax(A) - T,
                            "the softmax over the columns (axis=0) instead of the rows":
                                (_softmax(A.T).T - T) / shape[0],
                        },
                    )
                else:
                    checks.check_gradient_directional(lambda A_, T=T: _loss(A_, T), A, dA, name=name, rng=rng)


def softmax_cross_entropy_stable(softmax_cross_entropy, case="hidden"):
    """Finite and correct, with no warnings, for logits up to 1e4 in size."""
    for rng in rngs(case):
        A = _extreme_logits(rng, (6, 5))
        T = _targets(rng, A.shape, "soft")
        outcome = checks.call(softmax_cross_entropy, A, T)
        checks.check_no_warnings(outcome, name="softmax_cross_entropy on logits up to 1e4")
        loss, dA = checks.unpack(outcome.value, ("loss", "dA"), func_name="softmax_cross_entropy")
        checks.check_scalar(loss, _loss(A, T), name="the loss for logits up to 1e4", rtol=1e-9)
        checks.check_close(dA, (_softmax(A) - T) / A.shape[0], name="dA for logits up to 1e4", rtol=1e-9)


def softmax_cross_entropy_inputs_unchanged(softmax_cross_entropy, case="hidden"):
    """A and T are left exactly as they were."""
    for rng in rngs(case):
        A, T = _fused_case(rng, LARGE, "soft")
        checks.check_inputs_unchanged(softmax_cross_entropy, (A, T), ("A", "T"), name="softmax_cross_entropy")


# Budgets, calibrated with scripts/benchmark_budgets.py.
def softmax_floor(A, labels):
    """The work no softmax cross-entropy avoids: one exponential of every logit."""
    return np.exp(A)


BUDGET_SHAPE = (40000, 50)  # S, C: A holds 16 MB, so the harness costs under 5% of the reference


def _budget_shape(scale):
    return (round(scale * BUDGET_SHAPE[0]), BUDGET_SHAPE[1])


def fused_budget_arguments(round_, scale=1):
    """(A, T) for budget measurements, fresh for each round; ``scale`` times as many examples."""
    rng = budget_rng("ps03_fused", round_)
    return _logits(rng, _budget_shape(scale)), _targets(rng, _budget_shape(scale), "soft")


def labels_budget_arguments(round_, scale=1):
    """(A, y) for budget measurements, fresh for each round; ``scale`` times as many examples."""
    return _labels_case(budget_rng("ps03_labels", round_), _budget_shape(scale))


def _fused_kernel(function, arguments, reference_over_floor, **declared):
    """The declaration of a fused kernel: the budgets ``softmax_cross_entropy`` and its labels version share.

    reference_over_floor: measured with scripts/benchmark_budgets.py --floors.
    """
    return budgets.CoreKernel(
        function, "S, C = " + ", ".join(map(str, BUDGET_SHAPE)), arguments,
        memory=budgets.MemoryBudget(multiple=0.0, unit_name="A", outputs=lambda args: ((), args[0].shape)),
        time=budgets.TimeBudget(ratio=4.0, floor=softmax_floor, reference_over_floor=reference_over_floor,
                                loop_rule=budgets.LoopRule(lambda args: len(args[0]), "example")),
        unit_bytes=lambda args: args[0].nbytes,
        time_doc="No Python loop over the examples, and within the time budget of the reference kernel.",
        **declared)


FUSED = _fused_kernel(
    "softmax_cross_entropy", fused_budget_arguments, 6.8,
    memory_advice="Let dA be the only array the size of A: dA = A - row_max[:, None], then exponentiate, divide by "
                  "the row sums and subtract T in place (out=, /=, -=); take the loss from the row maxima, the log "
                  "of the row sums and np.vdot(T, A), not from log(Y) or T * A.",
    time_advice="No Python loop over the examples: take the row maxima and sums with axis=1 and update all of dA at "
                "once with whole-array operations.",
    memory_doc="No array the size of A beyond dA itself (small vectors are free).",
    versions=(("loop over the examples", "fused_loop_over_examples", {"loop"}),
              ("unfused temporaries", "fused_unfused_temporaries", {"memory"})),
)
softmax_cross_entropy_memory_budget, softmax_cross_entropy_time_budget = budget_checks(FUSED)


# --- integer labels --------------------------------------------------------------------

def _labels_case(rng, shape):
    return _logits(rng, shape), rng.integers(0, shape[1], shape[0])


def softmax_cross_entropy_labels_loss(softmax_cross_entropy_labels, case="hidden"):
    """The loss for integer labels y, equal to the one-hot loss."""
    for rng in rngs(case):
        A, y = _labels_case(rng, SMALL)
        value = checks.call(softmax_cross_entropy_labels, A, y).value
        loss, _ = checks.unpack(value, ("loss", "dA"), func_name="softmax_cross_entropy_labels")
        checks.check_scalar(loss, _loss(A, _one_hot(y, SMALL[1])), name="the loss for integer labels")


def softmax_cross_entropy_labels_gradient(softmax_cross_entropy_labels, case="hidden"):
    """dA = (Y - onehot(y)) / S, with repeated labels in the batch."""
    for rng in rngs(case):
        for shape in (SMALL, LARGE):
            A, y = _labels_case(rng, shape)
            y[:2] = y[2]  # repeated labels
            T = _one_hot(y, shape[1])
            value = checks.call(softmax_cross_entropy_labels, A, y).value
            _, dA = checks.unpack(value, ("loss", "dA"), func_name="softmax_cross_entropy_labels")
            name = "dA returned by softmax_cross_entropy_labels"
            if shape == SMALL:
                checks.check_gradient_entrywise(lambda A_, T=T: _loss(A_, T), A, dA, name=name,
                                                factor_names={shape[0]: "S"})
            else:
                checks.check_gradient_directional(lambda A_, T=T: _loss(A_, T), A, dA, name=name, rng=rng)


def softmax_cross_entropy_labels_stable(softmax_cross_entropy_labels, case="hidden"):
    """Finite and correct, with no warnings, for logits up to 1e4 in size."""
    for rng in rngs(case):
        A = _extreme_logits(rng, (6, 5))
        y = rng.integers(0, 5, 6)
        outcome = checks.call(softmax_cross_entropy_labels, A, y)
        checks.check_no_warnings(outcome, name="softmax_cross_entropy_labels on logits up to 1e4")
        loss, dA = checks.unpack(outcome.value, ("loss", "dA"), func_name="softmax_cross_entropy_labels")
        T = _one_hot(y, 5)
        checks.check_scalar(loss, _loss(A, T), name="the loss for logits up to 1e4", rtol=1e-9)
        checks.check_close(dA, (_softmax(A) - T) / 6, name="dA for logits up to 1e4", rtol=1e-9)


LABELS = _fused_kernel(
    "softmax_cross_entropy_labels", labels_budget_arguments, 6.0,
    memory_advice="Do not build a one-hot T (it is the size of A): read the labels' logits as A[np.arange(S), y] "
                  "and subtract 1 at dA[np.arange(S), y] by fancy indexing, with dA computed in place as the only "
                  "array the size of A.",
    time_advice="No Python loop over the examples: A[np.arange(S), y] picks every label's logit and "
                "dA[np.arange(S), y] -= 1 updates every row at once.",
    memory_doc="No array the size of A beyond dA itself: in particular, no one-hot T.",
    versions=(("loop over the examples", "labels_loop_over_examples", {"loop"}),
              ("dense one-hot targets", "labels_build_one_hot", {"memory"})),
)
softmax_cross_entropy_labels_memory_budget, softmax_cross_entropy_labels_time_budget = budget_checks(LABELS)


# --- transfer task: label smoothing ---------------------------------------------------------

def _smoothed(y, classes, eps):
    return (1.0 - eps) * _one_hot(y, classes) + eps / classes


def label_smoothing_loss_and_grad_values(label_smoothing_loss_and_grad, case="hidden"):
    """Loss and gradient with targets (1 - eps) onehot(y) + eps / C."""
    for rng in rngs(case):
        for shape in (SMALL, LARGE):
            A, y = _labels_case(rng, shape)
            eps = float(rng.uniform(0.05, 0.3))
            T = _smoothed(y, shape[1], eps)
            value = checks.call(label_smoothing_loss_and_grad, A, y, eps).value
            loss, dA = checks.unpack(value, ("loss", "dA"), func_name="label_smoothing_loss_and_grad")
            checks.check_scalar(loss, _loss(A, T), name=f"the smoothed loss (eps = {eps:.3f})",
                                known_mistakes={"the loss without smoothing": _loss(A, _one_hot(y, shape[1]))})
            name = "dA returned by label_smoothing_loss_and_grad"
            if shape == SMALL:
                checks.check_gradient_entrywise(
                    lambda A_, T=T: _loss(A_, T), A, dA, name=name,
                    known_mistakes={"the gradient without smoothing, (Y - onehot(y)) / S":
                                    (_softmax(A) - _one_hot(y, shape[1])) / shape[0]},
                )
            else:
                checks.check_gradient_directional(lambda A_, T=T: _loss(A_, T), A, dA, name=name, rng=rng)
