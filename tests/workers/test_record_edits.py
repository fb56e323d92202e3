"""Editing a record with a real worker and real runs, on both stacks: its computed value
and its vector are made again from the new text, the votes on it go out of date, and a task
that keeps its functions current runs them again by itself."""

from __future__ import annotations

import re

from tests.workers.conftest import Stack
from tests.workers.test_computed_attributes import _computed
from tests.workers.test_labeling_functions import CHECK_OUT, all_outputs, run_to_end, save
from tests.workers.test_learners import LEARNER, labelled_youtube

LINKS = 'def ac(record):\n    return record["CONTENT"].count("http")\n'
SPAMMY = re.compile(r"check (it |this )?out|subscribe|http", re.IGNORECASE)
NEW_TEXT = "check out my channel http://example.com"


def test_an_edit_is_computed_embedded_and_voted_on_again(stack: Stack):
    stack.start_worker()
    project, task, rows, ids = labelled_youtube(stack, 40)
    created = stack.post(f"/projects/{project}/attributes/computed", json={
        "name": "n_links", "data_type": "integer", "source": LINKS})
    assert created.status_code == 201, created.text
    attribute = created.json()["id"]
    assert _computed(stack, project, attribute)["run"]["status"] == "succeeded", stack.logs()
    function = save(stack, project, task, CHECK_OUT)
    assert run_to_end(stack, project, function["id"])["status"] == "succeeded"
    learner = stack.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "learner", "kind": "active_learner", "source": LEARNER}).json()
    assert stack.patch(f"/projects/{project}/heuristics/{learner['id']}",
                       json={"auto_refit_every": 0}).status_code == 200
    assert run_to_end(stack, project, learner["id"])["status"] == "succeeded", stack.logs()
    plain = next(row for row in rows[100:] if not SPAMMY.search(row["CONTENT"]))
    record = ids[plain["COMMENT_ID"]]
    path = f"/projects/{project}/records/{record}"
    assert record not in all_outputs(stack, project, function["id"])
    assert stack.get(path)["data"]["n_links"] == 0

    edited = stack.patch(path, json={"data": {"CONTENT": NEW_TEXT}, "revision": 0})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["changed"], body["computed_again"], body["embedded_again"]) == (
        ["CONTENT"], ["n_links"], ["CONTENT-all-MiniLM-L6-v2"])
    assert body["record"]["revision"] == 1 and "n_links" not in body["record"]["data"]
    for heuristic in (function, learner):
        assert stack.get(f"/projects/{project}/heuristics/{heuristic['id']}")[
            "out_of_date"] == ["1 record edit since its run"]

    # the computed value and the vector are made again, for the edited record only
    assert _computed(stack, project, attribute)["run"]["status"] == "succeeded"
    assert stack.get(path)["data"]["n_links"] == 1
    embedded = stack.get(f"/projects/{project}/runs", kind="embedding")["data"][0]
    assert stack.wait_run(project, embedded["id"])["status"] == "succeeded"
    assert stack.wait_run(project, embedded["id"])["total_items"] == 1
    embedding = stack.get(f"/projects/{project}/embeddings")["data"][0]["id"]
    similar = stack.get(f"{path}/similar", embedding_id=embedding, k=1000)["data"]
    assert len(similar) == len(ids) - 1

    # votes on the new text once the function runs again
    assert run_to_end(stack, project, function["id"])["status"] == "succeeded"
    assert record in all_outputs(stack, project, function["id"])
    heuristic = f"/projects/{project}/heuristics/{function['id']}"
    assert stack.get(heuristic)["out_of_date"] == []

    # a task that keeps its functions current runs them again after an edit by itself
    assert stack.patch(f"/projects/{project}/tasks/{task}",
                       json={"auto_run": True}).status_code == 200
    stale = stack.patch(path, json={"data": {"CONTENT": "a quiet comment"}, "revision": 0})
    assert stale.status_code == 409, "the edit was made from the first revision"
    last_run = stack.get(heuristic)["last_run"]["id"]
    assert stack.patch(path, json={"data": {"CONTENT": plain["CONTENT"]},
                                   "revision": 1}).status_code == 200
    rerun = stack.get(heuristic)["last_run"]
    assert rerun["id"] != last_run
    assert stack.wait_run(project, rerun["id"])["status"] == "succeeded"
    assert record not in all_outputs(stack, project, function["id"])
    assert stack.get(heuristic)["out_of_date"] == []
