"""The instructor's report on a graded assignment: ``mcdl report ID`` writes ``reports/ID.html``.

It reads what ``mcdl grade`` stored (``results/<id>/<student>.json``) and the
submissions in ``submitted/``; it never writes the gradebook and imports
neither the batch grader nor the sandbox. The page holds its figures
(matplotlib, embedded as base64 PNG), so it is one self-contained file:

- the distribution of the total scores;
- each test cell's failure rate;
- the diagnosed mistakes counted across the class, each with an example message;
- the measured budget ratios of each budget cell, with the limit drawn;
- the students not graded (no result, or grading failed), with why;
- loudly, at the top, any test cell whose verdict disagrees with the score nbgrader
  recorded in the gradebook (the cell's output is what nbgrader scores; the
  verdict reaches this report as data, through ``results/``, and the two must agree).

A mistake is counted by the kind its failure carried from where it was raised
(``kinds``), never by the wording of its message.

Each number the page states is also in a ``data-`` attribute of its table
row, so that tests and scripts can read it back.
"""

import base64
import html
import io
import sys
from collections import Counter, defaultdict
from pathlib import Path

from autograder import course, kinds
from autograder.results import disagreements, printable, read_results
from autograder.submissions import submitters

REPORTS_DIRECTORY = "reports"


def _figure_tag(figure, alt):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def gradebook_scores(root, assignment):
    """{student: {cell: [score, max score]}} of every submission of ``assignment`` that nbgrader's
    gradebook holds; None when the course has no gradebook (nothing was graded there)."""
    from nbgrader.api import Gradebook, MissingEntry

    directory = course.course_directory(root)
    file = course.gradebook_file(directory)
    if file is not None and not file.is_file():  # opening it would create it
        return None
    course.silence_gradebook_warnings()
    with Gradebook(directory.db_url) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment).submissions
        except MissingEntry:
            return {}
        return {submission.student.id: {g.name: [g.score, g.max_score]
                                        for notebook in submission.notebooks for g in notebook.grades}
                for submission in submissions}


def class_statistics(results, students, recorded=None):
    """What the report shows, as plain data.

    results: {student: SubmissionResult}; students: every student who submitted; recorded: the scores
    the gradebook holds ({student: {cell: [score, max]}}, ``gradebook_scores``), which count where
    given, else the copy of them in ``results``. Returns {"graded": [student], "not_graded":
    {student: reason}, "totals": {student: (score, max)}, "cells": {cell: (failed, graded)},
    "mistakes": {label: (count, example message)}, "budgets": {cell: ([measured], limit)},
    "disagreements": {student: [cell whose verdict disagrees with its score]}}.
    """
    graded = sorted(s for s, r in results.items() if r.graded)
    not_graded = {s: "not graded yet (run mcdl grade)" for s in students if s not in results}
    not_graded.update({s: r.error if r.status == "rejected" else f"grading failed: {r.error}"
                       for s, r in results.items() if not r.graded})
    scores = {s: results[s].scores if recorded is None else recorded.get(s, {}) for s in graded}
    totals = {s: (sum(v[0] for v in scores[s].values()), sum(v[1] for v in scores[s].values())) for s in graded}
    cells = defaultdict(lambda: [0, 0])
    mistakes, examples = Counter(), {}
    budgets = defaultdict(lambda: [[], None])
    for student in graded:
        for cell, (score, maximum) in scores[student].items():
            cells[cell][1] += 1
            cells[cell][0] += score < maximum
        for cell, verdict in results[student].verdicts.items():
            if verdict.measured is not None:
                budgets[cell][0].append(verdict.measured)
                budgets[cell][1] = verdict.limit
            if verdict.passed:
                continue
            label = kinds.label(verdict.kind, verdict.detail)
            mistakes[label] += 1
            examples.setdefault(label, verdict.message)
    disagreeing = {s: found for s in graded if (found := disagreements(results[s].verdicts, scores[s]))}
    return {
        "graded": graded,
        "not_graded": dict(sorted(not_graded.items())),
        "totals": totals,
        "cells": {cell: tuple(counts) for cell, counts in sorted(cells.items())},
        "mistakes": {label: (count, examples[label]) for label, count in mistakes.most_common()},
        "budgets": {cell: (values, limit) for cell, (values, limit) in sorted(budgets.items())},
        "disagreements": disagreeing,
    }


