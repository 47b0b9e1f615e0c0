"""The loop rule: no Python loop over the batch, counted rather than timed.

``autograder.loop_counts`` counts what a call does (lines of the student's own
code, Python calls, NumPy arrays made from its arguments); ``budgets.LoopRule``
fails a kernel whose counts grow with its batch. The counts must be the same
in a student's own run and in the grading sandbox (both isolation modes), so
that the visible test gives the grading verdict exactly.
"""

import sys

import numpy as np
import pytest
from conftest import TEST_SECRET, source_path

from autograder import budgets, loop_counts, notebooks
from autograder.assignments import ps02_linear_layers as ps02
from autograder.assignments import ps04_feedforward_networks as ps04
from autograder.assignments import using_secret
from autograder.checks import GradingFailure
from autograder.sandbox.remote import Sandbox
from autograder.testdata import named

NAMESPACE = {"np": np}
exec("""
def vectorized(X):
    return (X * X).sum(axis=0)

def python_loop(X):
    total = np.zeros(X.shape[1])
    for row in X:
        total += row * row
    return total

def map_over_rows(X):
    return np.array(list(map(np.tanh, X)))

def blocks_of_64(X):
    out = np.empty(X.shape)
    for start in range(0, len(X), 64):
        out[start:start + 64] = np.tanh(X[start:start + 64])
    return out

def calls_a_library_helper(X):
    return [float(np.sum(row)) for row in X[:3]]

def raises(X):
    raise ValueError("no")
""", NAMESPACE)


def counts(name, rows):
    return loop_counts.count(NAMESPACE[name], (np.ones((rows, 5)),), NAMESPACE)[1]


def growth(name):
    """Events added per row from 50 to 100 rows."""
    small, large = counts(name, 50), counts(name, 100)
    return {event: (large[event] - small[event]) / 50 for event in loop_counts.EVENTS}


def test_a_vectorized_function_does_the_same_for_any_batch():
    assert counts("vectorized", 50) == counts("vectorized", 100)
    assert counts("vectorized", 50)["lines"] == 1  # its one line, counted once


def test_a_python_loop_adds_lines_and_arrays_per_row():
    added = growth("python_loop")
    assert added["lines"] == 2  # the for line and the body, once more per row
    assert added["arrays"] >= 2  # the row and row * row


def test_a_map_over_rows_runs_no_line_but_adds_a_row_and_a_result_per_row():
    added = growth("map_over_rows")
    assert added["lines"] == 0 and added["calls"] == 0
    assert added["arrays"] == 2


def test_blocks_of_rows_of_a_fixed_count_add_less_than_the_rule_allows():
    added = growth("blocks_of_64")
    assert 0 < sum(added.values()) < budgets.LoopRule(len, "row").per_element / 4


def test_lines_count_only_in_the_students_namespace_and_calls_everywhere():
    library = loop_counts.count(NAMESPACE["calls_a_library_helper"], (np.ones((4, 5)),), NAMESPACE)[1]
    everywhere = loop_counts.count(NAMESPACE["calls_a_library_helper"], (np.ones((4, 5)),), None)[1]
    assert library["calls"] >= 1 + 3  # the function, the comprehension and np.sum (a Python function) per row
    assert everywhere["lines"] > library["lines"]  # NumPy's own lines, counted only when asked for


def test_the_previous_trace_function_is_restored_even_when_the_function_raises():
    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        with pytest.raises(ValueError):
            loop_counts.count(NAMESPACE["raises"], (np.ones((2, 2)),), NAMESPACE)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)
    assert loop_counts._counting == [None]


def answers(assignment, replacements=None):
    cells = notebooks.answer_cells(notebooks.load(source_path(assignment)))
    return {**cells, **(replacements or {})}


def submission(name):
    return named(name).answers


def local_function(assignment, function, replacements=None):
    namespace = {"__name__": "__answers__"}
    exec("import numpy as np\n", namespace)
    for code in answers(assignment, replacements).values():
        exec(code, namespace)
    return namespace[function]


PS02 = ("ps02_linear_layers", ps02.DENSE_TANH)
PS04 = ("ps04_feedforward_networks", ps04.MLP)
VERSIONS = [  # (kernel, version, whether it keeps the rule)
    (PS02, None, True), (PS02, "dense_tanh_einsum", True), (PS02, "dense_tanh_builtin_sum_over_rows", False),
    (PS04, None, True), (PS04, "mlp_einsum", True), (PS04, "mlp_forward_loop_over_examples", False),
]


@pytest.mark.parametrize("isolation", ["bubblewrap", "container"])
@pytest.mark.parametrize(("kernel", "version", "keeps"), VERSIONS,
                         ids=lambda v: v if isinstance(v, str) else None)
def test_the_counts_are_the_same_locally_and_in_the_sandbox(kernel, version, keeps, isolation):
    assignment, declared = kernel
    function, rule = declared.function, declared.time.loop_rule
    replacements = submission(version) if version else None
    box = Sandbox(answers(assignment, replacements), isolation=isolation)
    try:
        with using_secret(TEST_SECRET):
            local = budgets.loop_counts_of(local_function(assignment, function, replacements), rule,
                                           declared.arguments, name=function)
            sandboxed = budgets.loop_counts_of(box.function(function), rule, declared.arguments, name=function)
    finally:
        box.close()
    assert local == sandboxed
    assert (sum(budgets.loop_growth(local).values()) < rule.per_element) == keeps


def test_the_time_cell_fails_a_loop_by_the_rule_whatever_the_time():
    loop = local_function(PS04[0], "mlp_loss_and_grad", submission("mlp_forward_loop_over_examples"))
    with using_secret(None), pytest.raises(GradingFailure) as failure:
        ps04.mlp_loss_and_grad_time_budget(loop, case="visible")
    message = str(failure.value)
    assert "is too slow: it runs Python code for each example." in message
    assert "Doubling the batch from 64 to 128 added" in message
    assert failure.value.kind == "too_slow"


def test_a_worker_reply_with_malformed_counts_is_refused():
    from autograder.sandbox.remote import _events

    good = dict.fromkeys(loop_counts.EVENTS, 3)
    assert _events(good) == good
    assert _events({**good, "lines": -1}) is None
    assert _events({**good, "lines": 1.5}) is None
    assert _events({**good, "extra": 1}) is None
    assert _events(None) is None
