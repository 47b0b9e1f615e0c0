"""Problem set 5 (auto-encoders): one-line edits of the reference answers."""

from autograder.testdata.table import PS05, WrongSubmission, edited, reference_answer

# An activation helper without ReLU: relu layers act as the identity.
PS05_WITHOUT_RELU = {
    "tied_autoencoder_loss_and_grad": reference_answer(
        PS05, "tied_autoencoder_loss_and_grad",
        ('        elif name == "relu":\n            Z = np.maximum(A, 0.0)\n', ""),
        ('        elif name == "relu":\n            delta = E * (Z > 0)\n', "")),
    "scaled_tied_autoencoder_loss_and_grad": reference_answer(
        PS05, "scaled_tied_autoencoder_loss_and_grad",
        ('        elif name == "relu":\n            F = np.maximum(A, 0.0)\n', ""),
        ('        elif name == "relu":\n            derivative = (F > 0).astype(float)\n', "")),
    "sparse_tied_autoencoder_loss_and_grad": reference_answer(
        PS05, "sparse_tied_autoencoder_loss_and_grad",
        ('"relu": lambda A: np.maximum(A, 0.0)', '"relu": lambda A: A'),
        ('        elif name == "relu":\n            delta = E * (Z > 0)\n', "")),
}
SCALED_CELLS = {"test_scaled_tied_autoencoder_loss_and_grad_loss",
                "test_scaled_tied_autoencoder_loss_and_grad_weights_and_biases",
                "test_scaled_tied_autoencoder_loss_and_grad_alphas",
                "test_scaled_tied_autoencoder_loss_and_grad_alpha_zero"}


TIED_CELLS = {"test_tied_autoencoder_loss_and_grad_loss", "test_tied_autoencoder_loss_and_grad_weights",
              "test_tied_autoencoder_loss_and_grad_biases", "test_tied_autoencoder_loss_and_grad_inputs_unchanged"}

WRONG = [
    WrongSubmission(
        "tied_only_encoder_term", PS05,
        edited(PS05, "tied_autoencoder_loss_and_grad", ("dWs[k - 1 - j] += gradient.T", "pass")),
        frozenset({"test_tied_autoencoder_loss_and_grad_weights"}), "only one of the two terms",
    ),
    WrongSubmission(
        "tied_decoder_term_not_transposed", PS05,
        edited(PS05, "tied_autoencoder_loss_and_grad", ("dWs[k - 1 - j] += gradient.T", "dWs[k - 1 - j] += gradient")),
        frozenset(TIED_CELLS), "raised ValueError",
    ),
    WrongSubmission(
        "tied_gradient_without_1_over_t", PS05,
        edited(PS05, "tied_autoencoder_loss_and_grad", ("E = residual / t", "E = residual")),
        frozenset({"test_tied_autoencoder_loss_and_grad_weights", "test_tied_autoencoder_loss_and_grad_biases"}),
        "t times the right answer",
    ),
    WrongSubmission(
        "scaled_delta_without_alpha", PS05,
        edited(PS05, "scaled_tied_autoencoder_loss_and_grad",
            ("delta = scales[j] * derivative * E", "delta = derivative * E")),
        frozenset({"test_scaled_tied_autoencoder_loss_and_grad_weights_and_biases",
                   "test_scaled_tied_autoencoder_loss_and_grad_alphas",
                   "test_scaled_tied_autoencoder_loss_and_grad_alpha_zero"}), "does not match",
    ),
    WrongSubmission(
        "scaled_dalpha_from_scaled_output", PS05,
        edited(PS05, "scaled_tied_autoencoder_loss_and_grad",
            ("dalphas[j - (K - 1)] = np.sum(F * E)", "dalphas[j - (K - 1)] = np.sum(inputs[j + 1] * E)")),
        frozenset({"test_scaled_tied_autoencoder_loss_and_grad_alphas",
                   "test_scaled_tied_autoencoder_loss_and_grad_alpha_zero"}), "dalphas returned by",
    ),
    WrongSubmission(
        "scaled_dalpha_divides_by_alpha", PS05,
        edited(PS05, "scaled_tied_autoencoder_loss_and_grad",
            ("dalphas[j - (K - 1)] = np.sum(F * E)", "dalphas[j - (K - 1)] = np.sum(inputs[j + 1] * E) / scales[j]")),
        frozenset({"test_scaled_tied_autoencoder_loss_and_grad_alpha_zero"}), "RuntimeWarning",
    ),
    WrongSubmission(
        "scaled_alphas_indexed_for_K_1_only", PS05,
        {"scaled_tied_autoencoder_loss_and_grad": reference_answer(
            PS05, "scaled_tied_autoencoder_loss_and_grad",
            ("scales = [1.0] * (K - 1) + [float(a) for a in alphas]",
             "scales = [float(a) for a in alphas] + [1.0] * (K - 1)"),
            ("        if j >= K - 1:\n            dalphas[j - (K - 1)] = np.sum(F * E)",
             "        if j <= K:\n            dalphas[j] = np.sum(F * E)"))},
        frozenset(SCALED_CELLS), "J for K = 2",
    ),
    WrongSubmission(
        "activation_helper_without_relu", PS05, PS05_WITHOUT_RELU,
        frozenset(TIED_CELLS - {"test_tied_autoencoder_loss_and_grad_inputs_unchanged"}
                  | SCALED_CELLS | {"test_sparse_tied_autoencoder_loss_and_grad_values"}), "K = 3",
    ),
    WrongSubmission(
        "sparse_penalty_missing_from_gradient", PS05,
        edited(PS05, "sparse_tied_autoencoder_loss_and_grad", ("E = E + (beta / t) * np.sign(code)", "pass")),
        frozenset({"test_sparse_tied_autoencoder_loss_and_grad_values"}), "does not match",
    ),
]

# An in-place write deep inside an argument: right values, so only the inputs-unchanged cell is lost.
WRONG += [
    WrongSubmission(
        "autoencoder_writes_into_bs", PS05,
        edited(PS05, "tied_autoencoder_loss_and_grad",
               ("    return float(J), dWs, dbs", "    bs[0][...] = 0.0\n    return float(J), dWs, dbs")),
        frozenset({"test_tied_autoencoder_loss_and_grad_inputs_unchanged"}), "modified its input bs[0] in place",
    ),
]
