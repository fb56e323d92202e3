"""10,000 manual labels in one request of the bulk label endpoint, against the single-label
endpoint and a bare driver insert, on PostgreSQL and on SQLite.

Run: ``.venv/bin/python bench/bulk_label_bench.py [--labels 10000] [--records 100000]``.
Creates its own databases (dropped after). Each database gets ``--records`` records, a
classification task with heuristics whose outputs and statistics are kept (so the bulk
request pays for its statistics refresh, as in use), then, timed in the same process:

- ``POST .../tasks/{task}/labels/bulk`` with ``--labels`` labels of distinct records (through
  the app with FastAPI's test client: validation, locks, insert, statistics, commit);
- ``POST .../records/{id}/labels`` for ``--singles`` other records one by one, reported
  per label and scaled to ``--labels`` (what a client without the bulk endpoint pays);
- the floor: the driver alone inserting the same rows into a table shaped like
  ``manual_labels`` (``COPY`` on PostgreSQL, ``executemany`` on SQLite).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.main import create_app  # noqa: E402
from bench.load_bench import seeded_databases, timed_sqlite  # noqa: E402
from config import Settings  # noqa: E402

API = "/api/v1"


def timed_labels(url: str, data_dir: Path, info: dict, n_bulk: int, n_single: int
                 ) -> tuple[float, float]:
    """Seconds for one bulk request of ``n_bulk`` labels, and per single-label request."""
    app = create_app(Settings(database_url=url, data_dir=data_dir, demo=False,
                              embedded_worker=False))
    rng = random.Random(11)
    records = rng.sample(info["records"], n_bulk + n_single)
    project, task = info["project"], info["task"]
    headers = {"Authorization": f"Bearer {info['annotators'][0]}"}
    with TestClient(app) as client:
        body = {"labels": [{"record_id": rid, "label": rng.choice(["ham", "spam"])}
                           for rid in records[:n_bulk]]}
        start = time.perf_counter()
        answer = client.post(f"{API}/projects/{project}/tasks/{task}/labels/bulk",
                             json=body, headers=headers)
        bulk = time.perf_counter() - start
        assert answer.status_code == 201 and answer.json()["created"] == n_bulk, answer.text
        start = time.perf_counter()
        for rid in records[n_bulk:]:
            answer = client.post(f"{API}/projects/{project}/records/{rid}/labels",
                                 json={"task_id": task, "label": "spam"}, headers=headers)
            assert answer.status_code == 201, answer.text
        single = (time.perf_counter() - start) / n_single
    app.state.engine.dispose()
    return bulk, single


def floor_postgresql(url: str, rows: list[tuple]) -> float:
    with psycopg.connect(url) as connection:
        connection.execute("CREATE TABLE plain_labels (record_id int, task_id int, "
                           "label_id int, annotator_id int, is_gold bool)")
        start = time.perf_counter()
        with connection.cursor().copy("COPY plain_labels FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
        return time.perf_counter() - start


def floor_sqlite(path: Path, rows: list[tuple]) -> float:
    return timed_sqlite(path, "CREATE TABLE plain_labels (record_id int, task_id int, "
                              "label_id int, annotator_id int, is_gold bool);",
                        lambda connection: connection.executemany(
                            "INSERT INTO plain_labels VALUES (?, ?, ?, ?, ?)", rows))


def report(database: str, n: int, bulk: float, single: float, floor: float) -> None:
    print(f"{database}: {n:,} labels in one bulk request {bulk:6.2f} s "
          f"({n / bulk:,.0f} labels/s); single requests {single * 1000:5.1f} ms each "
          f"(x{n:,} = {single * n:6.1f} s, bulk is {single * n / bulk:,.0f}x faster); "
          f"driver floor {floor:5.2f} s (bulk / floor {bulk / floor:,.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    rows = [(i, 1, 1 + i % 2, 1, False) for i in range(args.labels)]
    for database, url, data_dir, info in seeded_databases(args.records):
        bulk, single = timed_labels(url, data_dir, info, args.labels, args.singles)
        floor = (floor_postgresql(url, rows) if database == "PostgreSQL"
                 else floor_sqlite(data_dir / "floor.db", rows))
        report(database, args.labels, bulk, single, floor)

if __name__ == "__main__":
    main()
