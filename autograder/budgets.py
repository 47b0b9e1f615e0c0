"""Time and memory budgets of core kernels.

Memory: the peak allocation during one call, beyond the outputs the interface
returns (and only those), as a multiple of a named array (for example "arrays
the size of Z"). In the grading sandbox the call runs in a fresh worker and is
measured twice: with tracemalloc inside the worker and as the growth of the
worker's peak resident size since before its answer cells were defined, read
from /proc outside the worker's reach; the larger counts. In a student's own
run only tracemalloc is available.

Loop rule: no Python loop over the batch, counted rather than timed
(``LoopRule``). The kernel runs on a fraction of the budget inputs' batch and
on a batch twice as large, and what its own code does in each call is counted (``loop_counts``:
lines of its code run, Python functions entered, NumPy arrays made from its
arguments); a kernel whose counts grow with the batch fails. The counts are
the same on every machine and at any load, so a student's own run gives the
verdict grading gives. It is checked before the time budget, in the same cell.

Time: the student's kernel against the reference kernel on the same fresh
inputs, call by call and in alternating order; the ratio of the medians of
their CPU times counts, read by the grader from the kernel's accounting of each
worker. Every timed result is compared with the reference's, so a kernel that
skips work cannot pass. The reference runs in a worker of its own that holds
no student code, and the student's worker must stay idle while it runs. A
student's own run has no reference: it estimates the ratio from the kernel's
floor, timed the same way (``estimated_ratio``).
"""

import _thread
import contextlib
import threading
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np
import threadpoolctl

from autograder import checks, loop_counts
from autograder.errors import GradingFailure
from autograder.finite_differences import relative_error
from autograder.scoped import ScopedValue

MB = 1e6


@dataclass(frozen=True)
class MemoryBudget:
    """At most ``multiple`` arrays of ``unit_bytes`` beyond the outputs.

    outputs: a function of the kernel's arguments giving the shapes its
    interface returns (see ``_interface_bytes``); only those are credited.
    """

    multiple: float
    unit_name: str
    outputs: object
    tolerance: float = 0.25  # of one unit: allocator pages, small arrays


@dataclass(frozen=True)
class LoopRule:
    """No Python loop over the batch: one more element of the batch may add fewer than
    ``per_element`` events (lines + calls + arrays, ``loop_counts``) to a call.

    batch: function of the arguments giving the batch's size (rows, pairs, nonzeros).
    unit: what one element of the batch is, in words ("row of X").
    arguments: function (round_, scale) giving the kernel's arguments with a batch ``scale``
        times that of the budget inputs (scale 1: the budget inputs); None: the time budget's.
    counted_scale: the batch counted, and then twice it, as a fraction of the budget inputs'. The
        counts per element are the same at any size; a smaller batch gives them sooner (a Python
        loop runs several times slower while it is counted).
    A loop adds at least a line and the loop's own step per element (a ``map`` over rows: a row
    and a result); blocks of rows of a fixed count add a fraction of one.
    """

    batch: object
    unit: str
    arguments: object = None
    per_element: float = 1.0
    counted_scale: float = 1 / 8


@dataclass(frozen=True)
class TimeBudget:
    """At most ``ratio`` times the reference's median time.

    floor: the kernel's unavoidable work (its matrix products, one pass of its
        transcendental function), as a function of its arguments; a student's
        own run estimates the ratio from it, since it has no reference kernel.
    reference_over_floor: the reference's time over the floor's, measured by
        ``scripts/benchmark_budgets.py --floors``.
    loop_rule: a LoopRule checked first (exact where time is not), or None.
    """

    ratio: float
    repeats: int = 9
    floor: object = None
    reference_over_floor: float = 1.0
    loop_rule: LoopRule | None = None


