"""Messages between the trusted side and a worker: JSON plus raw array bytes.

A message is one frame: an 8-byte length, then ``{"header": ..., "blobs": [...]}``
as JSON, then the bytes of the arrays it mentions. Values are encoded so that
decoding can only ever produce numbers, strings, lists, tuples, dicts, None
and NumPy arrays of numeric dtype: nothing a student can make lie.
"""

import json
import socket
import struct

import numpy as np

MAX_FRAME_BYTES = 1 << 30
NUMERIC_KINDS = "biuf"


class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


def _recv_exactly(sock, n):
    chunks, remaining = [], n
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def encode(value, blobs):
    """JSON-able form of a value; arrays are appended to ``blobs``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"number": float(value)} if isinstance(value, float) else {"int": int(value)}
    if isinstance(value, np.generic) and value.dtype.kind in NUMERIC_KINDS:
        return encode(np.asarray(value), blobs)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in NUMERIC_KINDS:
            raise TypeError(f"an array of dtype {value.dtype} (only numbers are allowed)")
        data = np.ascontiguousarray(value)
        # A view, not a copy: the bytes go straight from the array to the socket
        # (a copy would count in the memory measured for the call that made it).
        blobs.append(memoryview(data.reshape(-1)).cast("B") if data.size else b"")
        return {"array": len(blobs) - 1, "dtype": data.dtype.str, "shape": list(data.shape)}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, blobs) for v in value]}
    if isinstance(value, list):
        return {"list": [encode(v, blobs) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: encode(v, blobs) for k, v in value.items()}}
    raise TypeError(f"a value of type {type(value).__name__}")


def decode(form, blobs):
    """Inverse of ``encode``; raises ProtocolError on anything unexpected."""
    if form is None or isinstance(form, (bool, str)):
        return form
    if not isinstance(form, dict) or len(form) not in (1, 3):
        raise ProtocolError("malformed value")
    if "number" in form:
        return float(form["number"])
    if "int" in form:
        return int(form["int"])
    if "tuple" in form:
        return tuple(decode(v, blobs) for v in form["tuple"])
    if "list" in form:
        return [decode(v, blobs) for v in form["list"]]
    if "dict" in form:
        return {str(k): decode(v, blobs) for k, v in form["dict"].items()}
    if "array" in form:
        try:
            dtype = np.dtype(str(form["dtype"]))
            shape = tuple(int(n) for n in form["shape"])
            blob = blobs[int(form["array"])]
        except (TypeError, ValueError, IndexError, KeyError) as error:
            raise ProtocolError(f"malformed array: {error}") from None
        if dtype.kind not in NUMERIC_KINDS or dtype.hasobject:
            raise ProtocolError(f"arrays of dtype {dtype} are not accepted")
        if any(n < 0 for n in shape) or int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != len(blob):
            raise ProtocolError("array size does not match its shape")
        return np.frombuffer(blob, dtype=dtype).reshape(shape).copy()
    raise ProtocolError("unknown value tag")


def send(sock, header, blobs=(), fds=()):
    """Send one message (and optionally file descriptors)."""
    meta = json.dumps({"header": header, "sizes": [len(b) for b in blobs]}).encode()
    frame = struct.pack("<QQ", len(meta), sum(len(b) for b in blobs)) + meta
    if fds:
        socket.send_fds(sock, [frame], list(fds))
    else:
        sock.sendall(frame)
    for blob in blobs:
        sock.sendall(blob)


def receive(sock, *, max_fds=0):
    """Receive one message; returns (header, blobs, fds)."""
    fds = []
    if max_fds:
        first, fds, _, _ = socket.recv_fds(sock, 16, max_fds)
        if not first:
            raise EOFError("the other side closed the connection")
        first += _recv_exactly(sock, 16 - len(first)) if len(first) < 16 else b""
        prefix, rest = first[:16], first[16:]
    else:
        prefix, rest = _recv_exactly(sock, 16), b""
    meta_size, blob_size = struct.unpack("<QQ", prefix)
    if meta_size + blob_size > MAX_FRAME_BYTES:
        raise ProtocolError("message too large")
    meta_bytes = rest + _recv_exactly(sock, meta_size - len(rest))
    try:
        meta = json.loads(meta_bytes)
        sizes = [int(n) for n in meta["sizes"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ProtocolError(f"malformed message: {error}") from None
    if sum(sizes) != blob_size or any(n < 0 for n in sizes):
        raise ProtocolError("blob sizes do not add up")
    blobs = [_recv_exactly(sock, n) for n in sizes]
    return meta["header"], blobs, fds
