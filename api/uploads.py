"""Uploaded files: the size limit every upload route applies."""

from __future__ import annotations

from fastapi import UploadFile

from heuristics.errors import InvalidInputError


def check_size(file: UploadFile, max_bytes: int) -> None:
    """Refuse a file larger than ``max_bytes`` before reading it (field ``file``)."""
    if file.size is not None and file.size > max_bytes:
        raise InvalidInputError(f"the file has {file.size} bytes; the limit is {max_bytes}",
                                field="file")