@dataclass(frozen=True)
class CoreKernel:
    """One core kernel's budgets, declared once: its notebook's budget checks
    (``assignments.budget_checks``), scripts/benchmark_budgets.py and the tests are made from it.

    function: the graded function's name.
    sizes: the budget inputs in words, e.g. "t, n, m = 1000, 200, 500".
    arguments: function (round_) giving fresh inputs of the time budget (and of the memory budget
        unless ``memory_arguments``); where the time budget has a loop rule, (round_, scale=1)
        with ``scale`` times the batch.
    memory, time: its MemoryBudget and TimeBudget (the loop rule within), None where it has none.
    memory_arguments: function (round_) giving the memory budget's inputs; None: ``arguments``.
    unit_bytes: function of the memory budget's inputs giving the bytes of the array it counts in.
    memory_advice, time_advice: what a failure's message ends with.
    memory_doc, time_doc: what each check checks, in a sentence (the checks' docstrings).
    versions: (label, submission name, the budgets it breaks: a set of "memory", "time" and
        "loop") of its known memory-hungry and slow versions (``autograder/testdata/``), which the
        benchmark and the tests grade.
    """

    function: str
    sizes: str
    arguments: object
    memory: MemoryBudget | None = None
    time: TimeBudget | None = None
    memory_arguments: object = None
    unit_bytes: object = None
    memory_advice: str = ""
    time_advice: str = ""
    memory_doc: str = ""
    time_doc: str = ""
    versions: tuple = ()

    def memory_inputs(self):
        """The memory budget's inputs (round 0)."""
        return (self.memory_arguments or self.arguments)(0)


def _interface_bytes(value, outputs, name):
    """Bytes of the outputs the interface returns; fails if ``value`` has another structure.

    outputs: the shapes of the returned float64 values in order, () for a
    number; a single shape (not in a tuple of shapes) for a lone array.
    Only these are credited: returning more (say, the temporaries) does not
    make a kernel lighter.
    """
    single = not outputs or not isinstance(outputs[0], tuple)
    shapes, values = ((outputs,), (value,)) if single else (outputs, value)
    if not single and (type(value) not in (tuple, list) or len(value) != len(shapes)):
        raise GradingFailure(f"{name} should return {len(shapes)} values, so its memory cannot be measured.",
                             kind="type")
    for got, shape in zip(values, shapes, strict=True):
        if shape and (type(got) is not np.ndarray or got.shape != shape):
            got_shape = got.shape if isinstance(got, np.ndarray) else type(got).__name__
            raise GradingFailure(f"{name} returned {got_shape} where an array of shape {shape} belongs, "
                                 "so its memory cannot be measured.", kind="shape")
    return sum(8 * int(np.prod(shape, dtype=np.int64)) for shape in shapes if shape)


def _measure_locally(func, args, name):
    copies = tuple(checks.private_copy(a) for a in args)  # copied before measuring
    with checks.reported_as(name, func, args):
        tracemalloc.start()
        try:
            value, _ = checks.invoke(func, copies)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return checks.transported(value), peak, 0


def measure_memory(func, args, *, name):
    """(value, tracemalloc peak, resident peak) of one call, in bytes.

    In the sandbox the resident peak counts from before the answer cells were
    defined, in a worker of its own; locally only tracemalloc is available.
    """
    if hasattr(func, "measure_memory"):
        with checks.reported_as(name, func, args):
            result, resident = func.measure_memory(args)
        return result.value, result.traced_peak, resident
    return _measure_locally(func, args, name)


_measurements = ScopedValue("budget_measurements", dict)


def recording():
    """While inside, the budget checks leave their last measurement in the dict this yields:
    {"measured": time ratio (or a student's own estimate of it) or arrays used, "limit": the largest
    that passes}."""
    return _measurements.within()


def _record(measured, limit):
    record = _measurements.current()
    if record is not None:
        record.update(measured=float(measured), limit=float(limit))


MEMORY_ADVICE = "Reuse one temporary with in-place operations (*=, out=) instead of creating new arrays."
TIME_ADVICE = "Avoid Python loops over the batch: one matrix product does the whole sum."


