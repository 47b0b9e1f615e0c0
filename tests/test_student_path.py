"""What a notebook imports never reaches the grading machinery, so it works on any platform.

The student path is every problem set's module (``autograder.assignments.*``), the checks
they call, and ``mcdl check``. It may import NumPy, threadpoolctl and portable modules of the
standard library only: never the sandbox (which loads libc with ctypes when imported), the
batch grader, nbgrader, traitlets or Dask, nor ``ctypes``, ``resource``, ``fcntl`` or
``termios``; nor may it read /proc, ask for ``os.sched_getaffinity`` or look for bubblewrap.
"""

import ast
import builtins
import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from conftest import ASSIGNMENTS, ROOT, source_path

from autograder import notebooks

PACKAGE = ROOT / "autograder"
# (module, the functions whose imports count too: None for all of them). The command line counts
# with its module level and the `check` command only: the instructor's commands import more.
STUDENT_PATH = [(f"autograder.assignments.{a}", None) for a in ASSIGNMENTS] + [
    ("autograder.checks", None), ("autograder.diagnostics", None), ("autograder.finite_differences", None),
    ("autograder.budgets", None), ("autograder.errors", None), ("autograder.transport", None),
    ("autograder.notebook_check", None), ("autograder.cli", {"_check"}),
]
GRADING_ONLY = ("autograder.sandbox", "autograder.batch", "autograder.trusted", "autograder.nbgrader_plugin",
                "autograder.report")
FORBIDDEN_LIBRARIES = ("ctypes", "resource", "fcntl", "termios", "nbgrader", "traitlets", "nbconvert", "nbformat",
                       "dask", "distributed")


def module_path(name):
    """The file of a module of the package, or None if ``name`` is not one."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


class _Imports(ast.NodeVisitor):
    """The modules a module imports and the platform-bound things it names.

    functions: names of the functions whose bodies count (None: all); module-level code always counts.
    """

    def __init__(self, name, is_package, functions):
        self.package = name if is_package else name.rpartition(".")[0]
        self.functions = functions
        self.modules, self.uses = set(), set()

    def visit_FunctionDef(self, node):
        if self.functions is None or node.name in self.functions:
            self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node):
        self.modules.update(alias.name for alias in node.names)

    def visit_ImportFrom(self, node):
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            parts = parts[:len(parts) - node.level + 1]
            base = ".".join(parts + ([node.module] if node.module else []))
        self.modules.add(base)
        self.modules.update(f"{base}.{alias.name}" for alias in node.names if module_path(f"{base}.{alias.name}"))

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "os" and node.attr.startswith("sched_"):
            self.uses.add(f"os.{node.attr}")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and (node.value.startswith("/proc") or node.value == "bwrap"):
            self.uses.add(repr(node.value))


def violations(roots):
    """{module of the package: [what it must not reach]} over everything ``roots`` import, transitively.

    roots: [(module name, functions or None)] as in STUDENT_PATH.
    """
    found, seen, queue = {}, set(), list(roots)
    while queue:
        name, functions = queue.pop()
        if (name, functions is None) in seen:
            continue
        seen.add((name, functions is None))
        path = module_path(name)
        visitor = _Imports(name, path.name == "__init__.py", functions)
        visitor.visit(ast.parse(path.read_text(), str(path)))
        bad = sorted(visitor.uses)
        for module in visitor.modules:
            top = module.split(".")[0]
            if module.startswith(GRADING_ONLY) or top in FORBIDDEN_LIBRARIES:
                bad.append(module)
            if top == "autograder" and module_path(module):
                queue.append((module, None))
        if bad:
            found[name] = sorted(set(bad))
    return found


def test_the_student_path_reaches_no_grading_machinery():
    assert violations(STUDENT_PATH) == {}


def test_the_import_check_finds_the_grading_path():
    # The grading process reaches the sandbox, which loads libc with ctypes and reads /proc:
    # the check must see it, or it proves nothing.
    found = violations([("autograder.trusted", None)])
    assert "autograder.sandbox.remote" in found["autograder.trusted"]
    assert "ctypes" in found["autograder.sandbox.remote"]
    assert any("/proc" in use for use in found["autograder.sandbox.remote"])
    assert "'bwrap'" in found["autograder.sandbox.isolation"]
    assert "os.sched_getaffinity" in violations([("autograder.batch", None)])["autograder.batch.dispatch"]
    # The command line reaches the batch grader through its instructor's commands only.
    assert "autograder.batch" in violations([("autograder.cli", None)])["autograder.cli"]


LOADED = """
import json, sys
import numpy, threadpoolctl
before = set(sys.modules)
import {module}
print(json.dumps(sorted(set(sys.modules) - before)))
"""


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_importing_a_problem_set_loads_nothing_of_the_grader(assignment):
    # In a fresh interpreter, after NumPy and threadpoolctl (NumPy itself loads ctypes): the
    # problem set's module adds no module of the sandbox, the batch grader, nbgrader or ctypes.
    result = subprocess.run([sys.executable, "-c", LOADED.format(module=f"autograder.assignments.{assignment}")],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = json.loads(result.stdout)
    assert f"autograder.assignments.{assignment}" in loaded
    grading = [m for m in loaded if m.startswith(GRADING_ONLY) or m.split(".")[0] in FORBIDDEN_LIBRARIES
               or m.startswith("_ctypes")]
    assert grading == []


def test_the_check_command_loads_nothing_of_the_grader():
    result = subprocess.run([sys.executable, "-c", LOADED.format(module="autograder.cli, autograder.notebook_check")],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = json.loads(result.stdout)
    assert "autograder.notebook_check" in loaded
    assert [m for m in loaded if m.startswith(GRADING_ONLY) or m.split(".")[0] in FORBIDDEN_LIBRARIES] == []


# --- the notebooks' first cell --------------------------------------------------------------------

def _first_cell(assignment):
    cell = notebooks.load(source_path(assignment))["cells"][0]
    assert notebooks.nbgrader_meta(cell)["grade_id"] == "imports"
    return notebooks.source(cell)


def _run_failing_import(code, error, capsys):
    """Run the imports cell with the grader's import raising ``error``; (printed text, namespace)."""
    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name.startswith("autograder"):
            raise error
        return real_import(name, *args, **kwargs)

    namespace = {"__builtins__": {**vars(builtins), "__import__": failing_import}}
    exec(compile(code, "imports", "exec"), namespace)
    return capsys.readouterr().out, namespace


