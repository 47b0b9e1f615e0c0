"""What a kernel's own code does in one call, counted for the loop rule (``budgets.LoopRule``).

Three kinds of event, each the same on every machine and at any load:

- ``lines``: lines of the student's own code run (its functions, lambdas,
  comprehensions and helpers: every frame whose globals are the namespace the
  answers were defined in), from ``sys.settrace`` line events (Python 3.11 and
  later alike);
- ``calls``: Python functions entered, the student's or a library's (a
  generator resumed counts too);
- ``arrays``: NumPy arrays made from the arguments (views, rows, results of
  operations on them). The arguments arrive as views of ``CountedArray``, a
  subclass that counts each new array derived from it, so that a ``map`` over
  rows, which runs no Python line (``map(np.tanh, A)``), still counts one row
  and one result per row.

A kernel without a Python loop over its batch does the same number of these
for a batch twice as large; a loop adds some for every element.

This module imports only ``sys`` and NumPy and nothing of this package: a
grading worker has it as ``mcdl_loop_counts`` (``sandbox/isolation.py``), and a
student's own run imports it as it is.
"""

import gc
import sys

import numpy as np

EVENTS = ("lines", "calls", "arrays")


# The counts of the call being counted, or None. A module global rather than an attribute of
# the class, which a kernel could reach through type(X) (answer cells cannot name dunders).
_counting = [None]


class CountedArray(np.ndarray):
    """An ndarray whose new arrays (views, results) add to the counts of the call being counted.

    Otherwise it behaves as an ndarray: a reduction to one number gives a NumPy scalar, as it
    does for an ndarray (NumPy 2; NumPy 1 gives a 0-d array), not a 0-d array of the subclass.
    """

    def __array_finalize__(self, obj):
        counts = _counting[0]
        if counts is not None:
            counts["arrays"] += 1

    def __array_wrap__(self, array, context=None, return_scalar=False):
        result = super().__array_wrap__(array, context, return_scalar) if return_scalar else \
            super().__array_wrap__(array, context)
        return result[()] if return_scalar else result


_COUNTING = (CountedArray.__array_finalize__.__code__, CountedArray.__array_wrap__.__code__)


def map_arrays(value, func):
    """``value`` with each of its arrays, also inside lists, tuples and dicts, replaced by ``func(array)``."""
    if isinstance(value, np.ndarray):
        return func(value)
    if type(value) in (list, tuple):
        return type(value)(map_arrays(v, func) for v in value)
    if type(value) is dict:
        return {k: map_arrays(v, func) for k, v in value.items()}
    return value


def counted(value):
    """``value`` with its arrays (also inside lists, tuples and dicts) as CountedArray views."""
    return map_arrays(value, lambda array: array.view(CountedArray))


def count(func, args, namespace):
    """Call ``func(*args)`` on counted views of ``args``; returns (value, {event: count}).

    namespace: the globals of the student's code (the dict its functions were
    defined in); lines are counted in frames with these globals only. None:
    in every frame. What ``func`` raises propagates, and the counts are lost.
    """
    args = [counted(a) for a in args]
    counts = dict.fromkeys(EVENTS, 0)

    def line(frame, event, arg):
        if event == "line":
            counts["lines"] += 1
        return line

    def call(frame, event, arg):
        if frame.f_code in _COUNTING:  # the counting itself
            return None
        counts["calls"] += 1
        return line if namespace is None or frame.f_globals is namespace else None

    previous, collecting = sys.gettrace(), gc.isenabled()
    gc.disable()  # a collection would run the finalizers of other code's garbage within the count
    _counting[0] = counts
    sys.settrace(call)
    try:
        value = func(*args)
    finally:
        sys.settrace(previous)
        _counting[0] = None
        if collecting:
            gc.enable()
    return value, counts
