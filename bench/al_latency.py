"""Label -> updated queue: how long after a label the labelling queue is ranked by a refit that
saw it, on a 10k-record project on the embedded default (SQLite, SQLite-file broker, one real
Celery worker process).

Run: ``.venv/bin/python bench/al_latency.py [--records 10000] [--rounds 8]``.

The project holds ``--records`` YouTube comments (repeated); their vectors are MiniLM vectors
of the distinct comments (embedded once, cached in the system's temporary directory) with a
little noise per copy, written to the store as a finished record embedding (the embedding
run itself is not what is timed). After 20 seed labels and the first refit, each round
takes the first record of ``GET .../next``, labels it (``POST .../labels``) and polls
``GET .../next`` until its model is a refit newer than the label; the time from sending the
label to that answer is the latency (goal <= 2 s). ``GET .../next`` alone is timed too.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import ROOT

CACHE = Path(tempfile.gettempdir()) / "heurist-al-bench"
DATASETS = next((folder / "shared" / "datasets" for folder in ROOT.parents
                 if (folder / "shared" / "datasets" / "youtube").is_dir()),
                ROOT.parent / "shared" / "datasets")


def youtube_rows() -> list[tuple[str, str]]:
    """(comment, ham|spam) of the UCI YouTube collection."""
    rows = []
    for path in sorted((DATASETS / "youtube").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += [(r["CONTENT"], "spam" if r["CLASS"] == "1" else "ham")
                     for r in csv.DictReader(handle)]
    return rows


def minilm(texts: list[str]) -> np.ndarray:
    """MiniLM vectors of ``texts``, cached by a digest of the texts."""
    CACHE.mkdir(exist_ok=True)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"youtube-minilm-{digest}.npy"
    if path.exists():
        return np.load(path)
    from heuristics.embeddings import SentenceTransformerEmbedder

    vectors = SentenceTransformerEmbedder().embed_texts(texts)
    np.save(path, vectors)
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from api.main import create_app
    from config import Settings
    from services.users import ensure_admin
    from store.embeddings import write_vectors
    from store.models import Embedding, EmbeddingLevel, Project, RunStatus
    from store.projects import find_attribute
    from store.records import record_ids_of

    rows = youtube_rows()
    if not rows:
        raise SystemExit(f"no YouTube comments under {DATASETS / 'youtube'}")
    distinct = minilm([text for text, _ in rows])
    data_dir = Path(tempfile.mkdtemp())
    settings = Settings(data_dir=data_dir, demo=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEURIST_")} | {
        "HEURIST_DATA_DIR": str(data_dir)}
    app = create_app(settings)
    with app.state.sessions() as session:
        key = ensure_admin(session=session, key_file=settings.admin_key_file)
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {key}"}
    api = "/api/v1"
    project = client.post(f"{api}/projects", json={"name": "latency"},
                          headers=headers).json()["id"]
    payload = "\n".join(json.dumps({"id": f"c{i}", "text": rows[i % len(rows)][0]})
                        for i in range(args.records)).encode()
    answer = client.post(f"{api}/projects/{project}/records/import", headers=headers,
                         files={"file": ("c.jsonl", payload)}, data={"id_column": "id"})
    assert answer.status_code == 201, answer.text
    task = client.post(f"{api}/projects/{project}/tasks", headers=headers, json={
        "name": "spam", "kind": "classification", "labels": ["ham", "spam"]}).json()["id"]
    with app.state.sessions() as session:
        ids = record_ids_of(session=session, project_id=project)
        embedding = Embedding(project_id=project, name="text-all-MiniLM-L6-v2",
                              attribute=find_attribute(session.get(Project, project), "text"),
                              model="all-MiniLM-L6-v2", level=EmbeddingLevel.RECORD,
                              dims=distinct.shape[1], state=RunStatus.SUCCEEDED)
        session.add(embedding)
        session.flush()
        noise = np.random.default_rng(0).normal(0, 0.01, (len(ids), distinct.shape[1]))
        vectors = (distinct[np.arange(len(ids)) % len(rows)] + noise).astype(np.float32)
        write_vectors(session=session, embedding=embedding, record_ids=ids, vectors=list(vectors))
        session.commit()
    truth = {rid: rows[i % len(rows)][1] for i, rid in enumerate(ids)}

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", "-n", "latency@%h",
         "--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def queue() -> dict:
            # margin: the default strategy keeps to cold start below 60 labels, and its
            # batches name no model, though the refits go on
            return client.get(f"{api}/projects/{project}/tasks/{task}/next",
                              params={"n": 20, "strategy": "margin"}, headers=headers).json()

        def model_run(batch: dict) -> int | None:
            return int(batch["model"].split("run ")[1].rstrip(")")) if "run " in \
                batch["model"] else None

        def wait_newer(than: int | None, timeout_s: float = 300) -> tuple[dict, float]:
            deadline = time.perf_counter() + timeout_s
            while time.perf_counter() < deadline:
                batch = queue()
                found = model_run(batch)
                if found is not None and (than is None or found > than):
                    return batch, time.perf_counter()
                time.sleep(0.1)
            raise SystemExit(f"no refit newer than run {than} in {timeout_s} s")

        seed = [rid for rid in ids[:200] if truth[rid] == "spam"][:10] + \
            [rid for rid in ids[:200] if truth[rid] == "ham"][:10]
        client.post(f"{api}/projects/{project}/tasks/{task}/labels/bulk", headers=headers,
                    json={"labels": [{"record_id": rid, "label": truth[rid]} for rid in seed]})
        batch, _ = wait_newer(None)   # the first refit (and the worker's start)
        latencies, next_alone = [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            batch = queue()
            next_alone.append(time.perf_counter() - started)
            before = model_run(batch)
            rid = batch["data"][0]["record"]["id"]
            sent = time.perf_counter()
            answer = client.post(f"{api}/projects/{project}/records/{rid}/labels",
                                 headers=headers, json={"task_id": task, "label": truth[rid]})
            assert answer.status_code == 201, answer.text
            batch, seen = wait_newer(before)
            latencies.append(seen - sent)
        print(f"{args.records:,} records, {distinct.shape[1]} dims, embedded default, "
              f"one worker; {args.rounds} rounds")
        print(f"label -> queue ranked by a refit that saw it: median "
              f"{statistics.median(latencies):.2f} s, max {max(latencies):.2f} s "
              f"(goal <= 2 s: {'met' if max(latencies) <= 2 else 'MISSED'})")
        print("  each: " + ", ".join(f"{s:.2f}" for s in latencies))
        print(f"GET .../next alone (n=20): median {statistics.median(next_alone) * 1000:.0f} ms, "
              f"max {max(next_alone) * 1000:.0f} ms")
        print(f"stop hint: {batch['stop']['message'] if batch['stop'] else None}")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        app.state.engine.dispose()


if __name__ == "__main__":
    main()
