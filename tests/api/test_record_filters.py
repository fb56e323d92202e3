"""The record list's filters, sorts, keyset paging and saved filters, through the API."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event

from services.heuristic_runs import (
    create_heuristic_run,
    create_weak_supervision_run,
    replace_outputs,
)
from store.models import Heuristic, LabelingTask, RunStatus
from store.record_filters import encode_cursor
from store.reference import reference_labels
from store.runs import complete_run
from store.saved_filters import resolve_saved_filter
from tests.api.conftest import API, create_task
from tests.sql_log import in_transaction, sent_statements

LF = "def lf(record):\n    return None\n"


def _succeeded_run(session, run, outputs: dict[int, tuple[int, float]]) -> None:
    """Store ``outputs`` (record id -> (label id, confidence)) as the run's result."""
    run.status = RunStatus.RUNNING
    session.commit()
    replace_outputs(session=session, run_id=run.id, record_ids=sorted(outputs),
                    rows=[{"record_id": rid, "label_id": label, "confidence": confidence}
                          for rid, (label, confidence) in sorted(outputs.items())])
    assert complete_run(session=session, run=run)


@pytest.fixture
def labelled(app, client, admin, make_user, loaded, record_ids) -> dict:
    """The four records of SMALL_CSV with a spam task, labels by alice, bob and a gold label,
    two heuristics' votes and a weak label:

    ====  =============================  ==========  ===========  ===========
    ext   manual (reference)             check_out   hammy        weak
    ====  =============================  ==========  ===========  ===========
    1     alice ham, bob spam (none)     ham         -            -
    2     alice spam (spam)              spam        ham          spam 0.9
    3     alice spam, gold ham (ham)     -           -            spam 0.7
    4     -                              spam        -            spam 0.95
    ====  =============================  ==========  ===========  ===========
    """
    make_user("alice")
    make_user("bob")
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    for ext, label, annotator, gold in (("1", "ham", "alice", False), ("1", "spam", "bob", False),
                                        ("2", "spam", "alice", False),
                                        ("3", "spam", "alice", False), ("3", "ham", None, True)):
        body = {"task_id": task["id"], "label": label, "is_gold": gold}
        if annotator:
            body["annotator"] = annotator
        response = client.post(f"{API}/projects/{loaded}/records/{record_ids[ext]}/labels",
                               json=body, headers=admin)
        assert response.status_code == 201, response.text
    heuristics = {}
    for name in ("check_out", "hammy"):
        response = client.post(f"{API}/projects/{loaded}/heuristics", headers=admin, json={
            "task_id": task["id"], "name": name, "kind": "labeling_function", "source": LF})
        assert response.status_code == 201, response.text
        heuristics[name] = response.json()["id"]
    label = {lb["name"]: lb["id"] for lb in task["labels"]}
    rid = record_ids
    with app.state.sessions() as session:
        votes = {"check_out": {rid["1"]: (label["ham"], 1.0), rid["2"]: (label["spam"], 1.0),
                               rid["4"]: (label["spam"], 1.0)},
                 "hammy": {rid["2"]: (label["ham"], 1.0)}}
        for name, outputs in votes.items():
            heuristic = session.get(Heuristic, heuristics[name])
            _succeeded_run(session, create_heuristic_run(session=session, heuristic=heuristic),
                           outputs)
        weak = create_weak_supervision_run(
            session=session, task=session.get(LabelingTask, task["id"]), method="majority",
            heuristic_ids=None, min_confidence=0.0)
        _succeeded_run(session, weak, {rid["2"]: (label["spam"], 0.9),
                                       rid["3"]: (label["spam"], 0.7),
                                       rid["4"]: (label["spam"], 0.95)})
    return {"project": loaded, "task": task["id"], "heuristics": heuristics}


def search(client, admin, project: int, *conditions: dict, expect: int = 200, **body):
    response = client.post(f"{API}/projects/{project}/records/search", headers=admin,
                           json={"filter": {"conditions": list(conditions)}, **body})
    assert response.status_code == expect, response.text
    return response.json()


