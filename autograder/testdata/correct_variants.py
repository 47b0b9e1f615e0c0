"""Right answers written other ways than the solutions: every graded check must pass them under any secret.

CORRECT_VARIANTS = {assignment: {variant: {answer cell: code}}}; each variant
replaces some answer cells of the solution notebook (the others stay the
reference's). They compute the same mathematics with other rounding: algebra
expanded where the reference factors it (A^T A X - A^T B), derivatives taken
from pre-activations instead of outputs, explicit loops where the reference
vectorises, other stable formulas. ``scripts/sweep_secrets.py`` grades them
beside the solution, and tests/test_sweep_secrets.py checks that they score
full marks. Only NumPy, as a student's notebook has.
"""

PS01 = {
    "numerical_gradient": '''
def numerical_gradient(f, X, h=1e-6):
    X = np.array(X, dtype=float)
    grad = np.zeros_like(X)
    for index in np.ndindex(X.shape):
        step = np.zeros_like(X)
        step[index] = h
        grad[index] = (f(X + step) - f(X - step)) / (2 * h)
    return grad
''',
    "relative_error": '''
def relative_error(A, B):
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    denominator = max(np.sqrt(np.sum(A * A)), np.sqrt(np.sum(B * B)))
    if denominator == 0:
        return 0.0
    return float(np.sqrt(np.sum((A - B) ** 2)) / denominator)
''',
    "grad_trace_quadratic": "\ndef grad_trace_quadratic(A, X):\n    return A @ X + A.T @ X\n",
    "grad_least_squares": "\ndef grad_least_squares(A, X, B):\n    return A.T @ A @ X - A.T @ B\n",
    "grad_weighted_least_squares": '''
def grad_weighted_least_squares(A, X, B, M):
    M2 = M ** 2
    return A.T @ (M2 * (A @ X)) - A.T @ (M2 * B)
''',
}

PS02 = {
    "linear_forward": "\ndef linear_forward(X, W, b):\n    return np.einsum('tn,nm->tm', X, W) + b[None, :]\n",
    "linear_backward": '''
def linear_backward(G, X, W):
    return np.einsum('tm,nm->tn', G, W), np.einsum('tn,tm->nm', X, G), np.ones(G.shape[0]) @ G
''',
    "linear_backward_torch": '''
def linear_backward_torch(G, X, W):
    return np.einsum('tm,mn->tn', G, W), np.einsum('tm,tn->mn', G, X), np.ones(G.shape[0]) @ G
''',
    "sigmoid": '''
def sigmoid(A):
    E = np.exp(-np.abs(A))
    return np.where(A >= 0, 1.0 / (1.0 + E), E / (1.0 + E))
''',
    "sigmoid_backward": "\ndef sigmoid_backward(G, Z):\n    return G * Z - G * Z * Z\n",
    "tanh_backward": "\ndef tanh_backward(G, Z):\n    return G - G * Z ** 2\n",
    "relu_backward": "\ndef relu_backward(G, A):\n    return G * (A > 0)\n",
    "dense_tanh_backward": '''
def dense_tanh_backward(G, X, W, Z):
    dA = G * (1.0 - Z ** 2)
    return dA @ W.T, X.T @ dA, dA.sum(axis=0)
''',
    "dense_softplus_backward": '''
def dense_softplus_backward(G, X, W, b):
    A = X @ W + b
    E = np.exp(-np.abs(A))
    dA = G * np.where(A >= 0, 1.0 / (1.0 + E), E / (1.0 + E))
    return dA @ W.T, X.T @ dA, dA.sum(axis=0)
''',
}

