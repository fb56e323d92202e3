"""File formats: type inference, value conversion, streaming readers and writers."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from formats.readers import (
    read_conll,
    read_csv,
    read_jsonl,
    read_parquet,
    read_rows,
)
from formats.types import AttributeType, TypeInference, convert_value, infer_column_type
from formats.writers import write_conll, write_csv, write_jsonl, write_parquet
from heuristics.errors import InvalidInputError

DATASETS = Path("/work/shared/datasets")
CONLL_TRAIN = DATASETS / "conll2003" / "train.txt"
YOUTUBE = DATASETS / "youtube" / "Youtube01-Psy.csv"

T = AttributeType


def csv_rows(data: bytes, **options: object) -> list[dict[str, str | None]]:
    return list(read_csv(io.BytesIO(data), **options))


def error_of(call, *args, **kwargs) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as info:
        result = call(*args, **kwargs)
        if isinstance(result, Iterator):
            list(result)
    return info.value


# --- type inference -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["true", "FALSE", None, "", "True"], T.BOOLEAN),
        ([True, False, None], T.BOOLEAN),
        (["1", "-2", " 30 ", None, ""], T.INTEGER),
        ([1, 2, None, 3], T.INTEGER),
        (["1.5", "2", "1e3", "-.5"], T.FLOAT),
        ([1, 2.5, None], T.FLOAT),
        ([float("nan"), 1.5], T.FLOAT),
        (["nan", "inf", "1.0"], T.TEXT),  # the words are not numbers
        (["1", "true"], T.TEXT),
        ([True, 1], T.TEXT),  # bool is checked before int: a mix is no number
        ([None, "", None], T.TEXT),
        ([], T.TEXT),
        (["spam", "ham"] * 5, T.CATEGORY),
        (["spam", "ham"] * 4 + ["spam"], T.TEXT),  # fewer than 10 values
        ([f"v{i}" for i in [*range(7), *range(6)]], T.TEXT),  # 7 distinct of 13
        ([f"v{i}" for i in range(5)] * 2, T.CATEGORY),  # 5 of 10 is exactly half
        (["x" * 41, "y"] * 10, T.TEXT),  # a value longer than 40 characters
        (["x" * 40, "y"] * 10, T.CATEGORY),
        ([f"label {i % 51}" for i in range(500)], T.TEXT),  # 51 distinct values
        ([f"label {i % 50}" for i in range(500)], T.CATEGORY),
        ([1, 2, 3, "x"] * 5, T.CATEGORY),  # mixed numbers and words fall back to strings
    ],
)
def test_infer_column_type(values: list[object], expected: AttributeType) -> None:
    assert infer_column_type(values) is expected


def test_type_inference_keeps_a_bounded_number_of_distinct_values() -> None:
    inference = TypeInference()
    for i in range(10_000):
        inference.add(f"comment number {i}")
    assert len(inference.distinct) <= 51
    assert inference.result() is T.TEXT


@pytest.mark.parametrize(
    ("value", "type_", "expected"),
    [
        ("42", T.INTEGER, 42),
        (" -7 ", T.INTEGER, -7),
        ("3.0", T.INTEGER, 3),
        (3.0, T.INTEGER, 3),
        (12, T.INTEGER, 12),
        ("2.5", T.FLOAT, 2.5),
        (2, T.FLOAT, 2.0),
        (float("nan"), T.FLOAT, None),
        ("NaN", T.FLOAT, None),
        ("", T.INTEGER, None),
        (None, T.BOOLEAN, None),
        ("   ", T.FLOAT, None),
        ("Yes", T.BOOLEAN, True),
        ("no", T.BOOLEAN, False),
        ("TRUE", T.BOOLEAN, True),
        ("0", T.BOOLEAN, False),
        (True, T.BOOLEAN, True),
        ("spam", T.CATEGORY, "spam"),
        (12, T.TEXT, "12"),
        (False, T.TEXT, "false"),
        ({"a": [1, "é"]}, T.TEXT, '{"a": [1, "é"]}'),
        ("  padded  ", T.TEXT, "  padded  "),
    ],
)
def test_convert_value(value: object, type_: AttributeType, expected: object) -> None:
    converted = convert_value(value, type_, row=1, field="f")
    assert converted == expected
    assert type(converted) is type(expected)


@pytest.mark.parametrize(
    ("value", "type_", "message"),
    [
        ("abc", T.INTEGER, "expected integer, got 'abc'"),
        ("3.5", T.INTEGER, "expected integer, got '3.5'"),
        (3.5, T.INTEGER, "expected integer, got 3.5"),
        (True, T.INTEGER, "expected integer, got True"),
        ("1,5", T.FLOAT, "expected float, got '1,5'"),
        ("inf", T.FLOAT, "expected float, got 'inf'"),
        (float("inf"), T.FLOAT, "expected float, got inf"),
        ("maybe", T.BOOLEAN, "expected boolean, got 'maybe'"),
        (2, T.BOOLEAN, "expected boolean, got 2"),
    ],
)
def test_convert_value_errors_name_row_and_field(
    value: object, type_: AttributeType, message: str
) -> None:
    error = error_of(convert_value, value, type_, row=7, field="score")
    assert (error.row, error.field, error.message) == (7, "score", message)
    assert str(error) == f"row 7, field 'score': {message}"


# --- CSV ------------------------------------------------------------------------------


def test_csv_quoted_fields_with_newlines_and_commas() -> None:
    data = b'id,text,label\n1,"hello,\nworld",spam\n2,"say ""hi""",\r\n3,plain,ham\n'
    assert csv_rows(data) == [
        {"id": "1", "text": "hello,\nworld", "label": "spam"},
        {"id": "2", "text": 'say "hi"', "label": None},
        {"id": "3", "text": "plain", "label": "ham"},
    ]


