"""Reading notebooks: their cells by nbgrader role, and comparing folders of them."""

import json
import re
from pathlib import Path

SOLUTION_BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def source(cell):
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def hidden_text(notebook):
    """The solution code and hidden tests of a source notebook, block by block."""
    blocks = []
    for cell in notebook["cells"]:
        text = source(cell)
        blocks += SOLUTION_BLOCK.findall(text) + HIDDEN_BLOCK.findall(text)
    return blocks


def code_cells_with_output(notebook):
    """Indices of code cells that carry outputs or an execution count."""
    return [
        i for i, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]


def differing_notebooks(folder_a, folder_b):
    """Relative paths of notebooks that differ (or exist on one side only)."""
    folder_a, folder_b = Path(folder_a), Path(folder_b)
    names = {p.relative_to(folder_a) for p in folder_a.rglob("*.ipynb")}
    names |= {p.relative_to(folder_b) for p in folder_b.rglob("*.ipynb")}
    differing = []
    for name in sorted(names):
        a, b = folder_a / name, folder_b / name
        if not (a.is_file() and b.is_file()) or load(a) != load(b):
            differing.append(str(name))
    return differing


def answer_cells(notebook):
    """{grade_id: source} of the autograded-answer cells, in notebook order."""
    return {
        nbgrader_meta(cell)["grade_id"]: source(cell)
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and nbgrader_meta(cell).get("solution")
    }


def answer_namespace(path):
    """Run a notebook's imports cell and answer cells; return the namespace.

    This is how the source notebooks' reference implementations are used
    outside the notebook (they exist only there).
    """
    notebook = load(path)
    namespace = {"__name__": f"answers_of_{Path(path).stem}"}
    for cell in notebook["cells"]:
        meta = nbgrader_meta(cell)
        if cell["cell_type"] == "code" and (meta.get("grade_id") == "imports" or meta.get("solution")):
            exec(compile(source(cell), f"{path}:{meta['grade_id']}", "exec"), namespace)
    return namespace
