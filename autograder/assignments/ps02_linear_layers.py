"""Graded checks of ps02_linear_layers (one function per test cell).

The backward passes are checked against central differences of the loss
J = 1/2 ||Z - T||_F^2 of a layer Z = f(XW + b) (or f(XW^T + b)), whose upstream
gradient G = Z - T is handed to the student's function.
"""

from dataclasses import dataclass

import numpy as np

from autograder import budgets, checks
from autograder.assignments import KINK_MARGIN, budget_checks, budget_rng, rngs

SMALL, LARGE = (4, 3, 5), (60, 30, 20)


def _stable_sigmoid(A):
    """Trusted sigmoid, accurate and free of overflow: exp(-log(1 + exp(-a)))."""
    return np.exp(-np.logaddexp(0.0, -A))


ACTIVATIONS = {
    "identity": lambda A: A,
    "tanh": np.tanh,
    "softplus": lambda A: np.logaddexp(0.0, A),
}


@dataclass
class Layer:
    """A layer Z = f(XW + b) with its data, loss and upstream gradient G."""

    X: np.ndarray
    W: np.ndarray
    b: np.ndarray
    T: np.ndarray
    activation: str
    torch_layout: bool

    def pre_activation(self, X, W, b):
        return (X @ W.T if self.torch_layout else X @ W) + b

    def output(self, X=None, W=None, b=None):
        X = self.X if X is None else X
        W = self.W if W is None else W
        b = self.b if b is None else b
        return ACTIVATIONS[self.activation](self.pre_activation(X, W, b))

    def loss_of(self, variable):
        """J as a function of one of "X", "W", "b" with the others fixed."""
        def loss(value):
            return 0.5 * float(np.sum((self.output(**{variable: value}) - self.T) ** 2))
        return loss

    @property
    def G(self):
        return self.output() - self.T

    @property
    def Z(self):
        return self.output()


def _layer(rng, sizes, *, activation="identity", torch_layout=False, bias_scale=1.0):
    t, n, m = sizes
    X = rng.standard_normal((t, n))
    W = rng.standard_normal((m, n) if torch_layout else (n, m)) / np.sqrt(n)
    b = bias_scale * rng.standard_normal(m)
    T = rng.standard_normal((t, m))
    return Layer(X, W, b, T, activation, torch_layout)


GRADIENT_NAMES = ("dX", "dW", "db")


def _check_backward(student, case, wrt, *, arguments, activation="identity",
                    torch_layout=False, known_mistakes=None):
    """Check one of the gradients (dX, dW, db) a backward function returns.

    arguments: function of a Layer giving the student function's arguments.
    known_mistakes: function of a Layer giving {description: wrong array}.
    """
    func_name = student.__name__ if callable(student) else "your function"
    index = GRADIENT_NAMES.index(wrt)
    variable = wrt[1:]
    for rng in rngs(case):
        for sizes in (SMALL, LARGE):
            layer = _layer(rng, sizes, activation=activation, torch_layout=torch_layout)
            value = checks.call(student, *arguments(layer)).value
            grad = checks.unpack(value, GRADIENT_NAMES, func_name=func_name)[index]
            name = f"{wrt} returned by {func_name}"
            loss, point = layer.loss_of(variable), getattr(layer, variable)
            if sizes == SMALL:
                mistakes = known_mistakes(layer)[wrt] if known_mistakes else None
                checks.check_gradient_entrywise(
                    loss, point, grad, name=name, known_mistakes=mistakes,
                    factor_names={sizes[0]: "t"},
                )
            else:
                checks.check_gradient_directional(loss, point, grad, name=name, rng=rng)
                checks.check_taylor(loss, point, grad, name=name, rng=rng)


def _through(layer, dA):
    """{"dX", "dW", "db"}: the linear layer's gradients from a dJ/dA (right or wrong), in its layout."""
    X, W = layer.X, layer.W
    if layer.torch_layout:
        return {"dX": dA @ W, "dW": dA.T @ X, "db": dA.sum(axis=0)}
    return {"dX": dA @ W.T, "dW": X.T @ dA, "db": dA.sum(axis=0)}


def _by_output(mistakes, right=None):
    """{description: {"dX", "dW", "db"}} as {"dX": {description: dX}, ...}, leaving out, for each output,
    the mistakes that do not change it from ``right`` (they must not name a right value that fails)."""
    def changes(grads, wrt):
        return right is None or grads[wrt].shape != right[wrt].shape or not np.allclose(
            grads[wrt], right[wrt], rtol=1e-9, atol=0.0)

    return {wrt: {description: grads[wrt] for description, grads in mistakes.items() if changes(grads, wrt)}
            for wrt in GRADIENT_NAMES}


