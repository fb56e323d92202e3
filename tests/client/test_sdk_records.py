"""The SDK's record search, its page-by-page iteration and saved filters, against the live
app; label writes sent with an idempotency key are stored once however often sent."""

from __future__ import annotations

import io

import pytest

from client.errors import Conflict
from client.sdk import Heurist


@pytest.fixture
def project(sdk: Heurist):
    project = sdk.projects.create("reviews")
    rows = "".join(f"r{i},{'good' if i % 3 else 'bad'} review {i},{'test' if i < 10 else 'train'}\n"
                   for i in range(25))
    sdk.projects.import_records(project.id, io.BytesIO(f"id,text,split\n{rows}".encode()),
                                format="csv", id_column="id")
    task = sdk.tasks.create(project.id, "sentiment", labels=["pos", "neg"])
    records = {r.external_id: r.id for r in sdk.projects.records(project.id, limit=100)}
    sdk.manual_labels.create_many(project.id, [(records["r0"], "neg"), (records["r1"], "pos"),
                                               (records["r12"], "neg")], task_id=task.id)
    return project, task, records


def test_search_pages_and_iterates_each_match_once(sdk: Heurist, project):
    project, task, records = project
    split = {"conditions": [{"kind": "attribute", "name": "split", "value": "test"}]}
    page = sdk.projects.search(project.id, split, limit=4)
    assert page.count == 10 and [r.external_id for r in page.data] == ["r0", "r1", "r2", "r3"]
    assert page.data[0].references == {str(task.id): "neg"}
    following = sdk.projects.search(project.id, split, limit=4, after=page.next_after)
    assert [r.external_id for r in following.data] == ["r4", "r5", "r6", "r7"]

    seen = [r.external_id for r in sdk.projects.iter_records(project.id, split, sort="-id",
                                                             page_size=3)]
    assert seen == [f"r{i}" for i in range(9, -1, -1)]
    negative = {"conditions": [{"kind": "manual_label", "task_id": task.id, "label": "neg"}]}
    assert sorted(r.external_id for r in sdk.projects.iter_records(project.id, negative)) \
        == ["r0", "r12"]


def test_saved_filters_round_trip(sdk: Heurist, project):
    project, task, _ = project
    labelled = {"conditions": [{"kind": "manual_label", "task_id": task.id, "op": "any"}]}
    saved = sdk.saved_filters.create(project.id, "labelled", labelled, sort="-id")
    assert (saved.name, saved.sort, saved.filter["conditions"][0]["op"]) == \
        ("labelled", "-id", "any")
    with pytest.raises(Conflict):
        sdk.saved_filters.create(project.id, "labelled", labelled)
    renamed = sdk.saved_filters.update(project.id, saved.id, name="has a label")
    assert [f.name for f in sdk.saved_filters.list(project.id)] == ["has a label"]
    again = sdk.saved_filters.get(project.id, renamed.id)
    assert [r.external_id for r in sdk.projects.iter_records(
        project.id, again.filter, sort=again.sort)] == ["r12", "r1", "r0"]
    sdk.saved_filters.delete(project.id, saved.id)
    assert sdk.saved_filters.list(project.id) == []


def test_a_write_sent_twice_under_one_key_is_stored_once(sdk: Heurist, project):
    project, task, records = project
    path = f"/projects/{project.id}/records/{records['r5']}/labels"
    body = {"task_id": task.id, "label": "pos"}
    transport = sdk.transport
    first = transport.request("POST", path, json=body, headers={"Idempotency-Key": "k-1"},
                              once=True).json()
    second = transport.request("POST", path, json=body, headers={"Idempotency-Key": "k-1"},
                               once=True).json()
    assert first == second
    labelled = {"conditions": [{"kind": "manual_label", "task_id": task.id, "op": "any"}]}
    assert sdk.projects.search(project.id, labelled).count == 4