def disagreement_lines(statistics):
    """One line of text per student whose verdicts disagree with the gradebook's scores."""
    return [f"{printable(student)}: the verdicts of {', '.join(cells)} disagree with the scores in the gradebook"
            for student, cells in statistics["disagreements"].items()]


def _score_figure(totals):
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(figsize=(6.5, 2.8))
    scores = [score for score, _ in totals.values()]
    maximum = max((m for _, m in totals.values()), default=1)
    bins = [x - 0.5 for x in range(int(maximum) + 2)] if maximum <= 40 else 20
    axes.hist(scores, bins=bins, color="#4472c4", edgecolor="white")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(f"score (of {maximum:g})")
    axes.set_ylabel("students")
    axes.set_title("Grade distribution")
    return _figure_tag(figure, "grade distribution")


def _failure_figure(cells):
    plt = _pyplot()
    names = list(cells)
    rates = [100 * failed / graded if graded else 0 for failed, graded in cells.values()]
    figure, axes = plt.subplots(figsize=(6.5, 0.3 * len(names) + 1))
    axes.barh(names[::-1], rates[::-1], color="#c0504d")
    axes.set_xlim(0, 100)
    axes.set_xlabel("students who lost the cell's points (%)")
    axes.set_title("Failure rate of each test cell")
    axes.tick_params(axis="y", labelsize=8)
    return _figure_tag(figure, "failure rate of each test cell")


def _budget_figure(budgets):
    plt = _pyplot()
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    figure, all_axes = plt.subplots(len(budgets), 1, figsize=(6.5, 2.2 * len(budgets)), squeeze=False)
    for axes, (cell, (values, limit)) in zip(all_axes[:, 0], budgets.items(), strict=True):
        low, high = min(values + [limit or max(values)]), max(values + [limit or 0])
        if low > 0 and high / low > 10:  # ratios from 0.5 to 30: a log scale shows both ends
            axes.set_xscale("log")
            bins = np.geomspace(low / 1.1, high * 1.1, 25)
        else:
            bins = 20
        axes.hist(values, bins=bins, color="#9bbb59", edgecolor="white")
        if limit is not None:
            axes.axvline(limit, color="#c0504d", linestyle="--", label=f"limit {limit:g}")
            axes.legend(fontsize=8)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title(cell, fontsize=9)
        axes.set_ylabel("students", fontsize=8)
    all_axes[-1, 0].set_xlabel("measured: time ratio to the reference, or arrays of memory")
    figure.tight_layout()
    return _figure_tag(figure, "budget measurements")


STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.n { text-align: right; }
.alarm { color: #a00; font-weight: bold; }
"""


def _table(table_id, headers, rows):
    """An HTML table: headers are plain text, rows already-built ``<tr>`` elements."""
    head = "".join(f"<th>{header}</th>" for header in headers)
    return f"<table id='{table_id}'><tr>{head}</tr>" + "".join(rows) + "</table>"


def render(assignment, statistics):
    """The report page, as HTML text."""
    s = statistics
    e = html.escape
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(assignment)}: class report</title>"
             f"<style>{STYLE}</style></head><body>", f"<h1>{e(assignment)}: class report</h1>"]
    count = len(s["graded"])
    scores = [score for score, _ in s["totals"].values()]
    mean = sum(scores) / count if count else 0.0
    parts.append(f"<p id='summary' data-graded='{count}' data-not-graded='{len(s['not_graded'])}' "
                 f"data-mean='{mean:.6g}'>{count} submissions graded, {len(s['not_graded'])} not graded; "
                 f"mean score {mean:.2f}.</p>")
    if s["disagreements"]:  # first on the page: the scores below may not be what grading found
        parts.append("<h2 class='alarm'>Verdicts that disagree with the gradebook</h2>")
        parts.append(f"<p class='alarm' id='disagreements' data-students='{len(s['disagreements'])}'>"
                     "For these students a test cell's verdict (what grading found) and its score in the "
                     "gradebook (what nbgrader recorded from the cell's output) disagree: a grader bug or a "
                     "score changed by hand. Check them before releasing grades.</p>")
        parts.append(_table("disagreeing", ("student", "cells"), (
            f"<tr data-student='{e(student)}' data-cells='{e(' '.join(cells))}'><td>{e(student)}</td>"
            f"<td>{e(', '.join(cells))}</td></tr>" for student, cells in s["disagreements"].items())))
    parts.append("<h2>Grade distribution</h2>")
    if count:
        parts.append(_score_figure(s["totals"]))
        parts.append(_table("scores", ("score", "students"), (
            f"<tr data-score='{score:g}' data-students='{n}'><td class='n'>{score:g}</td><td class='n'>{n}</td></tr>"
            for score, n in sorted(Counter(scores).items()))))
    parts.append("<h2>Failure rate of each test cell</h2>")
    if s["cells"]:
        parts.append(_failure_figure(s["cells"]))
        parts.append(_table("cells", ("cell", "failed", "rate"), (
            f"<tr data-cell='{e(cell)}' data-failed='{failed}' data-graded='{graded}'><td>{e(cell)}</td>"
            f"<td class='n'>{failed} of {graded}</td><td class='n'>{100 * failed / graded:.0f}%</td></tr>"
            for cell, (failed, graded) in s["cells"].items())))
    parts.append("<h2>Diagnosed mistakes across the class</h2>")
    if s["mistakes"]:
        parts.append(_table("mistakes", ("mistake", "failed cells", "example message"), (
            f"<tr data-mistake='{e(label)}' data-count='{n}'><td>{e(label)}</td>"
            f"<td class='n'>{n}</td><td>{e(example)}</td></tr>"
            for label, (n, example) in s["mistakes"].items())))
    else:
        parts.append("<p>No failed cells.</p>")
    parts.append("<h2>Budget measurements</h2>")
    if s["budgets"]:
        parts.append(_budget_figure(s["budgets"]))
        rows = []
        for cell, (values, limit) in s["budgets"].items():
            over = sum(v > limit for v in values) if limit is not None else 0
            rows.append(f"<tr data-cell='{e(cell)}' data-measured='{len(values)}' data-over='{over}'>"
                        f"<td>{e(cell)}</td><td class='n'>{len(values)}</td>"
                        f"<td class='n'>{sorted(values)[len(values) // 2]:.2f}</td><td class='n'>{over}</td>"
                        f"<td class='n'>{'' if limit is None else f'{limit:g}'}</td></tr>")
        parts.append(_table("budgets", ("cell", "measured", "median", "over the limit", "limit"), rows))
    else:
        parts.append("<p>This assignment has no budget cells (or none was measured).</p>")
    parts.append("<h2>Students not graded</h2>")
    if s["not_graded"]:
        parts.append(_table("not-graded", ("student", "why"), (
            f"<tr data-student='{e(student)}'><td>{e(student)}</td><td>{e(reason)}</td></tr>"
            for student, reason in s["not_graded"].items())))
    else:
        parts.append("<p>Every submission is graded.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(course_dir=None, assignment=None, *, stream=None):
    """Write ``reports/<assignment>.html`` in the course folder and return its path.

    Verdicts that disagree with the gradebook's scores are also named on ``stream`` (default stderr).
    """
    root = course.course_root(course_dir)
    results = read_results(root, assignment)
    students = submitters(root, assignment)
    if not results and not students:
        raise LookupError(f"nothing to report on {assignment}: no submissions in {root / 'submitted'} "
                          f"and no results in {root / 'results' / assignment}")
    statistics = class_statistics(results, students, gradebook_scores(root, assignment))
    path = Path(root) / REPORTS_DIRECTORY / f"{assignment}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(assignment, statistics), encoding="utf-8")
    for line in disagreement_lines(statistics):
        print(f"WARNING {assignment}: {line}", file=stream if stream is not None else sys.stderr)
    return path
