"""Problem set 7 (word embeddings): wrong and slow answers."""

from autograder.testdata.table import PS07, WrongSubmission, edited

SGNS_CELLS = {"test_sgns_loss_and_grad_center_gradient", "test_sgns_loss_and_grad_context_gradient",
              "test_sgns_loss_and_grad_time_budget"}

WRONG = [
    WrongSubmission(
        "log_sigmoid_sign_erratum", PS07,
        {"log_sigmoid": "\ndef log_sigmoid(x):\n    return -np.logaddexp(0.0, x)\n"},
        frozenset({"test_log_sigmoid_values", "test_log_sigmoid_stable"}), "sign of the exponent is wrong",
    ),
    WrongSubmission(
        "log_sigmoid_naive", PS07,
        {"log_sigmoid": "\ndef log_sigmoid(x):\n    return np.log(1.0 / (1.0 + np.exp(-x)))\n"},
        frozenset({"test_log_sigmoid_stable"}), "RuntimeWarning",
    ),
    WrongSubmission(
        "bilinear_dB_transposed", PS07,
        {"bilinear_grad": "\ndef bilinear_grad(u, B, v):\n    return B @ v, np.outer(v, u), B.T @ u\n"},
        frozenset({"test_bilinear_grad_values"}), "transposed",
    ),
    WrongSubmission(
        "sgns_drops_repeated_indices", PS07,
        edited(
            PS07, "sgns_loss_and_grad",
            ("dW_in_T, dW_out_T = np.empty((d, V)), np.empty((d, V))  # written row by row, returned transposed",
             "dW_in, dW_out = np.zeros_like(W_in), np.zeros_like(W_out)\n"
             "    dW_in[centers] += grad_v\n"
             "    dW_out[contexts] += g_pos[:, None] * v\n"
             "    dW_out[negatives.ravel()] += (g_neg[:, :, None] * v[:, None, :]).reshape(-1, d)\n"
             "    return float(loss), dW_in, dW_out")),
        frozenset(SGNS_CELLS), "repeated indices were dropped",
    ),
    WrongSubmission(
        "sgns_negative_pairs_sign", PS07,
        edited(PS07, "sgns_loss_and_grad",
            ("g_neg = sigma[N:].reshape(N, K) / N", "g_neg = -sigma[N:].reshape(N, K) / N")),
        frozenset(SGNS_CELLS), "does not match",
    ),
    WrongSubmission(
        "sgns_loop_over_the_batch", PS07, {"sgns_loss_and_grad": '''
def sgns_loss_and_grad(W_in, W_out, centers, contexts, negatives):
    N = centers.size
    loss = 0.0
    dW_in = np.zeros_like(W_in)
    dW_out = np.zeros_like(W_out)
    for b in range(N):
        v = W_in[centers[b]]
        for word, label in [(contexts[b], 1.0)] + [(n, -1.0) for n in negatives[b]]:
            u = W_out[word]
            score = label * (u @ v)
            loss += np.logaddexp(0.0, -score) / N
            g = -label * np.exp(-np.logaddexp(0.0, score)) / N
            dW_in[centers[b]] += g * u
            dW_out[word] += g * v
    return float(loss), dW_in, dW_out
'''},
        frozenset({"test_sgns_loss_and_grad_time_budget"}), "too slow",
    ),
    WrongSubmission(
        "weighted_sgns_ignores_weights", PS07, {"weighted_sgns_loss_and_grad": '''
def weighted_sgns_loss_and_grad(W_in, W_out, centers, contexts, negatives, weights):
    return sgns_loss_and_grad(W_in, W_out, centers, contexts, negatives)
'''},
        frozenset({"test_weighted_sgns_loss_and_grad_values"}), "weighted_sgns_loss_and_grad",
    ),
]
