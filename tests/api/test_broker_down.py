"""A broker that does not take a run's message costs the run a delay, never the request:
the run is stored (committed before the message is sent) and stays queued, to be sent again
(``tests/workers/test_faults.py`` follows such runs to the end)."""

from __future__ import annotations

import logging

import pytest

from config import Settings
from tests.api.conftest import API, create_task
from tests.api.test_metrics import scrape
from tests.conftest import DATASETS

UNREACHABLE_BROKER = "redis://127.0.0.1:9/0"
"""A broker address nothing listens on."""
UNSENT = ("heurist_run_message_failures_total", ())


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "var", datasets_dir=DATASETS,
                    broker_url=UNREACHABLE_BROKER)


def test_runs_are_stored_and_answered_while_the_broker_is_down(client, admin, loaded,
                                                               record_ids, caplog):
    project = f"{API}/projects/{loaded}"
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    heuristic = client.post(f"{project}/heuristics", headers=admin, json={
        "task_id": task["id"], "name": "every", "source": "def lf(r):\n    return 'spam'\n"})
    assert heuristic.status_code == 201, heuristic.text

    unsent_before = scrape(client, **admin).get(UNSENT, 0.0)
    with caplog.at_level(logging.WARNING, logger="heurist.queue"):
        started = client.post(f"{project}/heuristics/{heuristic.json()['id']}/runs",
                              headers=admin)
        embedding = client.post(f"{project}/embeddings", headers=admin,
                                json={"attribute": "text"})

    assert started.status_code == 202, started.text
    assert embedding.status_code == 202, embedding.text
    runs = [started.json()["id"], embedding.json()["run"]["id"]]
    for run in runs:
        stored = client.get(f"{project}/runs/{run}", headers=admin).json()
        assert stored["status"] == "queued"
    first_tries = [r for r in caplog.records if "trying again in 1 s" in r.getMessage()]
    assert [r.args[0] for r in first_tries] == runs
    assert scrape(client, **admin)[UNSENT] >= unsent_before + 2
