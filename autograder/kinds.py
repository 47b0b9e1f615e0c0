"""The kinds of failure a verdict can have, declared once: kind -> the label the class report shows.

A kind travels as data from where a failure is raised (``errors.GradingFailure(message, kind=...)``,
``diagnostics.Diagnosis.kind``, ``errors.SandboxError.kind``) to the verdict
(``results.Verdict.kind``) and the report; nothing reads it back from a message. A known mistake
also carries its description (``detail``), which the report names. Imports nothing.
"""

KIND_LABELS = {
    "not_graded": "not graded (e.g. the notebook is a link)",
    "not_implemented": "not implemented (stub left)",
    "not_run": "answer cell not run (breaks the rules)",
    "too_much_memory": "too much memory",
    "too_slow": "too slow",
    "known_mistake": "a known mistake",
    "transposed": "transposed",
    "sign": "wrong sign",
    "factor": "off by a constant factor",
    "inputs_modified": "inputs modified in place",
    "warnings": "raised warnings",
    "shape": "wrong shape",
    "nonfinite": "NaN or inf",
    "zero": "all zeros",
    "some_entries": "some entries wrong (e.g. repeated indices dropped)",
    "taylor": "fails the Taylor remainder test",
    "directional": "wrong along random directions",
    "type": "wrong type",
    "mismatch": "wrong values",
    "raised": "raised an exception",
    "sandbox": "crashed or stopped in the sandbox",
    "grader": "no check for the cell",
    "other": "other (a failure raised without its kind: a grader bug)",
}

# What a failure raised without a kind counts as; tests/test_kinds.py keeps it from happening.
UNKNOWN = "other"


def known(kind):
    """Whether ``kind`` is one of ``KIND_LABELS``'s kinds (None, no kind, is not)."""
    return kind in KIND_LABELS


def label(kind, detail=None):
    """The report's label of a failure: its kind's label, and a known mistake's description."""
    if kind == "known_mistake" and detail:
        return f"known mistake: {detail}"
    return KIND_LABELS.get(kind or UNKNOWN, str(kind))
