"""What student code raised, in a sentence: on which inputs, at which line of its code, and, for
NumPy's shape errors, which shapes clash, e.g. ``dX = G @ W``: "G is (6, 4) and W is (3, 5); for @
the 4 and the 3 must agree (the columns of G, the rows of W)".

``StudentError.where`` (``tracebacks``) gives the line and the shapes of its operands. On hidden
cases (``diagnostics.values_concealed``) a sentence holds no number but the sizes of the arguments'
arrays: student code can raise any text, and a shape it reports is trusted only if the grader
knows it; anything else is said as ``diagnostics.concealed`` says it.
"""

import ast
import re

import numpy as np

from autograder import tracebacks
from autograder.diagnostics import concealed, values_concealed

GUFUNC = re.compile(r"^(\w+): Input operand (\d+) has a mismatch in its core dimension (\d+), with gufunc "
                    r"signature \S+ \(size (\d+) is different from (\d+)\)")
BROADCAST = re.compile(r"operands could not be broadcast together with (?:remapped )?shapes")
NOT_ALIGNED = re.compile(r"shapes \(([\d, ]*)\) and \(([\d, ]*)\) not aligned: (\d+) \(dim \d+\) != (\d+) \(dim \d+\)")
SHAPE = re.compile(r"\(([\d, ]*)\)")
FLOAT_DIGITS = 3  # a float argument shown on a hidden case has at most this many significant digits


