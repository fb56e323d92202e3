"""Many manual labels in one request: all or nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.api.conftest import API, create_task, upload
from tests.api.test_import_options import count


def bulk(client, headers, project_id, task_id, labels, **kwargs):
    return client.post(f"{API}/projects/{project_id}/tasks/{task_id}/labels/bulk",
                       json={"labels": labels}, headers=headers, **kwargs)


def loaded_project(client, admin, n=300):
    project = client.post(f"{API}/projects", json={"name": "Bulk"}, headers=admin).json()["id"]
    content = "id,text\n" + "".join(f"r{i},text {i}\n" for i in range(n))
    assert upload(client, admin, project, content, id_column="id").status_code == 201
    task = create_task(client, admin, project, name="spam", kind="classification",
                       labels=["ham", "spam"])["id"]
    return project, task


def test_250_gold_labels_in_one_request(client, admin):
    project, task = loaded_project(client, admin)
    labels = [{"external_id": f"r{i}", "label": "spam" if i % 5 == 0 else "ham",
               "is_gold": True} for i in range(250)]
    response = bulk(client, admin, project, task, labels)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 250 and len(set(response.json()["ids"])) == 250
    assert count(client, admin, project, task_id=task, label="spam") == 50
    assert count(client, admin, project, task_id=task, labelled="true") == 250
    first = client.get(f"{API}/projects/{project}/records", headers=admin,
                       params={"limit": 1}).json()["data"][0]
    again = bulk(client, admin, project, task, [{"record_id": first["id"], "label": "spam",
                                                 "is_gold": True, "annotator": "expert"}])
    assert again.status_code == 201, again.text
    detail = client.get(f"{API}/projects/{project}/records/{first['id']}", headers=admin)
    gold = [ml for ml in detail.json()["tasks"][0]["manual_labels"] if ml["is_gold"]]
    assert [(ml["label"], ml["annotator"]) for ml in gold] == [("spam", "expert")]


def test_a_bad_item_refuses_the_whole_request_and_is_named(client, admin):
    project, task = loaded_project(client, admin, n=10)
    labels = [{"external_id": "r1", "label": "ham"}, {"external_id": "r2", "label": "eggs"}]
    response = bulk(client, admin, project, task, labels)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "labels[1]" and "unknown label" in response.json()[
        "detail"]
    missing = bulk(client, admin, project, task, [{"external_id": "r1", "label": "ham"},
                                                  {"external_id": "nope", "label": "ham"}])
    assert missing.status_code == 422 and missing.json()["field"] == "labels[1]"
    assert count(client, admin, project, task_id=task, labelled="true") == 0


def test_bulk_retry_with_the_same_idempotency_key_stores_nothing_new(client, admin):
    project, task = loaded_project(client, admin, n=10)
    labels = [{"external_id": f"r{i}", "label": "ham"} for i in range(5)]
    headers = {**admin, "Idempotency-Key": "bulk-1"}
    first = bulk(client, headers, project, task, labels)
    second = bulk(client, headers, project, task, labels)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert count(client, admin, project, task_id=task, labelled="true") == 5


def test_a_later_item_replaces_an_earlier_classification_label(client, admin):
    project, task = loaded_project(client, admin, n=3)
    response = bulk(client, admin, project, task, [{"external_id": "r1", "label": "ham"},
                                                   {"external_id": "r1", "label": "spam"}])
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 1
    assert count(client, admin, project, task_id=task, label="spam") == 1
    assert count(client, admin, project, task_id=task, label="ham") == 0


def test_multilabel_bulk_refuses_a_label_stored_already(client, admin):
    project, _ = loaded_project(client, admin, n=3)
    task = create_task(client, admin, project, name="topics", kind="multilabel",
                       labels=["a", "b"])["id"]
    first = bulk(client, admin, project, task, [{"external_id": "r1", "label": "a"},
                                                {"external_id": "r1", "label": "b"}])
    assert first.status_code == 201 and first.json()["created"] == 2
    again = bulk(client, admin, project, task, [{"external_id": "r2", "label": "a"},
                                                {"external_id": "r1", "label": "b"}])
    assert again.status_code == 409, again.text
    assert again.json()["field"] == "labels[1]"
    assert count(client, admin, project, task_id=task, labelled="true") == 1
