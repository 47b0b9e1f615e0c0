"""Which test cells a submission reaches (``autograder.testdata.reach``): the tests that grade the table
on those cells alone are exact only if every cell a replaced function can change is among them."""

from conftest import graded_cells

from autograder.testdata.reach import cells_reached, graded_test_ids

PS03 = "ps03_softmax_cross_entropy"
PS04 = "ps04_feedforward_networks"


def stub(name):
    return {name: f"def {name}(*args):\n    return 0\n"}


def test_a_replaced_function_reaches_its_own_cells_only():
    assert cells_reached(PS03, stub("softmax")) == {"test_softmax_values", "test_softmax_stable"}
    assert cells_reached(PS03, stub("softmax_backward")) == {"test_softmax_backward_values"}
    fused = {t for t in graded_cells(PS03) if t.startswith("test_softmax_cross_entropy_")
             and not t.startswith("test_softmax_cross_entropy_labels")}
    assert len(fused) == 6 and cells_reached(PS03, stub("softmax_cross_entropy")) == fused


def test_a_function_that_calls_a_replaced_one_is_reached_too():
    # ps04's L1 variant calls mlp_loss_and_grad: replacing the latter changes both functions' cells.
    assert cells_reached(PS04, stub("mlp_loss_and_grad")) == set(graded_cells(PS04))
    assert cells_reached(PS04, stub("mlp_l1_loss_and_grad")) == {"test_mlp_l1_loss_and_grad_loss",
                                                                  "test_mlp_l1_loss_and_grad_gradients"}


def test_a_replacement_that_runs_code_of_its_own_reaches_every_cell():
    assert cells_reached(PS03, {"softmax": "import numpy as np\nSHIFT = 1\ndef softmax(A):\n    return A\n"}) is None
    assert cells_reached(PS03, {"softmax": "print('hi')\n"}) is None


def test_an_unused_helper_reaches_nothing_and_the_cells_are_the_notebooks():
    assert cells_reached(PS03, {"helper": "def helper(x):\n    return x\n"}) == set()
    assert graded_test_ids(PS03) == list(graded_cells(PS03))
