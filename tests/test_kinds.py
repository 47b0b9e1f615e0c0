"""A failure's kind is data, from where it is raised to the class report: every raise in the package
names its kind, the kinds are declared once (``autograder/kinds.py``), nothing reads a kind back
from a message, and rewording every message of the wrong-submission table leaves the report's
mistake counts as they were."""

import ast
from collections import Counter

import pytest
from conftest import ASSIGNMENTS, ROOT
from graded_table import LIMITS, graded_entry, trusted_verdicts

from autograder import kinds, report, trusted
from autograder.diagnostics import diagnose
from autograder.errors import GradingFailure, SandboxError
from autograder.results import SubmissionResult
from autograder.testdata import WRONG_SUBMISSIONS

PACKAGE = ROOT / "autograder"


def calls(function_name):
    """(file, line, ast.Call) of every call of ``function_name`` (``X(...)`` or ``m.X(...)``) in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                if name == function_name:
                    found.append((path.relative_to(ROOT), node.lineno, node))
    return found


def kind_argument(call, position):
    """The kind a call passes (keyword ``kind`` or the argument at ``position``), or None."""
    for keyword in call.keywords:
        if keyword.arg == "kind":
            return keyword.value
    return call.args[position] if len(call.args) > position else None


@pytest.mark.parametrize("function, position", [("GradingFailure", 1), ("Diagnosis", 0), ("_failed", 1)])
def test_every_failure_raised_in_the_package_names_a_declared_kind(function, position):
    found = calls(function)
    assert len(found) >= {"GradingFailure": 25, "Diagnosis": 15, "_failed": 3}[function]  # the scan sees them
    missing, undeclared = [], []
    for path, line, call in found:
        kind = kind_argument(call, position)
        if kind is None:
            missing.append(f"{path}:{line}")
        elif isinstance(kind, ast.Constant) and not kinds.known(kind.value):
            undeclared.append(f"{path}:{line}: {kind.value!r}")
    assert missing == [] and undeclared == []


def test_a_kind_that_is_not_declared_is_refused_where_it_is_raised():
    assert GradingFailure("fine", kind="sign").kind == "sign"
    with pytest.raises(ValueError, match="unknown failure kind 'sgn'"):
        GradingFailure("wrong", kind="sgn")
    assert SandboxError.kind in kinds.KIND_LABELS


def test_a_known_mistake_carries_its_description_as_data():
    diagnosis = diagnose(5.0, 2.5, known_mistakes={"the loss without the 1/2": 5.0})
    assert (diagnosis.kind, diagnosis.detail) == ("known_mistake", "the loss without the 1/2")
    assert kinds.label(diagnosis.kind, diagnosis.detail) == "known mistake: the loss without the 1/2"
    assert kinds.label("sign") == "wrong sign" and kinds.label(None) == kinds.KIND_LABELS["other"]


def test_no_regular_expression_reads_a_failure_message():
    # Where verdicts are made, stored, scored and reported, nothing parses text: the
    # modules that could guess a kind from a message do not even import re.
    for module in ("kinds", "errors", "results", "trusted", "report", "nbgrader_plugin", "grades"):
        tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "re" not in imported, module


def failed_verdicts(wrong):
    """{test id: Verdict} of the cells ``wrong`` must lose, graded by the trusted procedure as
    tests/test_wrong_submissions.py grades it (``graded_table.LIMITS``)."""
    verdicts, _ = trusted_verdicts(wrong.assignment, wrong.answers, wrong.fails, limits=LIMITS)
    return verdicts


def mistake_counts(graded):
    """The class report's mistake counts {label: count} of {student: {test id: Verdict}}."""
    results = {student: SubmissionResult("any", student, "graded", verdicts=verdicts)
               for student, verdicts in graded.items()}
    return {label: count for label, (count, _) in report.class_statistics(results, list(results))["mistakes"].items()}


@pytest.fixture
def reworded(monkeypatch):
    """Every failure message upper-cased where it is made: at each raise, and in each failed verdict."""
    def shouting(self, message="", kind=None, detail=None):
        raising(self, str(message).upper(), kind, detail)

    def shouting_verdict(message, *args, **kwargs):
        return failing(str(message).upper(), *args, **kwargs)

    raising, failing = GradingFailure.__init__, trusted._failed
    monkeypatch.setattr(GradingFailure, "__init__", shouting)
    monkeypatch.setattr(trusted, "_failed", shouting_verdict)


@pytest.mark.slow  # the table graded once more, on the cells each entry loses
@pytest.mark.table
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_rewording_every_failure_message_leaves_the_mistake_counts(assignment, request):
    # Plain: the grading test_wrong_submissions.py checks (on one worker with it: graded once).
    table = [w for w in WRONG_SUBMISSIONS if w.assignment == assignment and w.fails]
    plain = {w.name: {test_id: verdict for test_id, verdict in graded_entry(assignment, w.name)[0].items()
                      if test_id in w.fails} for w in table}
    request.getfixturevalue("reworded")
    shouted = {w.name: failed_verdicts(w) for w in table}
    messages = [(plain[w][t].message, shouted[w][t].message) for w in plain for t in plain[w]]
    assert all(loud == loud.upper() for _, loud in messages)
    assert sum(quiet != loud for quiet, loud in messages) >= len(table)  # the messages did change
    assert mistake_counts(shouted) == mistake_counts(plain)
    kinds_seen = Counter(v.kind for verdicts in plain.values() for v in verdicts.values())
    assert None not in kinds_seen and kinds.UNKNOWN not in kinds_seen, kinds_seen
    assert all(not v.passed for verdicts in plain.values() for v in verdicts.values())


def test_every_kind_has_a_precision():
    # named / located / generic: the wrong-submission table's count reads it (test_wrong_submissions.py)
    assert set(kinds.PRECISION) == set(kinds.KIND_LABELS)
    assert set(kinds.PRECISION.values()) == {"named", "located", "generic"}
    assert kinds.precision("known_mistake") == "named" and kinds.precision("mismatch") == "generic"
    assert kinds.precision(None) == "generic"