def _missing(name):
    error = ModuleNotFoundError(f"No module named {name!r}")
    error.name = name
    return error


@pytest.mark.parametrize("error, says", [
    (_missing("autograder"), "%pip install \"mcdl-autograder @ git+https"),
    (_missing("threadpoolctl"), "no module named 'threadpoolctl'"),
    # what macOS and Windows raised when the sandbox was imported with the checks (issue 18)
    (AttributeError("dlsym(RTLD_DEFAULT, process_vm_readv): symbol not found"),
     "does not load on this computer (AttributeError: dlsym(RTLD_DEFAULT, process_vm_readv)"),
    (TypeError("LoadLibrary() argument 1 must be str, not None"), "does not load on this computer (TypeError"),
    (ImportError("numpy.core.multiarray failed to import"), "NumPy 1.26 or newer"),
])
@pytest.mark.parametrize("assignment", [ASSIGNMENTS[0], ASSIGNMENTS[-1]])
def test_the_first_cell_says_in_one_sentence_why_the_library_did_not_load(assignment, error, says, capsys):
    printed, namespace = _run_failing_import(_first_cell(assignment), error, capsys)
    assert says in printed
    assert printed.count("\n") == 1 and "Traceback" not in printed  # one line, no traceback
    # A test cell then raises that sentence, and IPython shows it alone (no frames of the package).
    with pytest.raises(RuntimeError) as raised:
        namespace["grader"].check_anything  # noqa: B018 (the attribute access is what raises)
    assert str(raised.value) == printed.strip()
    assert raised.value._render_traceback_() == [f"GraderUnavailable: {printed.strip()}"]


def test_every_first_cell_is_the_same_but_for_its_problem_set():
    first = {a: _first_cell(a).replace(a, "ASSIGNMENT") for a in ASSIGNMENTS}
    assert len(set(first.values())) == 1, sorted(first)
    assert "except Exception as error:" in first[ASSIGNMENTS[0]]


def test_a_problem_set_imports_in_its_first_cell():
    namespace = {}
    exec(compile(_first_cell(ASSIGNMENTS[3]), "imports", "exec"), namespace)
    assert namespace["grader"].__name__ == f"autograder.assignments.{ASSIGNMENTS[3]}"


def test_the_grader_modules_file_exists():
    assert module_path("autograder.sandbox.remote") == PACKAGE / "sandbox" / "remote.py"
    assert module_path("autograder.sandbox") == PACKAGE / "sandbox" / "__init__.py"
    assert module_path("numpy") is None


def test_the_wheel_a_student_installs_holds_the_package_without_its_test_data(tmp_path):
    # The wrong submissions and attacks (autograder/testdata/) are for the course's tests and scripts;
    # the wheel students install from the repository must hold every other module of the package.
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copytree(ROOT / "autograder", source / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "wheel"), str(source)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    shipped = {name for name in zipfile.ZipFile(wheel).namelist() if name.startswith("autograder/")}
    expected = {path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*.py")
                if "testdata" not in path.relative_to(PACKAGE).parts}
    assert not [name for name in shipped if name.startswith("autograder/testdata")]
    assert expected <= shipped, sorted(expected - shipped)
