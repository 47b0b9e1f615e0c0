"""Where student code raised, read from the traceback where it ran: the line of its own code and
the shapes of the operands on that line, without running any of its code again.

``where(error, namespace)`` gives ``{"file": ..., "line": n, "operands": [[op, left, left shape,
right, right shape], ...]}``: the deepest frame whose globals are the answers' namespace, and each
binary operation on its line (``@``, ``+``, ``-``, ``*``, ``/``) whose operands are plain names or
their transposes (``G``, ``W.T``), looked up in the frame's variables. The grader turns this into a
sentence (``raised``); a grading worker imports this module as ``mcdl_tracebacks``, a student's own
run as it is. Imports only the standard library and NumPy.
"""

import ast
import linecache

import numpy as np

OPERATORS = {ast.MatMult: "@", ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
MAX_OPERANDS = 4


def parameter_names(func):
    """The names of a Python function's positional parameters, or None for any other callable."""
    code = getattr(func, "__code__", None)
    if code is None or not isinstance(getattr(code, "co_varnames", None), tuple):
        return None
    return [str(name) for name in code.co_varnames[:code.co_argcount]]


def parameter_names_in_source(source, function):
    """The positional parameters of ``def function(...)`` at the top of ``source``, or None."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    return None


def _deepest_own_frame(traceback, namespace):
    found = None
    while traceback is not None:
        if traceback.tb_frame.f_globals is namespace:
            found = traceback
        traceback = traceback.tb_next
    return found


def _operand(node, frame):
    """(the operand as written, its shape) for a name or a name's .T holding an array, else None."""
    transposed = isinstance(node, ast.Attribute) and node.attr == "T"
    base = node.value if transposed else node
    if not isinstance(base, ast.Name):
        return None
    for scope in (frame.f_locals, frame.f_globals):
        if base.id in scope:
            value = scope[base.id]
            if type(value) is not np.ndarray and not isinstance(value, np.ndarray):
                return None
            shape = [int(n) for n in value.shape]
            return (base.id + ".T" * transposed, shape[::-1] if transposed else shape)
    return None


def operands(text, frame):
    """[[op, left, left shape, right, right shape]] of the binary operations on the line ``text``."""
    try:
        tree = ast.parse(text.strip().removesuffix(":").removeprefix("return "), mode="exec")
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            left, right = _operand(node.left, frame), _operand(node.right, frame)
            if left and right and len(found) < MAX_OPERANDS:
                found.append([OPERATORS[type(node.op)], left[0], left[1], right[0], right[1]])
    return found


def where(error, namespace):
    """{"file", "line", "code", "operands"} of the line of the answers' code (globals ``namespace``)
    that raised ``error`` (code: the line's text, "" where unknown), or None when none of its frames
    is the answers'."""
    own = _deepest_own_frame(error.__traceback__, namespace)
    if own is None:
        return None
    frame, line = own.tb_frame, own.tb_lineno
    file = frame.f_code.co_filename
    text = linecache.getline(file, line).strip()
    return {"file": file, "line": line, "code": text, "operands": operands(text, frame) if text else []}


def local_where(error, func):
    """``StudentError.where`` of an exception of a local function (a student's own run)."""
    namespace = getattr(func, "__globals__", None)
    place = (where(error, namespace) if namespace is not None else None) or {}
    return {"parameters": parameter_names(func), "code": place.get("code") or None,
            "operands": place.get("operands", [])}


def _written(expression, code):
    name = expression.removesuffix(".T")
    return name.isidentifier() and expression in code


def _shape(value):
    ok = type(value) is list and len(value) <= 8 and all(type(n) is int and 0 <= n < 2 ** 40 for n in value)
    return tuple(value) if ok else None


def checked_operands(raw, code):
    """The operands of a worker's report that are well formed and written on ``code``."""
    kept = []
    for entry in raw if type(raw) is list else []:
        if type(entry) is not list or len(entry) != 5 or entry[0] not in OPERATORS.values():
            continue
        op, left, left_shape, right, right_shape = entry
        if (isinstance(left, str) and isinstance(right, str) and _written(left, code) and _written(right, code)
                and _shape(left_shape) is not None and _shape(right_shape) is not None):
            kept.append([op, left, list(left_shape), right, list(right_shape)])
    return kept[:MAX_OPERANDS]
