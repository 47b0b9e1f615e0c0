"""Median wall-clock seconds of several calls timed in turn, shared by the benchmark scripts."""

import time

import numpy as np

RUNS = 7


def timings(calls, runs=RUNS):
    """{name: [seconds of each run]} of each call in ``calls``: one warm-up each, then ``runs`` interleaved rounds."""
    for call in calls.values():
        call()
    spent = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            spent[name].append(time.perf_counter() - start)
    return spent


def medians(calls, runs=RUNS):
    """{name: median seconds} of each call in ``calls`` (see ``timings``)."""
    return {name: float(np.median(s)) for name, s in timings(calls, runs).items()}