def found(client, admin, project: int, *conditions: dict, **body) -> list[str]:
    page = search(client, admin, project, *conditions, limit=1000, **body)
    external_ids = [r["external_id"] for r in page["data"]]
    assert page["count"] == len(external_ids)
    return external_ids


CASES = [
    ({"kind": "manual_label", "op": "any"}, ["1", "2", "3"]),
    ({"kind": "manual_label", "op": "none"}, ["4"]),
    ({"kind": "manual_label", "op": "is", "label": "ham"}, ["1", "3"]),
    ({"kind": "reference_label", "op": "is", "label": "ham"}, ["3"]),
    ({"kind": "reference_label", "op": "is", "label": "spam"}, ["2"]),
    ({"kind": "reference_label", "op": "any"}, ["2", "3"]),
    ({"kind": "reference_label", "op": "none"}, ["1", "4"]),
    ({"kind": "vote", "heuristic": "check_out", "op": "votes", "label": "spam"}, ["2", "4"]),
    ({"kind": "vote", "heuristic": "check_out", "op": "votes"}, ["1", "2", "4"]),
    ({"kind": "vote", "heuristic": "check_out", "op": "abstains"}, ["3"]),
    ({"kind": "vote", "heuristic": "hammy", "op": "votes", "label": "ham"}, ["2"]),
    ({"kind": "weak_label", "op": "is", "label": "spam"}, ["2", "3", "4"]),
    ({"kind": "weak_label", "op": "none"}, ["1"]),
    ({"kind": "weak_label", "op": "any", "min_confidence": 0.8}, ["2", "4"]),
    ({"kind": "weak_label", "op": "any", "min_confidence": 0.65, "max_confidence": 0.8}, ["3"]),
    ({"kind": "disagreement", "between": "annotators"}, ["1"]),
    ({"kind": "disagreement", "between": "heuristics"}, ["2"]),
    ({"kind": "disagreement", "between": "heuristic_reference"}, ["2"]),
    ({"kind": "disagreement", "between": "manual_weak"}, ["3"]),
    ({"kind": "annotator", "user": "alice"}, ["1", "2", "3"]),
    ({"kind": "annotator", "user": "bob", "task": True}, ["1"]),
    ({"kind": "annotator", "user": "bob", "op": "not_labelled"}, ["2", "3", "4"]),
    ({"kind": "gold"}, ["3"]),
    ({"kind": "attribute", "name": "lang", "op": "equals", "value": "de"}, ["3"]),
    ({"kind": "attribute", "name": "stars", "op": "between", "min": 2, "max": 5}, ["1", "3"]),
    ({"kind": "attribute", "name": "price", "op": "equals", "value": "10"}, ["2"]),
    ({"kind": "attribute", "name": "text", "op": "contains", "value": "PHONE"}, ["1", "4"]),
    ({"kind": "attribute", "name": "verified", "op": "equals", "value": True}, ["1", "3"]),
    ({"kind": "search", "text": "check out"}, ["2"]),
]


def _resolve(condition: dict, ids: dict) -> dict:
    condition = dict(condition)
    if condition["kind"] in ("manual_label", "reference_label", "weak_label", "disagreement"):
        condition["task_id"] = ids["task"]
    if condition.pop("task", False):
        condition["task_id"] = ids["task"]
    if "heuristic" in condition:
        condition["heuristic_id"] = ids["heuristics"][condition.pop("heuristic")]
    return condition


def test_each_filter(client, admin, labelled):
    for condition, expected in CASES:
        assert found(client, admin, labelled["project"], _resolve(condition, labelled)) \
            == expected, condition