def test_csv_sniffs_semicolons_despite_commas_in_values() -> None:
    data = b'name;comment;score\nA;good, really good;1,5\nB;"bad; awful";2\n'
    assert csv_rows(data) == [
        {"name": "A", "comment": "good, really good", "score": "1,5"},
        {"name": "B", "comment": "bad; awful", "score": "2"},
    ]


@pytest.mark.parametrize("delimiter", ["\t", "|", ","])
def test_csv_sniffs_other_delimiters(delimiter: str) -> None:
    data = delimiter.join(["a", "b c", "d"]) + "\n" + delimiter.join(["1", "x y", "2"]) + "\n"
    assert csv_rows(data.encode()) == [{"a": "1", "b c": "x y", "d": "2"}]


def test_csv_single_column_and_explicit_delimiter() -> None:
    assert csv_rows(b"text\nhello; there\n") == [{"text": "hello; there"}]
    assert csv_rows(b"a;b\n1;2\n", delimiter=",") == [{"a;b": "1;2"}]


def test_csv_strips_bom_and_handles_line_endings() -> None:
    rows = csv_rows(b"\xef\xbb\xbfid,text\r\n1,a\r\n\r\n2,b")
    assert rows == [{"id": "1", "text": "a"}, {"id": "2", "text": "b"}]
    assert csv_rows(b"id,text\r1,a\r2,b\r") == rows  # old Mac line endings


def test_csv_wrong_field_count_names_the_data_row() -> None:
    data = b'a,b,c,d,e\n1,2,3,4,5\n"multi\nline",2,3,4,5\n\n1,2,3\n'
    error = error_of(csv_rows, data)
    assert error.row == 3  # data rows, not lines: the header and the blank line don't count
    assert "has 3 fields, header has 5" in str(error)
    assert str(error).startswith("row 3")


def test_csv_latin1_bytes_in_utf8_file_are_an_encoding_error_with_row() -> None:
    data = b"name,text\nA,ok\nB,caf\xe9 cr\xe8me\nC,ok\n"
    error = error_of(csv_rows, data)
    assert error.row == 2
    assert "not valid utf-8" in error.message
    assert csv_rows(data, encoding="latin-1")[1] == {"name": "B", "text": "café crème"}


def test_csv_encoding_error_far_into_the_file_has_the_exact_row() -> None:
    good = "".join(f"{i},comment {i} ünïcödé\n" for i in range(1, 15_000))
    data = ("id,text\n" + good).encode() + b"15000,caf\xe9\n16000,ok\n"
    assert len(data) > 3 * 64 * 1024
    assert error_of(csv_rows, data).row == 15_000


def test_csv_multibyte_character_across_the_sniffing_boundary() -> None:
    data = ("xy\n" + "é" * 40_000 + "\n").encode()
    assert csv_rows(data) == [{"xy": "é" * 40_000}]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n"])
def test_csv_empty_file(data: bytes) -> None:
    assert error_of(csv_rows, data).message == "file is empty"


def test_csv_header_only_gives_no_rows() -> None:
    assert csv_rows(b"a,b\n") == []


def test_csv_duplicate_and_empty_column_names() -> None:
    assert "duplicate column names: 'a'" in str(error_of(csv_rows, b"a,b,a\n1,2,3\n"))
    assert "empty column name at position 2" in str(error_of(csv_rows, b"a,,c\n1,2,3\n"))


def test_csv_unknown_encoding() -> None:
    assert error_of(csv_rows, b"a\n1\n", encoding="no-such-codec").field == "encoding"


