"""What a student reads when their code raises or runs out of time: the inputs, the line of their
code, and NumPy's shape errors as the shapes that clash, locally and in the grading sandbox alike;
on hidden cases no number the grader cannot vouch for."""

import linecache
import re

import numpy as np
import pytest

from autograder import checks, raised, tracebacks
from autograder.diagnostics import concealing_values
from autograder.errors import StudentError
from autograder.sandbox.remote import Sandbox

BACKWARD = """
def linear_backward(G, X, W):
    dX = G @ W
    return dX, X.T @ G, G.sum(axis=0)
"""
CENTRED = """
def centred(A, m):
    return A - m
"""


def numpy_message(operation):
    with pytest.raises((ValueError, np.linalg.LinAlgError)) as caught:
        operation()
    return type(caught.value).__name__, str(caught.value)


def local(code, name):
    """The function ``name`` of ``code``, defined as a notebook defines it (its lines kept)."""
    file = f"<answer cell {name}>"
    linecache.cache[file] = (len(code), None, code.splitlines(True), file)
    namespace = {"np": np}
    exec(compile(code, file, "exec"), namespace)
    return namespace[name]


def failure_of(func, *args):
    with pytest.raises(checks.GradingFailure) as caught:
        checks.call(func, *args)
    return caught.value


@pytest.mark.parametrize("operation, says", [
    (lambda: np.ones((6, 4)) @ np.ones((3, 5)), "left operand has 4 columns and whose right operand has 3 rows"),
    (lambda: np.ones((3, 4)) + np.ones((4, 3)), "arrays of shapes (3, 4) and (4, 3) were combined entry by entry"),
    (lambda: np.dot(np.ones((3, 4)), np.ones((3, 5))), "np.dot) of shapes (3, 4) and (3, 5): the 4 and the 3"),
    (lambda: np.linalg.solve(np.eye(3), np.ones((4, 2))), "solve was given arrays that do not fit"),
])
def test_numpys_shape_errors_become_sentences_without_the_gufunc_signature(operation, says):
    kind, message = numpy_message(operation)
    sentence = raised.explained(kind, message, {}, ())
    assert says in sentence and "gufunc" not in sentence and "operand 1" not in sentence, sentence


def test_other_messages_pass_unchanged_and_concealed_on_hidden_cases():
    assert raised.explained("ZeroDivisionError", "division by zero", {}, ()) == "division by zero"
    with concealing_values():
        assert raised.explained("ValueError", "bad value 0.123456", {}, ()) == "bad value #"


def test_the_inputs_are_named_with_shapes_and_options():
    args = (np.ones((6, 4)), np.ones(3), "relu", 5, 0.25, (30, 40), [np.ones(2)] * 2, len)
    text = raised.inputs(args, ["X", "b", "activation", "K", "lam", "shape", "params"])
    assert text == ("X of shape (6, 4), b of shape (3,), activation='relu', K=5, lam=0.25, shape=(30, 40), "
                    "params (a list of 2), argument 8 (a function)")
    with concealing_values():  # a drawn number is not shown on a hidden case; a round constant is
        assert raised.inputs((0.123456, 0.1), ["eps", "lam"]) == "eps (a number), lam=0.1"


def test_a_local_shape_error_names_the_line_and_the_operands_that_clash():
    G, X, W = np.ones((6, 4)), np.ones((6, 3)), np.ones((3, 5))
    failure = failure_of(local(BACKWARD, "linear_backward"), G, X, W)
    assert failure.kind == "raised"
    assert str(failure) == (
        "linear_backward raised ValueError on G of shape (6, 4), X of shape (6, 3), W of shape (3, 5), "
        "at `dX = G @ W`: G is (6, 4) and W is (3, 5); for @ the 4 and the 3 must agree (the columns of G, "
        "the rows of W).")


def test_a_broadcasting_error_names_the_operands_and_the_sizes_that_differ():
    failure = failure_of(local(CENTRED, "centred"), np.ones((3, 4)), np.ones(3))
    assert "at `return A - m`: A is (3, 4) and m is (3,), which do not broadcast for -: aligned from the " \
           "right, 4 and 3 differ" in str(failure)


SOFTMAX = """
def softmax(A):
    E = np.exp(A - A.max(axis=1, keepdims=True))
    return E / E.sum(axis=1)
"""
IN_PLACE = """
def softmax(A):
    Y = np.exp(A - A.max(axis=1, keepdims=True))
    Y /= Y.sum(axis=1)
    return Y
"""
PRODUCT = """
def product(X, W):
    return np.tanh(X) @ W.T
"""


