"""Shared helpers of the test suite."""

import contextlib
import functools
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import assignments, course, notebooks, secret

# Hidden cases and budget inputs derive from the course secret: the tests use their
# own (the environment variable also reaches nbgrader run in a subprocess).
TEST_SECRET = os.environ.setdefault(secret.ENV_VAR, "test-suite-secret")

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = course.assignments(ROOT)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes minutes (whole batches graded); deselect with -m 'not slow'")
    config.addinivalue_line("markers", "timing: measures times or loads the machine: such tests run one after "
                                       "another on one pytest-xdist worker")
    config.addinivalue_line("markers", "alone: runs while no other test runs (a ratio of two wall-clock times)")
    config.addinivalue_line("markers", "table: reads tests/graded_table.py's gradings: a problem set's such tests run "
                                       "on one pytest-xdist worker, which grades each entry once")
    for assignment in ASSIGNMENTS:
        config.addinivalue_line("markers", f"{problem_set(assignment)}: a test about {assignment} "
                                           f"(select one problem set's tests with -m {problem_set(assignment)})")


def problem_set(assignment):
    """The short name of a problem set, its marker: "ps03" for ps03_softmax_cross_entropy."""
    return assignment.split("_", 1)[0]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    """Mark each test with the problem sets its id names (a parameter or the test's own name), and with the
    pytest-xdist group of the tests it must run beside (``xdist_group``)."""
    for item in items:
        for name in {problem_set(a) for a in ASSIGNMENTS if problem_set(a) in item.nodeid}:
            item.add_marker(name)
        group = xdist_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
        if SLOW_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)


# Fixtures that build for minutes: the book, the batch courses, the nbgrader pipeline. Their tests are slow.
SLOW_FIXTURES = {"book_site", "template_course", "graded_course"}


# Session fixtures that several modules share: their users run on one worker, which builds them once.
SHARED_FIXTURES = {"book_site": "book_site", "template_course": "batch_courses"}


def xdist_group(item):
    """The group whose tests run on one pytest-xdist worker (``--dist loadgroup``), or None.

    Tests that time or load the machine (marked ``timing``) run one after another, never beside each
    other; tests that share a module- or session-scoped fixture run where it is built, once; the
    nbgrader pipeline is built per problem set, so each problem set's tests go together, and so do
    those that read a problem set's gradings of the wrong-submission table (``table``). Every other
    test goes to whichever worker is free.
    """
    if item.get_closest_marker("timing"):
        return "timing"
    names = set(item.fixturenames)
    if "graded_course" in names:
        return f"pipeline-{next(problem_set(a) for a in ASSIGNMENTS if a in item.nodeid)}"
    if item.get_closest_marker("table"):
        return f"table-{next(problem_set(a) for a in ASSIGNMENTS if a in item.nodeid)}"
    for fixture, group in SHARED_FIXTURES.items():
        if fixture in names:
            return group
    definitions = getattr(item, "_fixtureinfo", None)
    for name in names:
        for fixturedef in (definitions.name2fixturedefs.get(name, ()) if definitions else ()):
            if fixturedef.scope == "module":
                return item.path.name
    return None


def pytest_collection_finish(session):
    """On a pytest-xdist worker, write {test id: group} for the controller's scheduler (below)."""
    if hasattr(session.config, "workerinput"):
        groups = {item.nodeid: xdist_group(item) for item in session.items if xdist_group(item)}
        path = run_folder(session.config) / f"xdist-groups-{session.config.workerinput['workerid']}.json"
        path.write_text(json.dumps(groups), encoding="utf-8")


