"""The project snapshot archive: a ZIP file with ``manifest.json`` (the project's
definitions: attributes, tasks and labels, heuristics with their revisions, embeddings) and
one JSON Lines member per kind of row (``records.jsonl``, ``manual_labels.jsonl``,
``reviews.jsonl``, ``outputs.jsonl``, and ``consensus_labels.jsonl``, which archives written
before it existed lack). Pure reading and writing; no database."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from heuristics.errors import InvalidInputError

__all__ = ["FORMAT", "MEMBERS", "OPTIONAL_MEMBERS", "VERSION", "Snapshot", "read_snapshot",
           "write_snapshot"]

FORMAT = "heurist-snapshot"
VERSION = 1
MEMBERS = ("records", "manual_labels", "reviews", "outputs")
OPTIONAL_MEMBERS = ("consensus_labels", "comments")
"""Members an archive may lack (read as empty): those added after the first version."""
MAX_UNCOMPRESSED = 8 * 2**30
CHUNK = 1 << 16


def write_snapshot(manifest: Mapping[str, object],
                   parts: Mapping[str, Iterable[Mapping[str, object]]]) -> Iterator[bytes]:
    """The archive of ``manifest`` and the rows of each member of :data:`MEMBERS` and
    :data:`OPTIONAL_MEMBERS`, as chunks of bytes (the archive is put together in a temporary
    file first)."""
    with tempfile.SpooledTemporaryFile(max_size=64 * 2**20) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(
                {"format": FORMAT, "version": VERSION, **manifest}, ensure_ascii=False,
                indent=1))
            for member in (*MEMBERS, *OPTIONAL_MEMBERS):
                with archive.open(f"{member}.jsonl", "w", force_zip64=True) as out:
                    for row in parts.get(member, ()):
                        out.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk


@dataclass
class Snapshot:
    """An opened archive: its manifest, and :meth:`rows` to read a member line by line."""

    archive: zipfile.ZipFile
    manifest: dict

    def rows(self, member: str) -> Iterator[tuple[int, dict]]:
        """``(line number, row)`` of ``<member>.jsonl`` (none where an optional member is
        missing); errors name the member and line."""
        name = f"{member}.jsonl"
        if member in OPTIONAL_MEMBERS and name not in self.archive.namelist():
            return
        with self.archive.open(name) as raw:
            for number, line in enumerate(io.TextIOWrapper(raw, encoding="utf-8"), start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise InvalidInputError(f"{name} line {number}: not JSON ({error.msg})",
                                            field=name) from error
                if not isinstance(row, dict):
                    raise InvalidInputError(f"{name} line {number}: expected an object",
                                            field=name)
                yield number, row


def read_snapshot(stream: BinaryIO) -> Snapshot:
    """Open a snapshot archive (a seekable stream) and check its manifest."""
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as error:
        raise InvalidInputError(f"not a snapshot archive: {error}", field="file") from error
    names = set(archive.namelist())
    missing = [name for name in ("manifest.json", *(f"{m}.jsonl" for m in MEMBERS))
               if name not in names]
    if missing:
        raise InvalidInputError(f"not a snapshot archive: {', '.join(missing)} missing",
                                field="file")
    if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
        raise InvalidInputError("the snapshot unpacks to more than "
                                f"{MAX_UNCOMPRESSED // 2**30} GiB", field="file")
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"manifest.json is not JSON: {error}", field="file") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InvalidInputError(f"manifest.json does not describe a {FORMAT}", field="file")
    if manifest.get("version") != VERSION:
        raise InvalidInputError(f"snapshot version {manifest.get('version')!r} is not "
                                f"supported (this version reads {VERSION})", field="file")
    return Snapshot(archive, manifest)
