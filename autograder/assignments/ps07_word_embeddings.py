"""Graded checks of ps07_word_embeddings (one function per test cell).

W_in (V x d) holds center vectors v, W_out (V x d) context vectors u. A batch
has N (center, context) pairs with K negatives each; the loss is
-(1/N) sum_b [log sigma(u_c . v_w) + sum_k log sigma(-u_n . v_w)].
"""

import numpy as np

from autograder import budgets, checks
from autograder.assignments import budget_checks, budget_rng, rngs


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def sgns_objective(W_in, W_out, centers, contexts, negatives, weights=None):
    """Trusted loss, written directly from the problem statement."""
    v = W_in[centers]
    positive = _log_sigmoid(np.sum(W_out[contexts] * v, axis=1))
    negative = _log_sigmoid(-np.einsum("nkd,nd->nk", W_out[negatives], v)).sum(axis=1)
    per_pair = positive + negative
    if weights is not None:
        per_pair = weights * per_pair
    return -float(np.sum(per_pair)) / centers.size


def _batch(rng, V, d, N, K, repeats=True):
    W_in, W_out = 0.5 * rng.standard_normal((V, d)), 0.5 * rng.standard_normal((V, d))
    centers, contexts = rng.integers(0, V, N), rng.integers(0, V, N)
    negatives = rng.integers(0, V, (N, K))
    if repeats:  # the same words several times in one batch, in every role
        centers[: N // 2] = centers[0]
        contexts[: N // 3] = centers[1]
        negatives[:, 0] = contexts[0]
    return W_in, W_out, centers, contexts, negatives


def _sgns_gradients(W_in, W_out, centers, contexts, negatives, weights=None, variant=None):
    """(dW_in, dW_out) of the loss, with the mistake ``variant`` (None: right): "dropped" scatters with
    out[idx] += g (one update per index), "negative_sign" flips the sign of the negative pairs' terms,
    "unweighted" leaves the weights out."""
    N = centers.size
    v, u_pos, u_neg = W_in[centers], W_out[contexts], W_out[negatives]
    scale = (weights if weights is not None and variant != "unweighted" else np.ones(N)) / N
    g_pos = -np.exp(_log_sigmoid(-np.sum(u_pos * v, axis=1))) * scale
    g_neg = np.exp(_log_sigmoid(np.einsum("nkd,nd->nk", u_neg, v))) * scale[:, None]
    if variant == "negative_sign":
        g_neg = -g_neg
    grad_v = g_pos[:, None] * u_pos + np.einsum("nk,nkd->nd", g_neg, u_neg)
    dW_in, dW_out = np.zeros_like(W_in), np.zeros_like(W_out)
    rows_out = np.concatenate([contexts, negatives.ravel()])
    grads_out = np.concatenate([g_pos[:, None] * v, (g_neg[:, :, None] * v[:, None, :]).reshape(-1, v.shape[1])])
    if variant == "dropped":
        dW_in[centers] += grad_v
        dW_out[contexts] += grads_out[:N]
        dW_out[negatives.ravel()] += grads_out[N:]
    else:
        np.add.at(dW_in, centers, grad_v)
        np.add.at(dW_out, rows_out, grads_out)
    return dW_in, dW_out


DROPPED = "repeated indices were dropped: out[idx] += g keeps one update per index (use np.add.at)"
NEGATIVE_SIGN = ("the negative pairs' terms with the wrong sign: d/dv log sigma(-u.v) = -sigma(u.v) u, "
                 "so a negative pair pushes v away from u")
UNWEIGHTED = "the weights left out: each pair's term is multiplied by its weight"


def _gradient_mistakes(args, weights, index):
    """{description: the wrong dW_in (index 0) or dW_out (1)} of the catalogue's mistakes."""
    found = {NEGATIVE_SIGN: _sgns_gradients(*args, weights, variant="negative_sign")[index]}
    if weights is None:
        found[DROPPED] = _sgns_gradients(*args, variant="dropped")[index]
    else:
        found[UNWEIGHTED] = _sgns_gradients(*args, variant="unweighted")[index]
    return found


def _loss_mistakes(args, weights):
    """{description: the loss it gives} of the catalogue's mistakes in the loss."""
    W_in, W_out, centers, contexts, negatives = args
    v = W_in[centers]
    positive = _log_sigmoid(np.sum(W_out[contexts] * v, axis=1))
    flipped = _log_sigmoid(np.einsum("nkd,nd->nk", W_out[negatives], v)).sum(axis=1)
    w = np.ones(centers.size) if weights is None else weights
    found = {"the negative pairs scored with log sigma(u.v); they take log sigma(-u.v)":
             -float(np.sum(w * (positive + flipped))) / centers.size}
    if weights is not None:
        found[UNWEIGHTED] = sgns_objective(*args)
    return found


def _check_sgns(student, case, which, *, weighted=False, func_name="sgns_loss_and_grad"):
    for rng in rngs(case):
        for shape in ((7, 3, 6, 2), (40, 8, 64, 5)):
            W_in, W_out, centers, contexts, negatives = _batch(rng, *shape)
            args = (W_in, W_out, centers, contexts, negatives)
            weights = rng.uniform(0.2, 2.0, centers.size) if weighted else None
            value = checks.call(student, *args, *((weights,) if weighted else ())).value
            loss, dW_in, dW_out = checks.unpack(value, ("loss", "dW_in", "dW_out"), func_name=func_name)
            label = f"{func_name} (V, d, N, K = {shape})"
            if which == "loss":
                checks.check_scalar(loss, sgns_objective(*args, weights), name=f"the loss of {label}",
                                    known_mistakes=_loss_mistakes(args, weights), factor_names={shape[2]: "N"})
                continue
            index = 0 if which == "in" else 1
            point, grad = (W_in, dW_in) if which == "in" else (W_out, dW_out)

            def objective(P, index=index, args=args, weights=weights):
                changed = list(args)
                changed[index] = P
                return sgns_objective(*changed, weights)

            name = f"dW_{which} returned by {label}"
            if shape[0] == 7:
                checks.check_gradient_entrywise(objective, point, grad, name=name, factor_names={shape[2]: "N"},
                                                known_mistakes=_gradient_mistakes(args, weights, index))
            else:
                checks.check_gradient_directional(objective, point, grad, name=name, rng=rng)


# --- log sigma and the bilinear form -------------------------------------------------------

def log_sigmoid_values(log_sigmoid, case="hidden"):
    """log sigma(x) = -log(1 + exp(-x)) element-wise."""
    for rng in rngs(case):
        x = 5.0 * rng.standard_normal((4, 3))
        checks.check_close(
            checks.call(log_sigmoid, x).value, _log_sigmoid(x), name="log_sigmoid on moderate inputs",
            known_mistakes={"log(1 / (1 + exp(x))): the sign of the exponent is wrong": -np.logaddexp(0.0, x)},
        )


def log_sigmoid_stable(log_sigmoid, case="hidden"):
    """Finite, accurate and free of warnings for any finite input."""
    for rng in rngs(case):
        x = np.concatenate([[-1e308, -1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4, 1e308], rng.normal(0, 50, 7)])
        outcome = checks.call(log_sigmoid, x)
        checks.check_no_warnings(outcome, name="log_sigmoid on inputs up to 1e308 in size")
        got = outcome.value
        if not isinstance(got, np.ndarray) or got.shape != x.shape or not np.all(np.isfinite(got)):
            raise checks.GradingFailure("log_sigmoid must return finite values of the input's shape for any "
                                        "finite input (log(sigmoid(x)) gives -inf for x below about -745).",
                                        kind="nonfinite")
        checks.check_close(got, _log_sigmoid(x), name="log_sigmoid on very large inputs", rtol=1e-12)


def bilinear_grad_values(bilinear_grad, case="hidden"):
    """(d/du, d/dB, d/dv) of u^T B v: (B v, u v^T, B^T u)."""
    for rng in rngs(case):
        for p, q in ((3, 4), (3, 3)):
            u, B, v = rng.standard_normal(p), rng.standard_normal((p, q)), rng.standard_normal(q)
            value = checks.call(bilinear_grad, u, B, v).value
            grads = checks.unpack(value, ("du", "dB", "dv"), func_name="bilinear_grad")
            checks.check_gradients(lambda u_, B_, v_: float(u_ @ B_ @ v_), (u, B, v), grads, ("du", "dB", "dv"),
                                   label=f"bilinear_grad for B of shape {(p, q)}")


# --- the core kernel ----------------------------------------------------------------------

def sgns_loss_and_grad_loss(sgns_loss_and_grad, case="hidden"):
    """The negative-sampling loss of a batch."""
    _check_sgns(sgns_loss_and_grad, case, "loss")


def sgns_loss_and_grad_center_gradient(sgns_loss_and_grad, case="hidden"):
    """dW_in, with repeated centers adding up."""
    _check_sgns(sgns_loss_and_grad, case, "in")


def sgns_loss_and_grad_context_gradient(sgns_loss_and_grad, case="hidden"):
    """dW_out, with repeated contexts and negatives adding up."""
    _check_sgns(sgns_loss_and_grad, case, "out")


def sgns_loss_and_grad_inputs_unchanged(sgns_loss_and_grad, case="hidden"):
    """W_in, W_out and the index arrays are left exactly as they were."""
    for rng in rngs(case):
        checks.check_inputs_unchanged(sgns_loss_and_grad, _batch(rng, 40, 8, 64, 5),
                                      ("W_in", "W_out", "centers", "contexts", "negatives"),
                                      name="sgns_loss_and_grad")


def sgns_floor(W_in, W_out, centers, contexts, negatives):
    """The work no sgns_loss_and_grad avoids: gathering the batch's rows and scoring every pair."""
    v, u, n = W_in[centers], W_out[contexts], W_out[negatives]
    return np.einsum("nd,nd->n", u, v), np.einsum("nkd,nd->nk", n, v)


BUDGET_SHAPE = (5000, 32, 4096, 5)  # V, d, N, K: a loop over the batch measured 7 to 8 times the reference


def sgns_budget_arguments(round_, scale=1):
    """The arguments of budget measurements, fresh for each round; ``scale`` times as many pairs N."""
    V, d, N, K = BUDGET_SHAPE
    return _batch(budget_rng("ps07_sgns", round_), V, d, round(scale * N), K, repeats=False)


SGNS = budgets.CoreKernel(
    "sgns_loss_and_grad", "V, d, N, K = " + ", ".join(map(str, BUDGET_SHAPE)), sgns_budget_arguments,
    # reference_over_floor: measured with scripts/benchmark_budgets.py --floors
    time=budgets.TimeBudget(ratio=4.0, floor=sgns_floor, reference_over_floor=4.7,
                            loop_rule=budgets.LoopRule(lambda args: len(args[2]), "center-context pair")),
    time_advice="No Python loop over the batch: gather the rows at once (W_in[centers], W_out[contexts], "
                "W_out[negatives]), score all pairs with np.einsum, and scatter the row gradients with np.add.at, "
                "which adds up repeated indices.",
    time_doc="No Python loop over the batch, and within the time budget of the reference kernel.",
    versions=(("loop over the batch", "sgns_loop_over_the_batch", {"loop"}),),
)
(sgns_loss_and_grad_time_budget,) = budget_checks(SGNS)


def weighted_sgns_loss_and_grad_values(weighted_sgns_loss_and_grad, case="hidden"):
    """Transfer task: each pair's term multiplied by its weight."""
    for which in ("loss", "in", "out"):
        _check_sgns(weighted_sgns_loss_and_grad, case, which, weighted=True,
                    func_name="weighted_sgns_loss_and_grad")
