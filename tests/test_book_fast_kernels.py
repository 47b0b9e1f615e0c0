"""Every code example of book/fast_kernels.md, run and checked independently.

The chapter's code cells are read from the Markdown source and executed in one namespace, in
order, as the book build does (from the book/ folder, so that the committed data file is found).
Their functions are then checked against central differences, against formulas written here
independently of the chapter, and against the memory counts the chapter's prose states.
"""

import json
import os
import re

import matplotlib
import numpy as np
import pytest
from conftest import ROOT

from autograder.finite_differences import central_gradient, relative_error

matplotlib.use("Agg")

CHAPTER = ROOT / "book" / "fast_kernels.md"
CELL = re.compile(r"```\{code-cell\} ipython3\n(?:---\n.*?\n---\n)?(.*?)```", re.S)
TOL = 1e-7


def code_cells():
    return CELL.findall(CHAPTER.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def chapter():
    namespace = {"__name__": "fast_kernels_chapter"}
    here = os.getcwd()
    os.chdir(ROOT / "book")
    try:
        for code in code_cells():
            exec(compile(code, str(CHAPTER), "exec"), namespace)
    finally:
        os.chdir(here)
        import matplotlib.pyplot as plt
        plt.close("all")
    return namespace


@pytest.fixture
def rng():
    return np.random.default_rng(20261201)


def tanh_problem(rng, m=300, n=7, p=11):
    return rng.standard_normal((n, p)), rng.standard_normal((m, n)) / np.sqrt(n), rng.uniform(-1, 1, (m, p))


def tanh_loss(X, Y, C):
    return 0.5 * float(np.sum((np.tanh(Y @ X) - C) ** 2))


def test_the_chapter_has_the_code_cells_this_file_checks():
    assert len(code_cells()) >= 10


@pytest.mark.parametrize("kernel", ["tanh_ls_naive", "tanh_ls_in_place", "tanh_ls_blocked"])
def test_tanh_least_squares_kernels_match_central_differences(chapter, rng, kernel):
    X, Y, C = tanh_problem(rng, m=40)
    f, grad = chapter[kernel](X, Y, C)
    assert abs(f - tanh_loss(X, Y, C)) <= 1e-12 * tanh_loss(X, Y, C)
    assert grad.shape == X.shape
    assert relative_error(grad, central_gradient(lambda X_: tanh_loss(X_, Y, C), X)) < TOL


@pytest.mark.parametrize("kernel", ["tanh_ls_naive", "tanh_ls_in_place", "tanh_ls_blocked"])
def test_tanh_least_squares_kernels_leave_their_inputs_unchanged(chapter, rng, kernel):
    X, Y, C = tanh_problem(rng)
    copies = [a.copy() for a in (X, Y, C)]
    chapter[kernel](X, Y, C)
    assert all(np.array_equal(a, b) for a, b in zip((X, Y, C), copies, strict=True))


def test_blocked_kernel_handles_a_last_partial_block(chapter, rng):
    X, Y, C = tanh_problem(rng, m=301)
    want = chapter["tanh_ls_naive"](X, Y, C)[1]
    for block in (1, 64, 300, 1000):
        assert relative_error(chapter["tanh_ls_blocked"](X, Y, C, block)[1], want) < 1e-12


def test_peak_memory_counts_stated_in_the_chapter(chapter, rng):
    """naive: about four m x p arrays; in place: two; blocked: in proportion to the block."""
    X, Y, C = tanh_problem(rng, m=4000, n=20, p=200)
    unit = C.nbytes
    peak = chapter["peak_bytes"]
    naive = peak(chapter["tanh_ls_naive"], X, Y, C) / unit
    in_place = peak(chapter["tanh_ls_in_place"], X, Y, C) / unit
    assert 3.5 <= naive <= 4.5
    assert 1.9 <= in_place <= 2.2
    blocked = peak(chapter["tanh_ls_blocked"], X, Y, C, 400) / unit
    assert 0.15 <= blocked <= 0.25  # two arrays of 400 of the 4000 rows


def test_peak_bytes_measures_an_allocation_of_known_size(chapter):
    assert chapter["peak_bytes"](lambda: np.ones(1_000_000).sum()) >= 8_000_000
    assert chapter["peak_bytes"](lambda: 1 + 1) < 10_000


def test_fused_softmax_cross_entropy_matches_central_differences(chapter, rng):
    A = 2 * rng.standard_normal((6, 5))
    T = rng.dirichlet(np.ones(5), size=6)

    def loss(A_):
        log_softmax = A_ - np.log(np.sum(np.exp(A_), axis=1, keepdims=True))
        return -float(np.sum(T * log_softmax)) / A_.shape[0]
    value, dA = chapter["softmax_ce_fused"](A, T)
    assert abs(value - loss(A)) < 1e-12
    assert relative_error(dA, central_gradient(loss, A)) < TOL


def test_fused_softmax_cross_entropy_is_finite_for_large_logits_and_uses_one_array(chapter, rng):
    A = 1e4 * rng.standard_normal((2000, 300))
    T = rng.dirichlet(np.ones(300), size=2000)
    copy = A.copy()
    value, dA = chapter["softmax_ce_fused"](A, T)
    assert np.isfinite(value) and np.all(np.isfinite(dA))
    assert np.array_equal(A, copy)
    assert chapter["peak_bytes"](chapter["softmax_ce_fused"], A, T) / A.nbytes < 1.3


@pytest.mark.parametrize("scatter", ["scatter_add_at", "scatter_bincount", "scatter_sorted"])
def test_scatter_adds_sum_every_repeated_index(chapter, rng, scatter):
    V, d, N = 9, 4, 60
    idx = rng.integers(0, V - 2, N)  # the last two rows get nothing
    rows = rng.standard_normal((N, d))
    want = np.zeros((V, d))
    for t in range(N):
        want[idx[t]] += rows[t]
    assert np.allclose(chapter[scatter](idx, rows, V), want, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("scatter", ["scatter_add_at", "scatter_bincount", "scatter_sorted"])
def test_scatter_gradient_matches_central_differences(chapter, rng, scatter):
    V, d, N = 6, 3, 30
    E, idx = rng.standard_normal((V, d)), rng.integers(0, V, N)
    x, y = rng.standard_normal((N, d)), rng.standard_normal(N)

    def loss(E_):
        return 0.5 * float(np.sum((np.sum(E_[idx] * x, axis=1) - y) ** 2))
    f, grad = chapter["scatter_loss_and_grad"](E, idx, x, y, chapter[scatter])
    assert abs(f - loss(E)) < 1e-12 * loss(E)
    assert relative_error(grad, central_gradient(loss, E)) < TOL


def test_multiply_adds_counts_each_product(chapter):
    n, m, d, nnz = 7, 5, 3, 11
    dense, gram = chapter["multiply_adds"](n, m, d, nnz)
    assert dense == 3 * (n * m * d)  # U V^T, R V, R^T U
    assert gram == 2 * nnz * d + n * d * d + m * d * d + n * d * d + m * d * d  # PV, P^T U; U^T U, V^T V; U VtV, V UtU


def test_median_times_warms_up_interleaves_and_takes_medians(chapter):
    order = []
    ticks = iter(range(1000))

    def clock():
        return next(ticks)
    calls = {"a": lambda: order.append("a"), "b": lambda: order.append("b")}
    result = chapter["median_times"](calls, runs=3, clock=clock)
    assert order == ["a", "b"] + ["a", "b"] * 3
    assert result == {"a": 1.0, "b": 1.0}  # every timed call spans one tick of the fake clock


def test_the_committed_benchmark_has_every_kernel_at_both_sizes_and_agreeing_gradients():
    data = json.loads((ROOT / "book" / "data" / "autodiff.json").read_text())
    kernels = {"dense_tanh_backward", "softmax_cross_entropy", "softmax_cross_entropy_labels", "mlp_loss_and_grad",
               "tanh_least_squares", "sgns_loss_and_grad", "mf_loss_and_grad_sparse", "implicit_als_update"}
    assert {(r["kernel"], r["size"]) for r in data["results"]} == {(k, s) for k in kernels for s in ("budget", "large")}
    for result in data["results"]:
        assert set(result["seconds"]) == {"reference", "torch", "jax", "jax.jit"}
        assert all(s > 0 for s in result["seconds"].values())
        assert max(result["relative_error"].values()) < 1e-8
    for key in ("cpu", "numpy", "torch", "jax", "blas", "torch_threads", "runs"):
        assert key in data["machine"]
    assert data["machine"]["torch_threads"] == 1
