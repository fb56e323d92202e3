"""The labelling queue with a real worker: labels lead to a refit of the default learner on
MiniLM embeddings, and the queue follows it; a simulation run stores its learning curves."""

from __future__ import annotations

import csv
import json
import time

import httpx
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from tests.workers.conftest import Stack
from tests.workers.test_labeling_functions import external_ids, run_to_end, youtube_project
from tests.workers.test_learners import (
    LEARNER,
    YOUTUBE,
    conll_project,
    embed_tokens,
    embedded_youtube,
    label,
    labelled_youtube,
)


def _truth(stack: Stack, project: int) -> dict[int, str]:
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        classes = {row["COMMENT_ID"]: row["CLASS"] for row in csv.DictReader(handle)}
    return {rid: "spam" if classes[e] == "1" else "ham"
            for rid, e in external_ids(stack, project).items()}


def _wait_model(stack: Stack, project: int, task: int, *, after: int | None,
                timeout: float = 120) -> dict:
    """Wait until the queue's model is a refit newer than ``after``, none under way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = stack.get(f"/projects/{project}/tasks/{task}/active-learning")
        if state["model_run_id"] not in (None, after) and state["refit_run_id"] is None:
            return state
        time.sleep(0.2)
    raise AssertionError(f"no refit after run {after}: {state}\n{stack.logs()}")


def _predictions(stack: Stack, project: int, learner: int) -> dict[int, tuple[str, float]]:
    """The learner's latest label and confidence of every record."""
    rows = stack.get(f"/projects/{project}/heuristics/{learner}/outputs", limit=5000)["data"]
    return {row["record_id"]: (row["outputs"][0]["label"], row["outputs"][0]["confidence"])
            for row in rows}


def test_labels_through_the_queue_lead_to_a_refit_the_queue_follows(cluster: Stack):
    """On the cluster stack only: the subject is the queue following its refits, not the
    stack. tests/api/test_active_queue.py runs the refits' requests, locks and fits on
    SQLite and PostgreSQL, and tests/workers/test_runs.py runs worker runs on both stacks."""
    stack = cluster
    stack.start_worker()
    project, task = embedded_youtube(stack)
    truth = _truth(stack, project)
    first = stack.get(f"/projects/{project}/tasks/{task}/next", n=10)
    assert first["model"] == "cold start" and first["count"] == 10
    for item in first["data"]:
        rid = item["record"]["id"]
        response = stack.post(f"/projects/{project}/records/{rid}/labels",
                                 json={"task_id": task, "label": truth[rid]})
        assert response.status_code == 201, response.text
    labelled = {item["record"]["id"] for item in first["data"]}
    if len({truth[rid] for rid in labelled}) < 2:   # cold start found one class only
        other = next(rid for rid, label in truth.items()
                     if label not in {truth[r] for r in labelled})
        stack.post(f"/projects/{project}/records/{other}/labels",
                      json={"task_id": task, "label": truth[other]})
        labelled.add(other)
    state = _wait_model(stack, project, task, after=None)
    refit = stack.get(f"/projects/{project}/runs/{state['model_run_id']}")
    assert refit["kind"] == "active_queue" and refit["status"] == "succeeded"
    assert refit["metrics"]["n_labelled"] == len(labelled)
    assert refit["metrics"]["embedding"] == "CONTENT-all-MiniLM-L6-v2"
    # the default strategy keeps to cold start below 60 labels; margin ranks by the refit
    assert stack.get(f"/projects/{project}/tasks/{task}/next", n=5)["model"] == "cold start"
    queue = stack.get(f"/projects/{project}/tasks/{task}/next", n=5, strategy="margin")
    assert queue["model"] == f"default logistic regression (run {refit['id']})"
    assert all(item["reason"].startswith("margin ") and " between " in item["reason"]
               for item in queue["data"])
    assert not labelled & {item["record"]["id"] for item in queue["data"]}
    assert queue["stop"]["message"].startswith("keep labelling")
    # one more label: the next refit replaces the model, and the stopping numbers go on
    rid = queue["data"][0]["record"]["id"]
    stack.post(f"/projects/{project}/records/{rid}/labels",
                  json={"task_id": task, "label": truth[rid]})
    again = _wait_model(stack, project, task, after=refit["id"])
    assert stack.get(f"/projects/{project}/runs/{again['model_run_id']}")[
        "metrics"]["n_labelled"] == len(labelled) + 1
    assert len(again["stop"]["kappas"]) == len(refit["metrics"]["stop"]["kappas"]) + 1
    after = stack.get(f"/projects/{project}/tasks/{task}/next", n=5, strategy="margin")
    assert after["model"] == f"default logistic regression (run {again['model_run_id']})"
    assert rid not in {item["record"]["id"] for item in after["data"]}


