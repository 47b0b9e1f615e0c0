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

# How precisely a failure of each kind tells a student what is wrong (the wrong-submission table's
# count, tests/test_wrong_submissions.py): "named" says what the mistake is (a known mistake, a sign,
# a factor, a shape, an input changed, too slow...), "located" narrows it to where it is (the entries,
# the exception and the call that raised it) without naming it, "generic" says only that a value
# does not match.
PRECISION = {
    **dict.fromkeys(("known_mistake", "transposed", "sign", "factor", "shape", "type", "nonfinite", "zero",
                     "inputs_modified", "warnings", "too_slow", "too_much_memory", "not_implemented",
                     "not_run", "not_graded"), "named"),
    **dict.fromkeys(("some_entries", "raised"), "located"),
    **dict.fromkeys(("mismatch", "directional", "taylor", "sandbox", "grader", "other"), "generic"),
}

# What a failure raised without a kind counts as; tests/test_kinds.py keeps it from happening.
UNKNOWN = "other"


def known(kind):
    """Whether ``kind`` is one of ``KIND_LABELS``'s kinds (None, no kind, is not)."""
    return kind in KIND_LABELS


def precision(kind):
    """"named", "located" or "generic": how precisely a failure of ``kind`` says what is wrong."""
    return PRECISION[kind or UNKNOWN]


def label(kind, detail=None):
    """The report's label of a failure: its kind's label, and a known mistake's description."""
    if kind == "known_mistake" and detail:
        return f"known mistake: {detail}"
    return KIND_LABELS.get(kind or UNKNOWN, str(kind))