def test_csv_real_youtube_file_matches_the_csv_module() -> None:
    data = YOUTUBE.read_bytes() if YOUTUBE.exists() else b'"A","B"\nx,"y, z"\n'
    expected = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    rows = csv_rows(data)
    assert rows == [{k: v or None for k, v in row.items()} for row in expected]
    if YOUTUBE.exists():
        assert infer_column_type(r["CLASS"] for r in rows) is T.INTEGER
        assert infer_column_type(r["CONTENT"] for r in rows) is T.TEXT


# --- JSONL ----------------------------------------------------------------------------


def test_jsonl_reads_objects_and_skips_blank_lines() -> None:
    data = '{"a": 1, "b": "é"}\n\n  \n{"a": null, "b": [1, 2]}'.encode()
    assert list(read_jsonl(io.BytesIO(data))) == [{"a": 1, "b": "é"}, {"a": None, "b": [1, 2]}]


@pytest.mark.parametrize(
    ("data", "row", "message"),
    [
        (b'{"a": 1}\n\n{"a": 2,}\n', 3, "invalid JSON"),
        (b'{"a": 1}\n[1, 2]\n', 2, "expected a JSON object, got list"),
        (b'{"a": 1}\n{"a": "caf\xe9"}\n', 2, "not valid utf-8"),
    ],
)
def test_jsonl_bad_line_names_its_line(data: bytes, row: int, message: str) -> None:
    error = error_of(read_jsonl, io.BytesIO(data))
    assert error.row == row
    assert message in error.message


def test_jsonl_round_trip() -> None:
    rows = [
        {"id": i, "text": f"naïve «{i}»", "tags": ["a", "b"], "ok": i % 2 == 0, "x": None}
        for i in range(2500)
    ]
    chunks = list(write_jsonl(iter(rows)))
    assert len(chunks) == 3
    data = b"".join(chunks)
    assert "naïve «0»".encode() in data  # not \\u escaped
    assert list(read_jsonl(io.BytesIO(data))) == rows


# --- CSV writer -----------------------------------------------------------------------


def test_csv_round_trip() -> None:
    rows = [
        {
            "id": str(i),
            "text": f'line one, "quoted"\nline two {i} ✓',
            "label": None if i % 3 else "x",
        }
        for i in range(2500)
    ]
    chunks = list(write_csv(["id", "text", "label"], iter(rows)))
    assert len(chunks) == 4  # header, then 1000 + 1000 + 500 rows
    assert chunks[0] == b"id,text,label\r\n"
    assert csv_rows(b"".join(chunks)) == rows


def test_csv_writer_formats_native_values() -> None:
    rows = [{"a": True, "b": [1, "é"], "c": 2.5, "ignored": 1}, {"a": None}]
    data = b"".join(write_csv(["a", "b", "c"], rows))
    assert csv_rows(data) == [
        {"a": "true", "b": '[1, "é"]', "c": "2.5"},
        {"a": None, "b": None, "c": None},
    ]


# --- Parquet --------------------------------------------------------------------------


def parquet_rows(n: int) -> list[dict[str, object]]:
    return [
        {
            "id": i,
            "text": f"comment {i} ✓",
            "score": i / 4,
            "flag": i % 2 == 0,
            "late": None if i < 12 else f"seen {i}",  # all null in the first batch
        }
        for i in range(n)
    ]


def test_parquet_round_trip_across_batches() -> None:
    rows = parquet_rows(25)
    columns = ["id", "text", "score", "flag", "late"]
    chunks = list(write_parquet(columns, iter(rows), batch_size=10))
    assert len(chunks) == 4  # three row groups, then the footer
    data = b"".join(chunks)
    assert pq.ParquetFile(io.BytesIO(data)).metadata.num_row_groups == 3
    assert list(read_parquet(io.BytesIO(data))) == rows


def test_parquet_explicit_types_for_a_column_null_in_the_first_batch(tmp_path: Path) -> None:
    rows = [{"id": str(i), "label": None if i < 10 else i % 2} for i in range(30)]
    data = b"".join(write_parquet(["id", "label"], rows, batch_size=10, types={"label": T.INTEGER}))
    path = tmp_path / "rows.parquet"
    path.write_bytes(data)
    assert list(read_parquet(path)) == rows
    assert str(pq.ParquetFile(path).schema_arrow.field("label").type) == "int64"


def test_parquet_inferred_string_column_takes_later_values_as_text() -> None:
    rows = [{"x": None}] * 3 + [{"x": 5}, {"x": True}, {"x": [1]}]
    data = b"".join(write_parquet(["x"], rows, batch_size=3))
    assert [r["x"] for r in read_parquet(io.BytesIO(data))] == [None] * 3 + ["5", "true", "[1]"]