WRONG_ORDER = "the outputs in the wrong order: return (dX, dW, db)"


def _in_wrong_order(right):
    """The gradients returned as (dW, dX, db): each slot holds the other's right value."""
    return {**right, "dX": right["dW"], "dW": right["dX"]}


def _linear_mistakes(layer):
    """The catalogue of a linear layer's backward pass: {"dX" | "dW" | "db": {description: wrong array}}."""
    right = _through(layer, layer.G)
    mean = {**right, "db": right["db"] / layer.X.shape[0]}
    return _by_output({"a mean over the batch instead of a sum: db = 1^T G, the sum of G's rows": mean,
                       WRONG_ORDER: _in_wrong_order(right)}, right)


def _without_activation_derivative(layer):
    """The catalogue of a dense layer's backward pass: the activation's derivative missing, taken
    at the wrong point or of the wrong function, and db as a mean."""
    G, Z = layer.G, layer.Z
    found, right = {"the activation's derivative f'(A) is missing (use G * f'(A) as dJ/dA)": _through(layer, G)}, None
    if layer.activation == "tanh":
        found["tanh' taken as 1 - Z; it is 1 - Z^2 (with Z = tanh(A))"] = _through(layer, G * (1.0 - Z))
        found["the derivative taken at Z instead of A: Z is already tanh(A), so tanh'(A) = 1 - Z^2, "
              "not 1 - tanh(Z)^2"] = _through(layer, G * (1.0 - np.tanh(Z) ** 2))
        right = _through(layer, G * (1.0 - Z * Z))
        found["a mean over the batch instead of a sum: db = 1^T (dJ/dA)"] = {**right, "db": right["db"] / len(G)}
        found[WRONG_ORDER] = _in_wrong_order(right)
    return _by_output(found, right)


# --- linear layer, A = XW + b --------------------------------------------------

def linear_forward_values(linear_forward, case="hidden"):
    """XW + b with the bias broadcast over the rows."""
    for rng in rngs(case):
        for sizes in (SMALL, (1, 3, 2), (6, 1, 1)):
            layer = _layer(rng, sizes)
            got = checks.call(linear_forward, layer.X, layer.W, layer.b).value
            checks.check_close(
                got, layer.X @ layer.W + layer.b, name=f"linear_forward on t, n, m = {sizes}",
                known_mistakes={"XW without the bias b": layer.X @ layer.W},
            )


def _linear_arguments(layer):
    return layer.G, layer.X, layer.W


def linear_backward_dX(linear_backward, case="hidden"):
    """dX = G W^T."""
    _check_backward(linear_backward, case, "dX", arguments=_linear_arguments, known_mistakes=_linear_mistakes)


def linear_backward_dW(linear_backward, case="hidden"):
    """dW = X^T G."""
    _check_backward(linear_backward, case, "dW", arguments=_linear_arguments, known_mistakes=_linear_mistakes)


def linear_backward_db(linear_backward, case="hidden"):
    """db = G summed over the batch, shape (m,)."""
    _check_backward(linear_backward, case, "db", arguments=_linear_arguments, known_mistakes=_linear_mistakes)


# --- linear layer in PyTorch's layout, A = XW^T + b -------------------------------

def linear_backward_torch_dX(linear_backward_torch, case="hidden"):
    """dX = G W for W of shape (m, n)."""
    _check_backward(linear_backward_torch, case, "dX", arguments=_linear_arguments, known_mistakes=_linear_mistakes,
                    torch_layout=True)


def linear_backward_torch_dW(linear_backward_torch, case="hidden"):
    """dW = G^T X, shape (m, n)."""
    _check_backward(linear_backward_torch, case, "dW", arguments=_linear_arguments, known_mistakes=_linear_mistakes,
                    torch_layout=True)


def linear_backward_torch_db(linear_backward_torch, case="hidden"):
    """db = G summed over the batch."""
    _check_backward(linear_backward_torch, case, "db", arguments=_linear_arguments, known_mistakes=_linear_mistakes,
                    torch_layout=True)


# --- element-wise activations ------------------------------------------------------

def sigmoid_values(sigmoid, case="hidden"):
    """1 / (1 + exp(-a)) element-wise, for arrays of any shape."""
    for rng in rngs(case):
        for shape in ((4, 5), (7,), (2, 3, 2)):
            A = 4.0 * rng.standard_normal(shape)
            got = checks.call(sigmoid, A).value
            checks.check_close(
                got, 1.0 / (1.0 + np.exp(-A)), name=f"sigmoid on an array of shape {shape}",
                known_mistakes={
                    "1 / (1 + exp(a)): the sign of the exponent is wrong, sigmoid(a) = 1 / (1 + exp(-a))":
                        1.0 / (1.0 + np.exp(A)),
                },
            )


