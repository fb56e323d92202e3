"""Runs through real worker processes, on the embedded broker and on Redis + PostgreSQL."""

from __future__ import annotations

import json
import time

import httpx
import numpy as np
import pytest
from sqlalchemy import func, select

from store.db import create_db_engine
from store.models import EmbeddingVector, RunChunk
from tests.workers.conftest import Stack
from tests.workers.test_labeling_functions import CHECK_OUT, save, youtube_project

SPAM = ["check out my channel", "subscribe to my channel please", "free iphone giveaway",
        "win money now click here", "visit my website for cheap followers"]
HAM = ["this song is beautiful", "I love her voice", "the video is so funny",
       "best music of the year", "my favourite singer"]


def texts(n: int) -> list[str]:
    pool = SPAM + HAM
    return [f"{pool[i % len(pool)]} {i}" for i in range(n)]


def events_until(stack: Stack, project_id: int, run_id: int, *, timeout: float = 180
                 ) -> list[tuple[str, dict]]:
    """Read the project's SSE stream from its start until the run has finished."""
    seen = []
    url = f"{stack.api}/projects/{project_id}/events"
    with httpx.stream("GET", url, params={"after": 0}, headers=stack.headers,
                      timeout=timeout) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        event_type = None
        deadline = time.monotonic() + timeout
        for line in response.iter_lines():
            assert time.monotonic() < deadline, stack.logs()
            if line.startswith("event: "):
                event_type = line.removeprefix("event: ")
            elif line.startswith("data: "):
                payload = json.loads(line.removeprefix("data: "))
                seen.append((event_type, payload))
                if payload.get("id") == run_id and event_type in (
                        "run.succeeded", "run.failed", "run.cancelled"):
                    return seen
    raise AssertionError(f"stream ended early: {seen}")


def embed(stack: Stack, project_id: int, **body) -> dict:
    response = stack.post(f"/projects/{project_id}/embeddings", json={"attribute": "text"} | body)
    assert response.status_code == 202, response.text
    return response.json()


def vector_rows(stack: Stack, embedding_id: int) -> tuple[int, int]:
    """(rows, distinct records) of an embedding's stored vectors."""
    engine = create_db_engine(stack.settings.resolved_database_url())
    with engine.connect() as connection:
        rows, distinct = connection.execute(
            select(func.count(), func.count(func.distinct(EmbeddingVector.record_id)))
            .where(EmbeddingVector.embedding_id == embedding_id)).one()
    engine.dispose()
    return rows, distinct


def chunk_workers(stack: Stack, run_id: int) -> list[str]:
    engine = create_db_engine(stack.settings.resolved_database_url())
    with engine.connect() as connection:
        workers = list(connection.scalars(select(RunChunk.worker)
                                          .where(RunChunk.run_id == run_id)))
    engine.dispose()
    return workers


def test_embedding_run_reports_progress_over_sse(stack: Stack):
    project = stack.project_with_texts(texts(40))
    created = embed(stack, project, chunk_size=10)
    assert created["run"]["status"] == "queued" and created["embedding"]["vectors"] == 0
    stack.start_worker()
    seen = events_until(stack, project, created["run"]["id"])
    mine = [(t, p) for t, p in seen if p.get("id") == created["run"]["id"]]
    assert [t for t, _ in mine][:2] == ["run.created", "run.started"]
    progress = [p["progress"] for t, p in mine if t == "run.progress"]
    assert progress == [0.25, 0.5, 0.75, 1.0]
    assert mine[-1][0] == "run.succeeded" and mine[-1][1]["done_items"] == 40
    embedding = stack.get(f"/projects/{project}/embeddings/{created['embedding']['id']}")
    assert embedding["state"] == "succeeded" and embedding["vectors"] == 40
    assert embedding["dims"] == 384 and embedding["name"] == "text-all-MiniLM-L6-v2"
    run = stack.get(f"/projects/{project}/runs/{created['run']['id']}")
    assert run["metrics"]["vectors"] == 40 and run["finished_at"] is not None
    assert run["logs"].count("items done by") == 4
    # the worker keeps the vectors as a file of this host for the learners that follow
    cache = stack.settings.vector_cache_dir
    embedding_id = created["embedding"]["id"]
    assert [p.name.split("-")[-1] for p in cache.glob(f"{embedding_id}-*.npy")
            if not p.name.endswith(".ids.npy")] == ["40.npy"]
    # records imported later are embedded by a run of their own
    payload = "\n".join(json.dumps({"id": f"n{i}", "text": t}) for i, t in enumerate(texts(5)))
    stack.post(f"/projects/{project}/records/import",
               files={"file": ("n.jsonl", payload.encode())}, data={"id_column": "id"})
    runs = stack.get(f"/projects/{project}/runs")["data"]
    assert len(runs) == 2
    assert stack.wait_run(project, runs[0]["id"])["status"] == "succeeded"
    assert vector_rows(stack, created["embedding"]["id"]) == (45, 45)
    assert sorted(p.name.split("-")[-1] for p in cache.glob(f"{embedding_id}-*.npy")) == [
        "45.ids.npy", "45.npy"], "the earlier state's file is gone"
    # similarity search over the stored vectors
    similar = stack.post(f"/projects/{project}/similar", json={
        "embedding_id": created["embedding"]["id"], "text": "subscribe to my channel",
        "k": 5}).json()
    assert similar["exact"] and len(similar["data"]) == 5
    assert similar["data"][0]["record"]["data"]["text"].startswith("subscribe to my channel")
    scores = [d["score"] for d in similar["data"]]
    assert scores == sorted(scores, reverse=True)


