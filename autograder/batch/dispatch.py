"""Where the tasks of a run are graded: helpers on this machine (``LocalPool``) or on a Dask cluster.

Either way a task goes to a grading helper (``helper.IsolatedGrader``) that
does one task at a time, and each dispatch yields (task, output) as tasks
finish, the output being ``task.grade_task``'s or {"error": why}
(``helper.answer_or_error``). Locally the helpers are started at once and
kept; on a Dask cluster each worker thread keeps one.
"""

import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

from autograder import course
from autograder.batch.helper import IsolatedGrader, answer_or_error

HELPER_TARGET = "autograder.batch.task:grade_task"


def cores():
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def grading_helper(**options):
    """A grading helper that grades tasks (``task.grade_task``); options as ``IsolatedGrader``'s."""
    return IsolatedGrader(HELPER_TARGET, **options)


class LocalPool:
    """``workers`` grading helpers on this machine, started at once and kept for as many batches as asked.

    ``mcdl grade`` makes one per run; ``mcdl watch`` keeps one, so that a
    submission does not wait for a helper to start. A task takes an idle
    helper and gives it back; a helper that died or hung is replaced at its next task.
    """

    def __init__(self, workers, root, log):
        log.parent.mkdir(parents=True, exist_ok=True)
        env = dict(course.tool_environment())
        self.helpers = [grading_helper(cwd=root, env=env, log=log) for _ in range(workers)]
        for helper in self.helpers:
            helper.start()
        self.idle = queue.SimpleQueue()
        for helper in self.helpers:
            self.idle.put(helper)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mcdl-grade")

    def _run(self, task, shared, timeout):
        helper = self.idle.get()
        try:
            return answer_or_error(helper, {**task, "shared": shared}, timeout)
        finally:
            self.idle.put(helper)

    def outputs(self, tasks, shared, timeout):
        """Yield (task, output or {"error"}) as tasks finish."""
        futures = {self.executor.submit(self._run, task, shared, timeout): task for task in tasks}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            if any(not future.done() for future in futures):  # interrupted: stop what still runs
                for future in futures:
                    future.cancel()
                for helper in self.helpers:
                    helper.close()

    def close(self):
        for helper in self.helpers:
            helper.close()
        self.executor.shutdown(wait=True, cancel_futures=True)


def local_outputs(tasks, shared, timeout, workers, root, log):
    """Yield (task, output or {"error"}) as tasks finish on ``workers`` new local grading helpers."""
    pool = LocalPool(workers, root, log)
    try:
        yield from pool.outputs(tasks, shared, timeout)
    finally:
        pool.close()


_thread_helpers = threading.local()


def grade_on_worker(task, shared, timeout):
    """A Dask task: grade one submission in this worker thread's grading helper.

    Returns the output of ``grade_task``, or {"error": message}.
    """
    if getattr(_thread_helpers, "grader", None) is None:
        _thread_helpers.grader = grading_helper()
    return answer_or_error(_thread_helpers.grader, {**task, "shared": shared}, timeout)


def dask_outputs(tasks, shared, timeout, scheduler):
    """Yield (task, output or {"error"}) as tasks finish on the Dask cluster at ``scheduler``."""
    from distributed import Client
    from distributed import as_completed as dask_completed

    with Client(scheduler, timeout="20s") as client:
        on_cluster = client.scatter(shared, broadcast=True)
        futures = {}
        for task in tasks:
            key = f"mcdl-grade-{task['assignment']}-{task['student']}-{os.urandom(4).hex()}"
            futures[client.submit(grade_on_worker, task, on_cluster, timeout, key=key, pure=False)] = task
        try:
            for future in dask_completed(futures):
                try:
                    output = future.result()
                except Exception as error:  # e.g. KilledWorker: the task killed every worker it ran on
                    output = {"error": f"its Dask task failed: {type(error).__name__}: {error}"}
                yield futures[future], output
        finally:
            client.cancel(list(futures))