def sigmoid_stable(sigmoid, case="hidden"):
    """Finite, correct and free of warnings for any finite input."""
    for rng in rngs(case):
        extremes = np.array([-1e308, -1e4, -800.0, -710.0, -40.0, 0.0, 40.0, 710.0, 800.0, 1e4, 1e308])
        A = np.concatenate([extremes, 1e3 * rng.standard_normal(9)]).reshape(4, 5)
        outcome = checks.call(sigmoid, A)
        checks.check_no_warnings(outcome, name="sigmoid on inputs as large as 1e308 in size")
        checks.check_close(outcome.value, _stable_sigmoid(A), name="sigmoid on very large inputs", rtol=1e-12)


def _elementwise_backward_check(student, case, *, forward, second_argument, name, known):
    for rng in rngs(case):
        A = 2.0 * rng.standard_normal((5, 4))
        A[np.abs(A) < KINK_MARGIN] = 0.5  # stay away from the kink of ReLU
        G = rng.standard_normal(A.shape)
        got = checks.call(student, G, second_argument(A)).value
        checks.check_gradient_entrywise(
            lambda A_, G=G: float(np.sum(G * forward(A_))), A, got, name=name,
            known_mistakes=known(G, A),
        )


def sigmoid_backward_values(sigmoid_backward, case="hidden"):
    """G * Z * (1 - Z) for Z = sigmoid(A)."""
    _elementwise_backward_check(
        sigmoid_backward, case, forward=_stable_sigmoid, second_argument=_stable_sigmoid,
        name="sigmoid_backward(G, Z)",
        known=lambda G, A: {
            "the derivative taken at Z instead of A: Z is already sigmoid(A), so use G * Z * (1 - Z)":
                G * _stable_sigmoid(_stable_sigmoid(A)) * (1 - _stable_sigmoid(_stable_sigmoid(A))),
            "Z * (1 - Z) without G: the chain rule multiplies by G": _stable_sigmoid(A) * (1 - _stable_sigmoid(A)),
        },
    )


def tanh_backward_values(tanh_backward, case="hidden"):
    """G * (1 - Z^2) for Z = tanh(A)."""
    _elementwise_backward_check(
        tanh_backward, case, forward=np.tanh, second_argument=np.tanh,
        name="tanh_backward(G, Z)",
        known=lambda G, A: {
            "the derivative taken at Z instead of A: Z is already tanh(A), so use G * (1 - Z**2)":
                G * (1 - np.tanh(np.tanh(A)) ** 2),
            "tanh' taken as 1 - Z; it is 1 - Z^2 (with Z = tanh(A))": G * (1 - np.tanh(A)),
            "1 - Z^2 without G: the chain rule multiplies by G, dJ/dA = G * (1 - Z^2)": 1 - np.tanh(A) ** 2,
        },
    )


def relu_backward_values(relu_backward, case="hidden"):
    """G where A > 0 and 0 elsewhere."""
    _elementwise_backward_check(
        relu_backward, case, forward=lambda A: np.maximum(A, 0.0), second_argument=lambda A: A,
        name="relu_backward(G, A)",
        known=lambda G, A: {"G * relu(A): the activation instead of its derivative": G * np.maximum(A, 0.0),
                            "G itself: a mask that is always true (relu(A) >= 0 holds everywhere; the mask is "
                            "A > 0)": G.copy()},
    )


# --- the core kernel: a dense tanh layer ----------------------------------------------

def _dense_tanh_arguments(layer):
    return layer.G, layer.X, layer.W, layer.Z


def dense_tanh_backward_dX(dense_tanh_backward, case="hidden"):
    """dX through Z = tanh(XW + b)."""
    _check_backward(dense_tanh_backward, case, "dX", arguments=_dense_tanh_arguments,
                    activation="tanh", known_mistakes=_without_activation_derivative)


def dense_tanh_backward_dW(dense_tanh_backward, case="hidden"):
    """dW through Z = tanh(XW + b)."""
    _check_backward(dense_tanh_backward, case, "dW", arguments=_dense_tanh_arguments,
                    activation="tanh", known_mistakes=_without_activation_derivative)


def dense_tanh_backward_db(dense_tanh_backward, case="hidden"):
    """db through Z = tanh(XW + b)."""
    _check_backward(dense_tanh_backward, case, "db", arguments=_dense_tanh_arguments,
                    activation="tanh", known_mistakes=_without_activation_derivative)


