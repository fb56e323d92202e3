"""Trying a heuristic on a few records answers within the sample time limit."""

from __future__ import annotations

import time

import pytest

from tests.api.conftest import API, create_task

SAMPLE_SECONDS = 3.0


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"sandbox_sample_seconds": SAMPLE_SECONDS,
                                       "sandbox_record_seconds": 30.0})


def test_code_that_ignores_its_alarm_is_stopped_at_the_sample_time_limit(
        client, admin, loaded, record_ids):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    response = client.post(f"{API}/projects/{loaded}/heuristics", headers=admin, json={
        "task_id": task["id"], "name": "lf",
        "source": "def lf(record):\n    return None\n"})
    assert response.status_code == 201, response.text
    source = """
import signal
import time

def lf(record):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while "Subscribe" in record["text"]:
        time.sleep(1)
    return "ham"
"""
    started = time.monotonic()
    response = client.post(
        f"{API}/projects/{loaded}/heuristics/{response.json()['id']}/sample", headers=admin,
        json={"source": source, "record_ids": [record_ids[str(i)] for i in range(1, 5)]})
    assert time.monotonic() - started < SAMPLE_SECONDS + 5
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith(
        "user code stopped after the sample time limit of 3 s at record #3")


def test_a_sample_shows_each_records_text_and_reference_and_sums_up(client, admin, loaded,
                                                                     record_ids):
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    labels = client.post(f"{API}/projects/{loaded}/tasks/{task['id']}/labels/bulk",
                         headers=admin, json={"labels": [
                             {"external_id": "1", "label": "ham"},
                             {"external_id": "2", "label": "spam"},
                             {"external_id": "4", "label": "spam"}]})
    assert labels.status_code == 201, labels.text
    response = client.post(f"{API}/projects/{loaded}/heuristics", headers=admin, json={
        "task_id": task["id"], "name": "lf", "source": """
def lf(record):
    text = record["text"]
    if "channel" in text or "price" in text:
        return "spam"
    if "phone" in text or "win" in text:
        return "ham"
"""})
    assert response.status_code == 201, response.text
    sample = client.post(f"{API}/projects/{loaded}/heuristics/{response.json()['id']}/sample",
                         headers=admin,
                         json={"record_ids": [record_ids[str(i)] for i in range(1, 5)]})
    assert sample.status_code == 200, sample.text
    body = sample.json()
    assert [(r["external_id"], r["text"][:8], [o["label"] for o in r["outputs"]],
             r["reference"]) for r in body["results"]] == [
        ("1", "Great ph", ["ham"], "ham"), ("2", "Terrible", ["spam"], "spam"),
        ("3", "Ok for t", ["spam"], None), ("4", "Subscrib", ["ham"], "spam")]
    assert body["summary"] == {"records": 4, "hits": 4, "compared": 3, "agreed": 2,
                               "agreement": pytest.approx(2 / 3)}
