"""Running student code where it cannot touch the verdict.

The grader (the nbgrader process) never runs student code. It starts worker
processes (``worker.py``) inside bubblewrap (``isolation.py``) that execute
the answer cells under the isolation ``policy.py`` states: their own
namespaces, an empty read-only file system, resource limits and an
allow-list seccomp filter. It calls student functions there through
``RemoteFunction`` proxies (``remote.py``). Arguments are copies in shared
memory that the grader reads back after each call; results travel as plain
numbers and arrays (``protocol.py``), never as Python objects. Every check
(``autograder.checks``) runs in the grader, on those plain values.

The worker side (``worker``, ``protocol``, ``seccomp``, ``policy``) imports
nothing outside this package but the value codec ``autograder/transport.py``
and the loop rule's counter ``autograder/loop_counts.py``: inside a worker
they are the only code of the grader there is. Nothing a
notebook imports reaches this package (tests/test_student_path.py).
"""