def test_cancel_stops_a_run_and_the_worker_goes_on(stack: Stack):
    project = stack.project_with_texts(texts(1_200))
    created = embed(stack, project, chunk_size=20)
    stack.start_worker()
    run_id = created["run"]["id"]
    stack.wait_run(project, run_id, until=lambda r: r["done_items"] >= 40)
    response = stack.post(f"/projects/{project}/runs/{run_id}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    time.sleep(2)
    done = stack.get(f"/projects/{project}/runs/{run_id}")
    assert done["status"] == "cancelled" and done["done_items"] < 1_200
    time.sleep(1)
    assert stack.get(f"/projects/{project}/runs/{run_id}")["done_items"] == done["done_items"]
    # the same worker takes the next run
    other = stack.project_with_texts(texts(10), name="other")
    run = embed(stack, other)["run"]
    assert stack.wait_run(other, run["id"])["status"] == "succeeded"


def test_a_failing_run_says_why(stack: Stack):
    project = stack.project_with_texts(texts(10))
    broken = stack.settings.models_dir / "broken"
    broken.mkdir(parents=True)
    (broken / "modules.json").write_text("not a model")
    offered = stack.get(f"/projects/{project}/embedding-models")["data"]
    assert [model["name"] for model in offered] == ["default", "broken"]
    created = embed(stack, project, model="broken")
    stack.start_worker()
    run = stack.wait_run(project, created["run"]["id"])
    assert run["status"] == "failed"
    assert f"no sentence-transformers model at '{broken}'" in run["error"]
    embedding = stack.get(f"/projects/{project}/embeddings/{created['embedding']['id']}")
    assert embedding["state"] == "failed"
    # bad requests are refused before anything is queued
    response = stack.post(f"/projects/{project}/embeddings", json={"attribute": "nope"})
    assert response.status_code == 422 and response.json()["field"] == "attribute"
    # a model is chosen by name among those offered, never by a path
    for model in ("/nonexistent/model", "../broken", str(broken)):
        response = stack.post(f"/projects/{project}/embeddings",
                              json={"attribute": "text", "model": model, "name": "x"})
        assert response.status_code == 422, response.text
        assert response.json()["message"] == (f"model {model!r} is not offered here; choose "
                                              "one of: default, broken")


def test_killed_worker_leaves_a_run_another_worker_completes(stack: Stack):
    n = 600
    project = stack.project_with_texts(texts(n))
    created = embed(stack, project, chunk_size=25)
    run_id = created["run"]["id"]
    first = stack.start_worker("first")
    stack.wait_run(project, run_id, until=lambda r: r["done_items"] >= 100)
    stack.kill(first)
    killed_at = stack.get(f"/projects/{project}/runs/{run_id}")
    assert killed_at["status"] == "running" and killed_at["done_items"] < n
    stack.start_worker("second")
    run = stack.wait_run(project, run_id)
    assert run["status"] == "succeeded", (run, stack.logs())
    assert run["done_items"] == n
    assert vector_rows(stack, created["embedding"]["id"]) == (n, n)
    workers = chunk_workers(stack, run_id)
    assert any(w.startswith(f"{__import__('socket').gethostname()}") for w in workers)
    assert len(set(workers)) >= 2


def test_two_workers_share_a_run_and_match_one_worker(cluster: Stack):
    n, chunk = 1_200, 20
    project = cluster.project_with_texts(texts(n))
    cluster.start_worker("a")
    cluster.start_worker("b")
    cluster.wait_ready("a")
    cluster.wait_ready("b")
    shared = embed(cluster, project, chunk_size=chunk, name="two-workers")
    run = cluster.wait_run(project, shared["run"]["id"])
    assert run["status"] == "succeeded", cluster.logs()
    workers = chunk_workers(cluster, shared["run"]["id"])
    assert len(set(workers)) == 2 and len(workers) == n // chunk
    cluster.stop_workers()
    cluster.workers.clear()
    single = embed(cluster, project, chunk_size=chunk, name="one-worker")
    cluster.start_worker("c")
    assert cluster.wait_run(project, single["run"]["id"])["status"] == "succeeded"
    assert len(set(chunk_workers(cluster, single["run"]["id"]))) == 1
    engine = create_db_engine(cluster.settings.resolved_database_url())
    with engine.connect() as connection:
        def matrix(embedding_id: int) -> np.ndarray:
            rows = connection.execute(
                select(EmbeddingVector.vector).where(
                    EmbeddingVector.embedding_id == embedding_id)
                .order_by(EmbeddingVector.record_id)).scalars().all()
            return np.stack([np.frombuffer(r, dtype=np.float32) for r in rows])

        both, one = matrix(shared["embedding"]["id"]), matrix(single["embedding"]["id"])
    engine.dispose()
    assert both.shape == one.shape == (n, 384)
    np.testing.assert_allclose(both, one, atol=1e-5)


@pytest.mark.parametrize("pca_dims", [None, 16])
def test_token_embeddings_follow_the_stored_tokens(embedded: Stack, pca_dims):
    project = embedded.project_with_texts(["Peter lives in New York.", "Hi!", *texts(20)])
    created = embed(embedded, project, level="token", pca_dims=pca_dims)
    assert created["embedding"]["name"] == "text-all-MiniLM-L6-v2-token"
    embedded.start_worker()
    run = embedded.wait_run(project, created["run"]["id"])
    assert run["status"] == "succeeded", (run, embedded.logs())
    engine = create_db_engine(embedded.settings.resolved_database_url())
    with engine.connect() as connection:
        rows = connection.execute(select(EmbeddingVector.n_tokens, EmbeddingVector.vector)
                                  .order_by(EmbeddingVector.record_id)).all()
    engine.dispose()
    dims = pca_dims or 384
    assert [n for n, _ in rows[:2]] == [6, 2]
    assert [len(v) // 4 for _, v in rows[:2]] == [6 * dims, 2 * dims]


def test_interactive_runs_do_not_wait_behind_an_embedding(stack: Stack):
    project, task = youtube_project(stack)
    embedding = embed(stack, project, attribute="CONTENT", chunk_size=5)["run"]
    labeling_function = save(stack, project, task, CHECK_OUT)
    started = stack.post(f"/projects/{project}/heuristics/{labeling_function['id']}/runs")
    assert started.status_code == 202, started.text
    stack.start_worker()
    assert stack.wait_run(project, started.json()["id"])["status"] == "succeeded"
    # one queue in arrival order would have run the embedding's 70 chunks first
    behind = stack.get(f"/projects/{project}/runs/{embedding['id']}")
    assert behind["total_items"] == 350
    assert behind["done_items"] <= 50, behind
    assert stack.wait_run(project, embedding["id"])["status"] == "succeeded"


def test_a_queued_run_says_what_it_waits_for(stack: Stack):
    project, task = youtube_project(stack)
    first = embed(stack, project, attribute="CONTENT")["run"]
    second = embed(stack, project, attribute="CONTENT", name="again")["run"]
    labeling_function = save(stack, project, task, CHECK_OUT)
    interactive = stack.post(f"/projects/{project}/heuristics/{labeling_function['id']}/runs")
    waiting = {run["id"]: stack.get(f"/projects/{project}/runs/{run['id']}")["waiting_for"]
               for run in (first, second, interactive.json())}
    assert waiting == {
        first["id"]: "a free worker (all are busy, or none is running)",
        second["id"]: "1 run ahead of it in the batch queue",
        # the embeddings wait in the other queue
        interactive.json()["id"]: "a free worker (all are busy, or none is running)"}
    stack.start_worker()
    done = stack.wait_run(project, second["id"])
    assert done["status"] == "succeeded" and done["waiting_for"] is None
