"""Deleting 10,000 of 100,000 records through the API, against the database doing the same
deletes alone, on PostgreSQL and on SQLite.

Run: ``.venv/bin/python bench/delete_bench.py [--records 100000] [--delete 10000]``.
Creates its own databases (dropped after). Each gets ``--records`` records and a
classification task with heuristics whose outputs and statistics are kept (as
``bench/load_bench.py`` seeds them), then, timed in the same process:

- ``POST .../records/delete`` with ``--delete`` random record ids (through the app with
  FastAPI's test client: validation, the check for runs under way, the deletes and their
  cascades, the statistics counted again, the event, commit);
- the floor: the driver alone running the two deletes the data needs (the outputs of the
  project's runs on the records, then the records with their cascades) for as many other
  random records, in one transaction.
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


def timed_api(url: str, data_dir: Path, info: dict, ids: list[int]) -> float:
    app = create_app(Settings(database_url=url, data_dir=data_dir, demo=False,
                              embedded_worker=False))
    headers = {"Authorization": f"Bearer {info['admin']}"}
    with TestClient(app) as client:
        start = time.perf_counter()
        answer = client.post(f"{API}/projects/{info['project']}/records/delete",
                             json={"record_ids": ids, "expected": len(ids)}, headers=headers)
        elapsed = time.perf_counter() - start
        assert answer.status_code == 200 and answer.json()["deleted"] == len(ids), answer.text
    app.state.engine.dispose()
    return elapsed


def floor_postgresql(url: str, project: int, ids: list[int]) -> float:
    with psycopg.connect(url) as connection:
        start = time.perf_counter()
        connection.execute("DELETE FROM outputs WHERE run_id IN (SELECT id FROM runs WHERE "
                           "project_id = %s) AND record_id = ANY(%s)", (project, ids))
        connection.execute("DELETE FROM records WHERE id = ANY(%s)", (ids,))
        connection.commit()
        return time.perf_counter() - start


def floor_sqlite(path: Path, project: int, ids: list[int]) -> float:
    listed = "[" + ",".join(map(str, ids)) + "]"
    return timed_sqlite(path, "PRAGMA foreign_keys=ON;", lambda connection: (
        connection.execute("DELETE FROM outputs WHERE run_id IN (SELECT id FROM runs WHERE "
                           "project_id = ?) AND record_id IN (SELECT value FROM "
                           "json_each(?))", (project, listed)),
        connection.execute("DELETE FROM records WHERE id IN (SELECT value FROM "
                           "json_each(?))", (listed,))))


def report(database: str, records: int, n: int, api: float, floor: float) -> None:
    print(f"{database}: {n:,} of {records:,} records deleted through the API {api:6.2f} s; "
          f"the driver's deletes alone {floor:6.2f} s (API / floor {api / floor:,.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--delete", type=int, default=10_000)
    args = parser.parse_args()

    def chosen(info: dict) -> tuple[list[int], list[int]]:
        picked = random.Random(5).sample(info["records"], 2 * args.delete)
        return sorted(picked[:args.delete]), sorted(picked[args.delete:])

    for database, url, data_dir, info in seeded_databases(args.records):
        through_api, alone = chosen(info)
        api = timed_api(url, data_dir, info, through_api)
        floor = (floor_postgresql(url, info["project"], alone) if database == "PostgreSQL"
                 else floor_sqlite(data_dir / "heurist.db", info["project"], alone))
        report(database, args.records, args.delete, api, floor)

if __name__ == "__main__":
    main()
