"""Deleting records through the SDK (by id, by filter, one at a time; ``expected`` guarding
what the user was shown) and ``heurist records delete`` (counted and confirmed first, or
``--yes``), against the live app: the chosen records and their labels go, the others stay."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from client import AsyncHeurist
from client.errors import Conflict, NotFound
from client.sdk import Heurist


@pytest.fixture
def reviews(sdk: Heurist):
    """Twelve records r0..r11 ("bad" every third, r0..r5 in the test split) and a task with
    labels on r0 (neg), r1 (pos) and r3 (neg)."""
    project = sdk.projects.create("reviews").id
    rows = "".join(f"r{i},{'bad' if i % 3 == 0 else 'good'} review {i},"
                   f"{'test' if i < 6 else 'train'}\n" for i in range(12))
    sdk.projects.import_records(project, io.BytesIO(f"id,text,split\n{rows}".encode()),
                                format="csv", id_column="id")
    task = sdk.tasks.create(project, "sentiment", labels=["pos", "neg"])
    ids = {r.external_id: r.id for r in sdk.projects.records(project, limit=100)}
    sdk.manual_labels.create_many(project, [(ids["r0"], "neg"), (ids["r1"], "pos"),
                                            (ids["r3"], "neg")], task_id=task.id)
    return project, task.id, ids


def left(sdk: Heurist, project: int) -> list[str]:
    return sorted((r.external_id for r in sdk.projects.iter_records(project)),
                  key=lambda external_id: int(external_id[1:]))


def labelled(sdk: Heurist, project: int, task_id: int) -> dict[str, list[str]]:
    """Each labelled record's labels, by external id."""
    having = {"conditions": [{"kind": "manual_label", "task_id": task_id, "op": "any"}]}
    return {row.external_id: [label.label for task in sdk.projects.record(project, row.id).tasks
                              for label in task.manual_labels]
            for row in sdk.projects.iter_records(project, having)}


def test_delete_by_ids_and_one_record(sdk: Heurist, reviews):
    project, task_id, ids = reviews
    done = sdk.projects.delete_records(project, [ids["r1"], ids["r2"]])
    assert (done.deleted, done.manual_labels, done.record_count) == (2, 1, 10)
    assert "r1" not in left(sdk, project) and "r2" not in left(sdk, project)
    assert labelled(sdk, project, task_id) == {"r0": ["neg"], "r3": ["neg"]}

    sdk.projects.delete_record(project, ids["r3"])
    assert left(sdk, project) == ["r0", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11"]
    assert labelled(sdk, project, task_id) == {"r0": ["neg"]}
    assert sdk.projects.count_records(project) == 9


def test_delete_by_filter_checks_the_expected_count(sdk: Heurist, reviews):
    project, task_id, _ = reviews
    bad = {"conditions": [{"kind": "search", "text": "bad"}]}
    assert sdk.projects.count_records(project, bad) == 4

    with pytest.raises(Conflict) as refused:
        sdk.projects.delete_records(project, filter=bad, expected=3)
    assert refused.value.status == 409
    assert "holds 4 records now, not 3" in refused.value.detail
    assert len(left(sdk, project)) == 12 and len(labelled(sdk, project, task_id)) == 3

    done = sdk.projects.delete_records(project, filter=bad, expected=4)
    assert (done.deleted, done.manual_labels, done.record_count) == (4, 2, 8)
    assert left(sdk, project) == ["r1", "r2", "r4", "r5", "r7", "r8", "r10", "r11"]
    assert labelled(sdk, project, task_id) == {"r1": ["pos"]}


def test_an_id_not_of_the_project_is_named_and_nothing_goes(sdk: Heurist, reviews):
    project, _, ids = reviews
    other = sdk.projects.create("other").id
    sdk.projects.import_records(other, io.BytesIO(b"id,text\nx1,elsewhere\n"), format="csv",
                                id_column="id")
    [foreign] = sdk.projects.records(other)

    with pytest.raises(NotFound) as missing:
        sdk.projects.delete_records(project, [ids["r0"], foreign.id])
    assert f"record {foreign.id} does not exist in this project" in missing.value.detail
    with pytest.raises(NotFound, match=f"record {foreign.id} "):
        sdk.projects.delete_record(project, foreign.id)
    assert len(left(sdk, project)) == 12 and left(sdk, other) == ["x1"]


def test_the_async_client_deletes_too(served, reviews):
    project, _, ids = reviews

    async def delete():
        async with AsyncHeurist() as hc:
            return await hc.projects.delete_records(project, [ids["r11"]], expected=1)

    done = asyncio.run(delete())
    assert (done.deleted, done.manual_labels, done.record_count) == (1, 0, 11)


def test_cli_deletes_with_yes_and_prints_json(sdk: Heurist, heurist, reviews):
    project, task_id, ids = reviews
    where = ("-p", str(project))
    shown = heurist("records", "delete", *where, str(ids["r0"]), str(ids["r2"]), "--yes")
    assert shown.code == 0, shown.err
    assert f"Deleted 2 records and 1 manual label of project {project}; 10 records left." \
        in " ".join(shown.out.split())

    as_json = heurist("--json", "records", "delete", *where, "--label", "sentiment=neg",
                      "--filter", '{"conditions": [{"kind": "attribute", "name": "split", '
                                  '"value": "test"}]}', "--yes")
    assert as_json.code == 0, as_json.err
    assert json.loads(as_json.out) == {"deleted": 1, "manual_labels": 1, "record_count": 9,
                                        "dry_run": False}
    assert labelled(sdk, project, task_id) == {"r1": ["pos"]}


def test_cli_asks_first_and_deletes_nothing_unless_confirmed(sdk: Heurist, heurist, reviews,
                                                             monkeypatch):
    project, task_id, ids = reviews
    where = ("-p", str(project))
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    refused = heurist("records", "delete", *where, "--search", "bad")
    assert refused.code == 1
    assert f"Delete 4 records of project {project} and their 2 manual labels?" \
        in refused.err
    assert len(left(sdk, project)) == 12 and len(labelled(sdk, project, task_id)) == 3

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    confirmed = heurist("records", "delete", *where, str(ids["r1"]), str(ids["r2"]))
    assert confirmed.code == 0, confirmed.err
    assert f"Delete 2 records of project {project} and their 1 manual label?" \
        in confirmed.err
    assert "Deleted 2 records and 1 manual label" in confirmed.out
    assert labelled(sdk, project, task_id) == {"r0": ["neg"], "r3": ["neg"]}


def test_cli_refuses_an_unknown_id_and_a_missing_selection(sdk: Heurist, heurist, reviews):
    project, _, ids = reviews
    unknown = max(ids.values()) + 1000
    for yes in (("--yes",), ()):   # without --yes, counting finds it before asking
        shown = heurist("records", "delete", "-p", str(project), str(ids["r0"]), str(unknown),
                        *yes)
        assert shown.code == 3
        assert f"record {unknown} does not exist in this project" in shown.err
    none_match = heurist("records", "delete", "-p", str(project), "--search", "no such text")
    assert none_match.code == 0 and "Delete " not in none_match.err   # nothing to ask about
    assert "Deleted 0 records and 0 manual labels" in none_match.out
    nothing = heurist("records", "delete", "-p", str(project), "--yes")
    assert nothing.code == 2 and "name the records" in nothing.err
    both = heurist("records", "delete", "-p", str(project), str(ids["r0"]), "--search", "bad")
    assert both.code == 2
    assert len(left(sdk, project)) == 12