def test_filters_combine_with_and(client, admin, labelled):
    project, task = labelled["project"], labelled["task"]
    votes_spam = _resolve({"kind": "vote", "heuristic": "check_out", "label": "spam"}, labelled)
    assert found(client, admin, project, votes_spam,
                 {"kind": "manual_label", "task_id": task, "op": "none"}) == ["4"]
    assert found(client, admin, project, votes_spam,
                 {"kind": "weak_label", "task_id": task, "min_confidence": 0.92},
                 {"kind": "attribute", "name": "lang", "value": "en"}) == ["4"]
    # GET takes the same filter as JSON, and its simple parameters on top
    response = client.get(f"{API}/projects/{project}/records", headers=admin, params={
        "filter": json.dumps({"conditions": [votes_spam]}), "search": "battery"})
    assert [r["external_id"] for r in response.json()["data"]] == ["2"]


def test_bad_filters_say_what_is_wrong(client, admin, labelled):
    project, task = labelled["project"], labelled["task"]
    error = search(client, admin, project, {"kind": "manual_label", "task_id": task,
                                            "label": "eggs"}, expect=422)
    assert error["field"] == "filter.conditions[0].label" and "ham, spam" in error["detail"]
    error = search(client, admin, project, {"kind": "attribute", "name": "text",
                                            "op": "between", "min": 1}, expect=422)
    assert "ranges are for numbers" in error["detail"]
    error = search(client, admin, project, {"kind": "annotator", "user": "nobody"}, expect=422)
    assert error["field"] == "filter.conditions[0].user"
    search(client, admin, project, {"kind": "gold", "task_id": 999_999}, expect=404)
    search(client, admin, project, {"kind": "unknown"}, expect=422)
    response = client.get(f"{API}/projects/{project}/records", headers=admin,
                          params={"filter": "{not json"})
    assert response.status_code == 422 and response.json()["field"] == "filter"
    response = client.get(f"{API}/projects/{project}/records", headers=admin,
                          params={"sort": "stars", "after": "garbage"})
    assert response.status_code == 422 and response.json()["field"] == "after"


def _pages(client, admin, project: int, sort: str, conditions: list, **extra) -> list[int]:
    """Every record id of a sorted filtered list, a page of two at a time by ``after``."""
    seen, after = [], None
    for _ in range(100):
        page = search(client, admin, project, *conditions, sort=sort, limit=2, after=after,
                      count="none", **extra)
        assert page["count"] is None
        seen += [r["id"] for r in page["data"]]
        after = page["next_after"]
        if after is None:
            return seen
    raise AssertionError("paging did not end")


def test_keyset_paging_sees_each_record_once_in_every_sort(client, admin, labelled):
    project, task = labelled["project"], labelled["task"]
    everything = search(client, admin, project, limit=1000)["data"]
    by_external = {r["external_id"]: r["id"] for r in everything}
    for sort in ("id", "-id", "stars", "-stars", "-price", "text", "verified", "-external_id",
                 f"weak_confidence:{task}", f"-weak_confidence:{task}", "random", "-random"):
        for conditions in ([], [{"kind": "attribute", "name": "lang", "value": "en"}]):
            whole = [r["id"] for r in search(client, admin, project, *conditions, sort=sort,
                                            limit=1000, seed=7)["data"]]
            paged = _pages(client, admin, project, sort, conditions, seed=7)
            assert paged == whole and len(set(paged)) == len(paged), (sort, conditions)
            assert len(whole) == (3 if conditions else 4)
    confident = [r["external_id"] for r in search(
        client, admin, project, sort=f"-weak_confidence:{task}", limit=10)["data"]]
    assert confident == ["4", "2", "3", "1"]  # records without a weak label last
    assert [r["external_id"] for r in search(
        client, admin, project, sort="-stars", limit=10)["data"]][0] == "1"
    assert set(by_external.values()) == set(_pages(client, admin, project, "random", []))


