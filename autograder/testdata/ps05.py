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
TIED_LOSS, TIED_WEIGHTS, TIED_BIASES = ("test_tied_autoencoder_loss_and_grad_loss",
                                       "test_tied_autoencoder_loss_and_grad_weights",
                                       "test_tied_autoencoder_loss_and_grad_biases")
SCALED_LOSS, SCALED_WEIGHTS, SCALED_BIASES = ("test_scaled_tied_autoencoder_loss_and_grad_loss",
                                              "test_scaled_tied_autoencoder_loss_and_grad_weights",
                                              "test_scaled_tied_autoencoder_loss_and_grad_biases")
SCALED_ALPHAS, ALPHA_ZERO = ("test_scaled_tied_autoencoder_loss_and_grad_alphas",
                             "test_scaled_tied_autoencoder_loss_and_grad_alpha_zero")
SPARSE_LOSS, SPARSE_GRADIENTS = ("test_sparse_tied_autoencoder_loss_and_grad_loss",
                                 "test_sparse_tied_autoencoder_loss_and_grad_gradients")
SCALED_CELLS = {SCALED_LOSS, SCALED_WEIGHTS, SCALED_BIASES, SCALED_ALPHAS, ALPHA_ZERO}
TIED_CELLS = {TIED_LOSS, TIED_WEIGHTS, TIED_BIASES, "test_tied_autoencoder_loss_and_grad_inputs_unchanged"}
# The test cells of each output: a mistake in one output loses only that output's cells.
OUTPUT_CELLS = {"J": {TIED_LOSS, SCALED_LOSS, SPARSE_LOSS},
                "dW": {TIED_WEIGHTS, SCALED_WEIGHTS, SPARSE_GRADIENTS},
                "db": {TIED_BIASES, SCALED_BIASES, SPARSE_GRADIENTS},
                "dalphas": {SCALED_ALPHAS, ALPHA_ZERO}}

WRONG = [
    WrongSubmission(
        "tied_only_encoder_term", PS05,
        edited(PS05, "tied_autoencoder_loss_and_grad", ("dWs[k - 1 - j] += gradient.T", "pass")),
        frozenset({TIED_WEIGHTS}), "only one of the two terms", kind="known_mistake", output="dW",
    ),
    WrongSubmission(
        "tied_decoder_term_not_transposed", PS05,
        edited(PS05, "tied_autoencoder_loss_and_grad", ("dWs[k - 1 - j] += gradient.T", "dWs[k - 1 - j] += gradient")),
        frozenset(TIED_CELLS), "raised ValueError", kind="raised",
    ),
    WrongSubmission(
        "tied_gradient_without_1_over_t", PS05,
        edited(PS05, "tied_autoencoder_loss_and_grad", ("E = residual / t", "E = residual")),
        frozenset({TIED_WEIGHTS, TIED_BIASES}), "the gradients without the 1/t", kind="known_mistake",
    ),
    WrongSubmission(
        "scaled_delta_without_alpha", PS05,
        edited(PS05, "scaled_tied_autoencoder_loss_and_grad",
            ("delta = scales[j] * derivative * E", "delta = derivative * E")),
        frozenset({SCALED_WEIGHTS, SCALED_BIASES, SCALED_ALPHAS, ALPHA_ZERO}), "Delta_j without its alpha_j",
        kind="known_mistake",
    ),
    WrongSubmission(
        "scaled_dalpha_from_scaled_output", PS05,
        edited(PS05, "scaled_tied_autoencoder_loss_and_grad",
            ("dalphas[j - (K - 1)] = np.sum(F * E)", "dalphas[j - (K - 1)] = np.sum(inputs[j + 1] * E)")),
        frozenset({SCALED_ALPHAS, ALPHA_ZERO}), "dalpha_j from the scaled output", kind="known_mistake",
        output="dalphas",
    ),
    WrongSubmission(
        "scaled_dalpha_divides_by_alpha", PS05,
        edited(PS05, "scaled_tied_autoencoder_loss_and_grad",
            ("dalphas[j - (K - 1)] = np.sum(F * E)", "dalphas[j - (K - 1)] = np.sum(inputs[j + 1] * E) / scales[j]")),
        frozenset({ALPHA_ZERO}), "RuntimeWarning", kind="warnings", output="dalphas",
    ),
    WrongSubmission(
        "scaled_alphas_indexed_for_K_1_only", PS05,
        {"scaled_tied_autoencoder_loss_and_grad": reference_answer(
            PS05, "scaled_tied_autoencoder_loss_and_grad",
            ("scales = [1.0] * (K - 1) + [float(a) for a in alphas]",
             "scales = [float(a) for a in alphas] + [1.0] * (K - 1)"),
            ("        if j >= K - 1:\n            dalphas[j - (K - 1)] = np.sum(F * E)",
             "        if j <= K:\n            dalphas[j] = np.sum(F * E)"))},
        frozenset(SCALED_CELLS), "the alphas on the wrong layers", kind="known_mistake",
    ),
    WrongSubmission(
        "activation_helper_without_relu", PS05, PS05_WITHOUT_RELU,
        frozenset(TIED_CELLS - {"test_tied_autoencoder_loss_and_grad_inputs_unchanged"}
                  | SCALED_CELLS | {SPARSE_LOSS, SPARSE_GRADIENTS}), "ReLU layers computed as the identity",
        kind="known_mistake",
    ),
    WrongSubmission(
        "sparse_penalty_missing_from_gradient", PS05,
        edited(PS05, "sparse_tied_autoencoder_loss_and_grad", ("E = E + (beta / t) * np.sign(code)", "pass")),
        frozenset({SPARSE_GRADIENTS}), "no gradient of the penalty", kind="known_mistake",
    ),
]