def memory_used(func, args, budget, unit_bytes, *, name):
    """(arrays of the named size used beyond the interface's outputs, traced bytes, resident bytes, credited bytes)."""
    value, traced, resident = measure_memory(func, args, name=name)
    credited = _interface_bytes(value, budget.outputs(args), name)
    return (max(traced, resident) - credited) / unit_bytes, traced, resident, credited


def _arrays(count):
    return f"{count:g} array" + ("" if count == 1 else "s")


def check_memory_budget(func, args, budget, unit_bytes, *, name, advice=MEMORY_ADVICE, loop=None):
    """Fail unless one call stays within ``budget`` beyond its outputs; ``advice`` ends the message.

    loop: (LoopRule, its arguments' function, the advice on loops) of a kernel that has a loop rule,
        or None. A kernel over the budget that also loops over its batch is told about the loop
        first (kind "too_slow"), with the loop's advice: its memory comes from the loop's
        temporaries, not from the arrays ``advice`` names.
    The student's message gives the memory in arrays of the named size; the raw measurements
    (tracemalloc's peak, the resident peak, the outputs credited) are the failure's ``detail``.
    """
    used, traced, resident, credited = memory_used(func, args, budget, unit_bytes, name=name)
    _record(used, budget.multiple + budget.tolerance)
    if used <= budget.multiple + budget.tolerance:
        return used
    figures = (f"{used:.1f} arrays the size of {budget.unit_name} ({unit_bytes / MB:.1f} MB each) at its peak, "
               f"beyond its outputs; the budget is {_arrays(budget.multiple)}")
    measured = f"tracemalloc peak {traced / MB:.1f} MB"
    if resident:
        measured += f", resident peak {resident / MB:.1f} MB"
    measured += f", outputs credited {credited / MB:.1f} MB, {budget.unit_name} {unit_bytes / MB:.1f} MB"
    if loop is not None:
        rule, make_args, loop_advice = loop
        _, found = loop_finding(func, rule, make_args, name=name)
        if found is not None:
            raise GradingFailure(f"{found} It also uses too much memory: {figures}. {loop_advice}",
                                 kind="too_slow", detail=measured)
    raise GradingFailure(f"{name} uses too much memory: {figures}. {advice}", kind="too_much_memory",
                         detail=measured)


def _number(value):
    """A real number, a NumPy scalar or a 0-d array, as a float; None for anything else."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        return float(value)
    return None


def _outputs_right(got, want):
    """[bool per output] of a kernel's result against the reference's (the leaves of nested tuples and
    lists: numbers and arrays), or None where ``got`` has another structure or shapes."""
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return None
        right = [_outputs_right(g, w) for g, w in zip(got, want, strict=True)]
        return None if None in right else [leaf for part in right for leaf in part]
    if _number(want) is not None:
        return None if _number(got) is None else [relative_error(_number(got), _number(want)) < 1e-8]
    if not isinstance(got, np.ndarray) or got.shape != np.shape(want):
        return None
    return [relative_error(got, want) < 1e-8]


def _timed_fairly(got, want):
    """Whether a result is worth timing: the reference's structure and shapes, and at least half of the
    outputs right. A mistake in one output (db as a mean) costs that output's cells, not the time
    budget's, while a kernel that skips the work (zeros of the right shapes) is not timed."""
    right = _outputs_right(got, want)
    return right is not None and 2 * sum(right) >= len(right)


IDLE_CPU_SECONDS = 0.005  # what a waiting worker may use while the other kernel runs


def _timed_call(kernel, args, name):
    with checks.reported_as(name, kernel, args):
        result = kernel.run(args, detect_changes=False)
    return result.value, result.cpu_seconds


HARNESS_KERNEL = "mcdl_harness_kernel"