def test_parquet_value_not_fitting_the_first_batch_type() -> None:
    rows = [{"n": 1}, {"n": "not a number"}]
    error = error_of(write_parquet, ["n"], rows, batch_size=1)
    assert error.field == "n"


def test_parquet_without_rows_is_a_valid_empty_file() -> None:
    data = b"".join(write_parquet(["a", "b"], []))
    assert pq.ParquetFile(io.BytesIO(data)).schema_arrow.names == ["a", "b"]
    assert list(read_parquet(io.BytesIO(data))) == []


def test_not_a_parquet_file() -> None:
    error = error_of(read_parquet, io.BytesIO(b"id,text\n1,hello\n"))
    assert error.message.startswith("not a Parquet file: ")


def test_read_rows_dispatches_on_format() -> None:
    parquet = b"".join(write_parquet(["a"], [{"a": 1}]))
    assert list(read_rows(io.BytesIO(b"a\n1\n"), "csv")) == [{"a": "1"}]
    assert list(read_rows(io.BytesIO(b'{"a": 1}\n'), "jsonl")) == [{"a": 1}]
    assert list(read_rows(io.BytesIO(parquet), "parquet")) == [{"a": 1}]
    assert error_of(read_rows, io.BytesIO(b""), "xlsx").field == "format"


# --- CoNLL ----------------------------------------------------------------------------

CONLL_SNIPPET = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP B-NP B-LOC
1996-08-22 CD I-NP O
"""


def conll_head(n_lines: int) -> str:
    if not CONLL_TRAIN.exists():
        return CONLL_SNIPPET
    with CONLL_TRAIN.open(encoding="utf-8") as file:
        return "".join(line for _, line in zip(range(n_lines), file, strict=False))


def test_read_conll_matches_independent_counts() -> None:
    text = conll_head(700)
    blocks = [block.splitlines() for block in re.split(r"\n\s*\n", text) if block.strip()]
    sentences = [b for b in blocks if not b[0].startswith("-DOCSTART-")]
    n_documents = text.count("-DOCSTART-")
    assert n_documents >= 2

    parsed = list(read_conll(io.BytesIO(text.encode())))

    assert len(parsed) == len(sentences)
    assert [len(s.tokens) for s in parsed] == [len(s) for s in sentences]
    assert sum(len(s.tags) for s in parsed) == sum(len(s) for s in sentences)
    assert parsed[0].tokens[:2] == ["EU", "rejects"]
    assert parsed[0].tags[:3] == ["B-ORG", "O", "B-MISC"]
    documents = [s.document for s in parsed]
    assert documents == sorted(documents)
    assert documents[0] == 0 and documents[-1] == n_documents - 1


def test_read_conll_snippet_documents_and_tag_column() -> None:
    parsed = list(read_conll(io.BytesIO(CONLL_SNIPPET.encode())))
    assert [(s.tokens, s.document) for s in parsed] == [
        (["EU", "rejects", "German", "."], 0),
        (["Peter", "Blackburn"], 0),
        (["BRUSSELS", "1996-08-22"], 1),
    ]
    chunks = list(read_conll(io.BytesIO(CONLL_SNIPPET.encode()), tag_column=2))
    assert chunks[1].tags == ["B-NP", "I-NP"]
    error = error_of(read_conll, io.BytesIO(CONLL_SNIPPET.encode()), tag_column=1)
    assert (error.row, error.message) == (3, "invalid tag 'NNP', expected O, B-X or I-X")


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ("EU B-ORG\nrejects\n", 2),
        ("EU B-ORG\n\nrejects X-PER\n", 3),
        ("EU B-ORG\nrejects B-\n", 2),
    ],
)
def test_read_conll_errors_name_the_line(text: str, row: int) -> None:
    assert error_of(read_conll, io.BytesIO(text.encode())).row == row


def test_conll_round_trip() -> None:
    sentences = [(["EU", "rejects", "German"], ["B-ORG", "O", "B-MISC"]), (["Hi"], ["O"])] * 700
    chunks = list(write_conll(iter(sentences)))
    assert len(chunks) == 2
    parsed = list(read_conll(io.BytesIO(b"".join(chunks))))
    assert [(s.tokens, s.tags) for s in parsed] == sentences


def test_write_conll_rejects_bad_sentences() -> None:
    assert error_of(write_conll, [(["a"], ["O"]), (["a", "b"], ["O"])]).row == 2
    assert error_of(write_conll, [(["New York"], ["B-LOC"])]).row == 1


def test_convert_nested_value_to_text_is_json() -> None:
    assert json.loads(convert_value([1, {"a": None}], T.TEXT, row=1, field="f")) == [1, {"a": None}]
