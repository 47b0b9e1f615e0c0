"""The table of kinds: how precisely the first message of each wrong submission says what is wrong.

For every entry of the wrong-submission table (``autograder.testdata``) the trusted grader grades
the cells the entry must lose; the first of them in notebook order is the first message a student
reads. Its kind's precision (``kinds.precision``: named / located / generic) is counted per
problem set.

    .venv/bin/python scripts/diagnosis_kinds.py [ps04 ...]   # 8 minutes for the whole table on a busy 2-core machine
"""

import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("MCDL_COURSE_SECRET", "diagnosis-kinds-secret")

from autograder import kinds, notebooks, secret, trusted  # noqa: E402

PRECISIONS = ("named", "located", "generic")


def source_path(assignment):
    return ROOT / "solutions" / assignment / f"{assignment}.ipynb"


def cell_order(assignment):
    """The graded test cells' ids of a source notebook, in notebook order."""
    notebook = notebooks.load(source_path(assignment))
    return [notebooks.nbgrader_meta(cell)["grade_id"] for cell in notebook["cells"]
            if notebooks.nbgrader_meta(cell).get("grade")]


def first_verdict(wrong):
    """(test id, Verdict) of the first cell, in notebook order, that ``wrong`` fails (None if none)."""
    reference = notebooks.answer_cells(notebooks.load(source_path(wrong.assignment)))
    order = [t for t in cell_order(wrong.assignment) if t in wrong.fails]
    limits = {"notebook_time_multiple": None, "notebook_idle_floor_seconds": None}
    verdicts, _ = trusted.grade_answers(wrong.assignment, {**reference, **wrong.answers}, order, reference,
                                        secret=os.environ[secret.ENV_VAR], limits=limits)
    return next(((t, verdicts[t]) for t in order if not verdicts[t].passed), None)


def first_kinds(table):
    """{(assignment, name): (test id, Verdict)} of the entries of ``table`` that fail a cell."""
    found = {}
    for wrong in table:
        if wrong.fails:
            found[wrong.assignment, wrong.name] = first_verdict(wrong)
    return found


def precision_table(found):
    """{assignment: Counter(precision)} of ``first_kinds``' result (a cell that passed: "generic")."""
    counts = {}
    for (assignment, _), first in sorted(found.items()):
        kind = first[1].kind if first else None
        counts.setdefault(assignment, Counter())[kinds.precision(kind)] += 1
    return counts


def markdown(counts):
    """The table of kinds as Markdown: one row per problem set and a total."""
    rows = ["| problem set | named | located | generic | named or located |", "|---|---|---|---|---|"]
    total = Counter()
    for assignment, count in sorted(counts.items()):
        total += count
        rows.append(_row(assignment[:4], count))
    rows.append(_row("all", total))
    return "\n".join(rows)


def _row(label, count):
    n = sum(count.values())
    share = (count["named"] + count["located"]) / n if n else 0.0
    return f"| {label} | " + " | ".join(str(count[p]) for p in PRECISIONS) + f" | {share:.0%} of {n} |"


def main(argv):
    from autograder.testdata import WRONG_SUBMISSIONS

    table = [w for w in WRONG_SUBMISSIONS if not argv or w.assignment[:4] in argv]
    found = first_kinds(table)
    for (assignment, name), first in sorted(found.items()):
        test_id, verdict = first or ("-", None)
        kind = verdict.kind if verdict else None
        declared = next(w.kind for w in table if (w.assignment, w.name) == (assignment, name))
        note = "" if declared in (None, kind) else f"  DECLARED {declared}"
        print(f"{assignment[:4]} {name:45} {kinds.precision(kind):8} {kind or 'passed'}  ({test_id}){note}")
    print(markdown(precision_table(found)))


if __name__ == "__main__":
    main(sys.argv[1:])
