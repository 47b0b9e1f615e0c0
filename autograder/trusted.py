"""Grading a notebook's answers where student code cannot change the verdict.

``grade_answers`` is the whole procedure: answer cells that keep the rules of
``answer_rules`` run in a sandbox (``autograder.sandbox``); each graded test
cell ``test_<check>`` becomes one call of ``autograder.assignments.<id>.<check>``
on this side, with proxies of the student's functions, while the course
secret (which derives the hidden inputs) is in force. ``TrustedGrading`` is
the nbgrader preprocessor that does this during ``nbgrader autograde`` and
writes each verdict into its test cell, where nbgrader scores it.
"""

import importlib
import inspect
import logging
import os
import secrets
import time

from autograder import answer_rules, budgets, checks
from autograder.assignments import function_of, using_secret
from autograder.diagnostics import concealing_values
from autograder.errors import GradingFailure, SandboxError, StudentError
from autograder.kinds import UNKNOWN
from autograder.results import Verdict
from autograder.sandbox import policy
from autograder.sandbox.remote import Sandbox

log = logging.getLogger(__name__)

__all__ = ["Verdict", "function_of", "grade_answers"]


def _failed(message, kind, measurement=None, detail=None):
    """A failed verdict of ``kind`` (``kinds.KIND_LABELS``; None, a failure raised without its kind,
    counts as ``kinds.UNKNOWN`` and is logged as the grader bug it is)."""
    if kind is None:
        log.warning("a failure was raised without its kind: %s", message)
    return Verdict(False, message, kind=kind or UNKNOWN, detail=detail, **(measurement or {}))


def _run_check(check, student, reference):
    options = {}
    if "reference" in inspect.signature(check).parameters:
        options["reference"] = reference
    check(student, **options)


def grade_answers(assignment, answers, test_ids, reference_answers, *, secret, limits=None):
    """Verdicts of the test cells, and notes about each answer cell.

    answers: {cell id: code} of the submitted answer cells.
    test_ids: the graded test cells' ids, ``test_<check>``, from the gradebook.
    reference_answers: {cell id: code} of the source notebook's answer cells
        (the functions graded, and reference kernels for time budgets).
    secret: the course secret (``autograder.secret``). Hidden cases derive
        from it alone; budget inputs also from a nonce drawn for this call, so
        they differ on every grading run. Verdicts show no value of a hidden
        case (``diagnostics.concealing_values``).
    limits: overrides of ``sandbox.policy.LIMITS``. The notebook's workers get
        ``notebook_time_multiple`` times the time the reference answers' take, at
        least ``notebook_time_floor_seconds``, and its code may be idle for
        ``notebook_idle_floor_seconds`` more than that time (``notebook_budget``).
    Returns ({test id: Verdict}, {answer cell id: note}).
    """
    limits = {**policy.LIMITS, **(limits or {})}
    budget = notebook_budget(assignment, test_ids, reference_answers, secret=secret, limits=limits)
    verdicts, notes, _ = _grade(assignment, answers, test_ids, reference_answers, secret, limits, budget)
    return verdicts, notes


def load_factor():
    """How many times slower than on an idle machine a process runs now, at most: the
    machine's load average over the last minute per core, at least 1."""
    cores = len(os.sched_getaffinity(0)) or 1
    return max(1.0, os.getloadavg()[0] / cores)


_reference_seconds = {}  # measured once per grading process: {(assignment, test ids, reference answers): seconds}


def reference_seconds(assignment, test_ids, reference_answers, *, secret, limits):
    """The time the reference answers' workers take when graded as a submission, in this process
    (on its machine), measured the first time it is asked for, over the load factor then: the
    time they would take on the machine idle."""
    key = (assignment, tuple(test_ids), tuple(sorted(reference_answers.items())))
    if key not in _reference_seconds:
        load = load_factor()
        *_, seconds = _grade(assignment, reference_answers, test_ids, reference_answers, secret, limits, None)
        _reference_seconds[key] = seconds / min(load, load_factor())  # the generous estimate
        log.info("%s: the reference answers' workers took %.1f s at a load factor of %.1f",
                 assignment, seconds, load)
    return _reference_seconds[key]


