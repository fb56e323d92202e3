from __future__ import annotations

from sqlalchemy import select

from store.models import Event
from tests.api.conftest import API, create_task


def test_project_crud(client, admin):
    created = client.post(f"{API}/projects", json={"name": "P", "description": "d"},
                          headers=admin)
    assert created.status_code == 201
    project = created.json()
    assert client.post(f"{API}/projects", json={"name": "P"}, headers=admin).status_code == 409
    path = f"{API}/projects/{project['id']}"
    assert client.get(path, headers=admin).json()["description"] == "d"
    updated = client.patch(path, json={"name": "Q"}, headers=admin).json()
    assert updated["name"] == "Q" and updated["description"] == "d"
    listed = client.get(f"{API}/projects", headers=admin).json()
    assert listed["count"] == 1 and listed["data"][0]["name"] == "Q"
    # timestamps carry their zone, as stored (SQLite hands them back without one)
    assert listed["data"][0]["created_at"] == project["created_at"]
    assert project["created_at"].endswith("Z")
    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(path, headers=admin).status_code == 404
    assert client.post(f"{API}/projects", json={"name": ""}, headers=admin).status_code == 422


def test_deleting_a_project_deletes_its_records_and_labels(client, admin, loaded, record_ids):
    task = create_task(client, admin, loaded, name="t", kind="classification", labels=["a"])
    client.post(f"{API}/projects/{loaded}/records/{record_ids['1']}/labels",
                json={"task_id": task["id"], "label": "a"}, headers=admin)
    assert client.delete(f"{API}/projects/{loaded}", headers=admin).status_code == 204
    other = client.post(f"{API}/projects", json={"name": "again"}, headers=admin).json()
    assert client.get(f"{API}/projects/{other['id']}/records", headers=admin).json()["count"] == 0


def test_attributes(client, admin, project_id):
    path = f"{API}/projects/{project_id}/attributes"
    created = client.post(path, json={"name": "note", "data_type": "text"}, headers=admin)
    assert created.status_code == 201 and created.json()["position"] == 0
    assert client.post(path, json={"name": "note", "data_type": "text"},
                       headers=admin).status_code == 409
    assert client.post(path, json={"name": "x", "data_type": "blob"},
                       headers=admin).status_code == 422
    assert [a["name"] for a in client.get(path, headers=admin).json()] == ["note"]


def test_tasks_and_labels(client, admin, loaded):
    task = create_task(client, admin, loaded, name="sentiment", kind="classification",
                       labels=["pos", "neg"])
    assert [label["name"] for label in task["labels"]] == ["pos", "neg"]
    base = f"{API}/projects/{loaded}/tasks/{task['id']}"
    label = client.post(f"{base}/labels", json={"name": "mixed", "hotkey": "m"}, headers=admin)
    assert label.status_code == 201 and label.json()["hotkey"] == "m"
    assert client.post(f"{base}/labels", json={"name": "pos"}, headers=admin).status_code == 409
    assert client.post(f"{base}/labels", json={"name": "x", "hotkey": "m"},
                       headers=admin).status_code == 409
    renamed = client.patch(f"{base}/labels/{label.json()['id']}", json={"name": "neutral"},
                           headers=admin)
    assert renamed.json()["name"] == "neutral"
    assert client.delete(f"{base}/labels/{label.json()['id']}", headers=admin).status_code == 204
    assert client.patch(base, json={"name": "polarity"}, headers=admin).json()["name"] \
        == "polarity"
    multi = create_task(client, admin, loaded, name="topics", kind="multilabel")
    assert multi["kind"] == "multilabel"
    listed = client.get(f"{API}/projects/{loaded}/tasks", headers=admin).json()
    assert [t["name"] for t in listed["data"]] == ["polarity", "topics"]
    assert client.delete(base, headers=admin).status_code == 204
    assert client.get(base, headers=admin).status_code == 404


def test_guidelines_and_label_descriptions(client, admin, loaded, make_user, session):
    task = create_task(client, admin, loaded, name="sentiment", kind="classification",
                       labels=["pos", "neg"])
    assert task["guidelines"] == "" and task["labels"][0]["description"] == ""
    base = f"{API}/projects/{loaded}/tasks/{task['id']}"
    guidelines = "Label the buyer's mood.\n\nSarcasm: label what is meant, not what is said."
    updated = client.patch(base, json={"guidelines": guidelines}, headers=admin)
    assert updated.status_code == 200 and updated.json()["guidelines"] == guidelines
    assert client.patch(base, json={"name": "mood"}, headers=admin).json()["guidelines"] == \
        guidelines, "a rename keeps them"
    described = client.patch(f"{base}/labels/{task['labels'][0]['id']}", headers=admin,
                             json={"description": "the buyer is happy with it"})
    assert described.json()["description"] == "the buyer is happy with it"
    added = client.post(f"{base}/labels", headers=admin,
                        json={"name": "mixed", "description": "both at once"})
    assert added.status_code == 201 and added.json()["description"] == "both at once"
    annotator = make_user("ann")
    assert client.put(f"{API}/projects/{loaded}/members", headers=admin,
                      json={"user": "ann", "role": "annotator"}).status_code == 200
    seen = client.get(base, headers=annotator).json()
    assert seen["guidelines"] == guidelines
    assert [label["description"] for label in seen["labels"]] == [
        "the buyer is happy with it", "", "both at once"]
    assert client.patch(base, json={"guidelines": "mine"}, headers=annotator).status_code == 403
    too_long = client.patch(base, json={"guidelines": "x" * 100_001}, headers=admin)
    assert too_long.status_code == 422
    # open pages follow: every change of the task is announced
    changed = session.scalars(select(Event.payload).where(Event.type == "task.changed")).all()
    assert changed == [{"task_id": task["id"]}] * 4


