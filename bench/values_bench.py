"""An attribute's values with their record counts (``GET .../attributes/{a}/values``) in a
project of 100,000 records, on PostgreSQL and on SQLite, against the driver alone reading
every record's value and counting them in Python (what a page would have to do without the
endpoint, minus the transfer).

Run: ``.venv/bin/python bench/values_bench.py [--records 100000] [--repeat 7]``.
Creates its own databases (dropped after). Records: ``split`` (a category of 3 values,
70/20/10), ``city`` (a category of 5,000 values, Zipf-like), ``stars`` (integers 1-5).
Timed in the same process, one request at a time, the median of ``--repeat``:
the endpoint (FastAPI's test client through the app: the project's role check, one GROUP
BY for the 100 most frequent values, one count of the distinct values and records) and
the floor: the driver reading ``data->>'name'`` (``json_extract``) of the project's records
and ``collections.Counter`` over them.
"""

from __future__ import annotations

import argparse
import io
import random
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from functools import partial
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.main import create_app  # noqa: E402
from bench.load_bench import seeded_databases  # noqa: E402
from config import Settings  # noqa: E402
from services.importing import import_records  # noqa: E402
from services.projects import create_project  # noqa: E402
from services.users import ensure_admin  # noqa: E402
from store.db import create_db_engine, migrate, session_factory  # noqa: E402
from store.models import Attribute, User  # noqa: E402

API = "/api/v1"
CASES = [("split", {}), ("city", {}), ("stars", {}), ("city", {"search": "ber"})]


def seed(url: str, n_records: int, data_dir: Path) -> dict:
    engine = create_db_engine(url)
    migrate(engine)
    rng = random.Random(11)
    cities = [f"{rng.choice(['Ber', 'Par', 'Lon', 'Ma', 'To'])}city{i}" for i in range(5_000)]
    weights = [1 / (i + 1) for i in range(len(cities))]
    chosen = rng.choices(cities, weights=weights, k=n_records)
    payload = "id,text,split,city,stars\n" + "".join(
        f"r{i},record {i},{rng.choices(['train', 'dev', 'test'], [7, 2, 1])[0]},{chosen[i]},"
        f"{rng.randint(1, 5)}\n" for i in range(n_records))
    with session_factory(engine)() as session:
        key = ensure_admin(session=session, key_file=data_dir / "admin.key")
        admin = session.scalar(select(User).where(User.is_admin))
        project = create_project(session=session, name="values", description="", owner=admin)
        import_records(session=session, project=project, fmt="csv", id_column="id",
                       types={"split": "category", "city": "category"},
                       open_stream=lambda: io.BytesIO(payload.encode()))
        attributes = {a.name: a.id for a in session.scalars(
            select(Attribute).where(Attribute.project_id == project.id))}
        info = {"key": key, "project": project.id, "attributes": attributes}
    engine.dispose()
    return info


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def floor(connection, database: str, project: int, name: str, search: str | None
          ) -> Callable[[], Counter]:
    """The driver alone on an open connection: every value of the project's records read,
    then counted (the 100 most frequent picked)."""
    query = ("SELECT json_extract(data, ?) FROM records WHERE project_id = ?"
             if database == "SQLite" else
             "SELECT data->>%s FROM records WHERE project_id = %s")
    key = f'$."{name}"' if database == "SQLite" else name

    def count() -> Counter:
        counts = Counter(value for value, in connection.execute(query, (key, project))
                         if value is not None)
        if search:
            counts = Counter({v: n for v, n in counts.items() if search in str(v).lower()})
        counts.most_common(100)
        return counts
    return count


def connect(database: str, url: str):
    if database == "SQLite":
        return sqlite3.connect(url.removeprefix("sqlite:///"))
    return psycopg.connect(url.replace("+psycopg", ""), autocommit=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"{args.records:,} records; median of {args.repeat}")
    print("| database | attribute | distinct | endpoint | driver + Counter (floor) | "
          "endpoint / floor |")
    print("|---|---|---|---|---|---|")
    for database, url, data_dir, info in seeded_databases(args.records, seed):
        app = create_app(Settings(database_url=url, data_dir=data_dir, demo=False,
                                  embedded_worker=False))
        headers = {"Authorization": f"Bearer {info['key']}"}
        with TestClient(app) as client, closing(connect(database, url)) as connection:
            for name, params in CASES:
                path = (f"{API}/projects/{info['project']}/attributes/"
                        f"{info['attributes'][name]}/values")
                answer = client.get(path, headers=headers, params=params).json()
                bare_count = floor(connection, database, info["project"], name,
                                   params.get("search"))
                counted = bare_count()
                assert answer["distinct"] == len(counted), (answer["distinct"], len(counted))
                assert answer["records"] == sum(counted.values())
                served = median_seconds(partial(client.get, path, headers=headers,
                                                params=params), args.repeat)
                bare = median_seconds(bare_count, args.repeat)
                label = name + (f" (search {params['search']!r})" if params else "")
                print(f"| {database} | {label} | {answer['distinct']:,} | "
                      f"{served * 1000:.1f} ms | {bare * 1000:.1f} ms | {served / bare:.2f} |")
        app.state.engine.dispose()


if __name__ == "__main__":
    main()
