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
    # a separator would split values a classification task cannot hold: said before reading
    split = upload(client, admin, project_id, "label,text\nham,a\n", label_column="label",
                   label_task_id=str(task), label_separator="|")
    assert split.status_code == 422 and split.json()["field"] == "label_separator"
    assert "'spam' is a classification task" in split.json()["detail"]
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


def test_labels_of_a_column_make_a_new_task_in_the_same_import(client, admin, project_id):
    """A project's first import can bring its labels: the task is made of the column's
    values (in the order they first appear), in the import's one transaction."""
    lines = SMS.read_bytes().splitlines(keepends=True)[:50]
    response = upload(client, admin, project_id, b"".join(lines), filename=SMS.name,
                      label_column="column_1", label_task_name="spam")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["manual_labels"] == 50
    assert "new classification task 'spam' with the labels 'ham', 'spam'" in body["notes"]
    task = client.get(f"{API}/projects/{project_id}/tasks/{body['task_id']}",
                      headers=admin).json()
    assert task["name"] == "spam" and task["kind"] == "classification"
    assert [label["name"] for label in task["labels"]] == ["ham", "spam"]
    spam = sum(line.startswith(b"spam\t") for line in lines)
    assert count(client, admin, project_id, task_id=task["id"], label="spam") == spam > 0
    # the task now exists: the same name again is refused, and nothing of that file lands
    again = upload(client, admin, project_id, b"".join(lines), filename=SMS.name,
                   label_column="column_1", label_task_name="spam", generate_ids="true")
    assert again.status_code == 409 and again.json()["field"] == "label_task_name"
    assert count(client, admin, project_id) == 50


def test_a_new_multilabel_task_and_what_is_refused(client, admin, project_id):
    content = 'id,text,topics\n1,a,price|battery\n2,b,\n3,c,screen\n'
    response = upload(client, admin, project_id, content, id_column="id",
                      label_column="topics", label_task_name="topics", label_separator="|")
    assert response.status_code == 201, response.text
    task = client.get(f"{API}/projects/{project_id}/tasks/{response.json()['task_id']}",
                      headers=admin).json()
    assert task["kind"] == "multilabel"
    assert [label["name"] for label in task["labels"]] == ["price", "battery", "screen"]
    assert count(client, admin, project_id, task_id=task["id"], label="battery") == 1
    # JSON lists need no separator: lists of several labels make a multi-label task
    lines = [{"uid": "j1", "text": "x", "tags": ["red", "blue"]},
             {"uid": "j2", "text": "y", "tags": ["green"]}, {"uid": "j3", "text": "z"}]
    listed = upload(client, admin, project_id, "\n".join(json.dumps(line) for line in lines),
                    filename="tags.jsonl", id_column="uid", label_column="tags",
                    label_task_name="colours")
    assert listed.status_code == 201, listed.text
    assert listed.json()["manual_labels"] == 3
    colours = client.get(f"{API}/projects/{project_id}/tasks/{listed.json()['task_id']}",
                         headers=admin).json()
    assert colours["kind"] == "multilabel"
    assert [label["name"] for label in colours["labels"]] == ["red", "blue", "green"]
    tasks = client.get(f"{API}/projects/{project_id}/tasks", headers=admin).json()
    for form, status, field, words in [
        ({"label_task_name": "x", "label_task_id": str(task["id"])}, 422, "label_task_id",
         "not both"),
        ({}, 422, "label_task_id", "label_task_name"),
        ({"label_task_name": "  "}, 422, "label_task_name", "blank"),
    ]:
        refused = upload(client, admin, project_id, "id,text,topics\n9,z,a\n", id_column="id",
                         label_column="topics", **form)
        assert refused.status_code == status, (form, refused.text)
        assert refused.json()["field"] == field and words in refused.json()["detail"]
    # a column of free text is no label column, and a failed import makes no task
    free_text = "text,label\n" + "".join(f"comment {i},value {i}\n" for i in range(1_001))
    refused = upload(client, admin, project_id, free_text, label_column="label",
                     label_task_name="free")
    assert refused.status_code == 422 and "1,001 distinct values" in refused.json()["detail"]
    empty = upload(client, admin, project_id, "text,label\na,\n", label_column="label",
                   label_task_name="empty")
    assert empty.status_code == 422 and "no values" in empty.json()["detail"]
    assert client.get(f"{API}/projects/{project_id}/tasks", headers=admin).json() == tasks
    assert count(client, admin, project_id) == 6


def test_a_new_task_import_sent_again_under_its_idempotency_key_lands_once(client, admin,
                                                                          project_id):
    once = admin | {"Idempotency-Key": "labelled-1"}
    content = "text,label\ngood,pos\nbad,neg\n"
    first = upload(client, once, project_id, content, label_column="label",
                   label_task_name="sentiment")
    assert first.status_code == 201, first.text
    again = upload(client, once, project_id, content, label_column="label",
                   label_task_name="sentiment")
    assert again.status_code == 201 and again.json() == first.json()
    assert client.get(f"{API}/projects/{project_id}/tasks", headers=admin).json()["count"] == 1
    assert count(client, admin, project_id) == 2
