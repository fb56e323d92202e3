"""Editing one record's text in a project of 100,000 records through the API, against
reading the same record through the API and against the driver writing the same value
alone, on PostgreSQL and on SQLite.

Run: ``.venv/bin/python bench/edit_bench.py [--records 100000] [--edits 30]``.
Creates its own databases (dropped after), seeded as ``bench/load_bench.py`` seeds them (a
classification task whose heuristics have outputs and statistics). Timed in the same
process, one request at a time, the median of ``--edits`` random records each:

- ``PATCH .../records/{id}`` with a new text and the revision it was made from (through the
  app with FastAPI's test client: the record's lock, the checks for a run under way, the
  conversion, the write, the edit counted, the event, commit, and what follows: the
  computed attributes, embeddings and kept-current functions to run again);
- ``GET .../records/{id}`` of the same records (a request of the same app doing little);
- the floor: the driver alone replacing the record's stored values, one transaction each.

Then a file of ``--rows`` rows naming records the project has, each with a new text,
imported with ``existing=update`` (the records edited in one transaction), against a file
of as many new rows imported beside them (the same columns and text lengths).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.main import create_app  # noqa: E402
from bench.load_bench import seeded_databases  # noqa: E402
from config import Settings  # noqa: E402

API = "/api/v1"


def timed_api(url: str, data_dir: Path, info: dict, ids: list[int]) -> tuple[float, float]:
    """Median seconds of an edit and of a read of the records ``ids``."""
    app = create_app(Settings(database_url=url, data_dir=data_dir, demo=False,
                              embedded_worker=False))
    headers = {"Authorization": f"Bearer {info['admin']}"}
    path = f"{API}/projects/{info['project']}/records"
    edits, reads = [], []
    with TestClient(app) as client:
        for n, record in enumerate(ids):
            start = time.perf_counter()
            read = client.get(f"{path}/{record}", headers=headers)
            reads.append(time.perf_counter() - start)
            assert read.status_code == 200, read.text
            start = time.perf_counter()
            answer = client.patch(f"{path}/{record}", headers=headers, json={
                "data": {"text": f"an edited text, number {n}"}, "revision": 0})
            edits.append(time.perf_counter() - start)
            assert answer.status_code == 200 and answer.json()["changed"] == ["text"], \
                answer.text
    app.state.engine.dispose()
    return statistics.median(edits), statistics.median(reads)


def timed_imports(url: str, data_dir: Path, info: dict, named: list[int]
                  ) -> tuple[float, float]:
    """Seconds to import a file whose rows update the records ``named`` (by their external
    ids, ``r<i>`` as seeded), and a file of as many new rows."""
    app = create_app(Settings(database_url=url, data_dir=data_dir, demo=False,
                              embedded_worker=False))
    headers = {"Authorization": f"Bearer {info['admin']}"}
    first = info["records"][0]
    updating = "id,text\n" + "".join(f"r{rid - first},an updated text of record {rid}\n"
                                     for rid in named)
    adding = "id,text\n" + "".join(f"n{rid - first},an updated text of record {rid}\n"
                                   for rid in named)
    seconds = []
    with TestClient(app) as client:
        for payload, existing in ((updating, "update"), (adding, "refuse")):
            start = time.perf_counter()
            answer = client.post(f"{API}/projects/{info['project']}/records/import",
                                 headers=headers, files={"file": ("f.csv", payload.encode())},
                                 data={"id_column": "id", "existing": existing})
            seconds.append(time.perf_counter() - start)
            assert answer.status_code == 201, answer.text
            assert answer.json()["updated" if existing == "update" else "records"] == \
                len(named), answer.text
    app.state.engine.dispose()
    return seconds[0], seconds[1]


def floor_postgresql(url: str, ids: list[int]) -> float:
    times = []
    with psycopg.connect(url) as connection:
        for n, record in enumerate(ids):
            start = time.perf_counter()
            data = connection.execute("SELECT data FROM records WHERE id = %s",
                                      (record,)).fetchone()[0]
            connection.execute("UPDATE records SET data = %s WHERE id = %s", (
                json.dumps({**data, "text": f"a text, number {n}"}), record))
            connection.commit()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def floor_sqlite(path: Path, ids: list[int]) -> float:
    times = []
    connection = sqlite3.connect(path)
    try:
        for n, record in enumerate(ids):
            start = time.perf_counter()
            data = json.loads(connection.execute("SELECT data FROM records WHERE id = ?",
                                                 (record,)).fetchone()[0])
            connection.execute("UPDATE records SET data = ? WHERE id = ?", (
                json.dumps({**data, "text": f"a text, number {n}"}), record))
            connection.commit()
            times.append(time.perf_counter() - start)
    finally:
        connection.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    for database, url, data_dir, info in seeded_databases(args.records):
        picked = random.Random(5).sample(info["records"], 2 * args.edits)
        edit, read = timed_api(url, data_dir, info, picked[:args.edits])
        floor = (floor_postgresql(url, picked[args.edits:]) if database == "PostgreSQL"
                 else floor_sqlite(data_dir / "heurist.db", picked[args.edits:]))
        print(f"{database}: an edit of one of {args.records:,} records through the API "
              f"{edit * 1000:6.1f} ms (median of {args.edits}); a read of it "
              f"{read * 1000:5.1f} ms (edit / read {edit / read:.1f}x); the driver's write "
              f"alone {floor * 1000:5.1f} ms (edit / floor {edit / floor:.1f}x)")
        named = random.Random(6).sample(info["records"], args.rows)
        update, insert = timed_imports(url, data_dir, info, named)
        print(f"{database}: {args.rows:,} rows updating their records imported in "
              f"{update:5.2f} s; as many new rows {insert:5.2f} s "
              f"(update / insert {update / insert:.1f}x)")


if __name__ == "__main__":
    main()
