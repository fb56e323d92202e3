"""Streaming readers of uploaded files: CSV, JSONL, Parquet and CoNLL.

Every reader takes a binary stream and is a generator: nothing is read, and no error is
raised, until iteration starts. Problems are reported as
:class:`~heuristics.errors.InvalidInputError` naming the row (and field, where known).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from heuristics.errors import InvalidInputError
from heuristics.spans import IOB_TAG

__all__ = [
    "ConllSentence",
    "CsvOptions",
    "read_conll",
    "read_csv",
    "read_jsonl",
    "read_parquet",
    "read_rows",
    "resolve_csv_options",
    "sniff_delimiter",
]

SNIFF_BYTES = 64 * 1024
CSV_DELIMITERS = (",", ";", "\t", "|")
PARQUET_BATCH_ROWS = 10_000
FORMATS = ("csv", "jsonl", "parquet")
MAX_JSON_DEPTH = 100
"""Lists and objects in a JSON Lines value may nest this deep."""
MAX_FIELD_CHARS = 131_072
"""The longest CSV field (the csv module's default limit), in characters."""
MAX_HEADER_CHARS = 1024 * 1024
MAX_NAME_CHARS = 64
"""A first-row value longer than this is taken for data, not a column name."""

_NEWLINE = re.compile(r"\r\n|\r|\n")


# --- decoding -------------------------------------------------------------------------


@dataclass
class _Position:
    """The 1-based data row being read, for decoding errors; None while in the header.
    ``max_line`` bounds the characters of one line, if set."""

    row: int | None = None
    max_line: int | None = None


class _LineTooLong(Exception):
    """A line grew past ``_Position.max_line``; ``text`` is what was read of it."""

    def __init__(self, text: str) -> None:
        super().__init__(f"a line longer than {len(text)} characters")
        self.text = text


def _encoding_error(error: UnicodeDecodeError, encoding: str, row: int | None) -> InvalidInputError:
    byte = error.object[error.start : error.start + 1].hex()
    where = "in the header" if row is None else "near this row"
    return InvalidInputError(
        f"file is not valid {encoding} text (undecodable byte 0x{byte} {where})", row=row
    )


def _check_encoding(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InvalidInputError(f"unknown encoding {encoding!r}", field="encoding") from None


def _split_lines(text: str) -> tuple[list[str], str]:
    """Complete lines (with their endings) of ``text``, and the incomplete rest."""
    lines, start = [], 0
    for match in _NEWLINE.finditer(text):
        if match.group() == "\r" and match.end() == len(text):
            break  # maybe the first half of "\r\n"
        lines.append(text[start : match.end()])
        start = match.end()
    return lines, text[start:]


def _decode_lines(chunks: Iterable[bytes], encoding: str, position: _Position) -> Iterator[str]:
    """Decode byte chunks strictly and split them into lines ending in \\r, \\n or \\r\\n.

    A leading byte order mark is dropped. Linear in the length of the longest line: the
    pieces of a line are joined once, when its end arrives.

    Raises
    ------
    _LineTooLong
        When a line grows past ``position.max_line`` characters.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    pending: list[str] = []  # the pieces of the current line, none with a line break
    pending_chars, first = 0, True
    for chunk in itertools.chain(chunks, [None]):
        try:
            text = decoder.decode(b"", final=True) if chunk is None else decoder.decode(chunk)
        except UnicodeDecodeError as error:
            raise _encoding_error(error, encoding, position.row) from None
        if first and text:
            text, first = text.removeprefix("\ufeff"), False
        if not pending and text.endswith("\n") and text.count("\n") == 1 and "\r" not in text:
            yield text  # the usual case: one whole line
        elif "\n" in text or "\r" in text or (pending and pending[-1].endswith("\r")):
            lines, rest = _split_lines("".join(pending) + text)
            yield from lines
            pending, pending_chars = ([rest] if rest else []), len(rest)
        else:
            pending.append(text)
            pending_chars += len(text)
        if position.max_line is not None and pending_chars > position.max_line:
            raise _LineTooLong("".join(pending))
    if pending_chars:
        yield "".join(pending)


def _byte_lines(stream: BinaryIO, head: bytes = b"") -> Iterator[bytes]:
    """``head`` and then the rest of ``stream``, in pieces of at most one line."""
    yield from head.splitlines(keepends=True)
    yield from iter(lambda: stream.readline(SNIFF_BYTES), b"")


# --- CSV ------------------------------------------------------------------------------


def _sample_records(sample: str, delimiter: str, quoting: int = csv.QUOTE_MINIMAL,
                    quotechar: str = '"') -> tuple[list[list[str]], bool]:
    """The complete, non-blank records of ``sample``, and whether they all parsed."""
    lines, _ = _split_lines(sample)
    records: list[list[str]] = []
    try:
        for record in csv.reader(lines, delimiter=delimiter, strict=True, quoting=quoting,
                                 quotechar=quotechar):
            if record:
                records.append(record)
    except csv.Error:
        return records, False
    return records, True


def _field_counts(sample: str, delimiter: str) -> list[int]:
    """Field counts of the complete, non-blank records in ``sample``."""
    return [len(record) for record in _sample_records(sample, delimiter)[0]]


def sniff_delimiter(sample: str) -> str:
    """Pick the delimiter, among , ; tab and |, that best splits ``sample`` into a table.

    The winner splits the header into several fields and the most records into as many
    fields as the header; ties go to the earlier candidate, and "," is the default.

    Examples
    --------
    >>> sniff_delimiter('a;b;c\\n1;"x, y";3\\n')
    ';'
    """

    def score(delimiter: str) -> tuple[bool, float, int]:
        counts = _field_counts(sample, delimiter) or [1]
        header = counts[0]
        share = sum(count == header for count in counts) / len(counts)
        return header > 1, share, header

    return max(CSV_DELIMITERS, key=score) if sample else ","


def _check_header(header: list[str]) -> list[str]:
    columns = [name.strip() for name in header]
    empty = [str(i + 1) for i, name in enumerate(columns) if not name]
    if empty:
        raise InvalidInputError(f"empty column name at position {', '.join(empty)}")
    duplicates = sorted(name for name, count in Counter(columns).items() if count > 1)
    if duplicates:
        raise InvalidInputError(f"duplicate column names: {', '.join(map(repr, duplicates))}")
    return columns


def read_csv(
    stream: BinaryIO, *, delimiter: str | None = None, encoding: str = "utf-8",
    header: bool = True, quoting: int = csv.QUOTE_MINIMAL, quotechar: str = '"',
) -> Iterator[dict[str, str | None]]:
    """Read a CSV file with a header row, one dict per data row.

    Parameters
    ----------
    stream
        The file, opened in binary mode. It is decoded incrementally and strictly; a UTF-8
        byte order mark is dropped. Quoted fields may span lines.
    delimiter
        The field delimiter; sniffed among , ; tab and | from the first 64 KiB if None.
    encoding
        The text encoding.
    header
        Whether the first row names the columns; without one they are named
        ``column_1`` ... ``column_n`` after the first row's fields.
    quoting, quotechar
        As for :func:`csv.reader`: ``csv.QUOTE_NONE`` reads quotes as plain characters.

    Yields
    ------
    dict[str, str | None]
        Column name to value; empty values are None. Blank lines are skipped.

    Raises
    ------
    InvalidInputError
        For an empty file, empty or duplicate column names, a row with more or fewer
        fields than the header, malformed quoting, or bytes that are not valid in
        ``encoding``. Row numbers are 1-based data rows: the header is not counted, and a
        row with multi-line fields counts once.
    """
    _check_encoding(encoding)
    head = stream.read(SNIFF_BYTES)
    if delimiter is None:
        sample = head.decode(encoding, errors="replace").removeprefix("\ufeff")
        delimiter = sniff_delimiter(sample)
    position = _Position(max_line=MAX_HEADER_CHARS)
    record_lines: list[str] = []  # the lines of the record being parsed, to name a long field
    lines = _decode_lines(_byte_lines(stream, head), encoding, position)
    reader = csv.reader(_recorded(lines, record_lines), delimiter=delimiter, strict=True,
                        quoting=quoting, quotechar=quotechar)
    columns: list[str] = []
    try:
        for values in reader:
            record_lines.clear()
            if not values:
                continue
            if not columns and not header:
                columns = [f"column_{i}" for i in range(1, len(values) + 1)]
                position.row = 1
                position.max_line = len(columns) * (2 * MAX_FIELD_CHARS + 3)
            if not columns:
                columns = _check_header(values)
                position.row = 1
                # the widest a data line can be: every field at the limit, quoted, its
                # quotes doubled
                position.max_line = len(columns) * (2 * MAX_FIELD_CHARS + 3)
                continue
            yield _csv_row(columns, values, position.row)
            position.row += 1
    except _LineTooLong as error:
        raise _field_too_long(error.text, delimiter, columns, position.row) from None
    except csv.Error as error:
        if _long_field("".join(record_lines), delimiter) is not None:
            raise _field_too_long("".join(record_lines), delimiter, columns,
                                  position.row) from None
        raise InvalidInputError(f"malformed CSV: {error}", row=position.row) from None
    if not columns:
        raise InvalidInputError("file is empty")


@dataclass
class CsvOptions:
    """How to read a CSV file; None (or "auto") means "find out from the file".

    ``header``: True, False or None; ``quoting``: "minimal", "none" or None; ``encoding``:
    a codec name or "auto" (a byte order mark, else UTF-8 if the whole file is valid
    UTF-8, else latin-1).
    """

    delimiter: str | None = None
    header: bool | None = None
    quoting: str | None = None
    quotechar: str = '"'
    encoding: str = "auto"

    def reader_arguments(self) -> dict[str, object]:
        """Keyword arguments of :func:`read_csv` (for resolved options)."""
        return {"delimiter": self.delimiter, "encoding": self.encoding,
                "header": self.header is not False, "quotechar": self.quotechar,
                "quoting": csv.QUOTE_NONE if self.quoting == "none" else csv.QUOTE_MINIMAL}


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def _detect_encoding(stream: BinaryIO, head: bytes) -> tuple[str, str | None]:
    """The encoding of the file and a note saying how it was found (None for plain UTF-8)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, f"encoding {encoding} (byte order mark)"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in itertools.chain([head], iter(lambda: stream.read(SNIFF_BYTES), b"")):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1", "encoding latin-1 (the file is not valid UTF-8)"
    return "utf-8", None


def _looks_headerless(records: list[list[str]]) -> str | None:
    """Why the first record looks like data rather than column names, or None."""
    first, rest = records[0], records[1:]
    for index, value in enumerate(first):
        text = value.strip()
        if not text:
            return f"its field {index + 1} is empty"
        if len(text) > MAX_NAME_CHARS:
            return f"its field {index + 1} is longer than {MAX_NAME_CHARS} characters"
        with contextlib.suppress(ValueError):
            float(text)
            return f"its field {index + 1} ({text!r}) is a number"
        if any(index < len(record) and record[index] == value for record in rest):
            return f"its field {index + 1} ({text!r}) recurs as a value of the column"
    return None


def resolve_csv_options(stream: BinaryIO, given: CsvOptions) -> tuple[CsvOptions, list[str]]:
    """Settle every option left to the file (encoding, delimiter, quoting, header) from
    its start (the encoding from all of it); notes say what was assumed."""
    head = stream.read(SNIFF_BYTES)
    notes: list[str] = []
    encoding = given.encoding
    if encoding.lower() == "auto":
        encoding, note = _detect_encoding(stream, head)
        notes += [note] if note else []
    else:
        _check_encoding(encoding)
    sample = head.decode(encoding, errors="replace").removeprefix("\ufeff")
    delimiter = given.delimiter
    if delimiter is None:
        delimiter = sniff_delimiter(sample)
        notes.append(f"delimiter {_DELIMITER_NAMES.get(delimiter, delimiter)} (sniffed)")
    quoting = given.quoting
    if quoting is None:
        quoting = "minimal"
        if not _sample_records(sample, delimiter, quotechar=given.quotechar)[1]:
            records, _ = _sample_records(sample, delimiter, csv.QUOTE_NONE)
            if records and len({len(record) for record in records}) == 1:
                quoting = "none"
                notes.append("quoting none: quotes are read as plain characters (the file "
                             "does not parse with quoted fields)")
    header = given.header
    quoting_mode = csv.QUOTE_NONE if quoting == "none" else csv.QUOTE_MINIMAL
    records, _ = _sample_records(sample, delimiter, quoting_mode, given.quotechar)
    if header is None and records:
        reason = _looks_headerless(records)
        header = reason is None
        if reason:
            notes.append(f"no header: the first row looks like data ({reason}); columns "
                         f"are named column_1..column_{len(records[0])}; pass header=yes "
                         "to take it as column names")
    elif header is False and records:
        notes.append(f"no header: columns are named column_1..column_{len(records[0])}")
    resolved = CsvOptions(delimiter=delimiter, header=header, quoting=quoting,
                          quotechar=given.quotechar, encoding=encoding)
    return resolved, notes


def _recorded(lines: Iterator[str], record_lines: list[str]) -> Iterator[str]:
    """``lines``, each also appended to ``record_lines``."""
    for line in lines:
        record_lines.append(line)
        yield line


def _long_field(text: str, delimiter: str) -> int | None:
    """The index of the first field of the CSV record ``text`` (perhaps cut short) that is
    longer than ``MAX_FIELD_CHARS``, or None.

    >>> _long_field('a,"b,' + "x" * MAX_FIELD_CHARS + '",c', ",")
    1
    """
    index, length = 0, 0
    for number, segment in enumerate(text.split('"')):
        if number % 2:  # inside quotes
            length += len(segment)
        else:
            first, *others = segment.split(delimiter)
            length += len(first)
            for other in others:
                if length > MAX_FIELD_CHARS:
                    return index
                index, length = index + 1, len(other)
        if length > MAX_FIELD_CHARS:
            return index
    return None


def _field_too_long(text: str, delimiter: str, columns: list[str],
                    row: int | None) -> InvalidInputError:
    index = _long_field(text, delimiter)
    if row is None:
        longest = MAX_HEADER_CHARS if index is None else MAX_FIELD_CHARS
        return InvalidInputError(f"the header has more than {longest:,} characters"
                                 + ("" if index is None else f" in column {index + 1}"))
    if index is None:
        return InvalidInputError(f"the row is longer than {len(text):,} characters", row=row)
    field = columns[index] if index < len(columns) else None
    return InvalidInputError(f"a value longer than {MAX_FIELD_CHARS:,} characters", row=row,
                             field=field)


def _csv_row(columns: list[str], values: list[str], row: int) -> dict[str, str | None]:
    if len(values) != len(columns):
        raise InvalidInputError(f"has {len(values)} fields, header has {len(columns)}", row=row)
    return {
        name: value if value != "" else None for name, value in zip(columns, values, strict=True)
    }


# --- JSONL ----------------------------------------------------------------------------


def _parse_json_line(line: bytes, number: int) -> dict[str, object] | None:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _encoding_error(error, "utf-8", number) from None
    if number == 1:
        text = text.removeprefix("\ufeff")
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        message = f"invalid JSON: {error.msg} (column {error.colno})"
        raise InvalidInputError(message, row=number) from None
    except RecursionError:
        raise InvalidInputError(f"nested deeper than {MAX_JSON_DEPTH} levels",
                                row=number) from None
    except ValueError:  # a number with more digits than Python reads
        raise InvalidInputError("invalid JSON: a number with more than "
                                f"{sys.get_int_max_str_digits()} digits", row=number) from None
    if not isinstance(value, dict):
        raise InvalidInputError(f"expected a JSON object, got {type(value).__name__}", row=number)
    for name, field_value in value.items():
        if isinstance(field_value, dict | list) and _nesting_depth(field_value) > MAX_JSON_DEPTH:
            raise InvalidInputError(f"nested deeper than {MAX_JSON_DEPTH} levels", row=number,
                                    field=name)
    return value


def _nesting_depth(value: object) -> int:
    """How many lists and objects deep ``value`` goes (0 for a plain value).

    >>> _nesting_depth({"a": [1, [2]], "b": 3})
    3
    """
    depth, level = 0, [value]
    while containers := [item for item in level if isinstance(item, dict | list)]:
        depth += 1
        level = [inner for container in containers
                 for inner in (container.values() if isinstance(container, dict) else container)]
    return depth


def read_jsonl(stream: BinaryIO) -> Iterator[dict[str, object]]:
    """Read JSON Lines: one JSON object per line, in UTF-8.

    Parameters
    ----------
    stream
        The file, opened in binary mode.

    Yields
    ------
    dict[str, object]
        One object per non-blank line.

    Raises
    ------
    InvalidInputError
        For invalid UTF-8, invalid JSON, or a value that is not an object; ``row`` is the
        1-based line number (blank lines count).
    """
    for number, line in enumerate(iter(stream.readline, b""), start=1):
        value = _parse_json_line(line, number)
        if value is not None:
            yield value


# --- Parquet --------------------------------------------------------------------------


def read_parquet(
    stream: BinaryIO | str | os.PathLike[str],
) -> Iterator[dict[str, object]]:
    """Read a Parquet file batch by batch.

    Parameters
    ----------
    stream
        A seekable binary file or a path.

    Yields
    ------
    dict[str, object]
        One dict of native Python values per row.

    Raises
    ------
    InvalidInputError
        If the data is not a Parquet file or is corrupt.
    """
    try:
        parquet = pq.ParquetFile(stream)
    except (pa.ArrowException, OSError) as error:
        raise InvalidInputError(f"not a Parquet file: {error}") from None
    batches = parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS)
    while True:
        try:
            batch = next(batches, None)
        except (pa.ArrowException, OSError) as error:
            raise InvalidInputError(f"corrupt Parquet file: {error}") from None
        if batch is None:
            return
        yield from batch.to_pylist()


def read_rows(stream: BinaryIO, fmt: str,
              csv_options: CsvOptions | None = None) -> Iterator[dict[str, object]]:
    """Read rows from a ``"csv"``, ``"jsonl"`` or ``"parquet"`` file; a CSV file with
    ``csv_options`` (resolved by :func:`resolve_csv_options`), else the defaults.

    Raises
    ------
    InvalidInputError
        At once for an unknown format (``field="format"``); later, while iterating, for
        errors in the file.
    """
    readers = {"csv": read_csv, "jsonl": read_jsonl, "parquet": read_parquet}
    reader = readers.get(fmt.lower())
    if reader is None:
        expected = ", ".join(FORMATS)
        raise InvalidInputError(f"unknown format {fmt!r}, expected {expected}", field="format")
    if reader is read_csv and csv_options is not None:
        return read_csv(stream, **csv_options.reader_arguments())
    return reader(stream)


# --- CoNLL ----------------------------------------------------------------------------


@dataclass
class ConllSentence:
    """One sentence of a CoNLL file; ``document`` is the 0-based document index."""

    tokens: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    document: int = 0


def _conll_token(line: str, number: int, tag_column: int) -> tuple[str, str]:
    columns = line.split()
    if len(columns) < 2:
        raise InvalidInputError(
            f"expected a token and a tag, got {len(columns)} column", row=number
        )
    try:
        tag = columns[tag_column]
    except IndexError:
        raise InvalidInputError(
            f"no tag column {tag_column}: the line has {len(columns)} columns", row=number
        ) from None
    if not IOB_TAG.fullmatch(tag):
        raise InvalidInputError(f"invalid tag {tag!r}, expected O, B-X or I-X", row=number)
    return columns[0], tag


def _conll_lines(stream: BinaryIO) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(iter(stream.readline, b""), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _encoding_error(error, "utf-8", number) from None
        yield number, text.removeprefix("\ufeff") if number == 1 else text


def read_conll(stream: BinaryIO, *, tag_column: int = -1) -> Iterator[ConllSentence]:
    """Read a CoNLL file (e.g. CoNLL-2003 NER) in UTF-8.

    Parameters
    ----------
    stream
        The file, opened in binary mode: whitespace-separated columns with the token in
        column 0; blank lines end sentences; ``-DOCSTART-`` lines start a new document.
    tag_column
        The column holding the IOB tag (default: the last).

    Yields
    ------
    ConllSentence
        Each non-empty sentence, with the 0-based index of its document (documents
        without sentences are not counted).

    Raises
    ------
    InvalidInputError
        For a line with fewer than 2 columns, a tag that is not O, B-X or I-X, or
        invalid UTF-8; ``row`` is the 1-based line number.
    """
    document, document_used = 0, False
    sentence = ConllSentence(document=document)
    for number, line in _conll_lines(stream):
        starts_document = line.startswith("-DOCSTART-")
        if (starts_document or not line.strip()) and sentence.tokens:
            yield sentence
            document_used = True
            sentence = ConllSentence(document=document)
        if starts_document and document_used:
            document, document_used = document + 1, False
            sentence.document = document
        if starts_document or not line.strip():
            continue
        token, tag = _conll_token(line, number, tag_column)
        sentence.tokens.append(token)
        sentence.tags.append(tag)
    if sentence.tokens:
        yield sentence
