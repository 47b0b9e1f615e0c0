"""What answer cells may use: NumPy and the Python language.

The rule, as the notebooks state it: an answer cell may import only ``numpy``
(already imported as ``np``) and ``math``; it may not use ``open``, ``exec``,
``eval``, ``compile``, ``__import__``, ``globals``, ``locals``, ``vars``,
``getattr``, ``setattr``, ``delattr``, ``input`` or ``breakpoint``, nor any
double-underscore attribute such as ``__class__``. A cell that breaks the rule
is not run when the notebook is graded, and the feedback says why.

This check explains the rule; the sandbox (``autograder.sandbox``) is what
stops files, processes and the network, whatever the code looks like.
"""

import ast

ALLOWED_MODULES = frozenset({"numpy", "math"})
FORBIDDEN_NAMES = frozenset({
    "open", "exec", "eval", "compile", "__import__", "globals", "locals", "vars",
    "getattr", "setattr", "delattr", "input", "breakpoint",
})


def violations(code):
    """The rule's violations in ``code``, as sentences; [] if it keeps the rule.

    Code that does not parse keeps the rule here: running it reports the
    SyntaxError.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or "."] if node.level == 0 else ["a relative import"]
        else:
            modules = []
        for module in modules:
            if module.split(".")[0] not in ALLOWED_MODULES:
                found.append(f"it imports {module} (answer cells may import only numpy and math)")
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append(f"it uses {node.id} (not allowed in answer cells)")
        if isinstance(node, ast.Attribute) and node.attr.startswith("__") and node.attr.endswith("__"):
            found.append(f"it uses the attribute {node.attr} (not allowed in answer cells)")
    return sorted(set(found))
