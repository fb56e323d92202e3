"""Filtered exports, the Label Studio export and import, and project snapshots through the
API, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree

import pytest

from services.heuristic_runs import create_heuristic_run
from store.heuristic_lookups import WEAK_SUPERVISION_RUN
from store.models import Heuristic, Output, Run, RunStatus
from tests.api.conftest import API, create_task
from tests.store.test_label_studio import label_studio_problems


@pytest.fixture
def labelled(client, admin, loaded, record_ids) -> dict:
    """The four records of SMALL_CSV; task spam: 1 ham (a1), 2 spam (a1, a2), 4 spam
    (gold, by the admin)."""
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    response = client.post(f"{API}/projects/{loaded}/tasks/{task['id']}/labels/bulk",
                           headers=admin, json={"labels": [
                               {"external_id": "1", "label": "ham", "annotator": "a1"},
                               {"external_id": "2", "label": "spam", "annotator": "a1"},
                               {"external_id": "2", "label": "spam", "annotator": "a2"},
                               {"external_id": "4", "label": "spam", "is_gold": True}]})
    assert response.status_code == 201, response.text
    return {"project": loaded, "task": task, "ids": record_ids}


def _csv_ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["external_id"] for row in csv.DictReader(io.StringIO(response.text))]


def test_exports_take_the_record_lists_filters_and_ids(client, admin, labelled):
    url, task_id, ids = f"{API}/projects/{labelled['project']}/export", \
        labelled["task"]["id"], labelled["ids"]
    assert _csv_ids(client.get(url, headers=admin, params={
        "task_id": task_id, "label": "spam"})) == ["2", "4"]
    assert _csv_ids(client.get(url, headers=admin, params={
        "task_id": task_id, "labelled": False})) == ["3"]
    assert _csv_ids(client.get(url, headers=admin, params={"search": "phone"})) == ["1", "4"]
    assert _csv_ids(client.get(url, headers=admin, params={
        "record_ids": [ids["3"], ids["1"]]})) == ["1", "3"]
    assert _csv_ids(client.get(url, headers=admin, params={
        "record_ids": [ids["2"], ids["3"]], "task_id": task_id, "labelled": True})) == ["2"]
    jsonl = client.get(url, headers=admin, params={"format": "jsonl", "search": "battery"})
    assert [json.loads(line)["spam__reference"] for line in jsonl.text.splitlines()] == ["spam"]
    studio = client.get(url, headers=admin, params={"format": "label-studio",
                                                    "task_id": task_id, "label": "ham"})
    assert [t["meta"]["external_id"] for t in studio.json()] == ["1"]


@pytest.mark.parametrize(("params", "field"), [
    ({"record_ids": [999999]}, "record_ids"), ({"label": "spam"}, "task_id"),
    ({"task_id": 99999, "labelled": True}, None), ({"format": "xml"}, None)])
def test_a_bad_subset_is_refused_before_streaming(client, admin, labelled, params, field):
    response = client.get(f"{API}/projects/{labelled['project']}/export", headers=admin,
                          params=params)
    assert response.status_code in (404, 422), response.text
    if field:
        assert response.json()["field"] == field


def _weak_run(app, project_id: int, task: dict, ids: dict, votes: dict[str, tuple]) -> int:
    """A finished weak-supervision run of the task with these (label, confidence) votes."""
    labels = {label["name"]: label["id"] for label in task["labels"]}
    with app.state.sessions() as session:
        run = Run(project_id=project_id, kind=WEAK_SUPERVISION_RUN, status=RunStatus.SUCCEEDED,
                  params={"task_id": task["id"]})
        session.add(run)
        session.flush()
        session.add_all([Output(run_id=run.id, record_id=ids[external], label_id=labels[name],
                                confidence=confidence, weak=True)
                         for external, (name, confidence) in votes.items()])
        session.commit()
        return run.id


def test_label_studio_export_config_and_import(client, admin, app, labelled):
    project, task = labelled["project"], labelled["task"]
    run_id = _weak_run(app, project, task, labelled["ids"],
                       {"1": ("ham", 0.9), "3": ("spam", 0.6)})
    studio = client.get(f"{API}/projects/{project}/export", headers=admin,
                        params={"format": "label-studio"})
    assert studio.status_code == 200, studio.text
    assert studio.headers["content-type"].startswith("application/json")
    tasks = studio.json()
    assert [t["data"]["text"][:5] for t in tasks] == ["Great", "Terri", "Ok fo", "Subsc"]
    assert tasks[0]["predictions"] == [{
        "model_version": f"heurist-run-{run_id}", "score": 0.9, "result": [
            {"from_name": "spam", "to_name": "text", "type": "choices",
             "value": {"choices": ["ham"]}, "score": 0.9}]}]
    assert tasks[1]["predictions"] == []
    assert sorted((a["heurist_annotator"], a["ground_truth"],
                   a["result"][0]["value"]["choices"]) for a in tasks[1]["annotations"]) == [
        ("a1", False, ["spam"]), ("a2", False, ["spam"])]
    assert tasks[3]["annotations"][0]["ground_truth"] is True
    assert [t["meta"]["reference"]["spam"] for t in tasks] == ["ham", "spam", None, "spam"]
    plain = client.get(f"{API}/projects/{project}/export", headers=admin,
                       params={"format": "label-studio", "predictions": "none"}).json()
    assert all(t["predictions"] == [] for t in plain)

    config = client.get(f"{API}/projects/{project}/export/label-studio-config", headers=admin)
    assert config.headers["content-type"].startswith("application/xml")
    view = ElementTree.fromstring(config.text)
    choices = view.find("Choices")
    assert (choices.get("name"), choices.get("toName"), choices.get("choice")) == (
        "spam", "text", "single")
    assert view.find("Text").get("value") == "$text"
    assert label_studio_problems(config.text, tasks) == []  # predictions included

    # Label Studio assigns the annotations to its own users: change one and read it back
    tasks[2]["annotations"] = [{"completed_by": {"id": 4, "email": "eve@example.com"},
                                "result": [{"from_name": "spam", "to_name": "text",
                                            "type": "choices", "value": {"choices": ["ham"]}}],
                                "was_cancelled": False, "ground_truth": False}]
    imported = client.post(f"{API}/projects/{project}/records/import-label-studio",
                           headers=admin,
                           files={"file": ("export.json", json.dumps(tasks).encode())})
    assert imported.status_code == 201, imported.text
    assert imported.json() == {"tasks": 4, "annotations": 5, "manual_labels": 5, "reviews": 0,
                               "annotators": ["a1", "a2", "admin", "eve@example.com"]}
    record = client.get(f"{API}/projects/{project}/records/{labelled['ids']['3']}",
                        headers=admin).json()
    assert [(m["annotator"], m["label"]) for m in record["tasks"][0]["manual_labels"]] == [
        ("eve@example.com", "ham")]
    bad = client.post(f"{API}/projects/{project}/records/import-label-studio", headers=admin,
                      files={"file": ("export.json", b'[{"data": {"text": "x"}}]')})
    assert bad.status_code == 422
    assert bad.json()["detail"] == "field 'id_field': task 1: no 'external_id' in its meta " \
                                   "or data to find its record by"


def test_label_studio_import_needs_an_owner(client, admin, labelled, make_user):
    viewer = make_user("viewer")
    client.put(f"{API}/projects/{labelled['project']}/members", headers=admin,
               json={"user": "viewer", "role": "annotator"})
    response = client.post(f"{API}/projects/{labelled['project']}/records/import-label-studio",
                           headers=viewer, files={"file": ("x.json", b"[]")})
    assert response.status_code == 403
    assert client.get(f"{API}/projects/{labelled['project']}/snapshot",
                      headers=viewer).status_code == 403


def test_snapshot_round_trip(client, admin, labelled):
    project = labelled["project"]
    heuristic = client.post(f"{API}/projects/{project}/heuristics", headers=admin, json={
        "task_id": labelled["task"]["id"], "name": "channel", "kind": "labeling_function",
        "source": "def lf(record):\n    return 'spam' if 'channel' in record['text'] "
                  "else None\n"})
    assert heuristic.status_code == 201, heuristic.text
    archive = client.get(f"{API}/projects/{project}/snapshot", headers=admin)
    assert archive.status_code == 200
    assert archive.headers["content-type"] == "application/zip"
    created = client.post(f"{API}/projects/import-snapshot", headers=admin,
                          files={"file": ("Reviews.heurist.zip", archive.content)},
                          data={"name": "Reviews (copy)"})
    assert created.status_code == 201, created.text
    body = created.json()
    copy = body["project"]["id"]
    assert {k: body[k] for k in ("records", "tasks", "manual_labels", "heuristics")} == {
        "records": 4, "tasks": 1, "manual_labels": 4, "heuristics": 1}

    def listed(project_id: int) -> list:
        records = client.get(f"{API}/projects/{project_id}/records", headers=admin).json()
        return [(r["external_id"], r["data"]) for r in records["data"]]

    def labels(project_id: int, ids: list[int]) -> list:
        return [[(m["annotator"], m["label"], m["is_gold"]) for t in client.get(
            f"{API}/projects/{project_id}/records/{rid}", headers=admin).json()["tasks"]
            for m in t["manual_labels"]] for rid in ids]

    assert listed(copy) == listed(project)
    copied_ids = [r["id"] for r in client.get(f"{API}/projects/{copy}/records",
                                              headers=admin).json()["data"]]
    assert labels(copy, copied_ids) == labels(project, list(labelled["ids"].values()))
    sources = [[(h["name"], h["revision"]["source"]) for h in client.get(
        f"{API}/projects/{p}/heuristics", headers=admin).json()["data"]] for p in (project, copy)]
    assert sources[0] == sources[1]
    again = client.post(f"{API}/projects/import-snapshot", headers=admin,
                        files={"file": ("x.zip", archive.content)})
    assert again.status_code == 409
    broken = client.post(f"{API}/projects/import-snapshot", headers=admin,
                         files={"file": ("x.zip", b"not a zip")}, data={"name": "x"})
    assert broken.status_code == 422
    assert "not a snapshot archive" in broken.json()["detail"]


def test_label_studio_predictions_of_heuristics(client, admin, app, labelled):
    project, task = labelled["project"], labelled["task"]
    heuristic = client.post(f"{API}/projects/{project}/heuristics", headers=admin, json={
        "task_id": task["id"], "name": "channel", "kind": "labeling_function",
        "source": "def lf(record):\n    return 'spam' if 'channel' in record['text'] "
                  "else None\n"}).json()
    spam = next(label["id"] for label in task["labels"] if label["name"] == "spam")
    with app.state.sessions() as session:
        run = create_heuristic_run(session=session,
                                   heuristic=session.get(Heuristic, heuristic["id"]))
        run.status = RunStatus.SUCCEEDED
        session.add(Output(run_id=run.id, record_id=labelled["ids"]["2"], label_id=spam))
        session.commit()
        run_id = run.id
    weak_id = _weak_run(app, project, task, labelled["ids"], {"2": ("ham", 0.5)})

    def predictions(which: str) -> list:
        tasks = client.get(f"{API}/projects/{project}/export", headers=admin,
                           params={"format": "label-studio", "predictions": which}).json()
        return [(p["model_version"], p["result"][0]["value"]["choices"])
                for p in tasks[1]["predictions"]]

    assert predictions("heuristics") == [(f"heurist-run-{run_id} channel", ["spam"])]
    assert predictions("weak") == [(f"heurist-run-{weak_id}", ["ham"])]
    assert predictions("all") == [(f"heurist-run-{weak_id}", ["ham"]),
                                  (f"heurist-run-{run_id} channel", ["spam"])]