def harness_kernel_source(value):
    """A kernel that does no work, to measure what the harness costs a timed call.

    It takes the same arguments and returns ready-made outputs shaped like
    ``value``; it does not read its inputs, since reading them costs any kernel
    the same in a process of its own.
    """
    def literal(v):
        if type(v) in (tuple, list):
            return "(" + "".join(literal(x) + ", " for x in v) + ")"
        if isinstance(v, np.ndarray):
            return f"np.ones({v.shape!r})"
        return "0.0"

    return (f"_OUTPUTS = {literal(value)}\n"
            f"def {HARNESS_KERNEL}(*args):\n"
            "    return _OUTPUTS\n")


def time_ratio(func, reference, make_args, repeats, *, name, stop_past=None):
    """Median CPU time of ``func`` over the reference's, on fresh inputs each round.

    stop_past: a ratio at which one round is enough: a kernel whose first round is that far past
    its budget is slow on any machine, and more rounds would only spend the notebook's time.

    Both run in sandboxes, and their CPU time is read by the grader from the
    kernel's accounting: stopping or slowing a process cannot shrink it. The
    student's worker must stay idle while the reference runs. What the harness
    itself costs a call (mapping the arguments, sending the results back) is
    measured each round with a kernel that does no work, in the reference's
    worker where student code cannot reach it; the least of these is taken off
    both times.

    Returns (ratio, student's seconds, reference's seconds), harness excluded.
    """
    own, theirs, harness = [], [], []
    for round_ in range(repeats):
        args = make_args(round_)
        order = ((func, own), (reference, theirs)) if round_ % 2 == 0 else ((reference, theirs), (func, own))
        results = {}
        for kernel, times in order:
            idle_before = func.cpu_seconds(once_idle=True) if kernel is reference else None
            value, seconds = _timed_call(kernel, args, name)
            if idle_before is not None and func.cpu_seconds() - idle_before > IDLE_CPU_SECONDS:
                raise GradingFailure(f"{name} kept running after it returned, while the reference kernel was "
                                     "timed; its time cannot be measured.", kind="too_slow")
            times.append(seconds)
            results[kernel is func] = value
        if not _timed_fairly(results[True], results[False]):
            raise GradingFailure(
                f"{name} returned wrong results while it was being timed: time is measured only for a "
                "kernel that computes most of its outputs right.", kind="mismatch"
            )
        harness.append(_harness_seconds(reference, results[False], args, name))
        if stop_past is not None and own[0] - harness[0] > stop_past * max(theirs[0] - harness[0], 1e-9):
            break
    cost = float(np.min(harness))  # disturbances only add to a call: the fastest is the harness's cost
    own_net, theirs_net = float(np.median(own)) - cost, float(np.median(theirs)) - cost
    if theirs_net <= 0:  # the reference costs no more than the harness: compare whole calls
        own_net, theirs_net = float(np.median(own)), float(np.median(theirs))
    return max(own_net, 0.0) / theirs_net, max(own_net, 0.0), theirs_net


def _harness_seconds(reference, value, args, name):
    sandbox = reference.sandbox
    if HARNESS_KERNEL not in sandbox.cells:
        sandbox.add_cell(HARNESS_KERNEL, harness_kernel_source(value))
    return _timed_call(sandbox.function(HARNESS_KERNEL), args, name)[1]


# A student's own run fails a kernel only when its estimate is this far past the
# budget: the estimate comes from another machine's calibration, and correct
# kernels estimate 0.7 to 1.5 while loops estimate 7 and more.
VISIBLE_MARGIN = 1.5


def _cpu_seconds(func, args, name, stop_past=None):
    """(CPU seconds of one call of ``func`` on copies of ``args``, whether it was stopped).

    A sandboxed function reports its worker's CPU time; a local one is timed
    by this process's CPU clock, which other processes cannot slow, and is
    stopped once it has used ``stop_past`` CPU seconds (``_stopped_past``).
    """
    copies = tuple(checks.private_copy(a) for a in args)
    if hasattr(func, "run"):
        return _timed_call(func, copies, name)[1], False
    start = time.process_time()
    with checks.reported_as(name, func, args), _stopped_past(stop_past) as stopped:
        checks.invoke(func, copies)
    return time.process_time() - start, stopped["stopped"]


