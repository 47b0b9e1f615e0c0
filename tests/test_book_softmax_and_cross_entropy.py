"""Numerical checks of every derivative stated in book/softmax_and_cross_entropy.md.

Each formula is written here independently from the chapter's mathematics and
compared with central differences of a scalar loss.  The batch size S and the
number of classes C differ so that a transposed formula cannot pass by accident.
"""

import warnings

import numpy as np
import pytest

from autograder.finite_differences import central_gradient, relative_error

S, C = 5, 4
TOL = 1e-7


@pytest.fixture
def rng():
    return np.random.default_rng(20260404)


# ---------------------------------------------------------------------------
# Reference forward computations, written for the tests (log-sum-exp form).
# ---------------------------------------------------------------------------


def row_lse(A):
    """Log-sum-exp of each row, shape (S,), with the max shift."""
    m = np.max(A, axis=1)
    return m + np.log(np.sum(np.exp(A - m[:, None]), axis=1))


def probs(A):
    """Row-wise softmax as exp(A - lse), never overflowing."""
    return np.exp(A - row_lse(A)[:, None])


def ce_of_logits(A, T):
    """-(1/S) T . ln softmax(A), via ln softmax(A) = A - lse 1^T."""
    return -np.sum(T * (A - row_lse(A)[:, None])) / A.shape[0]


def soft_targets(rng, shape):
    T = rng.uniform(0.1, 1.0, shape)
    return T / T.sum(axis=1, keepdims=True)


def one_hot(labels, classes):
    T = np.zeros((labels.size, classes))
    T[np.arange(labels.size), labels] = 1.0
    return T


@pytest.fixture
def batch(rng):
    A = 2.0 * rng.standard_normal((S, C))
    G = rng.standard_normal((S, C))
    return A, G


# ---------------------------------------------------------------------------
# Softmax: definition, shift invariance, Jacobian of one row, batch JVP.
# ---------------------------------------------------------------------------


def test_softmax_rows_are_distributions(batch):
    A, _ = batch
    Y = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)  # the definition (softmax-eq-softmax)
    assert relative_error(Y, probs(A)) < 1e-15
    assert np.all(Y > 0) and np.all(Y < 1)
    assert np.max(np.abs(Y.sum(axis=1) - 1)) < 1e-15


def test_shift_invariance_per_row(rng, batch):
    """softmax(A + m 1^T) = softmax(A); a column shift changes it."""
    A, _ = batch
    m = 50.0 * rng.standard_normal((S, 1))
    assert relative_error(probs(A + m), probs(A)) < 1e-14
    column_shift = rng.standard_normal((1, C))
    assert relative_error(probs(A + column_shift), probs(A)) > 1e-2


def test_shift_invariance_of_the_loss(rng, batch):
    A, _ = batch
    T = soft_targets(rng, (S, C)) * rng.uniform(0.2, 2.0, (S, 1))  # any row sums
    m = 30.0 * rng.standard_normal((S, 1))
    assert abs(ce_of_logits(A + m, T) - ce_of_logits(A, T)) < 1e-12


def test_single_row_jacobian(rng):
    """d softmax(a) / d a = diag(y) - y y^T (softmax-eq-jacobian)."""
    a = rng.standard_normal(C)
    y = np.exp(a - a.max()) / np.exp(a - a.max()).sum()
    formula = np.diag(y) - np.outer(y, y)
    numeric = np.empty((C, C))
    for c in range(C):
        numeric[c] = central_gradient(lambda a_, c=c: probs(a_[None, :])[0, c], a)
    assert relative_error(formula, numeric) < TOL
    assert np.allclose(formula, formula.T)
    assert np.max(np.abs(formula @ np.ones(C))) < 1e-15
    # entry form y_c (delta_cj - y_j)
    entry = np.array([[y[c] * ((c == j) - y[j]) for j in range(C)] for c in range(C)])
    assert relative_error(entry, formula) < 1e-15


def test_softmax_jvp_batch(batch):
    """dJ/dA = Y * (G - ((G * Y) 1) 1^T) for J = G . softmax(A) (softmax-eq-softmax-jvp)."""
    A, G = batch
    Y = probs(A)
    formula = Y * (G - (G * Y).sum(axis=1, keepdims=True))
    numeric = central_gradient(lambda A_: np.sum(G * probs(A_)), A)
    assert formula.shape == A.shape
    assert relative_error(formula, numeric) < TOL


