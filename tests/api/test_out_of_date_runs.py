"""The API says why a heuristic's votes are out of date, and runs those that are at once."""

from __future__ import annotations

from sqlalchemy import select

from services.out_of_date import LISTS_READ
from store.models import Run, RunStatus
from tests.api.conftest import API, create_task, upload

LF = "def lf(record):\n    return None\n"


def test_out_of_date_heuristics_are_named_and_run(client, admin, loaded):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    made = [client.post(f"{API}/projects/{loaded}/heuristics", headers=admin, json={
        "task_id": task["id"], "name": name, "source": LF}).json() for name in ("a", "b")]
    assert [h["out_of_date"] for h in made] == [["revision 1 has not run"]] * 2
    url = f"{API}/projects/{loaded}/heuristics/runs"
    started = client.post(url, headers=admin, json={"task_id": task["id"],
                                                    "heuristic_ids": [made[0]["id"]]})
    assert started.status_code == 202, started.text
    assert [run["heuristic_id"] for run in started.json()["data"]] == [made[0]["id"]]
    listed = client.get(f"{API}/projects/{loaded}/heuristics", headers=admin,
                        params={"task_id": task["id"]}).json()["data"]
    assert [h["out_of_date"] for h in listed] == [[], ["revision 1 has not run"]]  # a: queued
    rest = client.post(url, headers=admin, json={"task_id": task["id"]}).json()
    assert [run["heuristic_id"] for run in rest["data"]] == [made[1]["id"]]
    assert client.post(url, headers=admin, json={"task_id": task["id"]}).json()["count"] == 0

    other = create_task(client, admin, loaded, name="topic", kind="classification",
                        labels=["x"])
    refused = client.post(url, headers=admin, json={"task_id": other["id"],
                                                    "heuristic_ids": [made[0]["id"]]})
    assert refused.status_code == 422 and refused.json()["field"] == "heuristic_ids"


def test_only_owners_run_heuristics(client, admin, make_user, loaded):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    annotator = make_user("ann")
    assert client.put(f"{API}/projects/{loaded}/members", headers=admin,
                      json={"user": "ann", "role": "annotator"}).status_code == 200
    refused = client.post(f"{API}/projects/{loaded}/heuristics/runs", headers=annotator,
                          json={"task_id": task["id"]})
    assert refused.status_code == 403, refused.text


def test_a_task_that_keeps_current_runs_its_functions_after_each_change(app, client, admin,
                                                                        loaded):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    assert task["auto_run"] is False
    heuristics = f"{API}/projects/{loaded}/heuristics"
    made = client.post(heuristics, headers=admin, json={
        "task_id": task["id"], "name": "a", "source": LF}).json()
    assert made["last_run"] is None, "nothing runs by itself unless asked"
    sent: list[int] = []
    real = app.state.queue

    class Recording:
        def enqueue_run(self, run_id: int, *, kind=None, recovered=False) -> None:
            sent.append(run_id)
            real.enqueue_run(run_id, kind=kind, recovered=recovered)

    app.state.queue = Recording()

    def settle(records: int = 4, lists: dict[str, int] | None = None) -> None:
        """The runs sent so far end as a worker would end them, over ``records``, having
        read ``lists`` (name: version)."""
        with app.state.sessions() as session:
            for run in session.scalars(select(Run).where(Run.id.in_(sent),
                                                         Run.status == RunStatus.QUEUED)):
                run.status = RunStatus.SUCCEEDED
                run.total_items = records
                run.params = {**run.params, LISTS_READ: lists or {}}
            session.commit()

    turned = client.patch(f"{API}/projects/{loaded}/tasks/{task['id']}", headers=admin,
                          json={"auto_run": True})
    assert turned.status_code == 200 and turned.json()["auto_run"] is True
    assert len(sent) == 1, "turned on, the function out of date runs at once"
    settle()

    second = client.post(heuristics, headers=admin, json={
        "task_id": task["id"], "name": "b", "source": LF}).json()
    assert second["last_run"]["status"] == "queued" and len(sent) == 2
    settle()
    client.patch(f"{heuristics}/{made['id']}", headers=admin, json={"description": "x"})
    assert len(sent) == 2, "a new description puts nothing out of date"
    client.patch(f"{heuristics}/{made['id']}", headers=admin, json={"source": LF + "# 2\n"})
    assert len(sent) == 3, "a new revision runs"
    settle()
    assert upload(client, admin, loaded, "id,text\n5,new one\n",
                  id_column="id").status_code == 201
    assert len(sent) == 5, "an import puts both out of date: both run"
    settle(records=5)
    lists = f"{API}/projects/{loaded}/lookup-lists"
    words = client.post(lists, headers=admin, json={"name": "words", "terms": ["a"]}).json()
    assert len(sent) == 5, "their runs read no list"
    client.post(heuristics, headers=admin, json={
        "task_id": task["id"], "name": "c",
        "source": "from knowledge import words\n\ndef lf(record):\n    return None\n"})
    assert len(sent) == 6
    settle(records=5, lists={"words": 1})
    client.patch(f"{lists}/{words['id']}", headers=admin, json={"description": "some"})
    assert len(sent) == 6, "a new description changes no term"
    client.patch(f"{lists}/{words['id']}", headers=admin, json={"add": ["b"]})
    assert len(sent) == 7, "the function that reads the list runs again"
    settle(records=5, lists={"words": 2})

    client.patch(f"{API}/projects/{loaded}/tasks/{task['id']}", headers=admin,
                 json={"auto_run": False})
    client.patch(f"{heuristics}/{made['id']}", headers=admin, json={"source": LF + "# 3\n"})
    client.patch(f"{lists}/{words['id']}", headers=admin, json={"add": ["c"]})
    assert len(sent) == 7, "turned off: nothing runs by itself"
