"""Values as they cross between a grading worker and the grader: plain numbers and arrays.

Values cross in both directions by the same rules (``encode``/``decode``),
also in a student's own visible run (``checks.transported``), so that what a
test sees there is what the grader sees. Exactly these types cross, nothing
derived from them: None, bool, int, float, str, NumPy scalars and arrays of
booleans, integers and reals (any shape, 0-d included), and tuples, lists and
dicts with string keys of those, nested up to ``MAX_DEPTH`` deep. Decoding
can only ever build those types: nothing a student can make lie.

This module imports only ``json`` and NumPy and nothing of this package: a
grading worker, which holds no other grader code, has it as ``mcdl_transport``
(``sandbox/isolation.py``), and a notebook imports it without the sandbox.
"""

import json
import math

import numpy as np

NUMERIC_KINDS = "biuf"
SCALAR_TYPES = {np.dtype(code).type: np.dtype(code)
                for code in "?" + np.typecodes["AllInteger"] + np.typecodes["Float"]}
MAX_DEPTH = 32  # depth of nested lists, tuples and dicts in a value


class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


class UnsupportedValue(TypeError):
    """A value of a type that does not cross; the message names it for the student."""


def _type_name(value):
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


class LeftInPlace(list):
    """Blobs of a worker's reply where large arrays are not copied at all.

    They stay in the worker's memory, kept alive in ``kept`` until its next
    request, and their form gives their address; the grader reads them with
    process_vm_readv. Sending them would cost the worker a copy of every
    byte within its timed call.
    """

    min_bytes = 1 << 16

    def __init__(self):
        super().__init__()
        self.kept = []


def _array_bytes(array, blobs):
    """The part of an array's form that says where its bytes are."""
    if not array.flags.c_contiguous:
        array = array.copy(order="C")
    if isinstance(blobs, LeftInPlace) and array.nbytes >= blobs.min_bytes:
        blobs.kept.append(array)
        return {"address": int(array.__array_interface__["data"][0]), "nbytes": int(array.nbytes)}
    # A view, not a copy: the bytes go straight from the array to the socket
    # (a copy would count in the memory measured for the call that made it).
    blobs.append(memoryview(array.reshape(-1)).cast("B") if array.size else b"")
    return {"data": len(blobs) - 1}


def encode(value, blobs, depth=0):
    """JSON-able form of a value; array bytes are appended to ``blobs``.

    Raises UnsupportedValue for anything but the types listed above.
    """
    if depth > MAX_DEPTH:
        raise UnsupportedValue(f"a value nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return {"int": value}
    if kind is float:
        return {"float": value}
    if kind in SCALAR_TYPES:
        return {"scalar": SCALAR_TYPES[kind].str, "data": _inline(np.array(value), blobs)}
    if kind is np.ndarray:
        if value.dtype.kind not in NUMERIC_KINDS or value.dtype.names is not None:
            raise UnsupportedValue(f"an array of dtype {value.dtype} (only booleans, integers and reals)")
        return {"array": value.dtype.str, "shape": list(value.shape), **_array_bytes(value, blobs)}
    if kind in (tuple, list):
        return {kind.__name__: [encode(item, blobs, depth + 1) for item in value]}
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise UnsupportedValue("a dict whose keys are not all strings")
        return {"dict": {key: encode(item, blobs, depth + 1) for key, item in value.items()}}
    if kind is complex or kind in (np.complex64, np.complex128, np.clongdouble):
        raise UnsupportedValue("a complex number (only real numbers)")
    raise UnsupportedValue(f"a {_type_name(value)}")


def _inline(array, blobs):
    blobs.append(array.tobytes())
    return len(blobs) - 1


def _blob(form, blobs):
    """The bytes of an array's form: a blob of the message, or memory of the worker."""
    if "address" in form:
        read = getattr(blobs, "read", None)
        address, size = form["address"], form["nbytes"]
        if read is None or type(address) is not int or type(size) is not int or size < 0:
            raise ProtocolError("malformed array reference")
        return read(address, size)
    index = form["data"]
    if type(index) is not int or not 0 <= index < len(blobs):
        raise ProtocolError("malformed array reference")
    return blobs[index]


def _dtype(text):
    dtype = np.dtype(str(text))
    if dtype.kind not in NUMERIC_KINDS or dtype.hasobject or dtype.names is not None:
        raise ProtocolError(f"arrays of dtype {dtype} are not accepted")
    return dtype


def decode(form, blobs, depth=0):
    """Inverse of ``encode``; raises ProtocolError on anything unexpected."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if form is None or type(form) in (bool, str):
        return form
    if type(form) is not dict or len(form) not in (1, 2, 3, 4):
        raise ProtocolError("malformed value")
    try:
        if "int" in form and type(form["int"]) is int:
            return form["int"]
        if "float" in form and type(form["float"]) in (int, float):
            return float(form["float"])
        if "scalar" in form:
            dtype = _dtype(form["scalar"])
            data = _blob(form, blobs)
            if len(data) != dtype.itemsize:
                raise ProtocolError("scalar size does not match its dtype")
            return np.frombuffer(data, dtype=dtype)[0]
        if "array" in form:
            dtype = _dtype(form["array"])
            shape = tuple(form["shape"])
            if not all(type(n) is int and n >= 0 for n in shape) or len(shape) > 64:
                raise ProtocolError("malformed shape")
            data = _blob(form, blobs)
            if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != len(data):
                raise ProtocolError("array size does not match its shape")
            array = np.frombuffer(data, dtype=dtype).reshape(shape)
            return array if isinstance(data, bytearray) else array.copy()  # a bytearray is ours already
        for kind in (tuple, list):
            if kind.__name__ in form and type(form[kind.__name__]) is list:
                return kind(decode(item, blobs, depth + 1) for item in form[kind.__name__])
        if "dict" in form and type(form["dict"]) is dict:
            return {str(key): decode(item, blobs, depth + 1) for key, item in form["dict"].items()}
    except ProtocolError:
        raise
    except Exception as error:  # any malformed detail, whatever NumPy raises for it
        raise ProtocolError(f"malformed value ({type(error).__name__})") from None
    raise ProtocolError("unknown value tag")


def float64_bytes(form, depth=0):
    """The bytes of a value's arrays once converted to float64 (at least 8 bytes an entry), read
    from its form before any of its bytes are: what decoding it and checking it can cost."""
    if depth > MAX_DEPTH or type(form) is not dict:
        return 0
    if "array" in form:
        shape = form.get("shape")
        if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
            return 0  # decode refuses it
        try:
            itemsize = max(np.dtype(str(form["array"])).itemsize, 8)
        except (TypeError, ValueError):
            return 0
        return math.prod(shape) * itemsize
    if type(form.get("tuple")) is list:
        items = form["tuple"]
    elif type(form.get("list")) is list:
        items = form["list"]
    elif type(form.get("dict")) is dict:
        items = form["dict"].values()
    else:
        return 0
    return sum(float64_bytes(item, depth + 1) for item in items)


def roundtrip(value):
    """``value`` as the other side of a worker would receive it."""
    blobs = []
    form = encode(value, blobs)
    return decode(json.loads(json.dumps(form)), [bytes(blob) for blob in blobs])