def test_simulation_run_stores_learning_curves_and_a_plot(embedded: Stack):
    embedded.start_worker()
    project, task = embedded_youtube(embedded)
    truth = _truth(embedded, project)
    response = embedded.post(f"/projects/{project}/tasks/{task}/labels/bulk", json={
        "labels": [{"record_id": rid, "label": label} for rid, label in truth.items()]})
    assert response.status_code == 201, response.text
    created = embedded.post(f"/projects/{project}/tasks/{task}/simulations", json={
        "strategy": "margin", "seed_size": 10, "batch_size": 10, "budget": 60})
    assert created.status_code == 202, created.text
    run = embedded.wait_run(project, created.json()["id"])
    assert run["status"] == "succeeded", (run, embedded.logs())
    curves = run["metrics"]["curves"]
    assert curves["strategy"]["labels_used"] == curves["random"]["labels_used"] == \
        [10, 20, 30, 40, 50, 60]
    # the same seed set: both curves start from the same model
    assert curves["strategy"]["accuracy"][0] == curves["random"]["accuracy"][0]
    assert all(0.5 < a <= 1 for a in curves["strategy"]["accuracy"][1:])
    base = f"{embedded.api}/projects/{project}/runs/{run['id']}/artifacts"
    png = httpx.get(f"{base}/learning_curve.png", headers=embedded.headers, timeout=30)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n") and len(png.content) > 10_000
    data = httpx.get(f"{base}/learning_curve.json", headers=embedded.headers, timeout=30)
    assert json.loads(data.content)["strategy"] == curves["strategy"]


def _simulated(stack: Stack, project: int, task: int, **settings) -> dict:
    created = stack.post(f"/projects/{project}/tasks/{task}/simulations", json=settings)
    assert created.status_code == 202, created.text
    run = stack.wait_run(project, created.json()["id"])
    assert run["status"] == "succeeded", (run, stack.logs())
    png = httpx.get(f"{stack.api}/projects/{project}/runs/{run['id']}/artifacts/"
                    "learning_curve.png", headers=stack.headers, timeout=30)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    return run["metrics"]


def test_simulation_of_a_multilabel_task(embedded: Stack):
    embedded.start_worker()
    project, _ = embedded_youtube(embedded)
    task = embedded.post(f"/projects/{project}/tasks", json={
        "name": "topics", "kind": "multilabel", "labels": ["spam", "link", "praise"]}).json()
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        rows = {row["COMMENT_ID"]: row for row in csv.DictReader(handle)}
    sets = {}
    for rid, external in external_ids(embedded, project).items():
        text, spam = rows[external]["CONTENT"].lower(), rows[external]["CLASS"] == "1"
        sets[rid] = [label for label, has in (("spam", spam), ("link", "http" in text),
                                              ("praise", "love" in text or "song" in text))
                     if has]
    labelled = embedded.post(f"/projects/{project}/tasks/{task['id']}/labels/bulk", json={
        "labels": [{"record_id": rid, "label": label}
                   for rid, labels in sets.items() for label in labels]})
    assert labelled.status_code == 201, labelled.text
    metrics = _simulated(embedded, project, task["id"], strategy="margin", seed_size=10,
                         batch_size=20, budget=50)
    curves = metrics["curves"]
    assert curves["metrics"] == ["subset_accuracy", "macro_f1"]
    assert curves["ranked_by"] == "least certain label"   # what "margin" does with label sets
    assert curves["n_records"] == sum(1 for labels in sets.values() if labels)
    ours, random = curves["strategy"], curves["random"]
    assert ours["labels_used"] == random["labels_used"] == [10, 30, 50]
    assert ours["subset_accuracy"][0] == random["subset_accuracy"][0]
    # three labels, each on a part of the records: a guessed set is right far less often
    assert min(ours["subset_accuracy"][-1], random["subset_accuracy"][-1]) > 0.5
    assert metrics["final"]["strategy"] == {"labels_used": 50,
                                            "subset_accuracy": ours["subset_accuracy"][-1],
                                            "macro_f1": ours["macro_f1"][-1]}