def test_softmax_jvp_with_nonlinear_J(rng, batch):
    """Same formula when G depends on Y: J = 1/2 ||softmax(A) - R||^2, G = Y - R."""
    A, _ = batch
    R = rng.uniform(0, 1, (S, C))
    Y = probs(A)
    G = Y - R
    formula = Y * (G - (G * Y).sum(axis=1, keepdims=True))
    numeric = central_gradient(lambda A_: 0.5 * np.sum((probs(A_) - R) ** 2), A)
    assert relative_error(formula, numeric) < TOL


def test_softmax_jvp_row_form_and_index_form(batch):
    """Row by row (diag(y) - y y^T) g and the index formula agree with the batch formula."""
    A, G = batch
    Y = probs(A)
    batch_formula = Y * (G - (G * Y).sum(axis=1, keepdims=True))
    rows = np.stack([(np.diag(Y[s]) - np.outer(Y[s], Y[s])) @ G[s] for s in range(S)])
    index = np.empty((S, C))
    for i in range(S):
        for j in range(C):
            index[i, j] = sum(G[s, c] * (s == i) * Y[s, c] * ((c == j) - Y[s, j])
                              for s in range(S) for c in range(C))
    assert relative_error(rows, batch_formula) < 1e-14
    assert relative_error(index, batch_formula) < 1e-14


def test_full_jacobian_is_block_diagonal(batch):
    """The S C x S C Jacobian (row-major) has blocks diag(y_s) - y_s y_s^T on its diagonal only."""
    A, _ = batch
    Y = probs(A)
    numeric = np.empty((S * C, S * C))
    for k in range(S * C):
        numeric[k] = central_gradient(lambda A_, k=k: probs(A_).reshape(-1)[k], A).reshape(-1)
    blocks = np.zeros((S * C, S * C))
    for s in range(S):
        part = slice(s * C, (s + 1) * C)
        blocks[part, part] = np.diag(Y[s]) - np.outer(Y[s], Y[s])
    assert relative_error(blocks, numeric) < TOL


def test_jvp_rows_sum_to_zero(batch):
    """Exercise softmax-ex-rowsums, part 2, for the softmax backward pass."""
    A, G = batch
    Y = probs(A)
    V = Y * (G - (G * Y).sum(axis=1, keepdims=True))
    assert np.max(np.abs(V.sum(axis=1))) < 1e-15


# ---------------------------------------------------------------------------
# Cross-entropy L = -(1/S) T . ln Z and dL/dZ = -(1/S) T / Z.
# ---------------------------------------------------------------------------


def test_cross_entropy_gradient(rng):
    Z = rng.uniform(0.05, 1.0, (S, C))  # any positive Z, rows need not sum to 1
    T = soft_targets(rng, (S, C))
    formula = -T / Z / S
    numeric = central_gradient(lambda Z_: -np.sum(T * np.log(Z_)) / S, Z)
    assert relative_error(formula, numeric) < TOL


def test_cross_entropy_gradient_is_division_not_product(rng):
    """Erratum: T (x) X means T / Z; the product T * Z is wrong."""
    Z = rng.uniform(0.05, 1.0, (S, C))
    T = soft_targets(rng, (S, C))
    numeric = central_gradient(lambda Z_: -np.sum(T * np.log(Z_)) / S, Z)
    assert relative_error(-T * Z / S, numeric) > 0.1


def test_soft_target_minimum_is_entropy(rng):
    """For rows summing to one, the loss at Z = T is the entropy of T and the minimum."""
    T = soft_targets(rng, (S, C))
    entropy = -np.sum(T * np.log(T)) / S
    at_target = ce_of_logits(np.log(T), T)  # softmax(ln T) = T when rows sum to one
    assert at_target == pytest.approx(entropy, rel=1e-13)
    for _ in range(20):
        Z = soft_targets(rng, (S, C))
        assert -np.sum(T * np.log(Z)) / S >= entropy


# ---------------------------------------------------------------------------
# The fused gradient (1/S)(Y o ((T1)1^T) - T), = (1/S)(Y - T) when T1 = 1.
# ---------------------------------------------------------------------------


def general_fused(A, T):
    Y = probs(A)
    return (Y * T.sum(axis=1, keepdims=True) - T) / A.shape[0]


def test_fused_gradient_one_hot(rng, batch):
    A, _ = batch
    T = one_hot(rng.integers(0, C, S), C)
    formula = (probs(A) - T) / S
    numeric = central_gradient(lambda A_: ce_of_logits(A_, T), A)
    assert relative_error(formula, numeric) < TOL