def notebook_budget(assignment, test_ids, reference_answers, *, secret, limits):
    """The notebook's time budgets, at the machine's load now, from the reference answers'
    time (``reference_seconds``): {"seconds": the multiple of that time, at least the floor,
    "idle_seconds": that time plus the idle floor}; a budget whose limit is None is None."""
    multiple, idle_floor = limits["notebook_time_multiple"], limits["notebook_idle_floor_seconds"]
    if multiple is None and idle_floor is None:
        return {"seconds": None, "idle_seconds": None}
    reference_time = reference_seconds(assignment, test_ids, reference_answers, secret=secret,
                                       limits=limits) * load_factor()
    return {"seconds": None if multiple is None else max(limits["notebook_time_floor_seconds"],
                                                         multiple * reference_time),
            "idle_seconds": None if idle_floor is None else idle_floor + reference_time}


def _grade(assignment, answers, test_ids, reference_answers, secret, limits, budget):
    """(verdicts, notes, seconds the student's workers took): ``grade_answers`` with the
    notebook's time budgets given (``notebook_budget``; None: none)."""
    module = importlib.import_module(f"autograder.assignments.{assignment}")
    deadline = time.monotonic() + limits["submission_seconds"]
    broken = {cell: rules for cell, code in answers.items() if (rules := answer_rules.violations(code))}
    budget = budget or {}
    student = Sandbox({c: code for c, code in answers.items() if c not in broken}, limits=limits, deadline=deadline,
                      budget_seconds=budget.get("seconds"), idle_budget_seconds=budget.get("idle_seconds"))
    references = []  # the reference answers' sandbox, once a check needs it

    def reference_box():
        if not references:
            references.append(Sandbox(reference_answers, limits=limits))
        return references[0]

    def reference_seconds_on(function, args):
        """The reference's CPU seconds on the arguments a student's call ran out of time on."""
        if function not in reference_answers:
            return None
        try:
            return reference_box().function(function).run(args, detect_changes=False).cpu_seconds
        except (SandboxError, StudentError):
            return None

    verdicts, notes = {}, {}
    try:
        with using_secret(secret, run=secrets.token_hex(16)), concealing_values(), \
                budgets.recording() as measurement, checks.timing_reference(reference_seconds_on), \
                budgets.sharing_loop_counts():
            for test_id in test_ids:
                measurement.clear()
                check_name = test_id.removeprefix("test_")
                check = getattr(module, check_name, None)
                function = function_of(check_name, reference_answers)
                if check is None or function is None:
                    verdicts[test_id] = _failed(f"the grader has no check for {test_id}; tell your instructor",
                                                "grader")
                    continue
                if function in broken:
                    reason = "; ".join(broken[function])
                    verdicts[test_id] = _failed(f"the cell of {function} was not run: {reason}", "not_run")
                    continue
                needs_reference = "reference" in inspect.signature(check).parameters
                stopped_before = student.exhausted()
                try:
                    _run_check(check, student.function(function),
                               reference_box().function(function) if needs_reference else None)
                    verdicts[test_id] = Verdict(True, f"{check_name}: passed", **measurement)
                except GradingFailure as failure:
                    verdicts[test_id] = _failed(str(failure), failure.kind, measurement, failure.detail)
                except SandboxError as error:
                    verdicts[test_id] = _failed(f"{function}: {error}", error.kind, measurement)
                if not stopped_before and (stopped := student.exhausted()):
                    notes[function] = f"Grading stopped this function in {test_id}: {stopped}."
        notes.update({cell: f"This cell was not run: {'; '.join(rules)}." for cell, rules in broken.items()})
        for cell, (message, _) in student.cell_errors.items():
            notes[cell] = f"Running this cell failed: {message}"
        printed = student.total_printed_bytes()
        if printed > limits["printed_bytes"]:
            notes["__printed__"] = (
                f"During grading your code printed {printed / 1e6:.1f} MB; printed output is discarded."
            )
    finally:
        student.close()
        for box in references:
            box.close()
    return verdicts, notes, student.spent_seconds()