PS03 = {
    "softmax": '''
def softmax(A):
    E = np.exp(A - A.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
''',
    "softmax_backward": '''
def softmax_backward(G, Y):
    return Y * G - Y * np.einsum('sc,sc->s', G, Y)[:, None]
''',
    "cross_entropy": "\ndef cross_entropy(Z, T):\n    return float(-np.mean(np.sum(T * np.log(Z), axis=1)))\n",
    "cross_entropy_backward": "\ndef cross_entropy_backward(Z, T):\n    return -T / (Z * Z.shape[0])\n",
    "softmax_cross_entropy": '''
def softmax_cross_entropy(A, T):
    S = A.shape[0]
    shifted = A - A.max(axis=1, keepdims=True)
    log_sums = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_Y = shifted - log_sums
    loss = -np.sum(T * log_Y) / S
    return float(loss), (np.exp(log_Y) * T.sum(axis=1, keepdims=True) - T) / S
''',
    "softmax_cross_entropy_labels": '''
def softmax_cross_entropy_labels(A, y):
    S = A.shape[0]
    rows = np.arange(S)
    shifted = A - A.max(axis=1, keepdims=True)
    E = np.exp(shifted)
    sums = E.sum(axis=1)
    loss = np.mean(np.log(sums) - shifted[rows, y])
    dA = E / sums[:, None]
    dA[rows, y] -= 1.0
    return float(loss), dA / S
''',
    "label_smoothing_loss_and_grad": '''
def label_smoothing_loss_and_grad(A, y, eps):
    S, C = A.shape
    T = np.full((S, C), eps / C)
    T[np.arange(S), y] += 1.0 - eps
    shifted = A - A.max(axis=1, keepdims=True)
    log_Y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.sum(T * log_Y) / S), (np.exp(log_Y) - T) / S
''',
}

# A network written layer by layer with the derivative of each activation taken
# at its pre-activation A (the reference uses the output Z), the softmax
# normalised by division, and the backward pass through einsum.
PS04_MLP = '''
def mlp_loss_and_grad(params, X, Y, activations, loss, weight_decay=0.0):
    t = X.shape[0]
    inputs, pre = [X], []
    for (W, b), name in zip(params, activations):
        A = np.einsum('ti,ij->tj', inputs[-1], W) + b
        pre.append(A)
        if name == "tanh":
            inputs.append(np.tanh(A))
        elif name == "sigmoid":
            inputs.append(0.5 * (1.0 + np.tanh(0.5 * A)))
        elif name == "relu":
            inputs.append(np.where(A > 0, A, 0.0))
        elif name == "softmax":
            E = np.exp(A - A.max(axis=1, keepdims=True))
            inputs.append(E / E.sum(axis=1, keepdims=True))
        else:
            inputs.append(A)
    out = inputs[-1]
    if loss == "softmax_nll":
        A = pre[-1]
        m = A.max(axis=1, keepdims=True)
        log_Z = A - m - np.log(np.sum(np.exp(A - m), axis=1, keepdims=True))
        J = -np.sum(Y * log_Z) / t
    else:
        J = np.sum((out - Y) ** 2) / (2 * t)
    for W, _ in params:
        J += 0.5 * weight_decay * np.sum(W ** 2)
    E = (out - Y) / t
    grads = []
    for j in range(len(params) - 1, -1, -1):
        A, name = pre[j], activations[j]
        if name == "tanh":
            delta = E / np.cosh(A) ** 2
        elif name == "sigmoid":
            s = 0.5 * (1.0 + np.tanh(0.5 * A))
            delta = E * s * (1.0 - s)
        elif name == "relu":
            delta = np.where(A > 0, E, 0.0)
        else:
            delta = E
        W = params[j][0]
        grads.insert(0, (np.einsum('ti,tj->ij', inputs[j], delta) + weight_decay * W, np.sum(delta, axis=0)))
        E = np.einsum('tj,ij->ti', delta, W)
    return float(J), grads
'''

PS04_L1 = '''
def mlp_l1_loss_and_grad(params, X, Y, activations, loss, l1):
    J, grads = mlp_loss_and_grad(params, X, Y, activations, loss, 0.0)
    for j, (W, _) in enumerate(params):
        J = J + l1 * np.abs(W).sum()
        dW, db = grads[j]
        grads[j] = (dW + np.where(W > 0, l1, np.where(W < 0, -l1, 0.0)), db)
    return float(J), grads
'''