@contextlib.contextmanager
def _stopped_past(cpu_seconds):
    """Stop the block once this process has used ``cpu_seconds`` of CPU time in it (None: never).

    A watching thread interrupts the main thread (``_thread.interrupt_main``, on every platform)
    between two of its Python steps; the block's KeyboardInterrupt is then swallowed and the
    yielded {"stopped": True} says so. A Ctrl-C of the student's own still stops everything. Off
    the main thread, or where SIGINT is ignored, the block runs to its end.
    """
    state = {"stopped": False}
    if cpu_seconds is None or threading.current_thread() is not threading.main_thread():
        yield state
        return
    lock, done, start = threading.Lock(), threading.Event(), time.process_time()

    def watch():
        while not done.wait(STOP_POLL_SECONDS):
            with lock:
                if not done.is_set() and time.process_time() - start > cpu_seconds:
                    state["stopped"] = True
                    _thread.interrupt_main()
                    return

    watcher = threading.Thread(target=watch, name="mcdl-time-watch", daemon=True)
    watcher.start()
    try:
        try:
            yield state
        except KeyboardInterrupt:
            if not state["stopped"]:
                raise
            return
        finally:
            with lock:
                done.set()
            watcher.join()
        deadline = time.monotonic() + 1.0
        while state["stopped"] and time.monotonic() < deadline:
            time.sleep(0.001)  # stopped as the block ended: the interrupt arrives here, not in the caller
    except KeyboardInterrupt:
        if not state["stopped"]:
            raise


STOP_POLL_SECONDS = 0.05


def _floor_seconds(floor, args):
    """CPU seconds of the floor, warm: the faster of two calls in a row (the first
    after a kernel that touched much memory pays for paging it back in)."""
    times = []
    for _ in range(2):
        start = time.process_time()
        floor(*args)
        times.append(time.process_time() - start)
    return min(times)


def _keep_freed_memory():
    """Have the C allocator keep the memory a kernel frees for its next call, as it does in
    a process that has run a while: one freed block of 30 MiB raises glibc's thresholds for
    returning memory to the system to their maximum. Otherwise a young process pays for page
    faults on every call, and those cost more than the arithmetic on some virtual machines."""
    np.empty(30 << 17)


@contextlib.contextmanager
def one_blas_thread():
    """Run the block with NumPy's BLAS on one thread; yields whether that could be done.

    threadpoolctl cannot limit every BLAS (not macOS's Accelerate) and may not know a
    platform's libraries at all; then the block runs with the threads BLAS chose.
    """
    try:
        limiter = threadpoolctl.threadpool_limits(limits=1, user_api="blas")
    except Exception:  # threadpoolctl could not inspect this process's libraries
        yield False
        return
    with limiter:
        try:
            blas = [info for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]
        except Exception:
            blas = []
        yield bool(blas) and all(info.get("num_threads") == 1 for info in blas)