def pytest_xdist_make_scheduler(config, log):
    """Tests of one group on one worker, the largest groups first (xdist's --dist loadgroup, which
    reads the groups from the test ids that pytest 9 no longer lets it rewrite)."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return worker_groups(config).get(nodeid) or nodeid

    return GroupScheduling(config, log)


@functools.cache
def worker_groups(config):
    """{test id: group}, as the workers wrote them (the scheduler asks once they all collected)."""
    groups = {}
    for path in sorted(run_folder(config).glob("xdist-groups-*.json")):
        groups.update(json.loads(path.read_text(encoding="utf-8")))
    return groups


def run_folder(config):
    """The run's temporary folder: the controller's, which holds each worker's folder."""
    base = config._tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Under pytest-xdist, a test marked ``alone`` runs (fixtures included) while no other test runs."""
    if not hasattr(item.config, "workerinput"):  # not an xdist worker: tests run one at a time anyway
        yield
        return
    with machine_share(run_folder(item.config), exclusive=bool(item.get_closest_marker("alone"))):
        yield


@contextlib.contextmanager
def machine_share(folder, exclusive):
    """Hold the machine shared with the other workers' tests, or alone (waiting for theirs to end).

    Two flock files in ``folder``: a turnstile that a worker waiting to run alone holds, so that the
    others cannot keep starting tests ahead of it, and the machine itself, shared or exclusive.
    """
    import fcntl

    with open(folder / "mcdl-tests.turnstile", "a") as turnstile, open(folder / "mcdl-tests.machine", "a") as machine:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(machine, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        finally:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(machine, fcntl.LOCK_UN)


@pytest.fixture(autouse=True, scope="session")
def course_secret():
    """The test secret, set for the whole session as the grader sets the real one."""
    with assignments.using_secret(TEST_SECRET):
        yield TEST_SECRET


@pytest.fixture(scope="session")
def book_site(tmp_path_factory):
    """The HTML site, built once per session as the README says (warnings are errors).

    tests/test_book.py reads its files; tests/test_browser.py renders its pages.
    """
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return out / "_build" / "html"


def measured(cell):
    """What a failing cell (its test id) shows of the worker that ran the student's code: a measurement
    (memory, time and the loop rule's counts, arguments changed in place, warnings), or values that
    crossed back. A kind for ``representative_wrong_submissions``."""
    return next((kind for kind in ("memory_budget", "time_budget", "inputs_unchanged", "stable") if kind in cell),
                "values")


def representative_wrong_submissions(kind_of=None):
    """Per problem set, the fewest wrong submissions of autograder/testdata/ that together fail every
    test cell the table fails there (greedy: the one failing most cells not yet covered first, ties in
    table order). Where a test repeats the table in a second mode only to compare the modes, these
    show every check of every problem set failing in that mode.

    kind_of: a function of a test cell's id; given, the submissions cover every kind of cell (its
    value) the table fails in each problem set, rather than every cell.
    """
    from autograder.testdata import WRONG_SUBMISSIONS

    kind_of = kind_of or (lambda cell: cell)
    chosen = []
    for assignment in ASSIGNMENTS:
        table = [w for w in WRONG_SUBMISSIONS if w.assignment == assignment]
        kinds_failed = {w.name: {kind_of(cell) for cell in w.fails} for w in table}
        uncovered = set().union(*kinds_failed.values())
        while uncovered:
            best = max(table, key=lambda w: (len(kinds_failed[w.name] & uncovered), -table.index(w)))
            chosen.append(best)
            uncovered -= kinds_failed[best.name]
    assert {(w.assignment, kind_of(cell)) for w in chosen for cell in w.fails} >= {
        (w.assignment, kind_of(cell)) for w in WRONG_SUBMISSIONS for cell in w.fails}
    return chosen


def source_path(assignment):
    return ROOT / "solutions" / assignment / f"{assignment}.ipynb"


def release_path(assignment):
    return ROOT / "exercises" / assignment / f"{assignment}.ipynb"


def graded_cells(assignment):
    """{grade_id: (source, points)} of the graded test cells of a source notebook."""
    notebook = notebooks.load(source_path(assignment))
    return {
        notebooks.nbgrader_meta(cell)["grade_id"]: (notebooks.source(cell), notebooks.nbgrader_meta(cell)["points"])
        for cell in notebook["cells"]
        if notebooks.nbgrader_meta(cell).get("grade")
    }


def visible_part(code):
    """A test cell as the released notebook has it: without its hidden tests."""
    visible = notebooks.HIDDEN_BLOCK.sub("", code)
    assert "grader." in visible and "HIDDEN" not in visible, code
    return visible


def run_test_cells(assignment, replacements=None, *, visible_only=False, only=None):
    """Run the solution's answers (with some replaced) against every test cell (or those in ``only``),
    locally.

    visible_only: run each cell as a student does, without its hidden tests
    and without the course secret.
    Returns ({grade_id: failure message or None}, captured stderr text).
    """
    namespace = notebooks.answer_namespace(source_path(assignment))
    for code in (replacements or {}).values():
        exec(code, namespace)
    results, stderr = {}, io.StringIO()
    secret = assignments.using_secret(None) if visible_only else contextlib.nullcontext()
    with secret, contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        for grade_id, (code, _) in graded_cells(assignment).items():
            if only is not None and grade_id not in only:
                continue
            try:
                exec(visible_part(code) if visible_only else code, dict(namespace))
                results[grade_id] = None
            except AssertionError as failure:
                results[grade_id] = str(failure)
    return results, stderr.getvalue()


# The batch courses, graded once per session for every test module that uses them.
from batch_courses import dask_cluster, dask_course, local_course, serial_course, template_course  # noqa: E402, F401
