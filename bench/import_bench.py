"""100k-row CSV import into PostgreSQL through the HTTP API, against a bare COPY baseline.

Run: ``make bench`` (or ``.venv/bin/python bench/import_bench.py [--rows N]``). Needs the
local PostgreSQL server; creates and drops its own databases.

Baseline: psycopg's ``COPY`` of the same rows into a table of (id, JSONB) in the same
process — the floor for getting these bytes into PostgreSQL. Target: the whole import
(upload, two passes of parsing, type inference, validation, insert, commit) in <= 10 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient

from api.main import create_app
from config import Settings
from services.users import ensure_admin

SERVER = "postgresql://postgres@127.0.0.1:5432"
WORDS = (
    "check", "out", "my", "channel", "subscribe", "please", "love", "this", "song", "amazing",
    "video", "views", "free", "win", "iphone", "best", "music", "ever", "great", "voice",
    "lol", "omg",
)

VIDEOS = ("psy", "katy", "lmfao", "eminem")


def make_csv(rows: int) -> bytes:
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "text", "video", "likes", "score", "verified"])
    for i in range(rows):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 25)))
        writer.writerow([f"c{i}", text, rng.choice(VIDEOS),
                         rng.randint(0, 5000), round(rng.random(), 4), rng.random() < 0.5])
    return out.getvalue().encode()


def fresh_database(admin: psycopg.Connection) -> str:
    name = f"heurist_bench_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    return name


def time_api_import(payload: bytes, database: str, labels: bool = False) -> float:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(database_url=f"{SERVER}/{database}", data_dir=Path(data_dir),
                            demo=False)
        app = create_app(settings)
        with app.state.sessions() as session:
            key = ensure_admin(session=session, key_file=settings.admin_key_file)
        client = TestClient(app)
        headers = {"Authorization": f"Bearer {key}"}
        project = client.post("/api/v1/projects", json={"name": "bench"}, headers=headers)
        form = {"id_column": "id"}
        if labels:  # the video column as gold labels of a classification task
            task = client.post(f"/api/v1/projects/{project.json()['id']}/tasks", json={
                "name": "video", "kind": "classification", "labels": list(VIDEOS)},
                headers=headers)
            form |= {"label_column": "video", "label_task_id": str(task.json()["id"]),
                     "label_as_gold": "true"}
        start = time.perf_counter()
        response = client.post(f"/api/v1/projects/{project.json()['id']}/records/import",
                               headers=headers, files={"file": ("bench.csv", payload)},
                               data=form)
        elapsed = time.perf_counter() - start
        assert response.status_code == 201, response.text
        app.state.engine.dispose()
        return elapsed


def time_copy_baseline(payload: bytes, database: str) -> float:
    rows = list(csv.DictReader(io.StringIO(payload.decode())))
    start = time.perf_counter()
    with psycopg.connect(f"{SERVER}/{database}") as connection:
        connection.execute("CREATE TABLE plain (id text PRIMARY KEY, data jsonb)")
        with connection.cursor().copy("COPY plain (id, data) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((row.pop("id"), json.dumps(row)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--labels", action="store_true",
                        help="import a column as manual labels of a task too")
    args = parser.parse_args()
    payload = make_csv(args.rows)
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        databases = [fresh_database(admin), fresh_database(admin)]
        try:
            ours = time_api_import(payload, databases[0], labels=args.labels)
            baseline = time_copy_baseline(payload, databases[1])
        finally:
            for name in databases:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    print(f"rows: {args.rows:,}  file: {len(payload) / 1e6:.1f} MB"
          + ("  (with a label column)" if args.labels else ""))
    print(f"heurist import over HTTP: {ours:6.2f} s  ({args.rows / ours:,.0f} rows/s)  "
          f"target <= 10 s: {'met' if ours <= 10 else 'MISSED'}")
    print(f"bare COPY baseline:       {baseline:6.2f} s  ({args.rows / baseline:,.0f} rows/s)")
    print(f"ratio heurist / COPY:     {ours / baseline:6.2f}x")


if __name__ == "__main__":
    main()
