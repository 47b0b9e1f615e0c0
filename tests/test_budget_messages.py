"""What a failed memory budget tells the student: arrays of the named size, the unit named once,
no tracemalloc/resident pair (that is the instructors' detail); and a kernel that loops over its
batch hears of the loop first, with the loop's advice rather than advice about arrays it never builds."""

import _thread
import threading
import time

import numpy as np
import pytest

from autograder import budgets
from autograder.checks import GradingFailure

NAMESPACE = {"np": np}
exec("""
def rowwise(A):
    return np.array([np.tanh(row) * 2.0 for row in A]) + 0.0

def whole(A):
    Y = np.tanh(A)
    Y2 = Y * 2.0
    return Y2 + 0.0
""", NAMESPACE)

BUDGET = budgets.MemoryBudget(multiple=0.0, unit_name="A", outputs=lambda args: args[0].shape)
RULE = budgets.LoopRule(lambda args: len(args[0]), "row of A")


def arguments(round_, scale=1):
    return (np.random.default_rng(round_).standard_normal((round(2000 * scale), 50)),)


def failure(name, loop):
    args = arguments(0)
    with pytest.raises(GradingFailure) as caught:
        budgets.check_memory_budget(NAMESPACE[name], args, BUDGET, args[0].nbytes, name=name,
                                    advice="Do not form log(Y).", loop=loop)
    return caught.value


def test_memory_is_told_in_arrays_of_the_named_size_and_the_raw_figures_are_the_detail():
    caught = failure("whole", (RULE, arguments, "No loop over the rows."))
    message = str(caught)
    assert caught.kind == "too_much_memory"
    assert message.startswith("whole uses too much memory: ") and "arrays the size of A (0.8 MB each) at its peak, " \
        "beyond its outputs; the budget is 0 arrays. Do not form log(Y)." in message
    assert "tracemalloc" not in message and "resident" not in message and message.count("MB") == 1
    assert caught.detail.startswith("tracemalloc peak ") and "A 0.8 MB" in caught.detail


def test_a_memory_hungry_loop_over_the_batch_is_told_about_the_loop_first():
    caught = failure("rowwise", (RULE, arguments, "No loop over the rows."))
    message = str(caught)
    assert caught.kind == "too_slow"
    assert message.startswith("rowwise is too slow: it runs Python code for each row of A. Doubling the batch "
                              "from 250 to 500 added ")
    assert message.index("too slow") < message.index("It also uses too much memory: ")
    assert message.endswith("No loop over the rows.") and "log(Y)" not in message
    assert failure("rowwise", None).kind == "too_much_memory"  # a kernel without a loop rule: memory alone


def test_a_students_own_run_stops_timing_a_kernel_whose_first_call_is_far_past_the_budget():
    calls = []

    def far_too_slow(A):
        calls.append("slow")
        for _ in range(400):
            A = A + 0.0
        return A

    def fast(A):
        calls.append("fast")
        return A + 0.0

    budget = budgets.TimeBudget(ratio=2.0, floor=lambda A: A + 0.0)
    make_args = lambda round_: (np.ones(1_000_000),)  # noqa: E731
    with pytest.raises(GradingFailure, match="far_too_slow is too slow") as caught:
        budgets.check_time_budget(far_too_slow, None, make_args, budget, name="far_too_slow")
    assert caught.value.kind == "too_slow" and calls == ["slow"]  # no more rounds after the first
    budgets.estimated_ratio(fast, budget, make_args, name="fast")
    assert calls.count("fast") == 6  # a warm-up and five timed rounds


def test_within_one_grading_the_loop_counts_are_taken_once_for_the_memory_and_the_time_check(monkeypatch):
    counted = []
    real = budgets.count_events

    def counting(func, args, *, name):
        counted.append(name)
        return real(func, args, name=name)

    monkeypatch.setattr(budgets, "count_events", counting)
    kernel = NAMESPACE["rowwise"]
    with budgets.sharing_loop_counts():
        first = budgets.loop_counts_of(kernel, RULE, arguments, name="rowwise")
        assert budgets.loop_counts_of(kernel, RULE, arguments, name="rowwise") == first
    budgets.loop_counts_of(kernel, RULE, arguments, name="rowwise")
    assert len(counted) == 4  # two calls (scale 1 and 2) inside, two again outside the shared block


# --- a student's own run stops a first call far past the budget ---------------------------------------

def _spins_for(seconds):
    def kernel(A):
        end = time.process_time() + seconds
        while time.process_time() < end:  # Python steps, which an interrupt can come between
            A = A + 0.0
        return A
    return kernel


def test_a_first_call_far_past_the_budget_is_stopped_unfinished():
    budget = budgets.TimeBudget(ratio=2.0, floor=lambda A: A + 0.0)
    make_args = lambda round_: (np.ones(1000),)  # noqa: E731
    start = time.process_time()
    with pytest.raises(GradingFailure, match=r"endless is too slow: it was stopped unfinished after 2\.\d s of CPU "
                                             r"time on one thread, more than \d+\.\d times") as caught:
        budgets.check_time_budget(_spins_for(3600), None, make_args, budget, name="endless")
    assert caught.value.kind == "too_slow"
    assert budgets.STOP_AT_LEAST_SECONDS <= time.process_time() - start < budgets.STOP_AT_LEAST_SECONDS + 1.5


def test_a_call_that_ends_near_its_stop_leaves_no_interrupt_behind():
    # Calls ending just before, at and after the moment the watcher stops them: whichever wins, the
    # interrupt never escapes the block, and "stopped" says whether it came.
    outcomes = set()
    for seconds in np.linspace(0.05, 0.25, 25):
        with budgets._stopped_past(0.15) as state:
            _spins_for(seconds)(np.ones(10))
        for _ in range(2000):  # steps after the block, where a late interrupt would land
            pass
        outcomes.add(state["stopped"])
    assert outcomes == {True, False}


def test_a_students_own_ctrl_c_still_stops_the_call():
    with pytest.raises(KeyboardInterrupt):
        with budgets._stopped_past(60.0) as state:
            _thread.interrupt_main()
            _spins_for(1.0)(np.ones(10))
    assert state["stopped"] is False


def test_off_the_main_thread_a_call_is_never_interrupted():
    seen = {}

    def run():
        with budgets._stopped_past(0.05) as state:
            _spins_for(0.3)(np.ones(10))
        seen["stopped"] = state["stopped"]

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert seen == {"stopped": False}
