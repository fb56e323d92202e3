"""``GET /metrics``: Prometheus text that parses, counters that follow the requests, the
runs and the queues; request ids and the request's JSON log line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.main import create_app
from tests.api.conftest import API, create_task
from tests.api.test_server import free_port
from workers.logs import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]
LF = "def lf(record):\n    return 'spam'\n"


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    """Every sample of ``/metrics``: (name, sorted labels) -> value."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples}


def requests_of(samples, method: str, route: str, status: str) -> float:
    key = ("heurist_http_request_duration_seconds_count",
           (("method", method), ("route", route), ("status", status)))
    return samples.get(key, 0.0)


def queued_run(client, admin, project_id: int) -> dict:
    """A labeling function's run, queued (no worker takes it here)."""
    task = create_task(client, admin, project_id, name="spam", kind="classification",
                       labels=["ham", "spam"])
    heuristic = client.post(f"{API}/projects/{project_id}/heuristics", headers=admin, json={
        "task_id": task["id"], "name": "every", "source": LF}).json()["id"]
    response = client.post(f"{API}/projects/{project_id}/heuristics/{heuristic}/runs",
                           headers=admin)
    assert response.status_code == 202, response.text
    return response.json()


def test_metrics_follow_requests_and_runs(client, admin, loaded, settings):
    before = scrape(client)
    route = "/api/v1/projects/{project_id}"
    for _ in range(3):
        assert client.get(f"{API}/projects/{loaded}", headers=admin).status_code == 200
    assert client.get(f"{API}/projects/999999", headers=admin).status_code == 404
    run = queued_run(client, admin, loaded)
    after = scrape(client)

    assert requests_of(after, "GET", route, "2xx") - requests_of(before, "GET", route, "2xx") == 3
    assert requests_of(after, "GET", route, "4xx") - requests_of(before, "GET", route, "4xx") == 1
    assert not any(name.startswith("heurist_http") and f"/projects/{loaded}" in str(labels)
                   for name, labels in after), "raw paths must not become labels"
    assert after[("heurist_runs", (("kind", run["kind"]), ("status", "queued")))] == 1
    assert after[("heurist_runs", (("kind", run["kind"]), ("status", "failed")))] == 0
    assert after[("heurist_broker_messages_waiting", ())] >= 1
    assert after[("heurist_chunks_queued", ())] == 0   # the run is not split into chunks yet
    assert after[("heurist_scrape_source_up", (("source", "database"),))] == 1
    assert after[("heurist_db_pool_size", ())] == settings.api_concurrency
    assert after[("heurist_http_requests_in_flight", ())] >= 1   # the scrape itself
    assert 0 <= after[("heurist_db_pool_checked_out", ())] <= settings.api_concurrency + 4


def test_shed_requests_are_counted(client, admin, app):
    places = app.state.places
    before = scrape(client).get(("heurist_http_shed_total", (("reason", "concurrency"),)), 0)
    taken = [asyncio.run(places.take(wait_s=0)) for _ in range(places.limit)]
    assert all(taken)
    try:   # every place is taken: the request waits api_queue_wait_s, then is shed
        response = client.get(f"{API}/projects", headers=admin)
    finally:
        for _ in taken:
            places.give_back()
    assert response.status_code == 503 and response.headers["Retry-After"]
    after = scrape(client)
    assert after[("heurist_http_shed_total", (("reason", "concurrency"),))] == before + 1
    assert after[("heurist_http_request_duration_seconds_count",
                  (("method", "GET"), ("route", "unmatched"), ("status", "5xx")))] >= 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_metrics_may_be_kept_for_admins(settings, admin, make_user):
    app = create_app(settings.model_copy(update={"metrics_public": False}))
    try:
        client = TestClient(app)
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=make_user("ann")).status_code == 403
        assert scrape(client, **admin)
    finally:
        app.state.engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_source_that_does_not_answer_is_reported_down(settings):
    app = create_app(settings.model_copy(update={"broker_url": "redis://127.0.0.1:9/0"}))
    try:
        samples = scrape(TestClient(app))
    finally:
        app.state.engine.dispose()
    assert samples[("heurist_scrape_source_up", (("source", "broker"),))] == 0
    assert samples[("heurist_scrape_source_up", (("source", "database"),))] == 1
    assert ("heurist_broker_messages_waiting", ()) not in samples
    assert ("heurist_chunks_queued", ()) in samples


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_request_has_an_id_and_a_json_log_line(client, admin, loaded):
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())   # as heurist-server sets it up for log_format json
    logger = logging.getLogger("heurist.requests")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        response = client.get(f"{API}/projects/{loaded}", headers=admin | {
            "X-Request-ID": "trace-42"})
    finally:
        logger.removeHandler(handler)
    assert response.headers["X-Request-ID"] == "trace-42"
    mine = [line for line in map(json.loads, lines.getvalue().splitlines())
            if line.get("path") == f"{API}/projects/{loaded}"]
    assert len(mine) == 1
    line = mine[0]
    assert line["request_id"] == "trace-42" and line["status"] == 200
    assert line["route"] == "/api/v1/projects/{project_id}" and line["method"] == "GET"
    assert line["level"] == "INFO" and line["logger"] == "heurist.requests"
    assert line["duration_ms"] >= 0 and line["time"]
    # an id that is not sane is replaced by a fresh one
    odd = client.get("/health", headers={"X-Request-ID": "no spaces\tor tabs"})
    assert odd.headers["X-Request-ID"] != "no spaces\tor tabs"
    assert len(odd.headers["X-Request-ID"]) == 32


REDIS_DB = "redis://127.0.0.1:6379/14"


def test_several_api_processes_report_together(clean_postgres_url, tmp_path):
    postgres_url = clean_postgres_url
    port = free_port()
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("HEURIST_")} | {
        "HEURIST_DATABASE_URL": postgres_url, "HEURIST_BROKER_URL": REDIS_DB,
        "HEURIST_DATA_DIR": str(tmp_path / "var"), "HEURIST_PORT": str(port),
        "HEURIST_DEMO": "false", "HEURIST_EMBEDDED_WORKER": "false",
        "HEURIST_API_WORKERS": "2", "HEURIST_API_CONCURRENCY": "3"}
    server = subprocess.Popen([sys.executable, "-m", "api.server", "--no-demo"], env=env,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # a connection per request, so that the requests spread over the processes
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                          limits=httpx.Limits(max_keepalive_connections=0))
    try:
        deadline = time.monotonic() + 90
        samples: dict = {}
        while samples.get(("heurist_db_pool_size", ())) != 2 * 3:   # both processes are up
            assert server.poll() is None and time.monotonic() < deadline, samples
            try:
                samples = scrape(client)
            except httpx.TransportError:
                time.sleep(0.2)
        before = requests_of(samples, "GET", "/health", "2xx")
        for _ in range(20):
            assert client.get("/health").status_code == 200
        for _ in range(4):   # whichever process answers, it reports both
            samples = scrape(client)
            assert requests_of(samples, "GET", "/health", "2xx") == before + 20
            assert samples[("heurist_db_pool_size", ())] == 2 * 3
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=60)
