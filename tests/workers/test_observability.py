"""What operators see of the workers on the cluster stack: JSON log lines that name the run
and chunk, and the counts of ``/metrics`` that workers keep in the database."""

from __future__ import annotations

import time

from tests.workers.conftest import Stack
from tests.workers.test_faults import json_lines, start_run
from workers.celery_app import make_celery
from workers.queue import RunQueue

CHUNK_SIZE = 20
LOOPING = "def lf(record):\n    while True:\n        pass\n"


def task_end_lines(cluster: Stack, run_id: int, chunks: int, timeout: float = 10) -> list[dict]:
    """Celery's lines at the end of a run's chunk tasks, waiting for all ``chunks``: Celery
    writes a task's line after the task returns, so after the run may already read done."""
    deadline = time.monotonic() + timeout
    while True:
        ended = [line for line in json_lines(cluster.log_dir / "w1.log")
                 if line["message"].startswith("Task heurist.process_chunk")
                 and " succeeded in " in line["message"]]
        if len([line for line in ended if line.get("run_id") == run_id]) >= chunks \
                or time.monotonic() > deadline:
            return ended
        time.sleep(0.2)


def test_worker_logs_and_counts_reach_operators(cluster: Stack):
    cluster.worker_env |= {"HEURIST_LOG_FORMAT": "json", "HEURIST_CHUNK_SIZE": str(CHUNK_SIZE)}
    cluster.start_worker()
    project, run_id = start_run(cluster, 3 * CHUNK_SIZE)
    run = cluster.wait_run(project, run_id)
    assert run["status"] == "succeeded", (run, cluster.logs())

    ended = task_end_lines(cluster, run_id, chunks=3)
    lines = json_lines(cluster.log_dir / "w1.log")
    done = [line for line in lines if "items done" in line["message"]]
    assert sorted(line["chunk"] for line in done) == [0, 1, 2]
    assert {line["run_id"] for line in done} == {run_id}
    assert any(line.get("run_id") == run_id and "chunk" not in line
               and "prepared" in line["message"] for line in lines)
    # Celery's own line at a task's end names the run and chunk too
    assert all("run_id" in line and "chunk" in line for line in ended)
    assert {line["chunk"] for line in ended if line["run_id"] == run_id} == {0, 1, 2}

    task = cluster.get(f"/projects/{project}/tasks")["data"][0]["id"]
    looping = cluster.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "looping", "source": LOOPING}).json()["id"]
    failing = cluster.post(f"/projects/{project}/heuristics/{looping}/runs").json()["id"]
    run = cluster.wait_run(project, failing, timeout=120)
    assert run["status"] == "failed" and "took longer than" in run["error"], run
    samples = cluster.metrics()
    assert samples[("heurist_sandbox_failures_total", (("reason", "time_limit"),))] == 1
    assert samples[("heurist_runs", (("kind", "labeling_function"), ("status", "succeeded")))] == 1
    assert samples[("heurist_runs", (("kind", "labeling_function"), ("status", "failed")))] == 1
    assert samples[("heurist_chunks_queued", ())] == 0
    assert samples[("heurist_scrape_source_up", (("source", "broker"),))] == 1
    assert not any(name == "heurist_chunk_retries_total" for name, _ in samples)
    failed = [line for line in json_lines(cluster.log_dir / "w1.log")
              if line.get("run_id") == failing and line["level"] == "WARNING"]
    assert any("failed" in line["message"] for line in failed), failed


def test_a_start_message_for_a_run_another_database_holds_is_logged(cluster: Stack):
    """Two deployments on one broker take each other's messages: the worker says so, and the
    run of its own that a stray message names is not touched."""
    cluster.worker_env |= {"HEURIST_LOG_FORMAT": "json"}
    cluster.start_worker()
    project, run_id = start_run(cluster, 3)
    assert cluster.wait_run(project, run_id)["status"] == "succeeded"
    RunQueue(make_celery(cluster.settings)).enqueue_run(run_id + 1000)

    deadline = time.monotonic() + 30
    while not (stray := [line for line in json_lines(cluster.log_dir / "w1.log")
                         if "not in this worker's database" in line["message"]]):
        assert time.monotonic() < deadline, cluster.logs()
        time.sleep(0.2)
    assert stray[0]["level"] == "WARNING" and stray[0]["run_id"] == run_id + 1000