def estimated_ratio(func, budget, make_args, *, name, repeats=5):
    """(estimated ratio to the reference, student's median seconds, floor's median seconds, one thread?,
    stopped?: the first call was stopped past ``CLEARLY_TOO_SLOW`` times the budget).

    The student's kernel and the floor run alternately on the same inputs, as
    grading runs a kernel: on one BLAS thread and timed in CPU seconds, so
    neither the machine's cores nor other processes change the estimate, nor
    (``_keep_freed_memory``) what the process did before. The
    ratio of their medians, over the reference's ratio to the floor, estimates
    the ratio that grading measures.

    Where BLAS cannot be limited to one thread, CPU seconds count the work of
    all its threads, which costs the floor's products at least what one thread
    costs them: the estimate of a kernel that does those products and other work
    can only fall, so a correct kernel never estimates too slow, but a slow one
    (a loop of small products, which BLAS runs on one thread) may estimate too
    fast (``check_time_budget`` says so).
    """
    args = make_args(0)
    own, floor, stopped = [], [], False
    _keep_freed_memory()
    with one_blas_thread() as single:
        # The first round warms up, unless the kernel is far past its budget already: then more
        # rounds (of minutes each) would only make the student wait, and so would the rest of its call.
        first_floor = _floor_seconds(budget.floor, args)
        clearly_too_slow = CLEARLY_TOO_SLOW * budget.ratio * budget.reference_over_floor * first_floor
        first, stopped = _cpu_seconds(func, args, name, stop_past=max(clearly_too_slow, STOP_AT_LEAST_SECONDS))
        if stopped or first > clearly_too_slow:
            own, floor = [first], [first_floor]
        else:
            for _ in range(repeats):
                own.append(_cpu_seconds(func, args, name)[0])
                floor.append(_floor_seconds(budget.floor, args))
    own_median, floor_median = float(np.median(own)), float(np.median(floor))
    return own_median / floor_median / budget.reference_over_floor, own_median, floor_median, single, stopped


NOT_JUDGED = "cannot be judged on this machine"
CLEARLY_TOO_SLOW = 20  # times the budget: a student's own run stops a kernel's first call this slow, and times no more
STOP_AT_LEAST_SECONDS = 2.0  # of CPU time: a call is never stopped sooner
FAR_PAST_THE_BUDGET = 3  # times the budget: grading times one round only of a kernel this slow


def _threads(single):
    return "on one thread" if single else "on all the threads of NumPy's BLAS, which cannot be limited to one here"


def count_events(func, args, *, name):
    """What one call of ``func`` on copies of ``args`` did: {event: count} (``loop_counts``).

    In the sandbox the worker counts; locally the lines counted are those of
    the function's own module (its globals), as the worker counts its answers'.
    """
    with checks.reported_as(name, func, args):
        if hasattr(func, "count_events"):
            return func.count_events(args)
        copies = tuple(checks.private_copy(a) for a in args)
        namespace = getattr(func, "__globals__", None)
        (_, counts), _ = checks.invoke(lambda *a: loop_counts.count(func, a, namespace), copies)
        return counts


_shared_counts = ScopedValue("shared_loop_counts", dict)


def sharing_loop_counts():
    """Inside the block (the grading of one notebook), each kernel's loop counts are taken once: a
    memory check that counts them (a kernel over its memory budget) leaves them for the time check,
    so that telling of a loop first costs the notebook no time."""
    return _shared_counts.within()


def loop_counts_of(func, rule, make_args, *, name):
    """[(batch size, {event: count})] of one call on ``rule.counted_scale`` times the budget inputs' batch
    and one on a batch twice as large.

    make_args: the time budget's function (round_, scale) of its inputs, unless the rule has its own.
    """
    shared, key = _shared_counts.current(), (getattr(func, "__name__", None), id(rule))
    if shared is not None and key in shared:
        return shared[key]
    counted = []
    for scale in (rule.counted_scale, 2 * rule.counted_scale):
        args = (rule.arguments or make_args)(0, scale)
        counted.append((rule.batch(args), count_events(func, args, name=name)))
    if shared is not None:
        shared[key] = counted
    return counted


def loop_growth(counted):
    """{event: what one more element of the batch added} from ``loop_counts_of``'s two calls."""
    (small, before), (large, after) = counted
    return {event: (after[event] - before[event]) / (large - small) for event in loop_counts.EVENTS}


def loop_finding(func, rule, make_args, *, name):
    """(what one more element of the batch added {event: count}, the sentences that report a loop
    over the batch, or None when ``func`` keeps ``rule``)."""
    counted = loop_counts_of(func, rule, make_args, name=name)
    growth = loop_growth(counted)
    per_element = sum(growth.values())
    if per_element < rule.per_element:
        return growth, None
    (small, before), (large, after) = counted
    added = ", ".join(f"{after[e] - before[e]} {LOOP_EVENT_WORDS[e]}" for e in loop_counts.EVENTS)
    return growth, (
        f"{name} is too slow: it runs Python code for each {rule.unit}. Doubling the batch from {small} "
        f"to {large} added {added}: {per_element:.1f} per {rule.unit}, where a kernel without a Python "
        f"loop over the batch adds none or next to none (the rule allows under {rule.per_element:g}; "
        "this count is the same on every machine).")


