"""Every reference solution against central differences of its own loss.

The losses are written here from the problem statements, independently of the
grading modules; the reference code is read from the source notebooks, where it
exists once.
"""

import numpy as np
import pytest
from conftest import source_path

from autograder.finite_differences import central_gradient, relative_error
from autograder.notebooks import answer_namespace

rng = np.random.default_rng(2026)
PS01 = answer_namespace(source_path("ps01_gradient_checking"))
PS02 = answer_namespace(source_path("ps02_linear_layers"))
TOL = 1e-7


def assert_gradient(loss, X, grad):
    assert grad.shape == X.shape
    assert relative_error(grad, central_gradient(loss, X)) < TOL


def test_numerical_gradient_matches_the_trusted_one():
    f = lambda X: float(np.sum(np.cos(X) * X**2))  # noqa: E731
    X = rng.standard_normal((3, 4))
    before = X.copy()
    assert relative_error(PS01["numerical_gradient"](f, X), central_gradient(f, X)) < 1e-9
    assert np.array_equal(X, before)


def test_directional_derivative_and_relative_error():
    f = lambda X: float(np.sum(np.cos(X) * X**2))  # noqa: E731
    X, V = rng.standard_normal((2, 3, 4))
    exact = np.sum((-np.sin(X) * X**2 + 2 * X * np.cos(X)) * V)
    assert abs(PS01["directional_derivative"](f, X, V) - exact) < 1e-7
    assert PS01["relative_error"](np.zeros(3), np.zeros(3)) == 0.0
    assert PS01["relative_error"](np.array([3.0, 4.0]), np.array([0.0, 4.0])) == pytest.approx(0.6)


def test_grad_trace_quadratic():
    A, X = rng.standard_normal((5, 5)), rng.standard_normal((5, 3))
    assert_gradient(lambda X: np.trace(X.T @ A @ X), X, PS01["grad_trace_quadratic"](A, X))


@pytest.mark.parametrize("weighted", [False, True])
def test_least_squares_gradients(weighted):
    A, X, B = rng.standard_normal((6, 4)), rng.standard_normal((4, 3)), rng.standard_normal((6, 3))
    M = rng.uniform(0.5, 2, (6, 3)) if weighted else np.ones((6, 3))
    loss = lambda X: 0.5 * np.linalg.norm(M * (A @ X - B)) ** 2  # noqa: E731
    grad = PS01["grad_weighted_least_squares"](A, X, B, M) if weighted else PS01["grad_least_squares"](A, X, B)
    assert_gradient(loss, X, grad)


def _layer_data(torch_layout=False):
    X = rng.standard_normal((5, 3))
    W = rng.standard_normal((4, 3) if torch_layout else (3, 4))
    b, C = rng.standard_normal(4), rng.standard_normal((5, 4))
    return X, W, b, C


@pytest.mark.parametrize("torch_layout", [False, True])
def test_linear_layer_gradients(torch_layout):
    X, W, b, C = _layer_data(torch_layout)
    forward = (lambda X, W, b: X @ W.T + b) if torch_layout else PS02["linear_forward"]
    backward = PS02["linear_backward_torch" if torch_layout else "linear_backward"]
    loss = lambda X, W, b: float(np.sum(C * np.sin(forward(X, W, b))))  # noqa: E731
    G = C * np.cos(forward(X, W, b))
    dX, dW, db = backward(G, X, W)
    assert_gradient(lambda X_: loss(X_, W, b), X, dX)
    assert_gradient(lambda W_: loss(X, W_, b), W, dW)
    assert_gradient(lambda b_: loss(X, W, b_), b, db)


def test_linear_forward_value():
    X, W, b, _ = _layer_data()
    expected = np.einsum("tn,nm->tm", X, W) + b[None, :]
    assert np.allclose(PS02["linear_forward"](X, W, b), expected)


def test_sigmoid_values_and_stability():
    a = np.array([-1e308, -800.0, -3.0, 0.0, 2.0, 800.0, 1e308])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = PS02["sigmoid"](a)
    assert np.allclose(s[2:5], [1 / (1 + np.exp(3.0)), 0.5, 1 / (1 + np.exp(-2.0))])
    assert s[0] == 0.0 and s[-1] == 1.0 and s[1] >= 0.0 and s[-2] == 1.0


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_backward(name):
    A = rng.standard_normal((4, 5))
    A[np.abs(A) < 1e-3] = 0.1
    C = rng.standard_normal(A.shape)
    forward = {"sigmoid": lambda A: 1 / (1 + np.exp(-A)), "tanh": np.tanh, "relu": lambda A: np.maximum(A, 0)}[name]
    second = A if name == "relu" else forward(A)
    grad = PS02[f"{name}_backward"](C, second)
    assert_gradient(lambda A_: float(np.sum(C * forward(A_))), A, grad)


@pytest.mark.parametrize("activation", ["tanh", "softplus"])
def test_dense_layer_kernels(activation):
    X, W, b, C = _layer_data()
    f = {"tanh": np.tanh, "softplus": lambda A: np.log1p(np.exp(A))}[activation]
    loss = lambda X, W, b: 0.5 * float(np.sum((f(X @ W + b) - C) ** 2))  # noqa: E731
    Z = f(X @ W + b)
    G = Z - C
    if activation == "tanh":
        dX, dW, db = PS02["dense_tanh_backward"](G, X, W, Z)
    else:
        dX, dW, db = PS02["dense_softplus_backward"](G, X, W, b)
    assert_gradient(lambda X_: loss(X_, W, b), X, dX)
    assert_gradient(lambda W_: loss(X, W_, b), W, dW)
    assert_gradient(lambda b_: loss(X, W, b_), b, db)
