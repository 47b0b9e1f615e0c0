"""Messages between the grader and a worker, and the values they carry.

The grader's one message format: ``mcdl grade`` and its grading helpers
(``autograder.batch.helper``) exchange the same frames. A message is one
frame: 16 bytes (the sizes of the JSON part and of the raw
part, little-endian uint64), then ``{"header": ..., "sizes": [...]}`` as JSON,
then the raw bytes of the arrays the header mentions, one after another.

The values themselves are encoded by ``autograder/transport.py`` (plain
numbers and arrays only; see there), which a student's own visible run uses
too.

Arguments to a worker may also be shared arrays (a memfd descriptor the
worker maps, so the grader can see in-place changes afterwards) and the
grader's own test functions, sent as source code.
"""

import json
import socket
import struct

from . import policy

if __package__ == "mcdl_sandbox":  # in a worker, which has the codec as a module of its own (isolation.py)
    import mcdl_transport as transport
else:
    from autograder import transport

# The codec, as the worker and the grader's side use it.
NUMERIC_KINDS, LeftInPlace = transport.NUMERIC_KINDS, transport.LeftInPlace
encode, decode, roundtrip = transport.encode, transport.decode, transport.roundtrip
float64_bytes = transport.float64_bytes
ProtocolError, UnsupportedValue = transport.ProtocolError, transport.UnsupportedValue

MEMORY_PROBE = b"mcdl worker memory probe"  # a worker shows where it holds these bytes


class MessageTooLarge(ProtocolError):
    """A message larger than the receiver accepts; it was refused before it was read."""


# --- frames -------------------------------------------------------------------------------------

def _recv_exactly(sock, n):
    chunks, remaining = [], n
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


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


def receive(sock, *, max_fds=0, max_bytes=policy.LIMITS["frame_bytes"], max_header_bytes=None):
    """Receive one message; returns (header, blobs, fds).

    max_bytes: of the whole message; max_header_bytes: of its JSON part.
    Raises EOFError when the other side is gone, MessageTooLarge (before
    reading it) for a message past these sizes and ProtocolError for anything
    that is not a well-formed message (after which the connection is unusable).
    """
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
    if meta_size + blob_size > max_bytes or (max_header_bytes is not None and meta_size > max_header_bytes):
        raise MessageTooLarge(f"{meta_size + blob_size} bytes")
    meta_bytes = rest + _recv_exactly(sock, meta_size - len(rest))
    try:
        meta = json.loads(meta_bytes)
        sizes = [int(n) for n in meta["sizes"]]
        header = meta["header"]
    except Exception as error:  # invalid JSON, nesting that exhausts the stack, missing keys
        raise ProtocolError(f"malformed message ({type(error).__name__})") from None
    if sum(sizes) != blob_size or any(n < 0 for n in sizes) or type(header) is not dict:
        raise ProtocolError("malformed message")
    blobs = [_recv_exactly(sock, n) for n in sizes]
    return header, blobs, fds
