"""Labeling functions through the API, a real worker and the sandbox, on real data."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict

import pytest

from services.demo import first_sentences
from tests.conftest import DATASETS
from tests.workers.conftest import Stack

YOUTUBE = DATASETS / "youtube" / "Youtube01-Psy.csv"
CHECK_OUT = """
import re

PATTERN = re.compile(r"check (it |this )?out|subscribe", re.IGNORECASE)

def lf(record):
    return "spam" if PATTERN.search(record["CONTENT"]) else None
"""
PLACES = ["Germany", "Britain", "London", "France", "Europe", "England", "Italy"]
GAZETTEER = """
from knowledge import places   # the project's lookup list

def lf(record):
    for i, token in enumerate(record.tokens("text")):
        if token.text in places:
            yield "LOC", i, i + 1
"""


def youtube_project(stack: Stack) -> tuple[int, int]:
    project = stack.post("/projects", json={"name": "youtube"}).json()["id"]
    response = stack.post(f"/projects/{project}/records/import", data={"id_column": "COMMENT_ID"},
                          files={"file": ("Youtube01-Psy.csv", YOUTUBE.read_bytes())})
    assert response.status_code == 201, response.text
    task = stack.post(f"/projects/{project}/tasks", json={
        "name": "spam", "kind": "classification", "labels": ["ham", "spam"]}).json()["id"]
    return project, task


def save(stack: Stack, project: int, task: int, source: str, name: str = "lf") -> dict:
    response = stack.post(f"/projects/{project}/heuristics",
                          json={"task_id": task, "name": name, "source": source})
    assert response.status_code == 201, response.text
    return response.json()


def run_to_end(stack: Stack, project: int, heuristic: int) -> dict:
    response = stack.post(f"/projects/{project}/heuristics/{heuristic}/runs")
    assert response.status_code == 202, response.text
    return stack.wait_run(project, response.json()["id"])


def all_outputs(stack: Stack, project: int, heuristic: int) -> dict[int, list[dict]]:
    body = stack.get(f"/projects/{project}/heuristics/{heuristic}/outputs", limit=5000)
    return {row["record_id"]: row["outputs"] for row in body["data"]}


def external_ids(stack: Stack, project: int) -> dict[int, str]:
    rows = stack.get(f"/projects/{project}/records", limit=1000)["data"]
    return {r["id"]: r["external_id"] for r in rows}


def test_keyword_lf_on_youtube_spam(embedded: Stack):
    project, task = youtube_project(embedded)
    heuristic = save(embedded, project, task, CHECK_OUT)
    assert heuristic["revision"]["number"] == 1 and heuristic["last_run"] is None
    embedded.start_worker()
    run = run_to_end(embedded, project, heuristic["id"])
    assert run["status"] == "succeeded", (run, embedded.logs())
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    pattern = re.compile(r"check (it |this )?out|subscribe", re.IGNORECASE)
    expected = {row["COMMENT_ID"] for row in rows if pattern.search(row["CONTENT"])}
    ids = external_ids(embedded, project)
    outputs = all_outputs(embedded, project, heuristic["id"])
    assert {ids[rid] for rid in outputs} == expected
    assert all(outs == [{"label": "spam", "confidence": 1.0, "token_start": None,
                         "token_end": None, "char_start": None, "char_end": None,
                         "text": None, "vote": True}] for outs in outputs.values())
    assert run["metrics"]["records_with_votes"] == len(expected)
    assert run["metrics"]["coverage"] == pytest.approx(len(expected) / len(rows))


def test_extraction_lf_on_conll(cluster: Stack):
    lines = first_sentences((DATASETS / "conll2003" / "dev.txt").open(encoding="utf-8"), 400)
    project = cluster.post("/projects", json={"name": "conll"}).json()["id"]
    imported = cluster.post(f"/projects/{project}/records/import-conll",
                            files={"file": ("dev.txt", "".join(lines).encode())}).json()
    assert cluster.post(f"/projects/{project}/lookup-lists",
                        json={"name": "places", "terms": PLACES}).status_code == 201
    assert cluster.post(f"/projects/{project}/lookup-lists",     # a word of the code, unread
                        json={"name": "text", "terms": ["x"]}).status_code == 201
    heuristic = save(cluster, project, imported["task_id"], GAZETTEER)
    cluster.start_worker()
    run = run_to_end(cluster, project, heuristic["id"])
    assert run["status"] == "succeeded", (run, cluster.logs())
    assert run["params"]["lookup_lists"] == {"places": 1}   # the lists the code reads
    places = set(PLACES)
    expected, sentence = set(), 0
    tokens: list[str] = []
    for line in [*lines, "\n"]:
        if line.strip() and not line.startswith("-DOCSTART-"):
            tokens.append(line.split()[0])
        elif tokens:
            sentence += 1
            expected |= {(f"s{sentence}", i, i + 1) for i, t in enumerate(tokens) if t in places}
            tokens = []
    ids = external_ids(cluster, project)
    found = {(ids[rid], out["token_start"], out["token_end"])
             for rid, outs in all_outputs(cluster, project, heuristic["id"]).items()
             for out in outs}
    assert found == expected and len(expected) > 10
    assert all(out["label"] == "LOC" and out["char_end"] > out["char_start"]
               for outs in all_outputs(cluster, project, heuristic["id"]).values()
               for out in outs)


def test_saving_reports_syntax_errors_and_missing_functions(embedded: Stack):
    project, task = youtube_project(embedded)
    response = embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "bad", "source": "import re\n\ndef lf(record)\n    pass\n"})
    assert response.status_code == 422
    assert response.json()["row"] == 3 and response.json()["field"] == "source"
    response = embedded.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "bad", "source": "x = 1\n"})
    assert response.status_code == 422 and "def lf(record)" in response.json()["detail"]


def test_edits_make_revisions_and_runs_name_them(embedded: Stack):
    project, task = youtube_project(embedded)
    heuristic = save(embedded, project, task, "def lf(record):\n    return None\n")
    path = f"/projects/{project}/heuristics/{heuristic['id']}"
    assert embedded.patch(path, json={"description": "nothing"}).json()["revision"]["number"] \
        == 1
    edited = embedded.patch(path, json={"source": CHECK_OUT}).json()
    assert edited["revision"]["number"] == 2
    revisions = embedded.get(f"{path}/revisions")
    assert [r["number"] for r in revisions] == [1, 2] and revisions[0]["source"].startswith(
        "def lf")
    embedded.start_worker()
    run = run_to_end(embedded, project, heuristic["id"])
    assert run["params"]["revision"] == 2
    assert embedded.get(f"{path}/outputs")["revision"] == 2
    embedded.patch(path, json={"source": CHECK_OUT + "\n# edited\n"})
    assert embedded.get(f"{path}/outputs") == {"run_id": None, "revision": None, "data": []}


def test_errors_name_the_record_and_line_and_the_worker_goes_on(embedded: Stack):
    project, task = youtube_project(embedded)
    broken = save(embedded, project, task, """