def test_the_one_operation_on_the_line_is_named_as_written_when_its_operands_are_expressions():
    failure = failure_of(local(SOFTMAX, "softmax"), np.ones((4, 5)))
    assert str(failure).endswith("at `return E / E.sum(axis=1)`: E is (4, 5) and E.sum(axis=1) is (4,), which do "
                                 "not broadcast for /: aligned from the right, 5 and 4 differ (each pair of sizes "
                                 "must be equal, or one of them 1).")
    failure = failure_of(local(IN_PLACE, "softmax"), np.ones((4, 5)))
    assert str(failure).endswith("at `Y /= Y.sum(axis=1)`: Y is (4, 5) and Y.sum(axis=1) is (4,), which do not "
                                 "broadcast for /=: aligned from the right, 5 and 4 differ (each pair of sizes "
                                 "must be equal, or one of them 1).")
    failure = failure_of(local(PRODUCT, "product"), np.ones((4, 5)), np.ones((5, 3)))
    assert str(failure).endswith("at `return np.tanh(X) @ W.T`: for np.tanh(X) @ W.T, the 5 columns of np.tanh(X) "
                                 "and the 3 rows of W.T must agree.")


def test_on_hidden_cases_only_the_arguments_sizes_are_shown():
    error = StudentError("ValueError", "operands could not be broadcast together with shapes (3,4) (4123,3) ")
    with concealing_values():  # 4123 is no size of the arguments: the student's text could carry anything
        assert not re.search(r"\d", raised.message("f", error, (np.ones((3, 4)), np.ones((4, 3)))).split(":")[1])
        assert "(3, 4) and (4, 3)" in raised.message(
            "f", StudentError("ValueError", "operands could not be broadcast together with shapes (3,4) (4,3) "),
            (np.ones((3, 4)), np.ones((4, 3))))


def test_a_sandboxed_shape_error_says_what_a_local_one_says():
    G, X, W = np.ones((6, 4)), np.ones((6, 3)), np.ones((3, 5))
    box = Sandbox({"linear_backward": BACKWARD}, call_seconds=10)
    try:
        remote = failure_of(box.function("linear_backward"), G, X, W)
    finally:
        box.close()
    assert str(remote) == str(failure_of(local(BACKWARD, "linear_backward"), G, X, W))


def test_a_worker_cannot_quote_a_line_or_operand_it_did_not_write():
    box = Sandbox({"f": "def f(A):\n    return A\n"})
    try:
        where = box._place({"file": "<answer cell f>", "line": 2, "parameters": ["A", "1bad"],
                            "operands": [["@", "A", [3, 4], "secret", [4, 5]], ["+", "A", [3], "A", [3]],
                                         ["@", "A", ["x"], "A", [3]]]})
        assert where == {"parameters": ["A"], "code": "return A", "operands": [["+", "A", [3], "A", [3]]]}
        assert box._place({"file": "<answer cell g>", "line": 1, "parameters": None}) == {"parameters": None}
    finally:
        box.close()


def test_parameter_names_come_from_the_function_or_its_cell():
    assert tracebacks.parameter_names(lambda X, W, b=0: X) == ["X", "W", "b"]
    assert tracebacks.parameter_names(len) is None
    assert tracebacks.parameter_names_in_source("import numpy\ndef f(A, y, *, k=1):\n    pass\n", "f") == ["A", "y"]
    assert tracebacks.parameter_names_in_source("f = lambda A: A\n", "f") is None


SLOW = "def slow(X, k):\n    while True:\n        pass\n"


def test_a_call_out_of_time_is_too_slow_against_the_references_time():
    box = Sandbox({"slow": SLOW}, call_seconds=1)
    asked = []

    def timer(function, args):
        asked.append((function, args[1]))
        return 0.02

    try:
        with checks.timing_reference(timer):
            failure = failure_of(box.function("slow"), np.ones((5, 2)), 3)
        without = failure_of(box.function("slow"), np.ones((5, 2)), 3)
    finally:
        box.close()
    assert asked == [("slow", 3)]  # the reference ran on the very input
    assert failure.kind == "too_slow" and str(failure).startswith(
        "slow is too slow: it did not finish within 1 second on X of shape (5, 2), k=3, where the reference "
        "takes 0.02 seconds. A far slower method than needed")
    assert "endless loop?" in str(failure)
    assert without.kind == "sandbox" and "did not finish within 1 second on X of shape (5, 2), k=3 (an endless " \
                                         "loop, or a far slower method than needed?)" in str(without)


def test_a_wrong_value_of_a_call_that_changed_its_inputs_is_reported_as_that_change():
    def scribbles(params, X):
        params[0][0] *= 2.0
        return float(np.sum(params[0][0]))

    params = [[np.ones(3), np.ones(2)]]
    outcome = checks.call(scribbles, params, np.ones(2))
    with pytest.raises(checks.GradingFailure) as caught, \
            checks.blaming_changed_inputs(outcome, ("params", "X"), name="scribbles", callee="helper"):
        checks.check_scalar(outcome.value, 3.0, name="J")
    assert caught.value.kind == "inputs_modified"
    assert str(caught.value).startswith("params[0][0] was changed in place by scribbles (or by helper, which it "
                                        "calls), the likely cause of its wrong result: J is 2 times")
    unchanged = checks.call(lambda params, X: 6.0, params, np.ones(2))
    with pytest.raises(checks.GradingFailure) as caught, \
            checks.blaming_changed_inputs(unchanged, ("params", "X"), name="f"):
        checks.check_scalar(unchanged.value, 3.0, name="J")
    assert caught.value.kind == "factor"  # nothing changed: the wrong value's own diagnosis