def test_weak_confidence_sort_pages_by_cursor_and_offset_alike(client, admin, labelled):
    """Records 4, 2, 3 by confidence, then 1 without a weak label: by cursor, by offset
    (across the end of the weak labels too), ascending, and with a weak-label filter."""
    project, sort = labelled["project"], f"-weak_confidence:{labelled['task']}"
    external = {r["id"]: r["external_id"] for r in search(client, admin, project)["data"]}
    by_cursor = _pages(client, admin, project, sort, [])
    assert [external[rid] for rid in by_cursor] == ["4", "2", "3", "1"]
    by_offset = [r["id"] for offset in range(5) for r in search(
        client, admin, project, sort=sort, limit=1, offset=offset)["data"]]
    assert by_offset == by_cursor
    assert [r["id"] for r in search(client, admin, project, sort=sort, limit=3,
                                    offset=2)["data"]] == by_cursor[2:]
    ascending = _pages(client, admin, project, sort[1:], [])
    assert [external[rid] for rid in ascending] == ["3", "2", "4", "1"]
    spam = [{"kind": "weak_label", "task_id": labelled["task"], "op": "is", "label": "spam"}]
    assert [external[rid] for rid in _pages(client, admin, project, sort, spam)] \
        == ["4", "2", "3"]
    error = search(client, admin, project, sort=sort, after=encode_cursor("x", 1), expect=422)
    assert error["field"] == "after"


def test_random_order_is_fixed_by_its_seed(client, admin, project_id):
    rows = "\n".join(f"{i},text {i}" for i in range(60))
    response = client.post(f"{API}/projects/{project_id}/records/import", headers=admin,
                           files={"file": ("r.csv", f"id,text\n{rows}\n".encode())},
                           data={"id_column": "id"})
    assert response.status_code == 201, response.text

    def order(seed: int) -> list[int]:
        return [r["id"] for r in search(client, admin, project_id, sort="random", seed=seed,
                                        limit=100)["data"]]

    assert order(3) == order(3)
    assert order(3) != order(4) and sorted(order(3)) == sorted(order(4))
    assert order(3) != sorted(order(3))
    assert _pages(client, admin, project_id, "random", [], seed=3) == order(3)


def test_counts_when_asked(client, admin, labelled):
    project = labelled["project"]
    assert search(client, admin, project, count="none")["count"] is None
    capped = search(client, admin, project, count="capped")
    assert capped["count"] == 4 and capped["count_capped"] is False
    assert search(client, admin, project, limit=2)["count"] == 4


def _reference_filters_follow_the_rule(app, client, admin, ids: dict) -> None:
    """The reference-label filters (read from the stored references) choose exactly the
    records the reference rule gives, label by label, and the disagreement filters agree."""
    with app.state.sessions() as session:
        task = session.get(LabelingTask, ids["task"])
        rule = reference_labels(session=session, task=task)
        names = [label.name for label in task.labels]
    external = {r["id"]: r["external_id"] for r in search(client, admin, ids["project"],
                                                           limit=1000)["data"]}
    for name in names:
        expected = sorted(external[rid] for rid, ref in rule.items() if ref == name)
        assert found(client, admin, ids["project"], {
            "kind": "reference_label", "task_id": ids["task"], "label": name}) == expected
    assert found(client, admin, ids["project"], {
        "kind": "reference_label", "task_id": ids["task"], "op": "none"}) == sorted(
        ext for rid, ext in external.items() if rid not in rule)