def dense_tanh_backward_inputs_unchanged(dense_tanh_backward, case="hidden"):
    """G, X, W and Z are left exactly as they were."""
    for rng in rngs(case):
        layer = _layer(rng, LARGE, activation="tanh")
        checks.check_inputs_unchanged(
            dense_tanh_backward, _dense_tanh_arguments(layer), ("G", "X", "W", "Z"),
            name="dense_tanh_backward",
        )


# Budgets of the core kernel, calibrated with scripts/benchmark_budgets.py.
def dense_tanh_floor(G, X, W, Z):
    """The work no dense_tanh_backward avoids: its two matrix products."""
    return G @ W.T, X.T @ G


BUDGET_SIZES = (1000, 200, 500)  # t, n, m: Z holds 4 MB


def dense_tanh_budget_arguments(round_, scale=1):
    """(G, X, W, Z) for budget measurements, fresh for each round; ``scale`` times as many rows."""
    t, n, m = BUDGET_SIZES
    rng = budget_rng("ps02_dense_tanh", round_)
    return _dense_tanh_arguments(_layer(rng, (round(scale * t), n, m), activation="tanh"))


DENSE_TANH = budgets.CoreKernel(
    "dense_tanh_backward", "t, n, m = " + ", ".join(map(str, BUDGET_SIZES)), dense_tanh_budget_arguments,
    memory=budgets.MemoryBudget(multiple=1.0, unit_name="Z",
                                outputs=lambda args: (args[1].shape, args[2].shape, args[2].shape[1:])),
    # reference_over_floor: measured with scripts/benchmark_budgets.py --floors
    time=budgets.TimeBudget(ratio=10.0, floor=dense_tanh_floor, reference_over_floor=1.9,
                            loop_rule=budgets.LoopRule(lambda args: len(args[1]), "row of X")),
    unit_bytes=lambda args: args[3].nbytes,
    memory_advice="Make dJ/dA the only temporary and update it in place: dA = Z * Z, then "
                  "np.subtract(1.0, dA, out=dA) and dA *= G. G * (1 - Z ** 2) keeps a second array the size of Z "
                  "alive.",
    time_advice="No Python loop over the batch or the units: dX = dA @ W.T, dW = X.T @ dA and db = dA.sum(axis=0) "
                "each do the whole batch at once.",
    memory_doc="At most one temporary the size of Z beyond the outputs (dX, dW, db).",
    time_doc="No Python loop over the batch, and within the time budget of the reference kernel.",
    versions=(("loop over the batch", "dense_tanh_python_loop", {"loop"}),
              ("builtin sum over the rows", "dense_tanh_builtin_sum_over_rows", {"loop"}),
              ("unfused temporaries", "dense_tanh_unfused", {"memory"}),
              ("einsum without optimize", "dense_tanh_einsum", set())),
)
dense_tanh_backward_memory_budget, dense_tanh_backward_time_budget = budget_checks(DENSE_TANH)


# --- transfer task: a dense softplus layer ----------------------------------------------

def _softplus_arguments(layer):
    return layer.G, layer.X, layer.W, layer.b


def dense_softplus_backward_gradients(dense_softplus_backward, case="hidden"):
    """(dX, dW, db) through Z = softplus(XW + b) = log(1 + exp(XW + b))."""
    for wrt in GRADIENT_NAMES:
        _check_backward(dense_softplus_backward, case, wrt, arguments=_softplus_arguments,
                        activation="softplus", known_mistakes=_without_activation_derivative)


def dense_softplus_backward_stable(dense_softplus_backward, case="hidden"):
    """Finite, correct and free of warnings when XW + b reaches +-1000."""
    for rng in rngs(case):
        layer = _layer(rng, SMALL, activation="softplus", bias_scale=1000.0)
        outcome = checks.call(dense_softplus_backward, *_softplus_arguments(layer))
        checks.check_no_warnings(outcome, name="dense_softplus_backward with |XW + b| near 1000")
        grads = checks.unpack(outcome.value, GRADIENT_NAMES, func_name="dense_softplus_backward")
        dA = layer.G * _stable_sigmoid(layer.pre_activation(layer.X, layer.W, layer.b))
        expected = (dA @ layer.W.T, layer.X.T @ dA, dA.sum(axis=0))
        for wrt, got, want in zip(GRADIENT_NAMES, grads, expected, strict=True):
            checks.check_close(got, want, name=f"{wrt} with |XW + b| near 1000", rtol=1e-9)