def test_guidelines_saved_on_an_older_revision_are_refused(client, admin, loaded, session):
    task = create_task(client, admin, loaded, name="mood", kind="classification",
                       labels=["pos", "neg"])
    assert task["guidelines_revision"] == 0
    base = f"{API}/projects/{loaded}/tasks/{task['id']}"
    first = client.patch(base, headers=admin,
                         json={"guidelines": "Label the mood.", "guidelines_revision": 0})
    assert first.status_code == 200 and first.json()["guidelines_revision"] == 1
    # a second owner's page, opened at revision 0, saves its own text: refused, nothing lost
    stale = client.patch(base, headers=admin,
                         json={"guidelines": "Label the tone.", "guidelines_revision": 0})
    assert stale.status_code == 409
    assert stale.json()["field"] == "guidelines_revision"
    assert "revision 1 now" in stale.json()["detail"]
    stored = client.get(base, headers=admin).json()
    assert (stored["guidelines"], stored["guidelines_revision"]) == ("Label the mood.", 1)
    # keeping their changes on the new revision saves them
    kept = client.patch(base, headers=admin,
                        json={"guidelines": "Label the tone.", "guidelines_revision": 1})
    assert (kept.json()["guidelines"], kept.json()["guidelines_revision"]) == \
        ("Label the tone.", 2)
    # the same text changes nothing, whatever revision it names; no revision: last one wins
    same = client.patch(base, headers=admin,
                        json={"guidelines": "Label the tone.", "guidelines_revision": 0})
    assert same.status_code == 200 and same.json()["guidelines_revision"] == 2
    blind = client.patch(base, headers=admin, json={"guidelines": "Label the feeling."})
    assert blind.json()["guidelines_revision"] == 3
    # a refused save changes nothing else asked with it
    both = client.patch(base, headers=admin, json={
        "name": "renamed", "guidelines": "x", "guidelines_revision": 2})
    assert both.status_code == 409
    assert client.get(base, headers=admin).json()["name"] == "mood"
    alone = client.patch(base, headers=admin, json={"guidelines_revision": 3})
    assert alone.status_code == 422 and alone.json()["field"] == "guidelines_revision"
    changed = session.scalars(select(Event.payload).where(Event.type == "task.changed")).all()
    assert len(changed) == 3, "one event per save that changed the text"


def test_task_validation(client, admin, loaded):
    path = f"{API}/projects/{loaded}/tasks"
    cases = [
        ({"name": "e", "kind": "extraction"}, "target text attribute"),
        ({"name": "e", "kind": "extraction", "target_attribute": "nope"}, "no attribute"),
        ({"name": "e", "kind": "extraction", "target_attribute": "stars"}, "not text"),
        ({"name": "c", "kind": "classification", "target_attribute": "text"}, "whole records"),
    ]
    for body, words in cases:
        response = client.post(path, json=body, headers=admin)
        assert response.status_code == 422 and words in response.json()["detail"], body
    create_task(client, admin, loaded, name="dup", kind="classification")
    assert client.post(path, json={"name": "dup", "kind": "classification"},
                       headers=admin).status_code == 409


def test_extraction_task_tokenises_its_attribute_once(client, admin, loaded, record_ids):
    create_task(client, admin, loaded, name="ner", kind="extraction", target_attribute="text",
                labels=["PRODUCT"])
    detail = client.get(f"{API}/projects/{loaded}/records/{record_ids['2']}",
                        headers=admin).json()
    tokens = detail["tokens"][0]
    assert tokens["attribute"] == "text"
    assert tokens["tokens"] == ["Terrible", "battery", ".", "Check", "out", "my", "channel",
                                "!"]
    text = detail["data"]["text"]
    assert [text[s:e] for s, e in zip(tokens["starts"], tokens["ends"], strict=True)] \
        == tokens["tokens"]
    # records imported later are tokenised too
    from tests.api.conftest import upload

    assert upload(client, admin, loaded, "id,text\n7,Buy now\n", id_column="id").status_code \
        == 201
    new = client.get(f"{API}/projects/{loaded}/records", params={"search": "Buy now"},
                     headers=admin).json()["data"][0]
    detail = client.get(f"{API}/projects/{loaded}/records/{new['id']}", headers=admin).json()
    assert detail["tokens"][0]["tokens"] == ["Buy", "now"]


def test_schema_errors_have_the_same_shape_as_every_other_error(client, admin, project_id):
    response = client.post(f"{API}/projects/{project_id}/attributes",
                           json={"name": "x", "data_type": "blob"}, headers=admin)
    body = response.json()
    assert response.status_code == 422 and body["field"] == "data_type"
    assert body["detail"].startswith("field 'data_type': Input should be")
    assert body["errors"][0]["loc"] == ["body", "data_type"]
    missing = client.post(f"{API}/projects", json={}, headers=admin).json()
    assert missing["field"] == "name" and missing["message"] == "Field required"