def test_reference_filters_follow_label_changes(app, client, admin, labelled, record_ids):
    """A gold label, a relabel and a delete each change the stored reference labels the
    filters read, in step with the rule; so does deleting a label of the task."""
    project, task = labelled["project"], labelled["task"]
    _reference_filters_follow_the_rule(app, client, admin, labelled)
    # record 1 (alice ham, bob spam: a tie) gets a gold spam label
    gold = client.post(f"{API}/projects/{project}/records/{record_ids['1']}/labels",
                       headers=admin, json={"task_id": task, "label": "spam", "is_gold": True})
    assert gold.status_code == 201, gold.text
    _reference_filters_follow_the_rule(app, client, admin, labelled)
    assert found(client, admin, project, {"kind": "reference_label", "task_id": task,
                                          "label": "spam"}) == ["1", "2"]
    # record 2 relabelled ham by alice: its reference turns ham, the weak label (spam) differs
    detail = client.get(f"{API}/projects/{project}/records/{record_ids['2']}", headers=admin)
    alice = next(m for t in detail.json()["tasks"] if t["task_id"] == task
                 for m in t["manual_labels"] if m["annotator"] == "alice")
    changed = client.patch(f"{API}/projects/{project}/manual-labels/{alice['id']}",
                           headers=admin, json={"label": "ham"})
    assert changed.status_code == 200, changed.text
    _reference_filters_follow_the_rule(app, client, admin, labelled)
    assert found(client, admin, project, {"kind": "disagreement", "task_id": task,
                                          "between": "manual_weak"}) == ["2", "3"]
    # the gold label of record 1 deleted: a tie again, no reference
    deleted = client.delete(f"{API}/projects/{project}/manual-labels/{gold.json()['id']}",
                            headers=admin)
    assert deleted.status_code == 204, deleted.text
    _reference_filters_follow_the_rule(app, client, admin, labelled)
    assert found(client, admin, project, {"kind": "reference_label", "task_id": task,
                                          "op": "any"}) == ["2", "3"]
    # the label ham deleted with its manual labels: record 1's reference is bob's spam
    ham = next(lb["id"] for lb in client.get(f"{API}/projects/{project}/tasks/{task}",
                                             headers=admin).json()["labels"]
               if lb["name"] == "ham")
    assert client.delete(f"{API}/projects/{project}/tasks/{task}/labels/{ham}",
                         headers=admin).status_code == 204
    _reference_filters_follow_the_rule(app, client, admin, labelled)
    assert found(client, admin, project, {"kind": "reference_label", "task_id": task,
                                          "label": "spam"}) == ["1", "3"]