def test_simulation_of_an_extraction_task(embedded: Stack):
    embedded.start_worker()
    project, imported = conll_project(embedded, 120)
    task = imported["task_id"]
    refused = embedded.post(f"/projects/{project}/tasks/{task}/simulations", json={})
    assert refused.status_code == 422
    assert "no finished token embedding" in refused.json()["detail"]
    embed_tokens(embedded, project)
    metrics = _simulated(embedded, project, task, strategy="margin", seed_size=10,
                         batch_size=25, budget=60)
    curves = metrics["curves"]
    # every imported sentence has a reference, those without entities too
    assert curves["metrics"] == ["span_f1", "macro_f1"] and curves["n_records"] == 120
    assert curves["ranked_by"] == "least confident token sequence"
    ours, random = curves["strategy"], curves["random"]
    assert ours["labels_used"] == random["labels_used"] == [10, 35, 60]
    assert ours["span_f1"][0] == random["span_f1"][0]
    assert all(0.2 < f <= 1 for f in ours["span_f1"][1:] + random["span_f1"][1:]), curves


def test_the_queue_follows_the_learner_the_task_chooses(embedded: Stack):
    embedded.start_worker()
    project, task, rows, ids = labelled_youtube(embedded, 80)
    created = embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "my learner", "kind": "active_learner", "source": LEARNER})
    assert created.status_code == 201, created.text
    learner = created.json()["id"]
    run = run_to_end(embedded, project, learner)
    assert run["status"] == "succeeded", (run, embedded.logs())
    chosen = embedded.patch(f"/projects/{project}/tasks/{task}/active-learning",
                            json={"heuristic_id": learner, "strategy": "least_confidence"})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["heuristic_id"] == learner
    queue = embedded.get(f"/projects/{project}/tasks/{task}/next", n=5)
    assert queue["model"] == f"learner 'my learner' (run {run['id']})"
    assert queue["strategy"] == "least_confidence" and queue["count"] == 5
    assert all(item["reason"].startswith("top label ") for item in queue["data"])
    # the stopping hint follows the learner's runs: the first has no kappa yet ...
    first = _predictions(embedded, project, learner)
    assert queue["stop"] == run["metrics"]["stop"]
    assert queue["stop"]["kappas"] == [] and queue["stop"]["mean_kappa"] is None
    assert queue["stop"]["message"].startswith("keep labelling: kappa needs 4 refits (1 so far)")
    assert queue["stop"]["uncertainty"] == pytest.approx(
        np.mean([1 - c for _, c in first.values()]))
    # ... a run after more labels compares its predictions on every record (fewer than the
    # stopping set's 1,000) with the previous run's
    label(embedded, project, task, rows[80:85], ids)
    again = run_to_end(embedded, project, learner)
    assert again["status"] == "succeeded", (again, embedded.logs())
    second = _predictions(embedded, project, learner)
    order = sorted(first)
    assert {first[r][0] for r in order} == {second[r][0] for r in order} == {"ham", "spam"}
    kappa = cohen_kappa_score([first[r][0] for r in order], [second[r][0] for r in order])
    assert again["metrics"]["stop"]["kappas"] == [pytest.approx(kappa)]
    assert embedded.get(f"/projects/{project}/tasks/{task}/active-learning")["stop"] == \
        again["metrics"]["stop"]
    assert embedded.get(f"/projects/{project}/tasks/{task}/next", n=5)["stop"]["message"] \
        .startswith("keep labelling: kappa needs 4 refits (2 so far)")
    # back to the default learner: a refit of it is queued at once
    back = embedded.patch(f"/projects/{project}/tasks/{task}/active-learning",
                          json={"default_learner": True})
    assert back.json()["heuristic_id"] is None
    _wait_model(embedded, project, task, after=None)
    assert embedded.get(f"/projects/{project}/tasks/{task}/next", n=5)["model"].startswith(
        "default logistic regression (run ")


def test_labels_given_before_the_embedding_get_a_model_once_it_is_ready(embedded: Stack):
    """The queue's first model does not wait for the label after the embedding: the
    embedding run's end queues a refit of every task with labels that fits on it."""
    embedded.start_worker()
    project, task = youtube_project(embedded)
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = {e: rid for rid, e in external_ids(embedded, project).items()}
    label(embedded, project, task, rows[:12], ids)
    state = embedded.get(f"/projects/{project}/tasks/{task}/active-learning")
    assert state["model_run_id"] is None and state["refit_run_id"] is None
    created = embedded.post(f"/projects/{project}/embeddings", json={"attribute": "CONTENT"})
    assert created.status_code == 202
    assert embedded.wait_run(project, created.json()["run"]["id"])["status"] == "succeeded"
    state = _wait_model(embedded, project, task, after=None)
    refit = embedded.get(f"/projects/{project}/runs/{state['model_run_id']}")
    assert refit["metrics"]["n_labelled"] == 12 and refit["metrics"]["fitted"] is True
    assert refit["metrics"]["embedding"] == "CONTENT-all-MiniLM-L6-v2"
