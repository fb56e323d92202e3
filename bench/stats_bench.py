"""Incremental statistics: latency of a manual-label change until the updated statistics
are readable through the API (uvicorn, a keep-alive HTTP client), with 100k records x 50
heuristics on PostgreSQL, against a full recompute of the same statistics.

Run: ``make bench`` (or ``.venv/bin/python bench/stats_bench.py [--records N]``).
Goal: p95 <= 50 ms for (POST the label, GET the task's statistics).
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import psycopg
import uvicorn
from fastapi.testclient import TestClient

from api.main import create_app
from config import Settings
from services.users import ensure_admin
from store import stats
from store.models import RunStatus

SERVER = "postgresql://postgres@127.0.0.1:5432"
LABELS = ["ham", "spam", "other"]


def build(client: TestClient, headers: dict, app, *, n_records: int, n_heuristics: int,
          database: str) -> tuple[int, int, list[int]]:
    project = client.post("/api/v1/projects", json={"name": "bench"}, headers=headers).json()
    csv = "id,text\n" + "".join(f"r{i},comment number {i}\n" for i in range(n_records))
    client.post(f"/api/v1/projects/{project['id']}/records/import", headers=headers,
                files={"file": ("r.csv", csv.encode())}, data={"id_column": "id"})
    task = client.post(f"/api/v1/projects/{project['id']}/tasks", headers=headers,
                       json={"name": "spam", "kind": "classification", "labels": LABELS}).json()
    for j in range(n_heuristics):
        client.post(f"/api/v1/projects/{project['id']}/heuristics", headers=headers, json={
            "task_id": task["id"], "name": f"lf{j}", "source": "def lf(r):\n    return None\n"})
    with app.state.sessions() as session:
        from services.heuristic_runs import create_heuristic_run, list_heuristics
        from store.models import Project, Record

        owner = session.get(Project, project["id"])
        record_ids = [r for r, in session.query(Record.id).filter_by(project_id=owner.id)]
        runs = []
        for heuristic in list_heuristics(session=session, project=owner):
            run = create_heuristic_run(session=session, heuristic=heuristic)
            run.status = RunStatus.SUCCEEDED
            runs.append(run.id)
        session.commit()
        label_ids = [label["id"] for label in task["labels"]]
    rng = np.random.default_rng(1)
    copy_outputs = "COPY outputs (run_id, record_id, label_id, confidence) FROM STDIN"
    with psycopg.connect(f"{SERVER}/{database}") as connection, \
            connection.cursor().copy(copy_outputs) as copy:
        for run_id in runs:
            voted = rng.random(len(record_ids)) < 0.3
            labels = rng.integers(0, len(LABELS), len(record_ids))
            for rid, v, lb in zip(record_ids, voted, labels, strict=True):
                if v:
                    copy.write_row((run_id, rid, label_ids[lb], 1.0))
    return project["id"], task["id"], record_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--heuristics", type=int, default=50)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    name = f"heurist_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        settings = Settings(database_url=f"{SERVER}/{name}", data_dir=Path(tempfile.mkdtemp()),
                            demo=False)
        app = create_app(settings)
        with app.state.sessions() as session:
            key = ensure_admin(session=session, key_file=settings.admin_key_file)
        client = TestClient(app)
        headers = {"Authorization": f"Bearer {key}"}
        project, task, record_ids = build(client, headers, app, n_records=args.records,
                                          n_heuristics=args.heuristics, database=name)
        with app.state.sessions() as session:
            from store.models import LabelingTask

            start = time.perf_counter()
            stats.recompute(session=session, task=session.get(LabelingTask, task))
            session.commit()
            full = time.perf_counter() - start
        rng = random.Random(5)
        latencies = []
        stats_path = f"/api/v1/projects/{project}/tasks/{task}/stats"
        client = served_client(app)
        for _ in range(args.changes):
            record = rng.choice(record_ids)
            start = time.perf_counter()
            response = client.post(f"/api/v1/projects/{project}/records/{record}/labels",
                                   headers=headers,
                                   json={"task_id": task, "label": rng.choice(LABELS)})
            assert response.status_code == 201, response.text
            body = client.get(stats_path, headers=headers).json()
            latencies.append(time.perf_counter() - start)
            assert len(body["data"]) == args.heuristics
        incremental = snapshot(app, task)
        with app.state.sessions() as session:
            stats.recompute(session=session, task=session.get(LabelingTask, task))
            session.commit()
        assert snapshot(app, task) == incremental, "incremental state differs from recompute"
        app.state.engine.dispose()
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()
    p50 = statistics.median(latencies) * 1000
    p95 = float(np.percentile(latencies, 95)) * 1000
    print(f"{args.records:,} records x {args.heuristics} heuristics, PostgreSQL, "
          f"{args.changes} manual-label changes")
    print(f"label change + stats read: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
          f"(goal p95 <= 50 ms: {'met' if p95 <= 50 else 'MISSED'})")
    print(f"full recompute:            {full * 1000:8.0f} ms  "
          f"(ratio full / incremental p50: {full * 1000 / p50:.0f}x)")
    print("incremental state equals a full recompute afterwards: yes")


def served_client(app) -> httpx.Client:
    """A keep-alive HTTP client of the app served by uvicorn in a thread (as in production)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return httpx.Client(base_url=f"http://127.0.0.1:{port}")


def snapshot(app, task: int) -> dict:
    from sqlalchemy import select

    from store.models import Heuristic, HeuristicStat

    with app.state.sessions() as session:
        return {(s.heuristic_id, s.label_index): (s.tp, s.fp, s.fn, s.n_reference)
                for s in session.scalars(select(HeuristicStat).join(
                    Heuristic, Heuristic.id == HeuristicStat.heuristic_id)
                    .where(Heuristic.task_id == task))}



if __name__ == "__main__":
    main()
