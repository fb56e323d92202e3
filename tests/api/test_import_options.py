"""Import options: CSV dialect and encoding, header-less files, constants, generated ids and
labels from a column, all through the API on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json

import pytest

from tests.api.conftest import API, create_task, upload
from tests.api.test_import import assert_nothing_written, attributes_of, records_of
from tests.conftest import DATASETS

SMS = DATASETS / "sms" / "SMSSpamCollection.tsv"
YOUTUBE = sorted((DATASETS / "youtube").glob("Youtube0*.csv"))


def count(client, headers, project_id, **params) -> int:
    response = client.get(f"{API}/projects/{project_id}/records", headers=headers,
                          params={"limit": 1, **params})
    assert response.status_code == 200, response.text
    return response.json()["count"]


def test_raw_sms_file_imports_with_its_labels_in_one_request(client, admin, project_id):
    task = create_task(client, admin, project_id, name="spam", kind="classification",
                       labels=["ham", "spam"])["id"]
    response = upload(client, admin, project_id, SMS.read_bytes(), filename=SMS.name,
                      label_column="column_1", label_task_id=str(task),
                      label_as_gold="true", label_annotator="uci")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["records"] == 5574 and body["manual_labels"] == 5574
    assert body["task_id"] == task and body["attributes"] == ["column_2"]
    notes = " ".join(body["notes"])
    assert "delimiter tab" in notes and "quoting none" in notes and "no header" in notes
    assert count(client, admin, project_id, task_id=task, label="spam") == 747
    assert count(client, admin, project_id, task_id=task, label="ham") == 4827
    record = records_of(client, admin, project_id, search="You got called a tool")[0]
    detail = client.get(f"{API}/projects/{project_id}/records/{record['id']}",
                        headers=admin).json()
    labels = detail["tasks"][0]["manual_labels"]
    assert [(ml["label"], ml["annotator"], ml["is_gold"]) for ml in labels] == [
        ("ham", "uci", True)]
    assert detail["tasks"][0]["reference"] == "ham"
    quoted = records_of(client, admin, project_id, search="Wen u miss someone")[0]
    assert quoted["data"]["column_2"].startswith('"Wen u miss someone')


def test_unknown_label_refuses_the_whole_file(client, admin, project_id):
    task = create_task(client, admin, project_id, name="spam", kind="classification",
                       labels=["ham"])["id"]
    response = upload(client, admin, project_id, "label,text\nham,a\nspam,b\n",
                      label_column="label", label_task_id=str(task))
    assert response.status_code == 422, response.text
    assert response.json()["row"] == 2 and response.json()["field"] == "label"
    assert "unknown label 'spam'" in response.json()["detail"]
    assert_nothing_written(client, admin, project_id)


def test_multilabel_column_as_separated_values_or_json_lists(client, admin, project_id):
    task = create_task(client, admin, project_id, name="topics", kind="multilabel",
                       labels=["price", "battery"])["id"]
    content = 'id,text,topics\n1,a,price|battery\n2,b,\n3,c,"[""battery""]"\n'
    response = upload(client, admin, project_id, content, id_column="id",
                      label_column="topics", label_task_id=str(task), label_separator="|")
    assert response.status_code == 201, response.text
    assert response.json()["manual_labels"] == 3
    assert count(client, admin, project_id, task_id=task, label="battery") == 2
    assert count(client, admin, project_id, task_id=task, labelled="false") == 1
    assert attributes_of(client, admin, project_id) == {"text": "text"}


def test_youtube_files_import_unchanged_with_generated_ids_and_a_split(client, admin,
                                                                       project_id):
    total = 0
    for path in YOUTUBE:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        response = upload(client, admin, project_id, path.read_bytes(), filename=path.name,
                          id_column="COMMENT_ID", generate_ids="true",
                          constants=json.dumps({"split": "train"}),
                          file_name_attribute="source")
        assert response.status_code == 201, (path.name, response.text)
        assert response.json()["records"] == len(rows)
        total += len(rows)
    assert total == 1956
    assert count(client, admin, project_id) == total
    assert count(client, admin, project_id, search="Youtube04-Eminem.csv",
                 search_attribute="source") == 448
    records = records_of(client, admin, project_id, limit=1000, sort="external_id")
    repeated = [r for r in records if r["external_id"].endswith("-2")]
    assert repeated and all(r["data"]["split"] == "train" for r in records)
    assert {r["data"]["source"] for r in records} <= {path.name for path in YOUTUBE}


def test_repeated_ids_without_generate_ids_still_conflict(client, admin, project_id):
    response = upload(client, admin, project_id, "id,text\n1,a\n1,b\n", id_column="id")
    assert response.status_code == 409
    assert "generate_ids" in response.json()["detail"]
    response = upload(client, admin, project_id, "id,text\n1,a\n1,b\n", id_column="id",
                      generate_ids="true")
    assert response.status_code == 201, response.text
    assert [r["external_id"] for r in records_of(client, admin, project_id)] == ["1", "1-2"]


def test_headerless_file_is_said_and_header_yes_overrides(client, admin, project_id):
    content = "1,great phone\n2,bad battery\n"
    preview = client.post(f"{API}/projects/{project_id}/records/import/preview",
                          headers=admin, files={"file": ("cut.csv", content.encode())})
    assert preview.status_code == 200, preview.text
    assert [c["name"] for c in preview.json()["columns"]] == ["column_1", "column_2"]
    assert any("no header" in note for note in preview.json()["notes"])
    response = upload(client, admin, project_id, content, header="yes")
    assert response.status_code == 201, response.text
    assert response.json()["records"] == 1
    assert set(attributes_of(client, admin, project_id)) == {"1", "great phone"}


def test_header_no_names_every_column(client, admin, project_id):
    response = upload(client, admin, project_id, "id,text\n1,a\n", header="no")
    assert response.status_code == 201, response.text
    assert response.json()["records"] == 2
    assert any("column_1..column_2" in note for note in response.json()["notes"])
    assert [r["data"] for r in records_of(client, admin, project_id)] == [
        {"column_1": "id", "column_2": "text"}, {"column_1": "1", "column_2": "a"}]


@pytest.mark.parametrize(("encoding", "given", "note"), [
    ("utf-8-sig", "auto", "byte order mark"),
    ("utf-16", "auto", "byte order mark"),
    ("latin-1", "auto", "latin-1"),
    ("latin-1", "latin-1", None),
])
def test_encodings(client, admin, project_id, encoding, given, note):
    content = "id;text\n1;café\n2;naïve\n".encode(encoding)
    response = upload(client, admin, project_id, content, id_column="id", encoding=given)
    assert response.status_code == 201, response.text
    notes = " ".join(response.json()["notes"])
    assert "delimiter semicolon" in notes
    assert note is None or note in notes
    texts = [r["data"]["text"] for r in records_of(client, admin, project_id)]
    assert texts == ["café", "naïve"]


def test_given_delimiter_and_quoting(client, admin, project_id):
    content = 'a|b\n"x|1\n'
    response = upload(client, admin, project_id, content, delimiter="pipe", quoting="none")
    assert response.status_code == 201, response.text
    assert records_of(client, admin, project_id)[0]["data"] == {"a": '"x', "b": 1}
    response = upload(client, admin, project_id, content, delimiter="ab")
    assert response.status_code == 422 and response.json()["field"] == "delimiter"


def test_constant_clashing_with_a_column_is_refused(client, admin, project_id):
    response = upload(client, admin, project_id, "id,split\n1,a\n",
                      constants=json.dumps({"split": "test"}))
    assert response.status_code == 422 and response.json()["field"] == "constants"
    assert_nothing_written(client, admin, project_id)