def test_saved_filters(app, client, admin, make_user, labelled):
    project, task = labelled["project"], labelled["task"]
    path = f"{API}/projects/{project}/filters"
    body = {"name": "confident spam", "sort": f"-weak_confidence:{task}", "filter": {
        "conditions": [{"kind": "weak_label", "task_id": task, "op": "is", "label": "spam",
                        "min_confidence": 0.8}]}}
    created = client.post(path, json=body, headers=admin)
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["created_by"] == "admin" and saved["filter"]["conditions"][0]["label"] == "spam"
    assert client.post(path, json=body, headers=admin).status_code == 409
    bad = client.post(path, headers=admin, json=body | {"name": "bad", "filter": {
        "conditions": [{"kind": "manual_label", "task_id": task, "label": "eggs"}]}})
    assert bad.status_code == 422 and bad.json()["field"] == "filter.conditions[0].label"
    listed = client.get(path, headers=admin).json()
    assert listed["count"] == 1 and listed["data"][0]["name"] == "confident spam"
    # the saved filter chooses the same records wherever it is resolved
    with app.state.sessions() as session:
        from store.models import Project

        resolved = resolve_saved_filter(session=session, project=session.get(Project, project),
                                        filter_id=saved["id"])
    page = search(client, admin, project, *resolved.record_filter.model_dump(
        mode="json", exclude_none=True)["conditions"], sort=saved["sort"], limit=10)
    assert [r["external_id"] for r in page["data"]] == ["4", "2"]
    renamed = client.patch(f"{path}/{saved['id']}", json={"name": "sure spam"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["name"] == "sure spam"
    viewer = make_user("viewer")
    client.put(f"{API}/projects/{project}/members", headers=admin,
               json={"user": "viewer", "role": "viewer"})
    assert client.get(path, headers=viewer).json()["count"] == 1
    assert client.delete(f"{path}/{saved['id']}", headers=viewer).status_code == 403
    assert client.delete(f"{path}/{saved['id']}", headers=admin).status_code == 204
    assert client.get(f"{path}/{saved['id']}", headers=admin).status_code == 404


def test_rows_carry_their_reference_labels(client, admin, labelled):
    project, task = labelled["project"], str(labelled["task"])
    rows = search(client, admin, project, limit=10)["data"]
    assert {r["external_id"]: r["references"] for r in rows} == {
        "1": {}, "2": {task: "spam"}, "3": {task: "ham"}, "4": {}}
    topics = create_task(client, admin, project, name="topics", kind="multilabel",
                         labels=["price", "battery"])["id"]
    ids = {r["external_id"]: r["id"] for r in rows}
    for name in ("price", "battery"):
        response = client.post(f"{API}/projects/{project}/records/{ids['4']}/labels",
                               json={"task_id": topics, "label": name}, headers=admin)
        assert response.status_code == 201, response.text
    rows = search(client, admin, project, limit=10)["data"]
    assert {r["external_id"]: r["references"] for r in rows} == {
        "1": {}, "2": {task: "spam"}, "3": {task: "ham"},
        "4": {str(topics): ["battery", "price"]}}


def test_counts_apart_from_the_page(client, admin, labelled):
    """GET .../records/count takes the list's parameters, POST the search's filter; both
    count what the page's own count does."""
    project, task = labelled["project"], labelled["task"]
    condition = {"kind": "weak_label", "task_id": task, "min_confidence": 0.92}
    page = search(client, admin, project, condition, limit=1, count="exact")
    response = client.post(f"{API}/projects/{project}/records/count", headers=admin,
                           json={"filter": {"conditions": [condition]}, "count": "capped"})
    assert response.status_code == 200, response.text
    assert response.json() == {"count": page["count"], "count_capped": False}
    response = client.get(f"{API}/projects/{project}/records/count", headers=admin, params={
        "filter": json.dumps({"conditions": [condition]}), "search": "battery"})
    assert response.json() == {"count": len(found(client, admin, project, condition, {
        "kind": "search", "text": "battery"})), "count_capped": False}
    assert client.get(f"{API}/projects/{project}/records/count",
                      headers=admin).json()["count"] == 4
    response = client.get(f"{API}/projects/{project}/records/count", headers=admin,
                          params={"filter": "{not json"})
    assert response.status_code == 422 and response.json()["field"] == "filter"


def test_a_page_costs_the_same_few_statements_whatever_its_size(app, client, admin, labelled):
    """The list reads its records, their references and the count in one round trip after
    the project check: no statement per record on the page (a known API key needs none)."""
    with sent_statements(app.state.engine) as statements:
        per_size = {}
        for limit in (1, 4):
            search(client, admin, labelled["project"], limit=limit)  # the key is known now
            statements.clear()
            assert len(search(client, admin, labelled["project"], limit=limit)["data"]) == limit
            per_size[limit] = len(statements)
    assert per_size[1] == per_size[4] == 2, per_size


def test_pages_read_without_a_transaction_labels_write_in_one(app, client, admin, labelled,
                                                               record_ids):
    """The list's routes only read: their statements, the project check's too, run with no
    transaction open (on PostgreSQL no BEGIN and COMMIT round trips: see
    store.db.reading_engine); a label is written in a transaction as before."""
    engine = app.state.engine
    postgres = engine.dialect.name == "postgresql"
    project = labelled["project"]
    search(client, admin, project)  # the key is known now: no lookup of its own
    opened: list[bool] = []

    def note(connection, *_args) -> None:
        opened.append(in_transaction(connection))

    event.listen(engine, "after_cursor_execute", note)
    try:
        search(client, admin, project)
        assert client.get(f"{API}/projects/{project}/records", headers=admin).status_code == 200
        assert client.get(f"{API}/projects/{project}/records/{record_ids['1']}",
                          headers=admin).status_code == 200
        assert opened and not any(opened), opened
        opened.clear()
        answer = client.post(f"{API}/projects/{project}/records/{record_ids['1']}/labels",
                             headers=admin, json={"task_id": labelled["task"], "label": "ham"})
        assert answer.status_code == 201, answer.text
        # SQLite's driver begins at the first write, PostgreSQL's at the first statement
        assert opened and (all(opened) if postgres else opened[-1]), opened
    finally:
        event.remove(engine, "after_cursor_execute", note)