# One loop over the examples: slow, but right.
PS04_PER_EXAMPLE = '''
def mlp_loss_and_grad(params, X, Y, activations, loss, weight_decay=0.0):
    t = X.shape[0]
    J = 0.5 * weight_decay * sum(np.sum(W * W) for W, _ in params)
    grads = [(weight_decay * W, np.zeros_like(b)) for W, b in params]
    for i in range(t):
        zs, x = [X[i]], X[i]
        for (W, b), name in zip(params, activations):
            a = x @ W + b
            if name == "tanh":
                x = np.tanh(a)
            elif name == "sigmoid":
                x = np.exp(-np.logaddexp(0.0, -a))
            elif name == "relu":
                x = np.maximum(a, 0.0)
            elif name == "softmax":
                log_p = a - np.logaddexp.reduce(a)
                x = np.exp(log_p)
            else:
                x = a
            zs.append(x)
        if loss == "softmax_nll":
            J += -np.dot(Y[i], log_p) / t
        else:
            J += 0.5 * np.dot(x - Y[i], x - Y[i]) / t
        e = (x - Y[i]) / t
        for j in reversed(range(len(params))):
            z, name = zs[j + 1], activations[j]
            if name == "tanh":
                e = e * (1 - z * z)
            elif name == "sigmoid":
                e = e * z * (1 - z)
            elif name == "relu":
                e = e * (z > 0)
            dW, db = grads[j]
            grads[j] = (dW + np.outer(zs[j], e), db + e)
            e = params[j][0] @ e
    return float(J), grads
'''

# The auto-encoders as unrolled networks with derivatives taken at the pre-activations.
PS05_COMMON = '''
def _ae_forward(Ws, bs, X, activations, scales):
    K = len(Ws)
    mats = [Ws[j] if j < K else Ws[2 * K - 1 - j].T for j in range(2 * K)]
    ins, pres, fs = [X], [], []
    for j in range(2 * K):
        A = ins[-1] @ mats[j] + bs[j]
        name = activations[j]
        F = {"tanh": np.tanh, "sigmoid": lambda a: 0.5 * (1 + np.tanh(0.5 * a)),
             "relu": lambda a: a * (a > 0), "identity": lambda a: a}[name](A)
        pres.append(A)
        fs.append(F)
        ins.append(scales[j] * F)
    return mats, ins, pres, fs


def _ae_derivative(name, A):
    if name == "tanh":
        return 1.0 / np.cosh(A) ** 2
    if name == "sigmoid":
        s = 0.5 * (1 + np.tanh(0.5 * A))
        return s * (1 - s)
    if name == "relu":
        return (A > 0) * 1.0
    return np.ones_like(A)


def _ae_backward(Ws, mats, ins, pres, fs, activations, scales, E, extra=None):
    K = len(Ws)
    dWs = [np.zeros_like(W) for W in Ws]
    dbs = [None] * (2 * K)
    dscales = [0.0] * (2 * K)
    for j in range(2 * K - 1, -1, -1):
        if extra is not None and j == K - 1:
            E = E + extra
        dscales[j] = float(np.sum(fs[j] * E))
        delta = scales[j] * _ae_derivative(activations[j], pres[j]) * E
        g = np.einsum('ti,tj->ij', ins[j], delta)
        if j < K:
            dWs[j] = dWs[j] + g
        else:
            dWs[2 * K - 1 - j] = dWs[2 * K - 1 - j] + g.T
        dbs[j] = np.sum(delta, axis=0)
        E = delta @ mats[j].T
    return dWs, dbs, dscales
'''

