"""Editing a record's values over the API: conversion by the attribute's type, the revision
an edit is made from, the refusals, and manual spans that follow their text."""

from __future__ import annotations

from sqlalchemy import select

from store.models import Event, LabelingTask, Project
from tests.api.conftest import API, create_task, upload


def edit(client, headers, project_id, record_id, **body):
    return client.patch(f"{API}/projects/{project_id}/records/{record_id}", json=body,
                        headers=headers)


def detail(client, headers, project_id, record_id) -> dict:
    response = client.get(f"{API}/projects/{project_id}/records/{record_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_values_are_converted_and_each_edit_is_a_revision(client, admin, loaded, record_ids,
                                                           session):
    record = record_ids["3"]
    assert detail(client, admin, loaded, record)["revision"] == 0
    response = edit(client, admin, loaded, record, revision=0,
                    data={"stars": "4", "price": 12.5, "verified": "no", "text": "Fine"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] == ["price", "stars", "text", "verified"]
    assert body["record"]["revision"] == 1 and not body["dry_run"]
    shown = detail(client, admin, loaded, record)
    assert shown["revision"] == 1
    assert {k: shown["data"][k] for k in ("stars", "price", "verified", "text", "lang")} == {
        "stars": 4, "price": 12.5, "verified": False, "text": "Fine", "lang": "de"}
    # the same values again change nothing: no new revision
    again = edit(client, admin, loaded, record, data={"stars": 4, "text": "Fine"})
    assert again.json()["changed"] == [] and again.json()["record"]["revision"] == 1
    # an empty text clears the value
    cleared = edit(client, admin, loaded, record, data={"lang": ""})
    assert cleared.json()["record"]["data"]["lang"] is None
    events = session.scalars(select(Event.payload).where(
        Event.type == "records.edited").order_by(Event.id)).all()
    assert events == [{"count": 1, "record_ids": [record],
                       "attributes": ["price", "stars", "text", "verified"]},
                      {"count": 1, "record_ids": [record], "attributes": ["lang"]}]
    assert session.scalar(select(Project.records_edited).where(Project.id == loaded)) == 2


def test_refusals_name_what_is_wrong(client, admin, loaded, record_ids):
    record = record_ids["1"]
    for data, field, words in (({"colour": "red"}, "colour", "no attribute 'colour'"),
                               ({"stars": "many"}, "stars", "expected integer, got 'many'"),
                               ({"price": True}, "price", "expected float")):
        response = edit(client, admin, loaded, record, data=data)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field and words in response.json()["detail"]
    assert edit(client, admin, loaded, record, data={}).status_code == 422
    assert edit(client, admin, loaded, 10**6, data={"text": "x"}).status_code == 404
    edit(client, admin, loaded, record, data={"text": "first"})
    stale = edit(client, admin, loaded, record, revision=0, data={"text": "second"})
    assert stale.status_code == 409 and stale.json()["field"] == "revision"
    assert "edited since you opened it (revision 1 now)" in stale.json()["detail"]
    computed = client.post(f"{API}/projects/{loaded}/attributes/computed", headers=admin,
                           json={"name": "shout", "data_type": "text",
                                 "source": "def ac(record):\n    return record['text'].upper()\n"})
    assert computed.status_code == 201, computed.text
    refused = edit(client, admin, loaded, record, data={"shout": "HI"})
    assert refused.status_code == 422 and "computed attribute" in refused.json()["detail"]
    # the attribute's run is queued (no worker here): a run under way refuses an edit
    busy = edit(client, admin, loaded, record, data={"text": "third"})
    assert busy.status_code == 409 and "is under way" in busy.json()["detail"], busy.text
    assert detail(client, admin, loaded, record)["data"]["text"] == "first"


def test_only_owners_edit(client, admin, loaded, record_ids, make_user):
    annotator = make_user("ann")
    assert client.put(f"{API}/projects/{loaded}/members", headers=admin,
                      json={"user": "ann", "role": "annotator"}).status_code == 200
    response = edit(client, annotator, loaded, record_ids["1"], data={"text": "mine"})
    assert response.status_code == 403, response.text


def test_spans_follow_their_text_or_go(client, admin, loaded, record_ids, session):
    task = create_task(client, admin, loaded, name="ner", kind="extraction",
                       target_attribute="text", labels=["PRODUCT", "ACTION"])["id"]
    record = record_ids["4"]   # "Subscribe to win an iPhone"
    for name, start, end in (("ACTION", 0, 1), ("PRODUCT", 4, 5), ("ACTION", 2, 3)):
        response = client.post(f"{API}/projects/{loaded}/records/{record}/labels",
                               headers=admin, json={"task_id": task, "label": name,
                                                    "token_start": start, "token_end": end})
        assert response.status_code == 201, response.text
    changes = session.scalar(select(LabelingTask.label_changes)
                                .where(LabelingTask.id == task))
    new_text = "Please subscribe to win an iPhone"
    dry = edit(client, admin, loaded, record, data={"text": new_text}, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["spans_moved"], dry.json()["spans_dropped"]) == (2, 1)
    assert dry.json()["dropped_spans"] == [{"task": "ner", "label": "ACTION",
                                            "text": "Subscribe", "annotator": "admin",
                                            "is_gold": False}]
    assert dry.json()["record"]["revision"] == 0
    assert detail(client, admin, loaded, record)["data"]["text"] == "Subscribe to win an iPhone"
    done = edit(client, admin, loaded, record, data={"text": new_text}, revision=0)
    assert done.status_code == 200, done.text
    shown = detail(client, admin, loaded, record)
    tokens = next(t for t in shown["tokens"] if t["attribute"] == "text")
    assert tokens["tokens"] == ["Please", "subscribe", "to", "win", "an", "iPhone"]
    spans = next(t for t in shown["tasks"] if t["task_id"] == task)
    assert sorted((s["label"], s["token_start"], s["token_end"], s["text"])
                  for s in spans["manual_labels"]) == [("ACTION", 3, 4, "win"),
                                                       ("PRODUCT", 5, 6, "iPhone")]
    assert sorted(map(tuple, spans["reference"])) == [("ACTION", 3, 4), ("PRODUCT", 5, 6)]
    session.expire_all()
    assert session.scalar(select(LabelingTask.label_changes)
                             .where(LabelingTask.id == task)) == changes + 3
    # the spans' own keys moved too: the same span can be marked again at its old place
    again = client.post(f"{API}/projects/{loaded}/records/{record}/labels", headers=admin,
                        json={"task_id": task, "label": "PRODUCT", "token_start": 4,
                              "token_end": 5})
    assert again.status_code == 201 and again.json()["text"] == "an"


UPDATED_CSV = (
    "id,text,stars\n"
    '2,"Terrible battery, check out my channel!",2\n'
    '3,"Ok for the price",3\n'
    '6,"A new one",4\n'
)


def test_an_import_skips_or_updates_the_records_it_names(client, admin, loaded, record_ids,
                                                          session):
    refused = upload(client, admin, loaded, UPDATED_CSV, id_column="id")
    assert refused.status_code == 409 and "existing: skip or update" in refused.json()["detail"]
    preview = client.post(f"{API}/projects/{loaded}/records/import/preview", headers=admin,
                          files={"file": ("data.csv", UPDATED_CSV.encode())},
                          data={"id_column": "id", "existing": "update"})
    assert preview.status_code == 200, preview.text
    assert "2 rows name records the project has: their values will be updated where the " \
           "file's differ" in preview.json()["notes"]

    skipped = upload(client, admin, loaded, UPDATED_CSV, id_column="id", existing="skip")
    assert skipped.status_code == 201, skipped.text
    assert (skipped.json()["records"], skipped.json()["updated"],
            skipped.json()["unchanged"]) == (1, 0, 2)
    assert "2 rows name records the project has: skipped" in skipped.json()["notes"]
    assert detail(client, admin, loaded, record_ids["2"])["revision"] == 0

    again = UPDATED_CSV.replace("6,", "7,")
    updated = upload(client, admin, loaded, again, id_column="id", existing="update")
    assert updated.status_code == 201, updated.text
    assert (updated.json()["records"], updated.json()["updated"],
            updated.json()["unchanged"]) == (1, 1, 1)
    assert "2 rows name records the project has: values of 1 updated, 1 unchanged" in \
        updated.json()["notes"]
    shown = detail(client, admin, loaded, record_ids["2"])
    assert shown["revision"] == 1
    assert {k: shown["data"][k] for k in ("text", "stars", "price", "lang")} == {
        "text": "Terrible battery, check out my channel!", "stars": 2, "price": 10.0,
        "lang": "en"}, "the file's columns change; the others stay"
    assert detail(client, admin, loaded, record_ids["3"])["revision"] == 0
    assert session.scalar(select(Project.records_edited).where(Project.id == loaded)) == 1
    assert session.scalars(select(Event.payload).where(
        Event.type == "records.edited")).all() == [
        {"count": 1, "record_ids": [record_ids["2"]], "attributes": ["stars", "text"]}]
    listed = client.get(f"{API}/projects/{loaded}/records", headers=admin).json()
    assert listed["count"] == 6


LABELLED_CSV = (
    "id,text,mood\n"
    '1,"Great phone, love it",pos\n'
    '2,"Terrible battery. Check out my channel!",neg\n'
    '3,"Ok for the price",\n'
    '5,"Another one",pos\n'
)


def test_an_update_import_replaces_the_label_columns_annotators_labels(
        client, admin, loaded, record_ids, make_user, session):
    task = create_task(client, admin, loaded, name="mood", kind="classification",
                       labels=["pos", "neg"])
    for name in ("ann", "bob"):
        make_user(name)
    given = [("1", "neg", "ann"), ("2", "neg", "ann"), ("3", "pos", "ann"), ("1", "pos", "bob")]
    for external_id, label, annotator in given:
        stored = client.post(f"{API}/projects/{loaded}/records/{record_ids[external_id]}/labels",
                             headers=admin, json={"task_id": task["id"], "label": label,
                                                  "annotator": annotator})
        assert stored.status_code == 201, stored.text
    form = {"id_column": "id", "existing": "update", "label_column": "mood",
            "label_task_id": str(task["id"]), "label_annotator": "ann"}
    preview = client.post(f"{API}/projects/{loaded}/records/import/preview", headers=admin,
                          files={"file": ("data.csv", LABELLED_CSV.encode())}, data=form)
    assert "3 rows name records the project has: their values will be updated where the " \
           "file's differ, and ann's labels replaced by the file's where it gives some" in \
           preview.json()["notes"], preview.json()["notes"]

    imported = upload(client, admin, loaded, LABELLED_CSV, **form)
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert (body["records"], body["updated"], body["relabelled"], body["manual_labels"]) == (
        1, 0, 1, 2), "record 1 relabelled (neg -> pos), record 5 new; 2 as given, 3 no value"
    assert "3 rows name records the project has: values of 0 updated, 3 unchanged; ann's " \
           "labels of 1 replaced by the file's" in body["notes"]

    def labels_of(external_id):
        shown = detail(client, admin, loaded, record_ids[external_id])
        return sorted((m["annotator"], m["label"]) for entry in shown["tasks"]
                      for m in entry["manual_labels"])

    assert labels_of("1") == [("ann", "pos"), ("bob", "pos")], "bob's label stays"
    assert labels_of("2") == [("ann", "neg")]
    assert labels_of("3") == [("ann", "pos")], "a row without a label leaves the labels alone"
    assert session.scalars(select(Event.payload).where(Event.type == "labels.changed").order_by(
        Event.id.desc()).limit(1)).all() == [{"task_id": task["id"],
                                              "record_id": record_ids["1"]}]
    again = upload(client, admin, loaded, LABELLED_CSV, **form)
    assert (again.json()["relabelled"], again.json()["manual_labels"]) == (0, 0), \
        "the same file again changes nothing"


def test_options_that_cannot_go_together_and_a_run_under_way(client, admin, loaded):
    no_ids = upload(client, admin, loaded, UPDATED_CSV, existing="update")
    assert no_ids.status_code == 422 and no_ids.json()["field"] == "existing"
    generated = upload(client, admin, loaded, UPDATED_CSV, id_column="id", existing="skip",
                       generate_ids="true")
    assert generated.status_code == 422 and "generate_ids" in generated.json()["detail"]
    embedding = client.post(f"{API}/projects/{loaded}/embeddings", headers=admin,
                            json={"attribute": "text"})
    assert embedding.status_code == 202   # its run stays queued: no worker here
    busy = upload(client, admin, loaded, UPDATED_CSV, id_column="id", existing="update")
    assert busy.status_code == 409 and "then import" in busy.json()["detail"], busy.text
    assert client.get(f"{API}/projects/{loaded}/records",
                      headers=admin).json()["count"] == 4, "nothing imported"


def test_many_records_get_the_same_values(client, admin, loaded, record_ids, session):
    path = f"{API}/projects/{loaded}/records/edit"
    english = {"conditions": [{"kind": "attribute", "name": "lang", "op": "equals",
                               "value": "en"}]}
    count = client.post(f"{API}/projects/{loaded}/records/count", headers=admin,
                        json={"filter": english}).json()["count"]
    assert count == 3
    stale = client.post(path, headers=admin, json={"filter": english, "data": {"lang": "EN"},
                                                  "expected": 2})
    assert stale.status_code == 409 and stale.json()["field"] == "expected"
    dry = client.post(path, headers=admin, json={"filter": english, "data": {"stars": "5"},
                                                "expected": 3, "dry_run": True})
    assert dry.status_code == 200, dry.text
    assert (dry.json()["matched"], dry.json()["edited"], dry.json()["changed"]) == (
        3, 2, ["stars"]), "record 1 has 5 stars already"
    done = client.post(path, headers=admin, json={"filter": english, "data": {"stars": "5"},
                                                 "expected": 3})
    assert (done.json()["matched"], done.json()["edited"]) == (3, 2)
    revisions = {e: detail(client, admin, loaded, rid)["revision"]
                 for e, rid in record_ids.items()}
    assert revisions == {"1": 0, "2": 1, "3": 0, "4": 1}
    by_id = client.post(path, headers=admin, json={"record_ids": [record_ids["3"], 10**6],
                                                  "data": {"stars": 1}})
    assert by_id.status_code == 404 and "does not exist" in by_id.json()["detail"]
    neither = client.post(path, headers=admin, json={"data": {"stars": 1}})
    assert neither.status_code == 422 and neither.json()["field"] == "record_ids"
    wrong = client.post(path, headers=admin, json={"record_ids": [record_ids["3"]],
                                                  "data": {"stars": "many"}})
    assert wrong.status_code == 422 and wrong.json()["field"] == "stars"
    assert session.scalars(select(Event.payload).where(
        Event.type == "records.edited")).all() == [
        {"count": 2, "attributes": ["stars"],
         "record_ids": sorted([record_ids["2"], record_ids["4"]])}]
