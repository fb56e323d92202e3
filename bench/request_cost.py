"""What one API request costs on its own: wall time, the server process's CPU time and the
SQL statements and commits it sends, for each request of the load bench's mix.

Run: ``.venv/bin/python bench/request_cost.py [--records 20000] [--repeat 200]``. It seeds a
PostgreSQL database as ``bench/load_bench.py`` does (dropped after), starts ``api.server``
(one process), sends each kind of request ``--repeat`` times back to back on one
keep-alive connection, and reads the server's CPU time before and after from ``/proc``.
The statements are counted in an app of this process on the same database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_bench import (  # noqa: E402
    API,
    LABELS,
    POSTGRES,
    cpu_seconds,
    seed,
    start_server,
)


def requests_of(info: dict, rng: random.Random) -> dict[str, Callable[[], tuple]]:
    """Per kind of request, a function giving (method, path, headers, body) of a new one."""
    admin = {"Authorization": f"Bearer {info['admin']}"}
    project, records = info["project"], info["records"]

    def page():
        return ("GET", f"{API}/projects/{project}/records?limit=50&after="
                       f"{rng.choice(records) - 1}", admin, None)

    def detail():
        return "GET", f"{API}/projects/{project}/records/{rng.choice(records)}", admin, None

    def task_stats():
        return "GET", f"{API}/projects/{project}/tasks/{info['task']}/stats", admin, None

    def label():
        headers = {"Authorization": f"Bearer {rng.choice(info['annotators'])}",
                   "Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"}
        body = json.dumps({"task_id": info["task"], "label": rng.choice(LABELS)})
        return ("POST", f"{API}/projects/{project}/records/{rng.choice(records)}/labels",
                headers, body)

    return {"records page": page, "record detail": detail, "task statistics": task_stats,
            "label": label}


def timed(base: str, pid: int, make: Callable[[], tuple], repeat: int) -> tuple[float, float]:
    """Median wall seconds of a request and the server's CPU seconds per request."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    walls = []
    for _ in range(5):  # warm up
        method, path, headers, body = make()
        connection.request(method, path, body=body, headers=headers)
        connection.getresponse().read()
    cpu = cpu_seconds(pid)
    for _ in range(repeat):
        method, path, headers, body = make()
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        walls.append(time.perf_counter() - started)
        if answer.status >= 300:
            raise RuntimeError(f"{method} {path}: {answer.status}")
    connection.close()
    return statistics.median(walls), (cpu_seconds(pid) - cpu) / repeat


def statements(url: str, data_dir: Path, info: dict, rng: random.Random) -> dict[str, tuple]:
    """SQL statements and commits of one request of each kind, in an app of this process."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from config import Settings

    app = create_app(Settings(database_url=url, data_dir=data_dir, demo=False,
                              embedded_worker=False))
    counted = {"statements": 0, "commits": 0}

    def statement(*_args) -> None:
        counted["statements"] += 1

    def commit(*_args) -> None:
        counted["commits"] += 1

    event.listen(app.state.engine, "before_cursor_execute", statement)
    event.listen(app.state.engine, "commit", commit)
    found = {}
    with TestClient(app) as client:
        for name, make in requests_of(info, rng).items():
            method, path, headers, body = make()
            client.request(method, path, headers=headers, content=body)  # warm
            counted.update(statements=0, commits=0)
            method, path, headers, body = make()
            answer = client.request(method, path, headers=headers, content=body)
            answer.raise_for_status()
            found[name] = (counted["statements"], counted["commits"])
    app.state.engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    name = f"heurist_cost_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp, psycopg.connect(
            f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url, data_dir = f"{POSTGRES}/{name}", Path(tmp)
            info = seed(url, args.records, data_dir)
            server, base = start_server(url, data_dir, workers=1, concurrency=8)
            try:
                import asyncio

                from bench.load_bench import wait_ready
                asyncio.run(wait_ready(base))
                rng = random.Random(3)
                print(f"{args.records} records; {args.repeat} requests of each kind, "
                      "one after the other", flush=True)
                for kind, make in requests_of(info, rng).items():
                    wall, cpu = timed(base, server.pid, make, args.repeat)
                    print(f"{kind:16s} median {wall * 1000:6.2f} ms; API process CPU "
                          f"{cpu * 1000:6.2f} ms a request", flush=True)
            finally:
                server.terminate()
                server.wait(30)
            for kind, (n, commits) in statements(url, data_dir, info, rng).items():
                print(f"{kind:16s} {n} SQL statements, {commits} commits", flush=True)
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