def test_fused_gradient_soft_targets(rng, batch):
    A, _ = batch
    T = soft_targets(rng, (S, C))
    formula = (probs(A) - T) / S
    numeric = central_gradient(lambda A_: ce_of_logits(A_, T), A)
    assert relative_error(formula, numeric) < TOL


def test_fused_gradient_label_smoothing(rng, batch):
    A, _ = batch
    eps = 0.1
    T = (1 - eps) * one_hot(rng.integers(0, C, S), C) + eps / C
    formula = (probs(A) - T) / S
    numeric = central_gradient(lambda A_: ce_of_logits(A_, T), A)
    assert relative_error(formula, numeric) < TOL


def test_fused_gradient_general_rows_not_summing_to_one(rng, batch):
    """Rows of T with arbitrary sums, including a padding row of zeros."""
    A, _ = batch
    T = rng.uniform(0.0, 1.5, (S, C))
    T[2] = 0.0
    formula = general_fused(A, T)
    numeric = central_gradient(lambda A_: ce_of_logits(A_, T), A)
    assert relative_error(formula, numeric) < TOL
    assert np.max(np.abs(formula[2])) == 0.0
    # the shortcut (Y - T)/S is wrong here
    assert relative_error((probs(A) - T) / S, numeric) > 1e-2
    # and its rows sum to (1 - tau_s)/S instead of zero (exercise softmax-ex-rowsums, part 3)
    tau = T.sum(axis=1)
    assert np.allclose(((probs(A) - T) / S).sum(axis=1), (1 - tau) / S, atol=1e-15)
    assert np.max(np.abs(formula.sum(axis=1))) < 1e-15


def test_fused_is_composition_of_the_two_backward_passes(rng, batch):
    """Insert G = -(1/S) T / Y into the softmax JVP: the result is the general fused form."""
    A, _ = batch
    T = rng.uniform(0.0, 1.5, (S, C))
    Y = probs(A)
    G = -T / Y / S
    composed = Y * (G - (G * Y).sum(axis=1, keepdims=True))
    assert relative_error(composed, general_fused(A, T)) < 1e-13


def test_loss_from_log_sum_exp(rng, batch):
    """L = (1/S)((T 1) . lse - T . A) equals -(1/S) T . ln softmax(A) (softmax-eq-loss-lse)."""
    A, _ = batch
    T = rng.uniform(0.0, 1.5, (S, C))
    Y = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)
    direct = -np.sum(T * np.log(Y)) / S
    lse = np.log(np.exp(A).sum(axis=1))
    assert abs((T.sum(axis=1) @ lse - np.sum(T * A)) / S - direct) < 1e-13


def test_gradient_of_log_sum_exp_is_softmax(batch):
    A, _ = batch
    w = np.arange(1.0, S + 1)  # weight each row differently: J = w . lse(A)
    numeric = central_gradient(lambda A_: w @ row_lse(A_), A)
    assert relative_error(w[:, None] * probs(A), numeric) < TOL


def test_seed_fused_M_is_wrong(rng, batch):
    """Erratum: M = (T o Y) 1 1^T - T is not the gradient; Y o (T 1 1^T) - T is."""
    A, _ = batch
    T = one_hot(rng.integers(0, C, S), C)
    Y = probs(A)
    numeric = central_gradient(lambda A_: ce_of_logits(A_, T), A)
    seed_M = (T * Y).sum(axis=1, keepdims=True) * np.ones((1, C)) - T
    right_M = Y * (T @ np.ones((C, C))) - T
    assert relative_error(right_M / S, numeric) < TOL
    assert relative_error(seed_M / S, numeric) > 0.1
    assert np.max(np.abs(seed_M.sum(axis=1))) > 1e-2


def test_seed_M_hand_example():
    """The box's example: a = (ln 3, 0), t = (1, 0) gives y - t = (-1/4, 1/4); the seed gives (-1/4, 3/4)."""
    a = np.array([[np.log(3.0), 0.0]])
    t = np.array([[1.0, 0.0]])
    y = probs(a)
    assert np.allclose(y, [[0.75, 0.25]], atol=1e-15)
    numeric = central_gradient(lambda a_: ce_of_logits(a_, t), a)
    assert np.allclose(numeric, [[-0.25, 0.25]], atol=1e-9)
    seed = (t * y).sum(axis=1, keepdims=True) * np.ones((1, 2)) - t
    assert np.allclose(seed, [[-0.25, 0.75]], atol=1e-15)