def check_loop_rule(func, rule, make_args, *, name, advice=TIME_ADVICE):
    """Fail when what ``func`` does grows with its batch (``LoopRule``); returns the growth per element."""
    growth, found = loop_finding(func, rule, make_args, name=name)
    if found is not None:
        raise GradingFailure(f"{found} {advice}", kind="too_slow")
    return growth


LOOP_EVENT_WORDS = {"lines": "lines of your code run", "calls": "Python function calls",
                    "arrays": "NumPy arrays made from the arguments"}


def check_time_budget(func, reference, make_args, budget, *, name, advice=TIME_ADVICE):
    """Fail unless ``func`` keeps ``budget.loop_rule`` and runs within ``budget.ratio`` times the reference.

    Without a reference (a student's own run) the ratio is estimated on this
    machine from the kernel's floor (``estimated_ratio``), and a kernel that is
    clearly too slow fails here too. Where BLAS cannot be limited to one thread,
    an estimate past the failing point still fails (threads only lower it), and
    any other says that time cannot be judged here.
    """
    if budget.loop_rule is not None:
        check_loop_rule(func, budget.loop_rule, make_args, name=name, advice=advice)
    if reference is None:
        if budget.floor is None:
            return None
        estimate, own, floor, single, stopped = estimated_ratio(func, budget, make_args, name=name)
        _record(estimate, VISIBLE_MARGIN * budget.ratio)
        if estimate > VISIBLE_MARGIN * budget.ratio:
            took = (f"it was stopped unfinished after {own:.1f} s of CPU time {_threads(single)}, more than"
                    if stopped else f"it took {own * 1e3:.1f} ms of CPU time {_threads(single)}, about")
            raise GradingFailure(
                f"{name} is too slow: {took} "
                f"{estimate:.1f} times the reference kernel's time (estimated on this machine from the "
                f"{floor * 1e3:.1f} ms of the work no kernel can avoid); the budget is {budget.ratio:g} times. "
                f"{advice}", kind="too_slow")
        if not single:
            print(f"{name}: its time {NOT_JUDGED}, since NumPy's BLAS runs on several threads that threadpoolctl "
                  f"cannot limit to one (as with macOS's Accelerate). It took {own * 1e3:.1f} ms of CPU time, about "
                  f"{estimate:.1f} times the reference kernel's time, an estimate that threads make too low for a "
                  "slow kernel but never too high for a fast one; grading measures it on one thread against the "
                  f"reference. {advice}")
            return estimate
        verdict = (f"within the budget of {budget.ratio:g} times" if estimate <= budget.ratio else
                   f"close to the budget of {budget.ratio:g} times, so grading may find it too slow. {advice}")
        print(f"{name} took {own * 1e3:.1f} ms of CPU time on one thread, about {estimate:.1f} times the "
              "reference kernel's time (an estimate from the work no kernel can avoid; grading measures it "
              f"against the reference itself): {verdict}")
        return estimate
    ratio, own, theirs = time_ratio(func, reference, make_args, budget.repeats, name=name,
                                    stop_past=FAR_PAST_THE_BUDGET * budget.ratio)
    _record(ratio, budget.ratio)
    if ratio > budget.ratio:
        raise GradingFailure(
            f"{name} is too slow: median {own * 1e3:.1f} ms against the reference's {theirs * 1e3:.1f} ms, "
            f"{ratio:.1f} times as long; the budget is {budget.ratio:g} times. {advice}", kind="too_slow"
        )
    return ratio