def lf(record):
    if "Psy" in record["CONTENT"]:
        return {}["missing"]
    return None
""", name="broken")
    unknown = save(embedded, project, task, "def lf(record):\n    return 'spam2'\n",
                   name="unknown")
    looping = save(embedded, project, task, "def lf(record):\n    while True:\n        pass\n",
                   name="looping")
    embedded.start_worker()
    run = run_to_end(embedded, project, broken["id"])
    assert run["status"] == "failed"
    assert re.search(r"record '[^']+' \(line 4\): KeyError: 'missing'", run["error"]), run
    run = run_to_end(embedded, project, unknown["id"])
    assert run["status"] == "failed"
    assert "unknown label 'spam2' (labels: 'ham', 'spam')" in run["error"]
    run = run_to_end(embedded, project, looping["id"])
    assert run["status"] == "failed" and "took longer than 2 s" in run["error"]
    hostile = save(embedded, project, task, """
import os
import socket

def lf(record):
    assert not any("HEURIST" in key for key in os.environ), "saw the worker's environment"
    socket.create_connection(("127.0.0.1", 5432), timeout=1)
    return "spam"
""", name="hostile")
    run = run_to_end(embedded, project, hostile["id"])
    assert run["status"] == "failed", run
    assert "(line 7): ConnectionRefusedError" in run["error"], run["error"]
    good = save(embedded, project, task, CHECK_OUT, name="good")
    assert run_to_end(embedded, project, good["id"])["status"] == "succeeded"


def test_try_on_sample_stores_nothing(embedded: Stack):
    project, task = youtube_project(embedded)
    heuristic = save(embedded, project, task, CHECK_OUT)
    ids = sorted(external_ids(embedded, project))[:5]
    path = f"/projects/{project}/heuristics/{heuristic['id']}/sample"
    response = embedded.post(path, json={"record_ids": ids, "source": """
def lf(record):
    print("looking at", record.id)
    if record.id.endswith("x"):
        return None
    return 1 / 0 if "Huh" in record["CONTENT"] else "ham"
