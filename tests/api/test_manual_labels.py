from __future__ import annotations

import json

import pytest

from tests.api.conftest import API, create_task


@pytest.fixture
def spam_task(client, admin, loaded) -> dict:
    return create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])


def label(client, headers, project_id, record_id, **body):
    return client.post(f"{API}/projects/{project_id}/records/{record_id}/labels", json=body,
                       headers=headers)


def reference(client, headers, project_id, record_id, task_id):
    detail = client.get(f"{API}/projects/{project_id}/records/{record_id}", headers=headers)
    return next(t for t in detail.json()["tasks"] if t["task_id"] == task_id)


def test_classification_majority_gold_and_ties(client, admin, loaded, record_ids, spam_task):
    record, task = record_ids["2"], spam_task["id"]
    for annotator, name in (("a1", "spam"), ("a2", "spam"), ("a3", "ham")):
        response = label(client, admin, loaded, record, task_id=task, label=name,
                         annotator=annotator)
        assert response.status_code == 201, response.text
    entry = reference(client, admin, loaded, record, task)
    assert entry["reference"] == "spam" and len(entry["manual_labels"]) == 3
    # a2 changes their mind: their new label replaces the old one
    label(client, admin, loaded, record, task_id=task, label="ham", annotator="a2")
    entry = reference(client, admin, loaded, record, task)
    assert entry["reference"] == "ham" and len(entry["manual_labels"]) == 3
    # a fourth annotator makes it a tie: no reference
    label(client, admin, loaded, record, task_id=task, label="spam", annotator="a4")
    assert reference(client, admin, loaded, record, task)["reference"] is None
    # gold wins over any majority; a second gold replaces the first
    gold = label(client, admin, loaded, record, task_id=task, label="spam", is_gold=True)
    assert gold.status_code == 201 and gold.json()["is_gold"]
    assert reference(client, admin, loaded, record, task)["reference"] == "spam"
    label(client, admin, loaded, record, task_id=task, label="ham", is_gold=True,
          annotator="a1")
    entry = reference(client, admin, loaded, record, task)
    assert entry["reference"] == "ham"
    assert sum(ml["is_gold"] for ml in entry["manual_labels"]) == 1


def test_update_and_delete(client, admin, loaded, record_ids, spam_task):
    created = label(client, admin, loaded, record_ids["1"], task_id=spam_task["id"],
                    label="ham").json()
    path = f"{API}/projects/{loaded}/manual-labels/{created['id']}"
    updated = client.patch(path, json={"label": "spam"}, headers=admin)
    assert updated.status_code == 200 and updated.json()["label"] == "spam"
    bad = client.patch(path, json={"label": "eggs"}, headers=admin)
    assert bad.status_code == 422 and "unknown label 'eggs'" in bad.json()["detail"]
    assert client.delete(path, headers=admin).status_code == 204
    assert client.delete(path, headers=admin).status_code == 404
    assert reference(client, admin, loaded, record_ids["1"], spam_task["id"])["reference"] \
        is None


def test_bad_labels(client, admin, loaded, record_ids, spam_task):
    record, task = record_ids["1"], spam_task["id"]
    response = label(client, admin, loaded, record, task_id=task, label="eggs")
    assert response.status_code == 422 and response.json()["field"] == "label"
    assert "'ham', 'spam'" in response.json()["detail"]
    response = label(client, admin, loaded, record, task_id=task, label="ham", token_start=0,
                     token_end=1)
    assert response.status_code == 422 and response.json()["field"] == "span"
    assert label(client, admin, loaded, record, task_id=999, label="ham").status_code == 404
    assert label(client, admin, loaded, 99999, task_id=task, label="ham").status_code == 404


def test_multilabel(client, admin, loaded, record_ids):
    task = create_task(client, admin, loaded, name="topics", kind="multilabel",
                       labels=["price", "battery", "spam"])["id"]
    record = record_ids["2"]
    for annotator, names in (("a1", ["battery", "spam"]), ("a2", ["battery"]),
                             ("a3", ["battery", "spam", "price"])):
        for name in names:
            response = label(client, admin, loaded, record, task_id=task, label=name,
                             annotator=annotator)
            assert response.status_code == 201, response.text
    duplicate = label(client, admin, loaded, record, task_id=task, label="spam",
                      annotator="a1")
    assert duplicate.status_code == 409
    assert reference(client, admin, loaded, record, task)["reference"] == ["battery", "spam"]