def _shape(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _shape_of(text):
    return tuple(int(n) for n in text.replace(" ", "").split(",") if n)


def _argument(name, value):
    if isinstance(value, np.ndarray):
        return f"{name} of shape {_shape(value.shape)}"
    if isinstance(value, (bool, np.bool_, str, int, np.integer)) or value is None:
        text = repr(value.item() if isinstance(value, np.generic) else value)
        return f"{name}={text if len(text) <= 20 else text[:19] + '…'}"
    if isinstance(value, (float, np.floating)):
        short = f"{float(value):.{FLOAT_DIGITS}g}"
        return f"{name}={short}" if not values_concealed() or float(short) == float(value) else f"{name} (a number)"
    if type(value) is tuple and len(value) <= 4 and all(type(v) is int for v in value):
        return f"{name}={value!r}"  # sizes, such as shape=(m, n)
    if type(value) in (list, tuple, dict):
        return f"{name} (a {type(value).__name__} of {len(value)})"
    if callable(value):
        return f"{name} (a function)"
    return f"{name} (a {type(value).__name__})"


def inputs(args, names=None):
    """The inputs of a call in words: "X of shape (6, 4), W of shape (4, 3), activation='relu'"."""
    names = list(names or [])
    names += [f"argument {i + 1}" for i in range(len(names), len(args))]
    return ", ".join(_argument(name, value) for name, value in zip(names, args, strict=False)) or "no arguments"


def _sizes(args):
    """Every size of every array in ``args`` (also inside lists, tuples and dicts), and 1."""
    found = {1}
    for value in args:
        if isinstance(value, np.ndarray):
            found.update(int(n) for n in value.shape)
        elif type(value) in (list, tuple):
            found |= _sizes(value)
        elif type(value) is dict:
            found |= _sizes(list(value.values()))
    return found


def _broadcasts(a, b):
    return all(x == y or 1 in (x, y) for x, y in zip(reversed(a), reversed(b), strict=False))


def _clash(a, b):
    """The first pair of sizes, from the right, that neither agree nor either is 1."""
    return next((x, y) for x, y in zip(reversed(a), reversed(b), strict=False) if x != y and 1 not in (x, y))


def _matmul_clash(left, right):
    """(columns of left, rows of right) when they differ, else None (1-D operands as NumPy takes them)."""
    if not left or not right:
        return None
    inner = left[-1], right[-2] if len(right) > 1 else right[0]
    return inner if inner[0] != inner[1] else None


def _from_operands(kind, operands):
    """(sentence, numbers in it) naming the operands on the raising line whose shapes clash."""
    for op, left, left_shape, right, right_shape in operands:
        pair = f"{left} is {_shape(left_shape)} and {right} is {_shape(right_shape)}"
        if op == "@" and kind == "matmul" and (inner := _matmul_clash(left_shape, right_shape)):
            return (f"{pair}; for @ the {inner[0]} and the {inner[1]} must agree (the columns of {left}, "
                    f"the rows of {right})", [*left_shape, *right_shape])
        if op != "@" and kind == "broadcast" and not _broadcasts(left_shape, right_shape):
            a, b = _clash(left_shape, right_shape)
            return (f"{pair}, which do not broadcast for {op}: aligned from the right, {a} and {b} differ "
                    "(each pair of sizes must be equal, or one of them 1)", [*left_shape, *right_shape])
    return None


def _only_operation(code, symbols):
    """(left, right, operator) as written, of the one binary operation of ``symbols`` on the line ``code``
    (``x op y`` or ``x op= y``), or None."""
    try:
        tree = ast.parse(code.strip().removesuffix(":").removeprefix("return "))
    except SyntaxError:
        return None
    found = [(node.left, node.right, tracebacks.OPERATORS[type(node.op)]) if isinstance(node, ast.BinOp) else
             (node.target, node.value, tracebacks.OPERATORS[type(node.op)] + "=")
             for node in ast.walk(tree) if isinstance(node, (ast.BinOp, ast.AugAssign))
             and tracebacks.OPERATORS.get(type(node.op)) in symbols]
    if len(found) != 1:
        return None
    left, right, op = found[0]
    return ast.unparse(left), ast.unparse(right), op


def _from_line(kind, shapes, code):
    """(sentence, numbers) naming the operands of the one operation on ``code`` that NumPy's message is
    about, with the sizes the message gives, or None."""
    if kind == "matmul" and shapes and (written := _only_operation(code, "@")):
        (left, right, op), (wanted, got) = written, shapes
        return (f"for {left} {op} {right}, the {wanted} columns of {left} and the {got} rows of {right} must agree",
                [wanted, got])
    shapes = shapes[:2]  # an in-place operation (x /= y) adds the output's shape
    if (kind == "broadcast" and len(shapes) == 2 and not _broadcasts(*shapes)
            and (written := _only_operation(code, "+-*/"))):
        (left, right, op), (a, b) = written, _clash(*shapes)
        return (f"{left} is {_shape(shapes[0])} and {right} is {_shape(shapes[1])}, which do not broadcast for "
                f"{op}: aligned from the right, {a} and {b} differ (each pair of sizes must be equal, or one of "
                "them 1)", [n for shape in shapes for n in shape])
    return None


def _from_message(message):
    """(kind, sentence, numbers in it, the shapes or sizes the line's operands have) of a NumPy shape
    error's message, or None for any other."""
    if match := GUFUNC.match(message):
        func, operand, dimension, got, wanted = match.groups()
        if func == "matmul":
            return ("matmul", f"a matrix product (@) whose left operand has {wanted} columns and whose right "
                    f"operand has {got} rows", [int(wanted), int(got)], (int(wanted), int(got)))
        return ("gufunc", f"{func} was given arrays that do not fit: its argument {int(operand) + 1} has {got} "
                f"where {wanted} was needed (its dimension {int(dimension) + 1} from the end of the matrix part)",
                [int(got), int(wanted)], ())
    if match := NOT_ALIGNED.match(message):
        left, right = _shape_of(match.group(1)), _shape_of(match.group(2))
        return ("dot", f"a matrix product (np.dot) of shapes {_shape(left)} and {_shape(right)}: the "
                f"{match.group(3)} and the {match.group(4)} must agree", [*left, *right], ())
    if BROADCAST.match(message):
        shapes = [_shape_of(s) for s in SHAPE.findall(message.split("shapes", 1)[1].split("[original", 1)[0])]
        if len(shapes) >= 2:
            return ("broadcast", "arrays of shapes " + " and ".join(map(_shape, shapes)) + " were combined entry "
                    "by entry, but their shapes do not broadcast (aligned from the right, each pair of sizes "
                    "must be equal, or one of them 1)", [n for s in shapes for n in s], shapes)
    return None


def explained(kind, message, where, args):
    """What an exception of student code says, for the student: a shape error as the shapes that clash
    (on the raising line where its operands are known), anything else as ``concealed`` gives it."""
    found = _from_message(message) if kind in ("ValueError", "LinAlgError") else None
    if found is None:
        return concealed(message)
    shape_kind, sentence, numbers, shapes = found
    better = _from_operands(shape_kind, where.get("operands") or []) or (
        _from_line(shape_kind, shapes, where["code"]) if where.get("code") else None)
    if better is not None:
        sentence, numbers = better
    if values_concealed() and not set(numbers) <= _sizes(args):
        return concealed(message)
    return sentence + "."


def message(name, error, args, names=None):
    """The failure's message for ``StudentError`` ``error`` of ``name`` on ``args`` (``names``: the
    parameters' names)."""
    where = error.where or {}
    at = f", at `{where['code']}`" if where.get("code") else ""
    return (f"{name} raised {concealed(error.kind)} on {inputs(args, names)}{at}: "
            f"{explained(error.kind, error.message, where, args)}")


def timed_out(name, seconds, args, names, reference_seconds):
    """(message, kind) of a call stopped after ``seconds``; reference_seconds: the reference's time on
    the same arguments, or None where it is not known."""
    on = f"on {inputs(args, names)}"
    seconds = f"{seconds:.0f} second" + ("" if round(seconds) == 1 else "s")
    if reference_seconds is None:
        return (f"{name} did not finish within {seconds} {on} (an endless loop, or a far slower "
                "method than needed?)", "sandbox")
    theirs = "under a millisecond" if reference_seconds < 1e-3 else f"{reference_seconds:.2g} seconds"
    return (f"{name} is too slow: it did not finish within {seconds} {on}, where the reference "
            f"takes {theirs}. A far slower method than needed (say, a large matrix built for every row or "
            "item, or a Python loop over every entry), or an endless loop?", "too_slow")