# The catalogue's mistakes (autograder/assignments/ps05_autoencoders.py), each named by the first message.
TIED, SCALED = "tied_autoencoder_loss_and_grad", "scaled_tied_autoencoder_loss_and_grad"
WRONG += [
    WrongSubmission(  # np.mean over the t x n matrix: J is 1/n of the right one
        "tied_mean_over_all_entries", PS05,
        edited(PS05, TIED, ("J = 0.5 * np.sum(residual * residual) / t", "J = 0.5 * np.mean(residual * residual)"),
               ("E = residual / t", "E = residual / residual.size")),
        frozenset({TIED_LOSS, TIED_WEIGHTS, TIED_BIASES}), "a mean over all t*n entries", kind="known_mistake",
    ),
    WrongSubmission(
        "tied_loss_mean_over_all_entries", PS05,
        edited(PS05, TIED, ("J = 0.5 * np.sum(residual * residual) / t", "J = 0.5 * np.mean(residual * residual)")),
        frozenset({TIED_LOSS}), "a mean over all t*n entries", kind="known_mistake", output="J",
    ),
    WrongSubmission(
        "tied_db_mean", PS05, edited(PS05, TIED, ("dbs[j] = delta.sum(axis=0)", "dbs[j] = delta.mean(axis=0)")),
        frozenset({TIED_BIASES}), "a mean over the batch instead of a sum", kind="known_mistake", output="db",
    ),
    WrongSubmission(
        "tied_tanh_derivative_one_minus_z", PS05,
        edited(PS05, TIED, ("delta = E * (1.0 - Z * Z)", "delta = E * (1.0 - Z)")),
        frozenset({TIED_WEIGHTS, TIED_BIASES}), "tanh' taken as 1 - Z", kind="known_mistake",
    ),
    WrongSubmission(
        "tied_relu_mask_always_true", PS05, edited(PS05, TIED, ("delta = E * (Z > 0)", "delta = E * (Z >= 0)")),
        frozenset({TIED_WEIGHTS, TIED_BIASES}), "a ReLU mask that is always true", kind="known_mistake",
    ),
    WrongSubmission(
        "scaled_db_mean", PS05, edited(PS05, SCALED, ("dbs[j] = delta.sum(axis=0)", "dbs[j] = delta.mean(axis=0)")),
        frozenset({SCALED_BIASES}), "a mean over the batch instead of a sum", kind="known_mistake", output="db",
    ),
    WrongSubmission(
        "sparse_penalty_gradient_without_1_over_t", PS05,
        edited(PS05, "sparse_tied_autoencoder_loss_and_grad",
               ("E = E + (beta / t) * np.sign(code)", "E = E + beta * np.sign(code)")),
        frozenset({SPARSE_GRADIENTS}), "without its 1/t", kind="known_mistake",
    ),
]

# An in-place write deep inside an argument: right values, so only the inputs-unchanged cell is lost.
WRONG += [
    WrongSubmission(
        "autoencoder_writes_into_bs", PS05,
        edited(PS05, "tied_autoencoder_loss_and_grad",
               ("    return float(J), dWs, dbs", "    bs[0][...] = 0.0\n    return float(J), dWs, dbs")),
        frozenset({"test_tied_autoencoder_loss_and_grad_inputs_unchanged"}), "modified its input bs[0] in place",
        kind="inputs_modified",
    ),
]
