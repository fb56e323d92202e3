"""The API says why a heuristic's votes are out of date, and runs those that are at once."""

from __future__ import annotations

from tests.api.conftest import API, create_task

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