"""})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["record_id"] for r in body["results"]] == ids
    assert len(body["logs"].splitlines()) == 5
    failed = [r for r in body["results"] if r["error"]]
    assert failed and failed[0]["error"] == "ZeroDivisionError: division by zero"
    assert failed[0]["line"] == 6
    assert all(r["outputs"] == [] or r["outputs"][0]["label"] == "ham"
               for r in body["results"] if not r["error"])
    random_sample = embedded.post(path, json={"n": 7}).json()
    assert len(random_sample["results"]) == 7
    assert embedded.get(f"/projects/{project}/runs")["count"] == 0
    counts = defaultdict(int)
    for result in random_sample["results"]:
        counts[bool(result["outputs"])] += 1
    assert sum(counts.values()) == 7
    # code never saved is tried the same way, for a task; bad input says what is wrong
    unsaved = embedded.post(f"/projects/{project}/heuristics/sample", json={
        "task_id": task, "record_ids": ids, "source": CHECK_OUT})
    assert unsaved.status_code == 200, unsaved.text
    assert [r["record_id"] for r in unsaved.json()["results"]] == ids
    assert unsaved.json()["results"] == embedded.post(path, json={"record_ids": ids}).json()[
        "results"]
    missing = embedded.post(f"/projects/{project}/heuristics/sample",
                            json={"task_id": task, "record_ids": ids})
    assert missing.status_code == 422 and missing.json()["field"] == "source"
    assert embedded.get(f"/projects/{project}/heuristics")["count"] == 1
    assert embedded.get(f"/projects/{project}/runs")["count"] == 0


def test_stats_follow_runs_and_label_edits(embedded: Stack):
    project, task = youtube_project(embedded)
    heuristic = save(embedded, project, task, CHECK_OUT)
    embedded.start_worker()
    with YOUTUBE.open(encoding="utf-8", newline="") as handle:
        rows = {row["COMMENT_ID"]: row for row in csv.DictReader(handle)}
    ids = {external: rid for rid, external in external_ids(embedded, project).items()}
    labelled = sorted(rows)[:60]
    for external in labelled[:30]:
        label = "spam" if rows[external]["CLASS"] == "1" else "ham"
        response = embedded.post(f"/projects/{project}/records/{ids[external]}/labels",
                                 json={"task_id": task, "label": label})
        assert response.status_code == 201
    assert run_to_end(embedded, project, heuristic["id"])["status"] == "succeeded"
    for external in labelled[30:]:
        label = "spam" if rows[external]["CLASS"] == "1" else "ham"
        embedded.post(f"/projects/{project}/records/{ids[external]}/labels",
                      json={"task_id": task, "label": label})
    pattern = re.compile(r"check (it |this )?out|subscribe", re.IGNORECASE)
    voted = {e for e in labelled if pattern.search(rows[e]["CONTENT"])}
    spam = {e for e in labelled if rows[e]["CLASS"] == "1"}
    served = embedded.get(f"/projects/{project}/tasks/{task}/stats")["data"]
    [mine] = served
    spam_row = next(r for r in mine["labels"] if r["label"] == "spam")
    assert mine["n_reference"] == 60 and mine["revision"] == 1
    assert (spam_row["tp"], spam_row["fp"]) == (len(voted & spam), len(voted - spam))
    assert spam_row["precision"] == pytest.approx(len(voted & spam) / len(voted))
    # recall is over every spam record, those it abstains on included; it never votes ham
    assert spam_row["fn"] == len(spam - voted)
    assert len(spam - voted) > 0
    assert spam_row["recall"] == pytest.approx(len(voted & spam) / len(spam))
    assert spam_row["recall_where_voting"] == 1.0
    ham_row = next(r for r in mine["labels"] if r["label"] == "ham")
    assert (ham_row["tp"], ham_row["fn"], ham_row["recall"]) == (0, 60 - len(spam), 0.0)
    assert spam_row["precision_low"] <= spam_row["precision"] <= spam_row["precision_high"]
    assert mine["coverage"] == pytest.approx(
        sum(bool(pattern.search(r["CONTENT"])) for r in rows.values()) / len(rows))
    recomputed = embedded.post(f"/projects/{project}/tasks/{task}/stats/recompute").json()
    assert recomputed["data"] == served
    # the same statistics over a subset: the comments that mention a song
    subset = {e for e, row in rows.items() if "song" in row["CONTENT"].lower()}
    where = json.dumps({"conditions": [{"kind": "search", "text": "song",
                                        "attribute": "CONTENT"}]})
    [part] = embedded.get(f"/projects/{project}/tasks/{task}/stats", filter=where)["data"]
    labelled_in = {e for e in labelled if e in subset}
    voted_in, spam_in = voted & labelled_in, spam & labelled_in
    spam_in_row = next(r for r in part["labels"] if r["label"] == "spam")
    assert part["n_reference"] == len(labelled_in) > 0
    assert (spam_in_row["tp"], spam_in_row["fp"], spam_in_row["fn"]) == (
        len(voted_in & spam_in), len(voted_in - spam_in), len(spam_in - voted_in))
    assert spam_in_row["recall"] == (pytest.approx(len(voted_in & spam_in) / len(spam_in))
                                     if spam_in else None)
    assert part["hits"] == sum(bool(pattern.search(rows[e]["CONTENT"])) for e in subset)
    assert part["coverage"] == pytest.approx(part["hits"] / len(subset))
    assert embedded.get(f"/projects/{project}/tasks/{task}/stats", filter=where)[
        "records"] == len(subset)
