"""Which test cells a submission's answers can change: those whose function they replace or reach.

Every other cell runs the solution's code only, so its verdict is the solution's: a test that
grades the table may grade each entry on the cells it reaches and take the solution's verdict
for the others (``pytest -m exhaustive`` grades every entry on every cell).
"""

import ast
import types

from autograder import notebooks
from autograder.assignments import function_of
from autograder.testdata.table import SOLUTIONS, graded_test_ids


def names_reached(function, namespace):
    """The global names ``function`` reads, and those of the functions of ``namespace`` it reaches."""
    reached, pending = set(), [function.__code__]
    while pending:
        code = pending.pop()
        pending += [const for const in code.co_consts if isinstance(const, types.CodeType)]
        for name in set(code.co_names) - reached:
            reached.add(name)
            if isinstance(namespace.get(name), types.FunctionType):
                pending.append(namespace[name].__code__)
    return reached


def cells_reached(assignment, replacements):
    """The set of test cells whose function ``replacements`` ({answer cell: code}) replaces or reaches,
    or None (every cell) when a replacement does more than define functions and import."""
    trees = [ast.parse(code) for code in replacements.values()]
    if not all(isinstance(node, (ast.FunctionDef, ast.Import, ast.ImportFrom)) for tree in trees for node in tree.body):
        return None
    replaced = {node.name for tree in trees for node in tree.body if isinstance(node, ast.FunctionDef)}
    source = SOLUTIONS / assignment / f"{assignment}.ipynb"
    namespace = notebooks.answer_namespace(source)
    for code in replacements.values():
        exec(code, namespace)
    answers = notebooks.answer_cells(notebooks.load(source))
    reached = set()
    for grade_id in graded_test_ids(assignment):
        function = function_of(grade_id.removeprefix("test_"), answers)
        if function is None or function in replaced or replaced & names_reached(namespace[function], namespace):
            reached.add(grade_id)
    return reached
