"""The committed notebooks: the graded interface of COURSE.md §4, clean of outputs."""

import ast
import inspect
import re
import subprocess

import pytest
from conftest import ASSIGNMENTS, ROOT, source_path

from autograder import notebooks

INTERFACE = {
    "ps01_gradient_checking": {
        "numerical_gradient": "(f, X, h=1e-06)",
        "directional_derivative": "(f, X, V, h=1e-06)",
        "relative_error": "(A, B)",
        "grad_trace_quadratic": "(A, X)",
        "grad_least_squares": "(A, X, B)",
    },
    "ps02_linear_layers": {
        "linear_forward": "(X, W, b)",
        "linear_backward": "(G, X, W)",
        "linear_backward_torch": "(G, X, W)",
        "sigmoid": "(A)",
        "sigmoid_backward": "(G, Z)",
        "tanh_backward": "(G, Z)",
        "relu_backward": "(G, A)",
        "dense_tanh_backward": "(G, X, W, Z)",
    },
    "ps03_softmax_cross_entropy": {
        "softmax": "(A)",
        "softmax_backward": "(G, Y)",
        "cross_entropy": "(Z, T)",
        "cross_entropy_backward": "(Z, T)",
        "softmax_cross_entropy": "(A, T)",
        "softmax_cross_entropy_labels": "(A, y)",
    },
    "ps04_feedforward_networks": {
        "mlp_loss_and_grad": "(params, X, Y, activations, loss, weight_decay=0.0)",
    },
    "ps05_autoencoders": {
        "tied_autoencoder_loss_and_grad": "(Ws, bs, X, activations)",
        "scaled_tied_autoencoder_loss_and_grad": "(Ws, bs, alphas, X, activations)",
    },
    "ps06_nonlinear_least_squares": {
        "tanh_least_squares": "(X, Y, C)",
        "tanh_least_squares_entry": "(X, Y, C, i, j)",
    },
    "ps07_word_embeddings": {
        "log_sigmoid": "(x)",
        "bilinear_grad": "(u, B, v)",
        "sgns_loss_and_grad": "(W_in, W_out, centers, contexts, negatives)",
    },
    "ps08_matrix_factorization": {
        "mf_loss_and_grad": "(P, U, V, lam=0.0)",
        "mf_loss_and_grad_sparse": "(rows, cols, vals, shape, U, V, lam=0.0)",
        "symmetric_mf_loss_and_grad": "(P, U, B)",
    },
    "ps09_weighted_factorization": {
        "wmf_loss_and_grad": "(Y, C, W, H, lam=0.0)",
        "wmf_row_grad": "(Y, C, W, H, k, lam=0.0)",
        "wals_update_W": "(Y, C, H, lam)",
        "implicit_als_update": "(rows, cols, vals, shape, H, alpha, lam)",
    },
}


def committed_notebooks():
    listed = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True)
    return [ROOT / name for name in listed.stdout.split()] or list(ROOT.glob("[se]*/*/*.ipynb"))


@pytest.mark.parametrize("path", committed_notebooks(), ids=lambda p: p.name)
def test_notebook_has_no_outputs_or_execution_counts(path):
    assert notebooks.code_cells_with_output(notebooks.load(path)) == []


def test_every_interface_assignment_exists():
    assert set(INTERFACE) <= set(ASSIGNMENTS)


@pytest.mark.parametrize("assignment", INTERFACE)
def test_graded_functions_have_the_fixed_names_and_signatures(assignment):
    namespace = notebooks.answer_namespace(source_path(assignment))
    for name, signature in INTERFACE[assignment].items():
        assert str(inspect.signature(namespace[name])) == signature


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_function_alone_in_an_answer_cell_named_after_it(assignment):
    for grade_id, code in notebooks.answer_cells(notebooks.load(source_path(assignment))).items():
        tree = ast.parse(code)
        functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
        assert functions == [grade_id]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_first_cell_holds_the_imports(assignment):
    first = notebooks.load(source_path(assignment))["cells"][0]
    assert notebooks.nbgrader_meta(first).get("grade_id") == "imports"
    assert "import numpy as np" in notebooks.source(first)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_are_named_after_a_function_and_call_its_check(assignment):
    notebook = notebooks.load(source_path(assignment))
    functions = notebooks.answer_cells(notebook)
    module = __import__(f"autograder.assignments.{assignment}", fromlist=["_"])
    graded = [c for c in notebook["cells"] if notebooks.nbgrader_meta(c).get("grade")]
    assert graded, "no graded cells"
    for cell in graded:
        grade_id = notebooks.nbgrader_meta(cell)["grade_id"]
        match = re.fullmatch(r"test_(\w+)", grade_id)
        check = match.group(1)
        assert any(check.startswith(f + "_") for f in functions), grade_id
        assert callable(getattr(module, check)), grade_id
        assert notebooks.nbgrader_meta(cell)["points"] > 0
        assert f"grader.{check}(" in notebooks.source(cell)
        assert "### BEGIN HIDDEN TESTS" in notebooks.source(cell)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_has_a_transfer_task(assignment):
    text = " ".join(notebooks.source(c) for c in notebooks.load(source_path(assignment))["cells"])
    assert "Transfer" in text
    extra = set(notebooks.answer_cells(notebooks.load(source_path(assignment)))) - set(INTERFACE.get(assignment, {}))
    assert extra, "a transfer task adds a graded function beyond the fixed interface"
