"""Streaming writers for exports: CSV, JSONL, Parquet and CoNLL.

Every writer is a generator of ``bytes`` chunks, so a web framework can stream the file
while it is written; no writer holds more than one chunk (or one Parquet row group) in
memory.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from formats.types import AttributeType
from heuristics.errors import InvalidInputError

__all__ = ["write_conll", "write_csv", "write_jsonl", "write_parquet"]

CHUNK_ROWS = 1000

_ARROW_TYPES = {
    AttributeType.TEXT: pa.string(),
    AttributeType.CATEGORY: pa.string(),
    AttributeType.INTEGER: pa.int64(),
    AttributeType.FLOAT: pa.float64(),
    AttributeType.BOOLEAN: pa.bool_(),
}


def _batches(items: Iterable[object], size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return _json(value)
    return value


def write_csv(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> Iterator[bytes]:
    """Write rows as UTF-8 CSV, header first.

    Parameters
    ----------
    columns
        The column names, in order; other keys of the rows are ignored.
    rows
        The rows; a missing key or None is written as an empty field, booleans as
        ``true``/``false``, lists and dicts as JSON text.

    Yields
    ------
    bytes
        The header, then chunks of about 1000 rows.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield buffer.getvalue().encode("utf-8")
    for batch in _batches(rows, CHUNK_ROWS):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_cell(row.get(name)) for name in columns] for row in batch)
        yield buffer.getvalue().encode("utf-8")


def write_jsonl(rows: Iterable[Mapping[str, object]]) -> Iterator[bytes]:
    """Write rows as JSON Lines (UTF-8, non-ASCII characters kept as they are).

    Yields
    ------
    bytes
        Chunks of about 1000 lines.
    """
    for batch in _batches(rows, CHUNK_ROWS):
        yield "".join(_json(dict(row)) + "\n" for row in batch).encode("utf-8")


class _DrainableSink:
    """A write-only file whose written bytes can be taken out; ``tell`` keeps counting."""

    closed = False

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _parquet_cell(value: object) -> object:
    return _json(value) if isinstance(value, dict | list | tuple) else value


def _as_string(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _infer_array(values: list[object]) -> pa.Array:
    """Arrow's own inference; all-null columns become strings, mixed ones too."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([_as_string(v) for v in values], type=pa.string())
    return array.cast(pa.string()) if pa.types.is_null(array.type) else array


def _typed_array(values: list[object], type_: pa.DataType, name: str) -> pa.Array:
    if pa.types.is_string(type_):
        values = [_as_string(v) for v in values]
    try:
        return pa.array(values, type=type_)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as error:
        raise InvalidInputError(
            f"a value does not fit the column type {type_} of the Parquet file: {error}",
            field=name,
        ) from None


def _first_schema(
    columns: Sequence[str], batch: list[Mapping[str, object]], types: Mapping[str, AttributeType]
) -> pa.Schema:
    fields = []
    for name in columns:
        if name in types:
            fields.append(pa.field(name, _ARROW_TYPES[AttributeType(types[name])]))
        else:
            values = [_parquet_cell(row.get(name)) for row in batch]
            fields.append(pa.field(name, _infer_array(values).type))
    return pa.schema(fields)


def _table(schema: pa.Schema, batch: list[Mapping[str, object]]) -> pa.Table:
    arrays = [
        _typed_array([_parquet_cell(row.get(f.name)) for row in batch], f.type, f.name)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def write_parquet(
    columns: Sequence[str],
    rows: Iterable[Mapping[str, object]],
    *,
    batch_size: int = 10_000,
    types: Mapping[str, AttributeType] | None = None,
) -> Iterator[bytes]:
    """Write rows as a Parquet file, one row group per batch.

    Parameters
    ----------
    columns
        The column names, in order; other keys of the rows are ignored.
    rows
        The rows; lists and dicts are written as JSON strings.
    batch_size
        Rows per row group.
    types
        Optional attribute types of some columns, which fix their Parquet types (text and
        category: string, integer: int64, float: double, boolean: bool). Other columns get
        the types pyarrow infers from the first batch; an all-null or mixed column becomes
        string, and later batches are cast to that schema.

    Yields
    ------
    bytes
        The file's bytes, a chunk after each row group and one with the footer.

    Raises
    ------
    InvalidInputError
        If a value of a later batch does not fit the type chosen for its column.
    """
    if batch_size < 1:
        raise InvalidInputError("batch size must be at least 1", field="batch_size")
    sink = _DrainableSink()
    batches = _batches(rows, batch_size)
    first = next(batches, [])
    schema = _first_schema(columns, first, types or {})
    writer = pq.ParquetWriter(sink, schema)
    try:
        for batch in itertools.chain([first] if first else [], batches):
            writer.write_table(_table(schema, batch), row_group_size=batch_size)
            yield sink.drain()
    finally:
        writer.close()
    yield sink.drain()


def write_conll(sentences: Iterable[tuple[list[str], list[str]]]) -> Iterator[bytes]:
    """Write sentences as CoNLL: a ``token TAG`` line per token, a blank line after each.

    Raises
    ------
    InvalidInputError
        If a sentence has not as many tags as tokens, or a token is empty or holds whitespace;
        ``row`` is the 1-based sentence number.

    Examples
    --------
    >>> b"".join(write_conll([(["Peter", "Blackburn"], ["B-PER", "I-PER"])]))
    b'Peter B-PER\\nBlackburn I-PER\\n\\n'
    """
    numbered = enumerate(sentences, start=1)
    for batch in _batches(numbered, CHUNK_ROWS):
        yield "".join(_conll_sentence(tokens, tags, n) for n, (tokens, tags) in batch).encode(
            "utf-8"
        )


def _conll_sentence(tokens: list[str], tags: list[str], number: int) -> str:
    if len(tokens) != len(tags):
        raise InvalidInputError(f"{len(tokens)} tokens but {len(tags)} tags", row=number)
    for token, tag in zip(tokens, tags, strict=True):
        if not token or len(token.split()) != 1 or token.split()[0] != token:
            raise InvalidInputError(f"token {token!r} is empty or holds whitespace", row=number)
        if not tag or len(tag.split()) != 1 or tag.split()[0] != tag:
            raise InvalidInputError(f"tag {tag!r} is empty or holds whitespace", row=number)
    return "".join(f"{token} {tag}\n" for token, tag in zip(tokens, tags, strict=True)) + "\n"


def write_rows(fmt: str, columns: Sequence[str], rows: Iterable[Mapping[str, object]], *,
               types: Mapping[str, AttributeType] | None = None) -> Iterator[bytes]:
    """``rows`` as ``fmt``: ``csv`` or ``jsonl`` or ``parquet`` (``columns`` name the fields,
    in order, for CSV and Parquet; ``types`` fix Parquet column types, see
    :func:`write_parquet`)."""
    if fmt == "csv":
        return write_csv(columns, rows)
    if fmt == "jsonl":
        return write_jsonl(rows)
    return write_parquet(columns, rows, types=types)