def test_forgetting_one_over_S_is_off_by_S(rng, batch):
    A, _ = batch
    T = soft_targets(rng, (S, C))
    numeric = central_gradient(lambda A_: ce_of_logits(A_, T), A)
    assert relative_error(probs(A) - T, S * numeric) < TOL


# ---------------------------------------------------------------------------
# Numerical stability.
# ---------------------------------------------------------------------------


def test_max_shift_normaliser_between_one_and_C(rng):
    A = 1e4 * rng.uniform(-1, 1, (S, C))
    sigma = np.exp(A - A.max(axis=1, keepdims=True)).sum(axis=1)
    assert np.all(sigma >= 1.0) and np.all(sigma <= C)


def test_naive_softmax_fails_and_shifted_does_not():
    hot = np.array([[1000.0, 999.0, 0.0]])
    cold = np.array([[-1000.0, -1001.0, -1002.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(np.exp(hot) / np.exp(hot).sum()).any()
        assert np.isnan(np.exp(cold) / np.exp(cold).sum()).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.allclose(probs(hot), [[1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(1.0)), 0.0]])
        assert np.allclose(probs(cold), probs(np.array([[0.0, -1.0, -2.0]])))


def test_two_step_log_gives_inf_and_nan():
    row = np.array([[0.0, -800.0]])
    Y = probs(row)
    assert Y[0, 1] == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.isinf(-np.log(Y[0, 1]))
        assert np.isnan(-np.sum(np.array([[1.0, 0.0]]) * np.log(Y)))
    assert ce_of_logits(row, np.array([[0.0, 1.0]])) == pytest.approx(800.0, rel=1e-15)


def test_fused_is_finite_up_to_1e4(rng):
    """Loss and gradient from log-sum-exp and (Y - T)/S stay finite for |A| up to 1e4."""
    A = 1e4 * rng.uniform(-1, 1, (S, C))
    A[0] = [1e4, -1e4, 1e4, -1e4]
    T = soft_targets(rng, (S, C))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = ce_of_logits(A, T)
        grad = (probs(A) - T) / S
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert np.max(np.abs(grad)) <= 1 / S


def test_fused_gradient_at_large_logits(rng):
    """Logits of size ~40: central differences of the stable loss still match (Y - T)/S."""
    A = 40.0 * rng.standard_normal((S, C))
    T = soft_targets(rng, (S, C))
    numeric = central_gradient(lambda A_: ce_of_logits(A_, T), A)
    assert relative_error((probs(A) - T) / S, numeric) < 1e-6


def test_composed_gradient_breaks_when_a_probability_underflows():
    """The figure's example: at lambda = 400 the composition gives NaN, the fused form does not."""
    z = 400.0 * np.array([[1.0, 0.5, -0.5, -1.0]])
    t = np.array([[0.0, 1.0, 0.0, 0.0]])
    Y = probs(z)
    assert Y[0, 3] == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        G = -t / Y
        composed = Y * (G - (G * Y).sum(axis=1, keepdims=True))
    assert np.isnan(composed).any()
    assert np.allclose(Y - t, [[1.0, -1.0, 0.0, 0.0]], atol=1e-80)


# ---------------------------------------------------------------------------
# Integer labels.
# ---------------------------------------------------------------------------


def test_integer_label_loss_by_fancy_indexing(rng, batch):
    A, _ = batch
    y = rng.integers(0, C, S)
    rows = np.arange(S)
    loss = np.mean(row_lse(A) - A[rows, y])
    assert abs(loss - ce_of_logits(A, one_hot(y, C))) < 1e-14


def test_integer_label_gradient(rng, batch):
    """(1/S) Y, minus 1/S at (s, y_s), against central differences (softmax-eq-labels)."""
    A, _ = batch
    y = np.array([1, 3, 0, 3, 2])
    rows = np.arange(S)
    grad = probs(A) / S
    grad[rows, y] -= 1.0 / S
    numeric = central_gradient(lambda A_: np.mean(row_lse(A_) - A_[rows, y]), A)
    assert relative_error(grad, numeric) < TOL
    assert relative_error(grad, (probs(A) - one_hot(y, C)) / S) < 1e-15


def test_fancy_index_update_touches_one_entry_per_row():
    y = np.array([2, 0, 4, 2])
    work = np.full((4, 5), 0.25)
    work[np.arange(4), y] -= 1.0
    assert np.count_nonzero(work == -0.75) == 4
    assert np.allclose(work.sum(axis=1), 0.25)


# ---------------------------------------------------------------------------
# The memory-lean order of operations of the chapter's last section.
# ---------------------------------------------------------------------------


def test_one_buffer_recipe_gives_loss_and_gradient(rng):
    A = 300.0 * rng.standard_normal((S, C))
    T = rng.uniform(0.0, 1.5, (S, C))
    A_before, T_before = A.copy(), T.copy()
    m = A.max(axis=1)
    work = np.empty_like(A)
    np.subtract(A, m[:, None], out=work)
    q = np.vdot(T, work)
    tau = T.sum(axis=1)
    np.exp(work, out=work)
    sigma = work.sum(axis=1)
    loss = (tau @ np.log(sigma) - q) / S
    work /= sigma[:, None]
    work *= tau[:, None]
    work -= T
    work /= S
    assert np.array_equal(A, A_before) and np.array_equal(T, T_before)
    assert loss == pytest.approx(ce_of_logits(A, T), rel=1e-12)
    assert relative_error(work, general_fused(A, T)) < 1e-14


# ---------------------------------------------------------------------------
# Exercises.
# ---------------------------------------------------------------------------


def test_jacobian_is_psd_with_null_space_ones(rng):
    """Exercise softmax-ex-jacobian-psd: v^T M v is a variance; M 1 = 0."""
    a = rng.standard_normal(C)
    y = probs(a[None, :])[0]
    M = np.diag(y) - np.outer(y, y)
    for _ in range(10):
        v = rng.standard_normal(C)
        variance = np.sum(y * v**2) - np.sum(y * v) ** 2
        assert v @ M @ v == pytest.approx(variance, rel=1e-12)
        assert variance > 0
    eig = np.linalg.eigvalsh(M)
    assert eig.min() > -1e-15 and np.sum(eig < 1e-12) == 1
    # M is the Hessian of log-sum-exp
    hessian = np.stack([central_gradient(lambda a_, c=c: probs(a_[None, :])[0, c], a) for c in range(C)])
    assert relative_error(M, hessian) < TOL


def test_rows_of_any_softmax_gradient_sum_to_zero(rng, batch):
    """Exercise softmax-ex-rowsums, part 1, on a function that is not a cross-entropy."""
    A, _ = batch
    R = rng.standard_normal((S, C))
    numeric = central_gradient(lambda A_: np.sum(np.sin(probs(A_) * R)), A)
    assert np.max(np.abs(numeric.sum(axis=1))) < 1e-8


def test_temperature(rng, batch):
    """Exercise softmax-ex-temperature: dL/dA = (Y - T) / (S theta), Y = softmax(A / theta)."""
    A, _ = batch
    T = soft_targets(rng, (S, C))
    theta = 0.7
    formula = (probs(A / theta) - T) / (S * theta)
    numeric = central_gradient(lambda A_: ce_of_logits(A_ / theta, T), A)
    assert relative_error(formula, numeric) < TOL


def test_weighted_examples(rng, batch):
    """Exercise softmax-ex-weights: T = diag(w) T0 gives (1/S) diag(w) (Y - T0)."""
    A, _ = batch
    T0 = soft_targets(rng, (S, C))
    w = np.array([0.5, 2.0, 0.0, 1.0, 3.0])
    T = w[:, None] * T0
    formula = w[:, None] * (probs(A) - T0) / S
    numeric = central_gradient(lambda A_: ce_of_logits(A_, T), A)
    assert relative_error(formula, numeric) < TOL
    assert relative_error(formula, general_fused(A, T)) < 1e-14


def test_two_classes_reduce_to_sigmoid(rng):
    """Exercise softmax-ex-two-classes: softmax(a)_2 = sigma(a_2 - a_1), gradient (1 - s, s - 1)."""
    a = rng.standard_normal((1, 2))
    s = 1.0 / (1.0 + np.exp(-(a[0, 1] - a[0, 0])))
    assert probs(a)[0, 1] == pytest.approx(s, rel=1e-14)
    t = np.array([[0.0, 1.0]])
    numeric = central_gradient(lambda a_: ce_of_logits(a_, t), a)
    assert relative_error(np.array([[1 - s, s - 1]]), numeric) < TOL
