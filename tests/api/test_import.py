from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.api.conftest import API, SMALL_CSV, upload
from tests.conftest import DATASETS


def records_of(client, headers, project_id, **params) -> list[dict]:
    response = client.get(f"{API}/projects/{project_id}/records", headers=headers,
                          params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def attributes_of(client, headers, project_id) -> dict[str, str]:
    rows = client.get(f"{API}/projects/{project_id}/attributes", headers=headers).json()
    return {a["name"]: a["data_type"] for a in rows}


def test_csv_import_infers_types_and_converts_values(client, admin, project_id):
    response = upload(client, admin, project_id, SMALL_CSV, id_column="id")
    assert response.status_code == 201, response.text
    assert response.json()["records"] == 4
    assert attributes_of(client, admin, project_id) == {
        "text": "text", "stars": "integer", "price": "float", "verified": "boolean",
        "lang": "text"}
    first = records_of(client, admin, project_id)[0]
    assert first["external_id"] == "1"
    assert first["data"] == {"text": "Great phone, love it", "stars": 5, "price": 199.5,
                             "verified": True, "lang": "en"}


def test_types_can_be_overridden(client, admin, project_id):
    response = upload(client, admin, project_id, SMALL_CSV, id_column="id",
                      types=json.dumps({"lang": "category", "stars": "float"}))
    assert response.status_code == 201, response.text
    attributes = attributes_of(client, admin, project_id)
    assert attributes["lang"] == "category" and attributes["stars"] == "float"
    assert records_of(client, admin, project_id)[0]["data"]["stars"] == 5.0


def test_generated_ids_continue_across_imports(client, admin, project_id):
    body = "text\nfirst\nsecond\n"
    assert upload(client, admin, project_id, body).status_code == 201
    assert upload(client, admin, project_id, body).status_code == 201
    ids = [r["external_id"] for r in records_of(client, admin, project_id)]
    assert ids == ["1", "2", "3", "4"]


def test_an_import_sent_again_under_its_idempotency_key_lands_once(client, admin,
                                                                   project_id):
    body = "text\nfirst\nsecond\n"
    once = admin | {"Idempotency-Key": "import-1"}
    first = upload(client, once, project_id, body)
    assert first.status_code == 201, first.text
    again = upload(client, once, project_id, body)
    assert again.status_code == 201 and again.json() == first.json()
    assert [r["external_id"] for r in records_of(client, admin, project_id)] == ["1", "2"]
    other = upload(client, once, project_id, "text\nthird\n")
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    assert upload(client, once, project_id, body, header="no").status_code == 409
    assert len(records_of(client, admin, project_id)) == 2


def test_jsonl_import(client, admin, project_id):
    lines = [{"uid": "a", "text": "hello", "n": 1, "tags": None},
             {"uid": "b", "text": "world", "n": 2, "tags": None}]
    content = "\n".join(json.dumps(line) for line in lines)
    response = upload(client, admin, project_id, content, filename="x.jsonl", id_column="uid")
    assert response.status_code == 201, response.text
    data = {r["external_id"]: r["data"] for r in records_of(client, admin, project_id)}
    assert data == {"a": {"text": "hello", "n": 1, "tags": None},
                    "b": {"text": "world", "n": 2, "tags": None}}


def test_parquet_import(client, admin, project_id):
    table = pa.table({"id": ["x1", "x2", "x3"], "text": ["a", "b", "c"],
                      "score": [0.5, None, 1.5], "flag": [True, False, None]})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    response = upload(client, admin, project_id, sink.getvalue(), filename="t.parquet",
                      id_column="id")
    assert response.status_code == 201, response.text
    assert attributes_of(client, admin, project_id) == {
        "text": "text", "score": "float", "flag": "boolean"}
    data = [r["data"] for r in records_of(client, admin, project_id)]
    assert data[1] == {"text": "b", "score": None, "flag": False}


def test_youtube_csv_import_matches_the_file(client, admin, project_id):
    path = DATASETS / "youtube" / "Youtube01-Psy.csv"
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        expected = {row["COMMENT_ID"]: row for row in csv.DictReader(handle)}
    response = upload(client, admin, project_id, path.read_bytes(), id_column="COMMENT_ID")
    assert response.status_code == 201, response.text
    assert response.json()["records"] == len(expected) == 350
    attributes = attributes_of(client, admin, project_id)
    assert attributes["CONTENT"] == "text" and attributes["CLASS"] == "integer"
    for record in records_of(client, admin, project_id)[:50]:
        row = expected[record["external_id"]]
        assert record["data"]["CONTENT"] == row["CONTENT"]
        assert record["data"]["CLASS"] == int(row["CLASS"])


def assert_nothing_written(client, headers, project_id):
    assert records_of(client, headers, project_id) == []
    assert attributes_of(client, headers, project_id) == {}


@pytest.mark.parametrize(("content", "row", "field", "words"), [
    ("id,text\n1,a\n2,b,extra\n", 2, None, "has 3 fields"),
    ("id,n\n1,5\n2,7\n", None, "types", None),
    ("id,text\n1,a\n1,b\n", 2, "id", "duplicate id '1'"),
    ("id,text\n1,a\n,b\n", 2, "id", "empty"),
    ("", None, None, "empty"),
])
def test_bad_csv_is_rejected_whole(client, admin, project_id, content, row, field, words):
    form = {"id_column": "id"}
    if field == "types":
        form["types"] = json.dumps({"n": "boolean"})
        row, field, words = 1, "n", "expected boolean"
    response = upload(client, admin, project_id, content, **form)
    assert response.status_code in (409, 422), response.text
    body = response.json()
    assert body["row"] == row and body["field"] == field
    assert words in body["detail"]
    assert_nothing_written(client, admin, project_id)


def test_wrong_encoding_names_the_row(client, admin, project_id):
    content = "id,text\n1,caf\xe9\n2,na\xefve\n".encode("latin-1")
    response = upload(client, admin, project_id, content, id_column="id", encoding="utf-8")
    assert response.status_code == 422
    assert response.json()["row"] == 1
    assert "utf-8" in response.json()["detail"].lower()
    assert_nothing_written(client, admin, project_id)


def test_bad_value_late_in_a_big_file_writes_nothing(client, admin, project_id):
    rows = "".join(f"{i},text {i},{i}\n" for i in range(12_000))
    content = "id,text,n\n" + rows + "12000,last,not-a-number\n"
    response = upload(client, admin, project_id, content, id_column="id",
                      types=json.dumps({"n": "integer"}))
    assert response.status_code == 422
    assert response.json()["row"] == 12_001 and response.json()["field"] == "n"
    assert_nothing_written(client, admin, project_id)


def test_duplicate_of_an_existing_record_is_409(client, admin, loaded):
    response = upload(client, admin, loaded, "id,text\n5,new\n3,again\n", id_column="id")
    assert response.status_code == 409
    assert response.json()["row"] == 2 and "'3' exists already" in response.json()["detail"]
    assert len(records_of(client, admin, loaded)) == 4


def test_missing_id_column_and_unknown_format(client, admin, project_id):
    response = upload(client, admin, project_id, "text\na\n", id_column="id")
    assert response.status_code == 422 and "no column 'id'" in response.json()["detail"]
    response = upload(client, admin, project_id, "text\na\n", filename="data.xlsx")
    assert response.status_code == 422 and response.json()["field"] == "format"
    response = upload(client, admin, project_id, "{not json", filename="d.jsonl")
    assert response.status_code == 422 and response.json()["row"] == 1
    response = upload(client, admin, project_id, b"PAR1 nonsense", filename="d.parquet")
    assert response.status_code == 422 and "Parquet" in response.json()["detail"]
    response = upload(client, admin, project_id, "text\na\n", types="[1, 2]")
    assert response.status_code == 422 and response.json()["field"] == "types"
    assert_nothing_written(client, admin, project_id)


def test_later_import_checks_values_against_existing_types(client, admin, loaded):
    response = upload(client, admin, loaded, "id,stars\n9,many\n", id_column="id")
    assert response.status_code == 422
    assert response.json()["field"] == "stars" and response.json()["row"] == 1
    response = upload(client, admin, loaded, "id,stars,extra\n9,4,x\n", id_column="id")
    assert response.status_code == 201
    assert response.json()["attributes"] == ["extra"]


CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER
in IN O O
New NNP B-NP B-LOC
York NNP I-NP I-LOC

"""


def test_conll_import_creates_records_tokens_and_spans(client, admin, project_id):
    response = client.post(f"{API}/projects/{project_id}/records/import-conll", headers=admin,
                           files={"file": ("x.conll", CONLL.encode())},
                           data={"annotator": "reuters"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["records"] == 2 and body["manual_labels"] == 4
    task = client.get(f"{API}/projects/{project_id}/tasks/{body['task_id']}",
                      headers=admin).json()
    assert task["kind"] == "extraction" and task["target_attribute"] == "text"
    assert sorted(label["name"] for label in task["labels"]) == ["LOC", "MISC", "ORG", "PER"]
    second = records_of(client, admin, project_id)[1]
    detail = client.get(f"{API}/projects/{project_id}/records/{second['id']}",
                        headers=admin).json()
    assert detail["data"]["text"] == "Peter Blackburn in New York"
    assert detail["tokens"][0]["tokens"] == ["Peter", "Blackburn", "in", "New", "York"]
    spans = {(ml["label"], ml["token_start"], ml["token_end"], ml["text"], ml["annotator"])
             for ml in detail["tasks"][0]["manual_labels"]}
    assert spans == {("PER", 0, 2, "Peter Blackburn", "reuters"),
                     ("LOC", 3, 5, "New York", "reuters")}
    assert sorted(map(tuple, detail["tasks"][0]["reference"])) == [
        ("LOC", 3, 5), ("PER", 0, 2)]


def test_conll_import_of_the_real_dev_set_counts(client, admin, project_id):
    text = (DATASETS / "conll2003" / "dev.txt").read_text(encoding="utf-8")
    lines = text.splitlines()[:2_000]
    sentences = [block for block in "\n".join(lines).split("\n\n")
                 if block.strip() and not block.startswith("-DOCSTART-")]
    entities = sum(line.split()[-1].startswith("B-")
                   for block in sentences for line in block.splitlines())
    response = client.post(f"{API}/projects/{project_id}/records/import-conll", headers=admin,
                           files={"file": ("dev.txt", "\n".join(lines).encode())})
    assert response.status_code == 201, response.text
    assert response.json()["records"] == len(sentences)
    assert response.json()["manual_labels"] == entities


def test_bad_conll_line_is_rejected_whole(client, admin, project_id):
    content = CONLL.replace("call NN I-NP O", "call NN I-NP X-BAD")
    response = client.post(f"{API}/projects/{project_id}/records/import-conll", headers=admin,
                           files={"file": ("x.conll", content.encode())})
    assert response.status_code == 422 and response.json()["row"] == 6
    assert_nothing_written(client, admin, project_id)
    assert client.get(f"{API}/projects/{project_id}/tasks", headers=admin).json()["count"] == 0
