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
