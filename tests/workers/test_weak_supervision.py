"""Weak supervision runs through the API and a real worker, checked independently."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import numpy as np

from tests.workers.conftest import Stack
from tests.workers.test_labeling_functions import (
    YOUTUBE,
    external_ids,
    run_to_end,
    save,
    youtube_project,
)

RULES = {
    "check_out": (r"check (it |this )?out|subscribe", "spam"),
    "links": (r"http|www\.", "spam"),
    "praise": (r"love|song|beautiful|best", "ham"),
}


def rule_source(pattern: str, label: str) -> str:
    return (f"import re\n\ndef lf(record):\n    if re.search(r\"{pattern}\", "
            f"record[\"CONTENT\"], re.IGNORECASE):\n        return \"{label}\"\n")


def test_weak_labels_equal_an_independent_majority_vote(embedded: Stack):
    project, task = youtube_project(embedded)
    embedded.start_worker()
    for name, (pattern, label) in RULES.items():
        heuristic = save(embedded, project, task, rule_source(pattern, label), name=name)
        assert run_to_end(embedded, project, heuristic["id"])["status"] == "succeeded"
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        rows = {row["COMMENT_ID"]: row for row in csv.DictReader(handle)}
    ids = {e: rid for rid, e in external_ids(embedded, project).items()}
    for external in sorted(rows)[:100]:
        embedded.post(f"/projects/{project}/records/{ids[external]}/labels", json={
            "task_id": task, "label": "spam" if rows[external]["CLASS"] == "1" else "ham"})
    base = f"/projects/{project}/tasks/{task}/weak-supervision"
    response = embedded.post(base, json={"method": "majority"})
    assert response.status_code == 202, response.text
    run = embedded.wait_run(project, response.json()["id"])
    assert run["status"] == "succeeded", (run, embedded.logs())
    export = httpx.get(f"{embedded.api}{base}/export", params={"format": "jsonl"},
                       headers=embedded.headers, timeout=60)
    weak = {r["external_id"]: r for r in map(json.loads, export.text.splitlines())}
    assert len(weak) == len(rows)
    for external, row in rows.items():
        votes = [label for pattern, label in RULES.values()
                 if re.search(pattern, row["CONTENT"], re.IGNORECASE)]
        spam, ham = votes.count("spam"), votes.count("ham")
        expected = None if not votes else ("spam" if spam > ham else "ham")
        assert weak[external]["weak_label"] == expected, (external, votes)
    compared = [r for r in weak.values() if r["weak_label"] and r["reference"]]
    accuracy = sum(r["weak_label"] == r["reference"] for r in compared) / len(compared)
    assert run["metrics"]["compared"] == len(compared)
    assert abs(run["metrics"]["accuracy"] - accuracy) < 1e-9
    assert run["metrics"]["weakly_labelled"] == sum(bool(r["weak_label"]) for r in weak.values())
    matrix = np.load(io.BytesIO(httpx.get(f"{embedded.api}{base}/label-matrix",
                                          headers=embedded.headers, timeout=60).content))
    assert list(matrix["heuristics"]) == list(RULES) and matrix["L"].shape == (len(rows), 3)
    row = list(matrix["record_ids"]).index(sorted(rows)[0])
    first = rows[sorted(rows)[0]]["CONTENT"]
    assert [int(v) for v in matrix["L"][row]] == [
        (["ham", "spam"].index(label) if re.search(pattern, first, re.IGNORECASE) else -1)
        for pattern, label in RULES.values()]
    studio = httpx.get(f"{embedded.api}{base}/export", params={"format": "label-studio"},
                       headers=embedded.headers, timeout=60).json()
    assert len(studio) == run["metrics"]["weakly_labelled"]
    prediction = studio[0]["predictions"][0]
    assert prediction["model_version"] == f"heurist-run-{run['id']}"
    assert prediction["result"][0]["value"]["choices"][0] == \
        weak[studio[0]["data"]["external_id"]]["weak_label"]
    # the label model runs on the same votes; the latest run is served
    model_run = embedded.post(base, json={"method": "label_model", "min_confidence": 0.6})
    finished = embedded.wait_run(project, model_run.json()["id"])
    assert finished["status"] == "succeeded" and finished["metrics"]["method"] == "label_model"
    assert embedded.get(base)["id"] == finished["id"]
    auto = embedded.wait_run(project, embedded.post(base, json={}).json()["id"])
    assert auto["metrics"]["method"] in ("majority", "weighted", "label_model")
    assert set(auto["metrics"]["agreement_by_method"]) == {"majority", "weighted",
                                                           "label_model"}


def test_weak_supervision_needs_heuristic_outputs(embedded: Stack):
    project, task = youtube_project(embedded)
    embedded.start_worker()
    base = f"/projects/{project}/tasks/{task}/weak-supervision"
    run = embedded.wait_run(project, embedded.post(base, json={}).json()["id"])
    assert run["status"] == "failed"
    assert "no heuristic of the task has a successful run yet" in run["error"]
    response = embedded.post(base, json={"heuristic_ids": [999]})
    assert response.status_code == 422 and response.json()["field"] == "heuristic_ids"
    assert httpx.get(f"{embedded.api}{base}", headers=embedded.headers).status_code == 404
