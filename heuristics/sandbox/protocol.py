"""Framed messages between the worker and the sandboxed runner: 4-byte length + JSON.

Examples
--------
>>> import io
>>> stream = io.BytesIO()
>>> write_frame(stream, {"type": "done"})
>>> _ = stream.seek(0)
>>> read_frame(stream)
{'type': 'done'}
>>> read_frame(stream) is None
True
"""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

HEADER = struct.Struct(">I")
MAX_FRAME = 256 * 1024 * 1024
STATUS = struct.Struct(">I")
"""What the runner writes on its status pipe: the position of the record it starts, or
:data:`IDLE` once a batch is answered and it waits for the next (or :data:`CLEARED`)."""
IDLE = 0xFFFFFFFF
CLEARED = 0xFFFFFFFE
"""What a spare learner sandbox writes on its status pipe once the processes and files of
the run it served are gone and it waits for the next (its first :data:`IDLE` says its
imports are done). Runs get no copy of the pipe, so they cannot say it."""


def memory_to_hold(vector_bytes: int, most_mb: int) -> int:
    """The MB a spare learner sandbox keeps for its next run, after a classification run
    over ``vector_bytes`` of vectors: about what such a run allocates (its rows copied in
    fold order, and what fitting makes of them), twice the vectors, at most ``most_mb``.

    >>> memory_to_hold(100_000 * 384 * 4, 384), memory_to_hold(100_000 * 384 * 4, 200)
    (292, 200)
    """
    return min(most_mb, 2 * vector_bytes >> 20)


class ProtocolError(Exception):
    """The other side sent something that is not a valid frame."""


def encode_frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


def write_frame(stream: BinaryIO, message: dict[str, Any]) -> None:
    stream.write(encode_frame(message))
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO, *, max_size: int = MAX_FRAME) -> dict[str, Any] | None:
    """The next message, or None at the end of the stream."""
    header = _read_exactly(stream, HEADER.size)
    if not header:
        return None
    if len(header) < HEADER.size:
        raise ProtocolError("truncated frame header")
    (size,) = HEADER.unpack(header)
    if size > max_size:
        raise ProtocolError(f"frame of {size} bytes exceeds the limit of {max_size}")
    body = _read_exactly(stream, size)
    if len(body) < size:
        raise ProtocolError("truncated frame")
    try:
        message = json.loads(body)
    except ValueError as error:
        raise ProtocolError(f"invalid frame: {error}") from error
    except RecursionError:
        raise ProtocolError("invalid frame: nested too deeply") from None
    if not isinstance(message, dict):
        raise ProtocolError("a frame must hold a JSON object")
    return message
