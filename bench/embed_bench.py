"""Embedding throughput: our embedding task vs bare ``SentenceTransformer.encode``, and
one vs two worker processes.

Run: ``make bench`` (or ``.venv/bin/python bench/embed_bench.py [--texts N]``). Needs the
local PostgreSQL and Redis for part (b); creates and drops its own database.

(a) Same process, same 2,000 YouTube comments: the embedding job exactly as a worker runs
    it (load texts from the database, encode in batches, write float32 vectors, heartbeat,
    progress) vs ``model.encode`` on the list. Goal: >= 0.9x the bare throughput.
(b) The same run through real Celery workers on Redis + PostgreSQL: 1 worker process with
    2 torch threads vs 2 worker processes with 1 thread each (wall time from enqueue to
    the run's end; models loaded by a warm-up run first).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import ROOT, run_in_process, youtube_comments

SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/12"




def in_process(texts: list[str]) -> tuple[float, float]:
    """Seconds for bare encode and for our job over the same texts, in this process."""
    data_dir = tempfile.mkdtemp()
    os.environ["HEURIST_DATA_DIR"] = data_dir
    from config import get_settings
    from heuristics.embeddings import load_model
    from heuristics.model_catalog import ModelCatalog
    from services.importing import import_records
    from services.projects import create_project
    from services.users import create_user
    from store.db import create_db_engine, migrate, session_factory
    from store.embeddings import create_embedding
    from store.models import EmbeddingLevel
    from workers import execution

    model = load_model(execution.settings().model_path or _default_path())
    model.encode(texts[:64])  # warm up
    start = time.perf_counter()
    model.encode(texts, batch_size=get_settings().embedding_batch_size,
                 normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    bare = time.perf_counter() - start

    engine = create_db_engine(get_settings().resolved_database_url())
    migrate(engine)
    with session_factory(engine)() as session:
        user, _ = create_user(session=session, name="bench")
        project = create_project(session=session, name="bench", description="", owner=user)
        payload = "\n".join(json.dumps({"text": t}) for t in texts).encode()
        import_records(session=session, project=project, fmt="jsonl",
                       open_stream=lambda: __import__("io").BytesIO(payload))
        _, run = create_embedding(session=session, project=project, attribute="text",
                                  level=EmbeddingLevel.RECORD, models=ModelCatalog())
        run_id = run.id
    start = time.perf_counter()
    run_in_process(session_factory(engine), run_id)
    ours = time.perf_counter() - start
    with session_factory(engine)() as session:
        from store.models import Run

        assert session.get(Run, run_id).status.value == "succeeded"
    return bare, ours


def _default_path() -> str:
    from heuristics.embeddings import default_model_path

    return default_model_path()


def with_workers(texts: list[str], *, workers: int, threads: int) -> float:
    """Wall seconds of one embedding run through ``workers`` real worker processes."""
    import psycopg
    import redis

    from api.main import create_app
    from config import Settings
    from services.users import ensure_admin

    redis.Redis.from_url(REDIS).flushdb()
    name = f"heurist_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    data_dir = Path(tempfile.mkdtemp())
    settings = Settings(database_url=f"{SERVER}/{name}", broker_url=REDIS, data_dir=data_dir,
                        demo=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEURIST_")} | {
        "HEURIST_DATABASE_URL": settings.database_url, "HEURIST_BROKER_URL": REDIS,
        "HEURIST_DATA_DIR": str(data_dir), "HEURIST_WORKER_THREADS": str(threads)}
    processes = []
    try:
        app = create_app(settings)
        with app.state.sessions() as session:
            key = ensure_admin(session=session, key_file=settings.admin_key_file)
        from fastapi.testclient import TestClient

        client = TestClient(app)
        headers = {"Authorization": f"Bearer {key}"}

        def run_embedding(project_texts: list[str], project: str) -> float:
            pid = client.post("/api/v1/projects", json={"name": project},
                              headers=headers).json()["id"]
            payload = "\n".join(json.dumps({"text": t}) for t in project_texts).encode()
            client.post(f"/api/v1/projects/{pid}/records/import", headers=headers,
                        files={"file": ("t.jsonl", payload)})
            start = time.perf_counter()
            run = client.post(f"/api/v1/projects/{pid}/embeddings", headers=headers,
                              json={"attribute": "text", "chunk_size": 100}).json()["run"]
            while True:
                state = client.get(f"/api/v1/projects/{pid}/runs/{run['id']}",
                                   headers=headers).json()
                if state["status"] in ("succeeded", "failed", "cancelled"):
                    assert state["status"] == "succeeded", state
                    return time.perf_counter() - start
                time.sleep(0.05)

        for i in range(workers):
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "workers", "worker", "-n", f"b{i}@%h",
                 "--concurrency=1", "--without-gossip", "--without-mingle",
                 "--loglevel=WARNING"], cwd=ROOT, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        run_embedding(texts[: 200 * workers], "warm-up")
        elapsed = run_embedding(texts, "measured")
        app.state.engine.dispose()
        return elapsed
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2_000)
    args = parser.parse_args()
    texts = youtube_comments(args.texts)
    bare, ours = in_process(texts)
    print(f"(a) {len(texts):,} texts, same process")
    print(f"    bare SentenceTransformer.encode: {bare:6.2f} s  ({len(texts) / bare:6.0f} texts/s)")
    print(f"    heurist embedding job:           {ours:6.2f} s  ({len(texts) / ours:6.0f} texts/s)")
    verdict = "met" if bare / ours >= 0.9 else "MISSED"
    print(f"    throughput ratio ours/bare:      {bare / ours:6.2f}x  (goal >= 0.9: {verdict})")
    one = with_workers(texts, workers=1, threads=2)
    two = with_workers(texts, workers=2, threads=1)
    print("(b) real workers on Redis + PostgreSQL, chunks of 100")
    print(f"    1 worker x 2 threads: {one:6.2f} s  ({len(texts) / one:6.0f} texts/s)")
    print(f"    2 workers x 1 thread: {two:6.2f} s  ({len(texts) / two:6.0f} texts/s)")
    print(f"    speed-up 2 vs 1:      {one / two:6.2f}x")


if __name__ == "__main__":
    main()
