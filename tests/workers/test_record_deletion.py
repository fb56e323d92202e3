"""Deleting records with a real worker and real runs, on both stacks: the votes, labels and
statistics follow, functions go out of date by the records imported after it (as many as
were deleted), and the similarity search and a learner read the vectors there are now."""

from __future__ import annotations

import csv
import io

import httpx

from tests.workers.conftest import Stack
from tests.workers.test_labeling_functions import CHECK_OUT, all_outputs, run_to_end, save
from tests.workers.test_learners import LEARNER, YOUTUBE, label, labelled_youtube


def _delete(stack: Stack, project: int, **body) -> httpx.Response:
    return stack.post(f"/projects/{project}/records/delete", json=body)


def _stats(stack: Stack, project: int, task: int, heuristic: int) -> dict:
    rows = stack.get(f"/projects/{project}/tasks/{task}/stats")["data"]
    return next(row for row in rows if row["heuristic_id"] == heuristic)


def test_deleting_records_keeps_votes_statistics_and_learners_true(stack: Stack):
    stack.start_worker()
    project, task, rows, ids = labelled_youtube(stack, 60)
    function = save(stack, project, task, CHECK_OUT)
    # every record gets a vote (two labels: one is at least 0.5 likely), no refit unasked
    created = stack.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "learner", "kind": "active_learner",
        "source": LEARNER.replace("min_confidence=0.8", "min_confidence=0.5")})
    assert created.status_code == 201, created.text
    learner = created.json()
    assert stack.patch(f"/projects/{project}/heuristics/{learner['id']}",
                       json={"auto_refit_every": 0}).status_code == 200
    assert run_to_end(stack, project, function["id"])["status"] == "succeeded"
    assert run_to_end(stack, project, learner["id"])["status"] == "succeeded", stack.logs()
    voted = set(all_outputs(stack, project, function["id"]))
    embedding = stack.get(f"/projects/{project}/embeddings")["data"][0]["id"]
    probe = ids[rows[-1]["COMMENT_ID"]]   # a record that stays
    assert len(_similar(stack, project, probe, embedding)) == len(rows) - 1   # cached now
    spam_rows = [row for row in rows[:60] if row["CLASS"] == "1"]
    before = _stats(stack, project, task, function["id"])
    weak = f"/projects/{project}/tasks/{task}/weak-supervision"
    merged = stack.post(weak, json={"method": "majority", "heuristic_ids": [function["id"]]})
    assert stack.wait_run(project, merged.json()["id"])["status"] == "succeeded"
    assert stack.get(weak)["stale"] is False

    # the labelled spam comments go, by a filter, as many as the user was shown
    spam = {"conditions": [{"kind": "reference_label", "task_id": task, "label": "spam"}]}
    assert _delete(stack, project, filter=spam, expected=len(spam_rows) + 1).status_code == 409
    done = _delete(stack, project, filter=spam, expected=len(spam_rows))
    assert done.status_code == 200, done.text
    assert done.json() == {"deleted": len(spam_rows), "manual_labels": len(spam_rows),
                           "record_count": len(rows) - len(spam_rows), "dry_run": False}
    gone = {ids[row["COMMENT_ID"]] for row in spam_rows}
    assert set(all_outputs(stack, project, function["id"])) == voted - gone
    assert set(all_outputs(stack, project, learner["id"])).isdisjoint(gone)
    after = _stats(stack, project, task, function["id"])
    assert after["n_reference"] == before["n_reference"] - len(spam_rows)
    assert after["coverage"] == len(voted - gone) / (len(rows) - len(spam_rows))
    heuristic = f"/projects/{project}/heuristics/{function['id']}"
    assert stack.get(heuristic)["out_of_date"] == [], "a deletion outdates no vote"
    assert stack.get(weak)["stale"] is True, "the weak labels' figures counted them"
    learned = stack.get(f"/projects/{project}/heuristics/{learner['id']}")["out_of_date"]
    assert learned and "label change" in learned[0], "its labels went: the learner knows"

    # as many new comments as went: the count is the same, the records are not
    more = io.StringIO()
    writer = csv.writer(more)
    writer.writerow(["COMMENT_ID", "CONTENT", "CLASS"])
    writer.writerows([[f"new-{i}", f"check out my new video number {i}", "1"]
                      for i in range(len(spam_rows))])
    imported = stack.post(f"/projects/{project}/records/import", data={"id_column": "COMMENT_ID"},
                          files={"file": ("more.csv", more.getvalue().encode())})
    assert imported.status_code == 201, imported.text
    assert stack.get(heuristic)["out_of_date"] == [
        f"{len(spam_rows)} records added since its run"]
    refreshed = stack.get(f"/projects/{project}/runs", kind="embedding")["data"][0]
    assert stack.wait_run(project, refreshed["id"])["status"] == "succeeded"
    new_ids = {rid for rid, e in _external_ids(stack, project).items() if e.startswith("new-")}
    assert _similar(stack, project, probe, embedding) == set(_external_ids(stack, project)) - {
        probe}, "the search reads the vectors there are now, not a cached state of as many"
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        relabel = [row for row in csv.DictReader(handle)][60:80]
    label(stack, project, task, [r for r in relabel if r["CLASS"] == "1"][:8], ids)
    assert run_to_end(stack, project, learner["id"])["status"] == "succeeded", stack.logs()
    assert set(all_outputs(stack, project, learner["id"])) == set(_external_ids(stack, project))
    assert new_ids and new_ids.isdisjoint(gone)


def _similar(stack: Stack, project: int, record: int, embedding: int) -> set[int]:
    found = stack.get(f"/projects/{project}/records/{record}/similar", embedding_id=embedding,
                      k=1000)["data"]
    return {row["record"]["id"] for row in found}


def _external_ids(stack: Stack, project: int) -> dict[int, str]:
    rows = stack.get(f"/projects/{project}/records", limit=1000)["data"]
    return {r["id"]: r["external_id"] for r in rows}