PS05 = {
    "tied_autoencoder_loss_and_grad": PS05_COMMON + '''

def tied_autoencoder_loss_and_grad(Ws, bs, X, activations):
    t, scales = X.shape[0], [1.0] * (2 * len(Ws))
    mats, ins, pres, fs = _ae_forward(Ws, bs, X, activations, scales)
    J = np.sum((ins[-1] - X) ** 2) / (2 * t)
    dWs, dbs, _ = _ae_backward(Ws, mats, ins, pres, fs, activations, scales, (ins[-1] - X) / t)
    return float(J), dWs, dbs
''',
    "scaled_tied_autoencoder_loss_and_grad": PS05_COMMON + '''

def scaled_tied_autoencoder_loss_and_grad(Ws, bs, alphas, X, activations):
    K, t = len(Ws), X.shape[0]
    scales = [1.0] * (K - 1) + list(alphas)
    mats, ins, pres, fs = _ae_forward(Ws, bs, X, activations, scales)
    J = np.sum((ins[-1] - X) ** 2) / (2 * t)
    dWs, dbs, dscales = _ae_backward(Ws, mats, ins, pres, fs, activations, scales, (ins[-1] - X) / t)
    return float(J), dWs, dbs, np.array(dscales[K - 1:])
''',
    "sparse_tied_autoencoder_loss_and_grad": PS05_COMMON + '''

def sparse_tied_autoencoder_loss_and_grad(Ws, bs, X, activations, beta):
    K, t = len(Ws), X.shape[0]
    scales = [1.0] * (2 * K)
    mats, ins, pres, fs = _ae_forward(Ws, bs, X, activations, scales)
    code = ins[K]
    J = np.sum((ins[-1] - X) ** 2) / (2 * t) + beta / t * np.abs(code).sum()
    dWs, dbs, _ = _ae_backward(Ws, mats, ins, pres, fs, activations, scales, (ins[-1] - X) / t,
                               extra=beta / t * np.sign(code))
    return float(J), dWs, dbs
''',
}

PS06 = {
    "tanh_least_squares": '''
def tanh_least_squares(X, Y, C):
    f, grad = 0.0, np.zeros_like(X)
    for start in range(0, Y.shape[0], 7):
        rows = slice(start, start + 7)
        Z = np.tanh(Y[rows] @ X)
        R = Z - C[rows]
        f += 0.5 * np.sum(R ** 2)
        grad += Y[rows].T @ (R - R * Z * Z)
    return float(f), grad
''',
    "tanh_least_squares_entry": '''
def tanh_least_squares_entry(X, Y, C, i, j):
    total = 0.0
    for k in range(Y.shape[0]):
        z = np.tanh(np.dot(Y[k], X[:, j]))
        total += Y[k, i] * (1.0 - z * z) * (z - C[k, j])
    return float(total)
''',
    "sigmoid_least_squares": '''
def sigmoid_least_squares(X, Y, C):
    A = Y @ X
    E = np.exp(-np.abs(A))
    Z = np.where(A >= 0, 1.0 / (1.0 + E), E / (1.0 + E))
    R = Z - C
    return float(0.5 * np.sum(R * R)), Y.T @ (R * Z - R * Z * Z)
''',
}

PS07 = {
    "log_sigmoid": "\ndef log_sigmoid(x):\n    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))\n",
    "bilinear_grad": "\ndef bilinear_grad(u, B, v):\n    return B @ v, np.outer(u, v), u @ B\n",
    "sgns_loss_and_grad": '''
def sgns_loss_and_grad(W_in, W_out, centers, contexts, negatives):
    N = centers.size
    dW_in, dW_out = np.zeros_like(W_in), np.zeros_like(W_out)
    loss = 0.0
    for n in range(N):
        v, u = W_in[centers[n]], W_out[contexts[n]]
        s = u @ v
        loss -= min(s, 0.0) - np.log1p(np.exp(-abs(s)))
        g = -0.5 * (1.0 - np.tanh(0.5 * s)) / N
        dW_in[centers[n]] += g * u
        dW_out[contexts[n]] += g * v
        for k in negatives[n]:
            s = W_out[k] @ v
            loss -= min(-s, 0.0) - np.log1p(np.exp(-abs(s)))
            g = 0.5 * (1.0 + np.tanh(0.5 * s)) / N
            dW_in[centers[n]] += g * W_out[k]
            dW_out[k] += g * v
    return float(loss / N), dW_in, dW_out
''',
}

