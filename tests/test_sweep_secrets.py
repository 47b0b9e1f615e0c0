"""Right answers pass every hidden check whatever the course secret (scripts/sweep_secrets.py).

The full sweep (2000 secrets per problem set) is a script; here a small sample
of secrets per problem set, the secrets under which the old case makers and
tolerances failed right answers, and proof that the sweep can find a false
failure.
"""

import sys

import pytest
from conftest import ASSIGNMENTS, ROOT

from autograder import assignments, checks, finite_differences

sys.path.insert(0, str(ROOT / "scripts"))
import sweep_secrets  # noqa: E402

SAMPLE = 10  # secrets per problem set

# Secrets under which a right answer failed before cases kept clear of kinks and
# directional tolerances came from the scale of the values (found by the sweep).
FALSE_FAILURES_BEFORE = {
    "ps04_feedforward_networks": {
        "sweep-319": "a ReLU pre-activation 7e-7 from its kink (mlp_l1_loss_and_grad_gradients, 3-4-3 relu)",
        "sweep-1791": "db2 of the 20-16-5 softmax network along a direction nearly perpendicular to it",
        "sweep-2792": "dW1 of the 20-16-5 softmax network, the same",
        "sweep-3303": "a weight within h of the kink of |W| (mlp_l1_loss_and_grad_gradients)",
    },
    "ps08_matrix_factorization": {"sweep-599": "dU of mf_loss_and_grad_ridge along random directions"},
}


@pytest.mark.slow  # every hidden check of the set under 10 secrets
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_right_answers_pass_under_a_sample_of_secrets(assignment):
    result = sweep_secrets.sweep(assignment, sweep_secrets.secret_names(0, SAMPLE))
    assert result.failures == []
    assert result.answers[0] == "solution" and len(result.answers) >= 2  # the solution and its right variants
    assert result.margins and all(ratio < 1 for ratio, _, _ in result.margins.values())


@pytest.mark.parametrize("assignment", sorted(FALSE_FAILURES_BEFORE))
def test_the_secrets_that_failed_right_answers_now_pass(assignment):
    result = sweep_secrets.sweep(assignment, sorted(FALSE_FAILURES_BEFORE[assignment]))
    assert result.failures == []


def test_the_sweep_finds_the_false_failure_of_a_case_near_a_kink(monkeypatch):
    monkeypatch.setattr(assignments, "KINK_MARGIN", 0.0)  # the old case maker: no margin
    result = sweep_secrets.sweep("ps04_feedforward_networks", ["sweep-319"])
    failed = {(secret, check) for secret, _, check, _ in result.failures}
    assert ("sweep-319", "mlp_l1_loss_and_grad_gradients") in failed
    assert any("right in most entries but wrong in" in message for *_, message in result.failures)


def test_the_sweep_finds_the_false_failures_of_a_too_tight_tolerance(monkeypatch):
    def without_error_bound(loss, X, V):
        return finite_differences.directional_derivative_and_error(loss, X, V)[0], 0.0

    monkeypatch.setattr(checks, "DIRECTIONAL_RTOL", 1e-13)
    monkeypatch.setattr(checks, "directional_derivative_and_error", without_error_bound)
    result = sweep_secrets.sweep("ps08_matrix_factorization", ["sweep-0"])
    messages = [message for _, answer, _, message in result.failures if answer == "solution"]
    assert any("does not match the directional derivatives" in message for message in messages), messages


def test_generated_networks_keep_clear_of_every_kink():
    import numpy as np

    from autograder.assignments import ps04_feedforward_networks as ps04
    from autograder.assignments import ps05_autoencoders as ps05

    for seed in range(300):
        rng = np.random.default_rng(seed)
        params, X, _ = ps04.network(rng, (3, 4, 3), ("relu", "softmax"), "softmax_nll", 5, l1=True)
        kinks = ps04._kinks(params, X, ("relu", "softmax"), l1=True)
        assert len(kinks) == 3 and min(np.abs(k).min() for k in kinks) >= assignments.KINK_MARGIN
        sizes, activations = ps05.CASES["K = 3"]
        case = ps05._draw(rng, sizes, activations, 6, scaled=False, beta=0.3)
        kinks = ps05._kinks(*case[:3], activations, case[3], 0.3)
        assert len(kinks) == 2 and min(np.abs(k).min() for k in kinks) >= assignments.KINK_MARGIN
    with pytest.raises(RuntimeError, match="no case clear of kinks"):
        assignments.clear_of_kinks(lambda: np.zeros(3), lambda case: [case])