def test_spans_in_token_and_char_offsets(client, admin, loaded, record_ids):
    task = create_task(client, admin, loaded, name="ner", kind="extraction",
                       target_attribute="text", labels=["PRODUCT", "ACTION"])["id"]
    record = record_ids["4"]  # "Subscribe to win an iPhone"
    by_tokens = label(client, admin, loaded, record, task_id=task, label="PRODUCT",
                      token_start=4, token_end=5)
    assert by_tokens.status_code == 201, by_tokens.text
    assert by_tokens.json()["char_start"] == 20 and by_tokens.json()["char_end"] == 26
    assert by_tokens.json()["text"] == "iPhone"
    # char offsets inside words expand to the tokens they touch
    by_chars = label(client, admin, loaded, record, task_id=task, label="ACTION",
                     char_start=2, char_end=15)
    assert by_chars.status_code == 201
    body = by_chars.json()
    assert (body["token_start"], body["token_end"], body["text"]) == (0, 3, "Subscribe to win")
    assert label(client, admin, loaded, record, task_id=task, label="PRODUCT", token_start=4,
                 token_end=5).status_code == 409
    entry = reference(client, admin, loaded, record, task)
    assert sorted(map(tuple, entry["reference"])) == [("ACTION", 0, 3), ("PRODUCT", 4, 5)]
    moved = client.patch(f"{API}/projects/{loaded}/manual-labels/{body['id']}",
                         json={"token_start": 2, "token_end": 3}, headers=admin)
    assert moved.status_code == 200 and moved.json()["text"] == "win"


@pytest.mark.parametrize(("span", "field"), [
    ({"token_start": 3, "token_end": 9}, "token_end"),
    ({"token_start": -1, "token_end": 1}, "token_start"),
    ({"token_start": 2, "token_end": 2}, "token_end"),
    ({"char_start": 10, "char_end": 400}, "char_end"),
    ({"char_start": 5, "char_end": 3}, "char_end"),
    ({}, "span"),
])
def test_span_outside_the_text_is_422(client, admin, loaded, record_ids, span, field):
    task = create_task(client, admin, loaded, name="ner", kind="extraction",
                       target_attribute="text", labels=["PRODUCT"])["id"]
    response = label(client, admin, loaded, record_ids["4"], task_id=task, label="PRODUCT",
                     **span)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert reference(client, admin, loaded, record_ids["4"], task)["manual_labels"] == []


def test_reviews_record_that_nothing_was_to_mark(client, admin, loaded, record_ids, spam_task):
    task = create_task(client, admin, loaded, name="ner", kind="extraction",
                       target_attribute="text", labels=["PRODUCT"])["id"]
    record = record_ids["4"]  # "Subscribe to win an iPhone"
    reviews = f"{API}/projects/{loaded}/records/{record}/reviews"
    assert reference(client, admin, loaded, record, task)["reference"] is None
    done = client.post(reviews, json={"task_id": task}, headers=admin)
    assert done.status_code == 201, done.text
    assert done.json()["annotator"] == "admin" and not done.json()["is_gold"]
    assert client.post(reviews, json={"task_id": task}, headers=admin).status_code == 201
    assert reference(client, admin, loaded, record, task)["reference"] == []
    assert reference(client, admin, loaded, record, task)["reviewed_by"] == ["admin"]
    # a second annotator marks a span: one of two annotators is a half tie, no reference
    label(client, admin, loaded, record, task_id=task, label="PRODUCT", token_start=4,
          token_end=5, annotator="bob")
    assert reference(client, admin, loaded, record, task)["reference"] is None
    assert client.post(reviews, json={"task_id": task, "annotator": "cid"},
                       headers=admin).status_code == 201
    assert reference(client, admin, loaded, record, task)["reference"] == []
    undo = client.delete(f"{reviews}/{task}", headers=admin)
    assert undo.status_code == 204
    assert reference(client, admin, loaded, record, task)["reference"] is None
    assert client.delete(f"{reviews}/{task}", headers=admin).status_code == 404
    refused = client.post(reviews, json={"task_id": spam_task["id"]}, headers=admin)
    assert refused.status_code == 422 and refused.json()["field"] == "task_id"
    client.post(reviews, json={"task_id": task}, headers=admin)  # admin and cid: nothing
    export = client.get(f"{API}/projects/{loaded}/export", params={"format": "jsonl"},
                        headers=admin)
    row = next(json.loads(line) for line in export.text.splitlines()
               if json.loads(line)["external_id"] == "4")
    assert row["ner__reference"] == []
