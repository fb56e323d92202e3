"""Computed attributes through the API, a real worker and the sandbox, on real data: values
written into the records, read by a labeling function, replaced when the code changes,
kept when new code fails, computed for records imported later."""

from __future__ import annotations

import csv
import io
import time

from tests.workers.conftest import Stack
from tests.workers.test_labeling_functions import YOUTUBE, all_outputs, run_to_end, save

WORDS = 'def ac(record):\n    return len(record["CONTENT"].split())\n'
WORDS_OR_NONE = ('def ac(record):\n    n = len(record["CONTENT"].split())\n'
                 '    return n if n > 5 else None\n')
NOT_A_NUMBER = 'def ac(record):\n    return "many"\n'
FAILS_LAST = ("def ac(record):\n    if record['CONTENT'] == {last!r}:\n"
              "        raise ValueError('the last comment')\n"
              "    return 1000 + len(record['CONTENT'].split())\n")
CHUNK_SIZE = 50
LONG_IS_SPAM = 'def lf(record):\n    return "spam" if (record["n_words"] or 0) > 30 else None\n'


def _contents() -> dict[str, str]:
    with YOUTUBE.open(encoding="utf-8") as file:
        return {row["COMMENT_ID"]: row["CONTENT"] for row in csv.DictReader(file)}


def _values(stack: Stack, project: int) -> dict[str, object]:
    records = stack.get(f"/projects/{project}/records", limit=1000)["data"]
    return {r["external_id"]: r["data"].get("n_words") for r in records}


def _computed(stack: Stack, project: int, attribute: int) -> dict:
    """The attribute once its latest run ended."""
    run = stack.get(f"/projects/{project}/attributes/{attribute}")["run"]
    stack.wait_run(project, run["id"])
    return stack.get(f"/projects/{project}/attributes/{attribute}")


def _function_runs(stack: Stack, project: int, function: int) -> list[dict]:
    runs = stack.get(f"/projects/{project}/runs", kind="labeling_function", limit=500)["data"]
    return [run for run in runs if run["heuristic_id"] == function]


def test_a_computed_attribute_feeds_labeling_functions_and_follows_its_code(stack: Stack):
    stack.worker_env |= {"HEURIST_CHUNK_SIZE": str(CHUNK_SIZE)}   # 350 records: 7 chunks
    stack.start_worker()
    project = stack.post("/projects", json={"name": "youtube"}).json()["id"]
    response = stack.post(f"/projects/{project}/records/import", data={"id_column": "COMMENT_ID"},
                          files={"file": ("Youtube01-Psy.csv", YOUTUBE.read_bytes())})
    assert response.status_code == 201, response.text
    contents = _contents()

    created = stack.post(f"/projects/{project}/attributes/computed", json={
        "name": "n_words", "data_type": "integer", "source": WORDS})
    assert created.status_code == 201, created.text
    assert created.json()["computed"] and created.json()["run"]["status"] == "queued"
    attribute = _computed(stack, project, created.json()["id"])
    assert attribute["run"]["status"] == "succeeded", (attribute["run"]["error"], stack.logs())
    assert attribute["run"]["metrics"]["records_with_value"] == len(contents)
    words = {rid: len(text.split()) for rid, text in contents.items()}
    assert _values(stack, project) == words

    task = stack.post(f"/projects/{project}/tasks", json={
        "name": "spam", "kind": "classification", "labels": ["ham", "spam"]}).json()["id"]
    function = save(stack, project, task, LONG_IS_SPAM)
    assert run_to_end(stack, project, function["id"])["status"] == "succeeded"
    by_id = {r["id"]: r["external_id"] for r in stack.get(f"/projects/{project}/records",
                                                          limit=1000)["data"]}
    assert {by_id[rid] for rid in all_outputs(stack, project, function["id"])} == {
        rid for rid, n in words.items() if n > 30}

    # code that fails on the records' values leaves the values as they were
    failing = stack.patch(f"/projects/{project}/attributes/{attribute['id']}",
                          json={"source": NOT_A_NUMBER})
    assert failing.status_code == 200, failing.text
    failed = _computed(stack, project, attribute["id"])["run"]
    assert failed["status"] == "failed" and "expected integer, got 'many'" in failed["error"]
    assert _values(stack, project) == words

    # code failing in its last chunk only: the chunks that succeeded write nothing either
    last = list(contents.values())[-1]
    assert stack.patch(f"/projects/{project}/attributes/{attribute['id']}",
                       json={"source": FAILS_LAST.format(last=last)}).status_code == 200
    failed = _computed(stack, project, attribute["id"])["run"]
    assert failed["status"] == "failed" and "the last comment" in failed["error"], failed
    assert _values(stack, project) == words
    heuristic = f"/projects/{project}/heuristics/{function['id']}"
    assert stack.get(heuristic)["out_of_date"] == [], "failed code wrote no values"

    # new code replaces every value; None takes the value away; the function that reads
    # the attribute is out of date, and runs again by itself once its task says so
    assert stack.patch(f"/projects/{project}/attributes/{attribute['id']}",
                       json={"source": WORDS_OR_NONE}).status_code == 200
    assert _computed(stack, project, attribute["id"])["run"]["status"] == "succeeded"
    assert _values(stack, project) == {rid: n if n > 5 else None for rid, n in words.items()}
    assert stack.get(heuristic)["out_of_date"] == [
        "attribute n_words was computed again since its run"]
    assert stack.patch(f"/projects/{project}/tasks/{task}",
                       json={"auto_run": True}).status_code == 200
    assert stack.wait_run(project, stack.get(heuristic)["last_run"]["id"])["status"] == (
        "succeeded")
    assert stack.get(heuristic)["out_of_date"] == []

    # records imported later get their values by themselves; the function reading them
    # waits for those values and runs once, after them
    runs_before = _function_runs(stack, project, function["id"])
    more = io.StringIO()
    writer = csv.writer(more)
    writer.writerow(["COMMENT_ID", "CONTENT"])
    writer.writerows([["new-1", "one two three four five six seven"], ["new-2", "short one"],
                      ["new-3", " ".join(["long"] * 40)]])
    imported = stack.post(f"/projects/{project}/records/import", data={"id_column": "COMMENT_ID"},
                          files={"file": ("more.csv", more.getvalue().encode())})
    assert imported.status_code == 201, imported.text
    after = _computed(stack, project, attribute["id"])["run"]
    assert after["status"] == "succeeded" and after["total_items"] == 3, after
    values = _values(stack, project)
    assert (values["new-1"], values["new-2"], values["new-3"]) == (7, None, 40)
    assert all(values[rid] == (n if n > 5 else None) for rid, n in words.items())
    deadline = time.monotonic() + 60   # the function follows the new records' values
    while (now := stack.get(heuristic))["out_of_date"] or now["last_run"]["status"] in (
            "queued", "running"):
        assert time.monotonic() < deadline, now
        time.sleep(0.2)
    assert now["last_run"]["status"] == "succeeded"
    [follow] = [run for run in _function_runs(stack, project, function["id"])
                if run["id"] not in {r["id"] for r in runs_before}]
    assert follow["created_at"] >= after["finished_at"], (follow, after)
    by_id = {r["id"]: r["external_id"] for r in stack.get(f"/projects/{project}/records",
                                                          limit=1000)["data"]}
    assert "new-3" in {by_id[rid] for rid in all_outputs(stack, project, function["id"])}, (
        "its run read the new record's value")