PS08 = {
    "mf_loss_and_grad": '''
def mf_loss_and_grad(P, U, V, lam=0.0):
    UtU, VtV = U.T @ U, V.T @ V
    PV, PtU = P @ V, P.T @ U
    f = np.sum(P * P) - 2 * np.sum(U * PV) + np.sum(UtU * VtV) + lam * (np.sum(U * U) + np.sum(V * V))
    return float(f), 2 * (U @ VtV - PV + lam * U), 2 * (V @ UtU - PtU + lam * V)
''',
    "mf_loss_and_grad_sparse": '''
def mf_loss_and_grad_sparse(rows, cols, vals, shape, U, V, lam=0.0):
    PV, PtU = np.zeros_like(U), np.zeros_like(V)
    np.add.at(PV, rows, vals[:, None] * V[cols])
    np.add.at(PtU, cols, vals[:, None] * U[rows])
    UtU, VtV = U.T @ U, V.T @ V
    f = vals @ vals - 2 * np.sum(U * PV) + np.sum(UtU * VtV) + lam * (np.sum(U * U) + np.sum(V * V))
    return float(f), 2 * (U @ VtV - PV + lam * U), 2 * (V @ UtU - PtU + lam * V)
''',
    "symmetric_mf_loss_and_grad": '''
def symmetric_mf_loss_and_grad(P, U, B):
    M = U @ B
    R = P - M @ M.T
    S = R + R.T
    return float(np.sum(R ** 2)), -2 * S @ M @ B.T, -2 * U.T @ S @ M
''',
}

PS09 = {
    "wmf_loss_and_grad": '''
def wmf_loss_and_grad(Y, C, W, H, lam=0.0):
    R = Y - W @ H.T
    f = np.einsum('ij,ij,ij->', C, R, R) + lam * (np.vdot(W, W) + np.vdot(H, H))
    return float(f), -2 * (C * R) @ H + 2 * lam * W, -2 * (C * R).T @ W + 2 * lam * H
''',
    "wmf_row_grad": '''
def wmf_row_grad(Y, C, W, H, k, lam=0.0):
    g = 2 * lam * W[k]
    for j in range(H.shape[0]):
        g = g - 2 * C[k, j] * (Y[k, j] - W[k] @ H[j]) * H[j]
    return g
''',
    "wals_update_W": '''
def wals_update_W(Y, C, H, lam):
    d = H.shape[1]
    W = np.empty((Y.shape[0], d))
    for k in range(Y.shape[0]):
        HC = H.T * C[k]
        W[k] = np.linalg.solve(HC @ H + lam * np.eye(d), HC @ Y[k])
    return W
''',
    "wals_update_W_row_penalties": '''
def wals_update_W_row_penalties(Y, C, H, lams):
    d = H.shape[1]
    systems = np.einsum('kj,jd,je->kde', C, H, H) + lams[:, None, None] * np.eye(d)
    return np.linalg.solve(systems, ((C * Y) @ H)[:, :, None])[:, :, 0]
''',
    "implicit_als_update": '''
def implicit_als_update(rows, cols, vals, shape, H, alpha, lam):
    m, d = shape[0], H.shape[1]
    R = np.zeros(shape)
    R[rows, cols] = vals
    P, C = (R > 0) * 1.0, 1.0 + alpha * R
    W = np.empty((m, d))
    for k in range(m):
        HC = H.T * C[k]
        W[k] = np.linalg.solve(HC @ H + lam * np.eye(d), HC @ P[k])
    return W
''',
}

CORRECT_VARIANTS = {
    "ps01_gradient_checking": {"expanded_algebra": PS01},
    "ps02_linear_layers": {"einsum_and_where": PS02},
    "ps03_softmax_cross_entropy": {"max_shifted_textbook": PS03},
    "ps04_feedforward_networks": {"derivatives_at_pre_activations": {"mlp_loss_and_grad": PS04_MLP,
                                                                     "mlp_l1_loss_and_grad": PS04_L1},
                                  "loop_over_examples": {"mlp_loss_and_grad": PS04_PER_EXAMPLE}},
    "ps05_autoencoders": {"unrolled_at_pre_activations": PS05},
    "ps06_nonlinear_least_squares": {"blocks_and_loops": PS06},
    "ps07_word_embeddings": {"loop_over_pairs": PS07},
    "ps08_matrix_factorization": {"gram_trick_everywhere": PS08},
    "ps09_weighted_factorization": {"loops_and_solves": PS09},
}
