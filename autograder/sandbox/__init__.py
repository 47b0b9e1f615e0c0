"""Running student code where it cannot touch the verdict.

The trusted side (the nbgrader process) never runs student code. It starts a
worker process (``worker.py``) that executes the answer cells under resource
limits and a seccomp filter (no files, no processes, no network), and calls
student functions there through ``RemoteFunction`` proxies. Arguments travel
in shared memory that the trusted side reads back after each call; results
travel as plain numbers and arrays, never as Python objects. Every check
(``autograder.checks``) runs on the trusted side, on those plain values.
"""
