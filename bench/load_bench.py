"""Load on the HTTP API from a process of its own, over loopback: is it fast, and does it
stay up?

Run: ``.venv/bin/python bench/load_bench.py --database postgresql [--records 100000]`` or
``--database sqlite --scenarios a``. It makes its own database (dropped after), starts the
server (``api.server``: ``HEURIST_API_WORKERS`` processes on PostgreSQL, one on SQLite), waits
until it answers ``/ready`` and all its processes are idle (started), and runs, each bounded
in time:

(a) open loop: 100 reads/s (records page 70 %, record detail 20 %, task statistics 10 %)
    plus 20 label writes/s (random annotator, record, label; each with an Idempotency-Key,
    resent after a 503) for ``--seconds``: errors, p50/p95/p99 of reads and writes, every
    label stored exactly once, statistics equal to a full recompute afterwards;
(b) closed loop: ``--clients`` clients read records pages back to back: requests/s;
(c) 500 clients send a records-page request at once, twice: every one answered 200 or
    503 with Retry-After within 10 s, ``/health`` (polled every 50 ms) under 1 s, and the
    seconds until records pages are as fast as before the burst again.

Goals: reads p99 <= 100 ms, writes p99 <= 200 ms, records page >= 300 requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loopback import Answer, fetch  # noqa: E402
from services.heuristic_runs import create_heuristic, create_heuristic_run  # noqa: E402
from services.importing import import_records  # noqa: E402
from services.projects import create_project  # noqa: E402
from services.tasks import create_task  # noqa: E402
from services.users import create_user, ensure_admin, set_member  # noqa: E402
from store import stats  # noqa: E402
from store.db import create_db_engine, migrate, session_factory  # noqa: E402
from store.models import (  # noqa: E402
    HeuristicStat,
    IdempotencyKey,
    LabelingTask,
    ManualLabel,
    Output,
    Record,
    Role,
    RunStatus,
    TaskKind,
    User,
)

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
API = "/api/v1"
LABELS = ["ham", "spam"]
N_ANNOTATORS, N_HEURISTICS = 8, 5
WORDS = ["check", "out", "my", "channel", "subscribe", "please", "love", "this", "song",
         "amazing", "video", "views", "free", "win", "iphone", "best", "music", "great", "lol"]


def seed(url: str, n_records: int, data_dir: Path) -> dict:
    """A project of ``n_records`` records, a task whose heuristics have outputs and
    statistics, the admin and annotators with keys."""
    engine = create_db_engine(url)
    migrate(engine)
    rng = random.Random(7)
    with session_factory(engine)() as session:
        admin_key = ensure_admin(session=session, key_file=data_dir / "admin.key")
        admin = session.scalar(select(User).where(User.is_admin))
        project = create_project(session=session, name="load", description="", owner=admin)
        payload = "id,text\n" + "".join(
            f"r{i},{' '.join(rng.choice(WORDS) for _ in range(rng.randint(5, 25)))}\n"
            for i in range(n_records))
        import_records(session=session, project=project, fmt="csv", id_column="id",
                       open_stream=lambda: io.BytesIO(payload.encode()))
        task = create_task(session=session, project=project, name="spam",
                           kind=TaskKind.CLASSIFICATION, labels=LABELS)
        record_ids = [rid for rid, in session.execute(
            select(Record.id).where(Record.project_id == project.id).order_by(Record.id))]
        votes = np.random.default_rng(3)
        for j in range(N_HEURISTICS):
            heuristic = create_heuristic(session=session, task=task, name=f"h{j}",
                                         source="def lf(record):\n    return None\n")
            run = create_heuristic_run(session=session, heuristic=heuristic)
            run.status = RunStatus.SUCCEEDED
            chosen = votes.random(len(record_ids)) < 0.3
            labels = votes.integers(0, len(LABELS), len(record_ids))
            session.execute(insert(Output), [
                {"run_id": run.id, "record_id": rid, "label_id": task.labels[int(k)].id}
                for rid, take, k in zip(record_ids, chosen, labels, strict=True) if take])
        session.commit()
        stats.recompute(session=session, task=task)
        session.commit()
        keys = []
        for i in range(N_ANNOTATORS):
            _, key = create_user(session=session, name=f"annotator{i}")
            set_member(session=session, project=project, user_name=f"annotator{i}",
                       role=Role.ANNOTATOR)
            keys.append(key)
        info = {"admin": admin_key, "annotators": keys, "project": project.id,
                "task": task.id, "records": record_ids}
    engine.dispose()
    return info


def seeded_databases(n_records: int, seed: Callable[[str, int, Path], dict] = seed
                     ) -> Iterator[tuple[str, str, Path, dict]]:
    """A fresh PostgreSQL database, then a fresh SQLite file, each seeded (by default by
    :func:`seed`) with ``n_records`` records: ``(name, url, data folder, seed's info)``;
    each is dropped once the caller moves on."""
    name = f"heurist_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with tempfile.TemporaryDirectory() as tmp:
                url = f"{POSTGRES}/{name}"
                yield "PostgreSQL", url, Path(tmp), seed(url, n_records, Path(tmp))
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'heurist.db'}"
        yield "SQLite", url, Path(tmp), seed(url, n_records, Path(tmp))


def timed_sqlite(path: Path, setup: str, work: Callable[[sqlite3.Connection], object]
                 ) -> float:
    """Seconds the driver alone takes for ``work`` on the SQLite file at ``path`` until it
    committed (``setup``, a script run first, untimed)."""
    connection = sqlite3.connect(path)
    try:
        connection.executescript(setup)
        start = time.perf_counter()
        work(connection)
        connection.commit()
        return time.perf_counter() - start
    finally:
        connection.close()


def start_server(url: str, data_dir: Path, workers: int, concurrency: int
                 ) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "HEURIST_DATABASE_URL": url, "HEURIST_DATA_DIR": str(data_dir),
        "HEURIST_PORT": str(port), "HEURIST_DEMO": "false", "HEURIST_EMBEDDED_WORKER": "false",
        "HEURIST_API_WORKERS": str(workers), "HEURIST_API_CONCURRENCY": str(concurrency)}
    server = subprocess.Popen([sys.executable, "-m", "api.server"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL)
    return server, f"http://127.0.0.1:{port}"


async def wait_ready(base: str) -> None:
    for _ in range(600):
        try:
            if (await fetch(base, "GET", "/ready", timeout_s=5)).status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the server did not get ready")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its descendants (the API processes of a server)."""
    total = cpu_seconds(pid)
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += tree_cpu_seconds(int(child))
    return total


async def wait_settled(pid: int, *, limit_s: float = 60) -> float:
    """Seconds until the server's processes are idle (under 5 % of a core for 0.5 s):
    ``/ready`` answers as soon as one API process serves, while the others may still
    be starting, and load sent then would measure their start-up."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        before = tree_cpu_seconds(pid)
        await asyncio.sleep(0.5)
        if tree_cpu_seconds(pid) - before < 0.025:
            break
    return time.monotonic() - started


def percentiles(seconds: list[float]) -> str:
    if not seconds:
        return "none"
    ms = np.asarray(seconds) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return f"p50 {p50:.0f} / p95 {p95:.0f} / p99 {p99:.0f} ms (n={len(ms)})"


def read_request(rng: random.Random, info: dict) -> tuple[str, str]:
    project, records = info["project"], info["records"]
    roll = rng.random()
    if roll < 0.7:
        return "records page", (f"{API}/projects/{project}/records?limit=50&after="
                                f"{rng.choice(records) - 1}")
    if roll < 0.9:
        return "record detail", f"{API}/projects/{project}/records/{rng.choice(records)}"
    return "task statistics", f"{API}/projects/{project}/tasks/{info['task']}/stats"


async def until_answered(base: str, method: str, path: str, **options) -> Answer:
    """Send until the answer is not 503 (waiting Retry-After); the time is the total."""
    start = time.monotonic()
    while (answer := await fetch(base, method, path, **options)).status == 503:
        await asyncio.sleep(float(answer.retry_after or 1))
    return Answer(answer.status, answer.headers, answer.body, time.monotonic() - start)


async def open_loop(base: str, info: dict, seconds: float, reads_per_s: float,
                    writes_per_s: float) -> dict:
    rng = random.Random(11)
    admin = {"Authorization": f"Bearer {info['admin']}"}
    reads, writes, errors, sent_keys, shed = [], [], [], [], [0]
    tasks = []

    async def read(path: str) -> None:
        try:
            answer = await until_answered(base, "GET", path, headers=admin, timeout_s=30)
        except TimeoutError:
            errors.append((path, "no answer in 30 s"))
            return
        (reads if answer.status == 200 else errors).append(
            answer.seconds if answer.status == 200 else (path, answer.status))

    async def write(key: str, record: int, annotator: str, label: str) -> None:
        headers = {"Authorization": f"Bearer {annotator}", "Idempotency-Key": key}
        path = f"{API}/projects/{info['project']}/records/{record}/labels"
        body = {"task_id": info["task"], "label": label}
        for _ in range(3):  # a label that got no answer is sent again under its key
            try:
                answer = await until_answered(base, "POST", path, headers=headers,
                                              json_body=body, timeout_s=30)
                break
            except TimeoutError:
                errors.append(("label", "no answer in 30 s"))
        else:
            return
        (writes if answer.status == 201 else errors).append(
            answer.seconds if answer.status == 201 else ("label", answer.status))

    start = time.monotonic()
    n_reads = n_writes = 0
    while (elapsed := time.monotonic() - start) < seconds:
        while n_reads < elapsed * reads_per_s:
            tasks.append(asyncio.create_task(read(read_request(rng, info)[1])))
            n_reads += 1
        while n_writes < elapsed * writes_per_s:
            key = uuid.uuid4().hex
            sent_keys.append(key)
            tasks.append(asyncio.create_task(write(
                key, rng.choice(info["records"]), rng.choice(info["annotators"]),
                rng.choice(LABELS))))
            n_writes += 1
        await asyncio.sleep(0.002)
    await asyncio.gather(*tasks)
    return {"reads": reads, "writes": writes, "errors": errors, "keys": sent_keys,
            "seconds": time.monotonic() - start, "shed": shed[0]}


async def closed_loop(base: str, info: dict, clients: int, seconds: float, *,
                      health: bool = False) -> tuple[int, list]:
    """Records pages requested back to back by ``clients`` for ``seconds``; with ``health``
    the same harness asks ``/health`` instead (no database, no key): the ceiling of this
    machine, load generator and server stack together."""
    rng = random.Random(5)
    admin = {"Authorization": f"Bearer {info['admin']}"}
    done: list[float] = []
    statuses: list[int] = []
    deadline = time.monotonic() + seconds

    async def client() -> None:
        while time.monotonic() < deadline:
            path = "/health" if health else (
                f"{API}/projects/{info['project']}/records?limit=50&after="
                f"{rng.choice(info['records']) - 1}")
            answer = await fetch(base, "GET", path, headers=admin)
            statuses.append(answer.status)
            if answer.status == 200:
                done.append(answer.seconds)

    await asyncio.gather(*(client() for _ in range(clients)))
    return len(done), statuses


async def burst(base: str, info: dict, clients: int) -> tuple[list[Answer], list[float]]:
    admin = {"Authorization": f"Bearer {info['admin']}"}
    path = f"{API}/projects/{info['project']}/records?limit=50"
    stop = asyncio.Event()

    async def health() -> list[float]:
        delays = []
        while not stop.is_set():
            delays.append((await fetch(base, "GET", "/health", timeout_s=10)).seconds)
            await asyncio.sleep(0.05)
        return delays

    poller = asyncio.create_task(health())
    answers = []
    for _ in range(2):
        answers += await asyncio.gather(*(fetch(base, "GET", path, headers=admin,
                                                timeout_s=10) for _ in range(clients)),
                                        return_exceptions=True)
    stop.set()
    return answers, await poller


async def page_seconds(base: str, info: dict) -> float:
    admin = {"Authorization": f"Bearer {info['admin']}"}
    path = f"{API}/projects/{info['project']}/records?limit=50"
    return (await fetch(base, "GET", path, headers=admin, timeout_s=10)).seconds


async def back_to_speed(base: str, info: dict, usual_s: float, *, limit_s: float = 30
                        ) -> float:
    """Seconds until five records pages in a row take at most twice ``usual_s`` (+10 ms)."""
    started, streak = time.monotonic(), 0
    while streak < 5 and time.monotonic() - started < limit_s:
        fast = await page_seconds(base, info) <= 2 * usual_s + 0.01
        streak = streak + 1 if fast else 0
    return time.monotonic() - started


def check_stored(url: str, info: dict, keys: list[str]) -> list[str]:
    """Every label written once, and statistics equal to a full recompute."""
    engine = create_db_engine(url)
    problems = []
    with session_factory(engine)() as session:
        stored = session.scalar(select(func.count()).select_from(IdempotencyKey)
                                .where(IdempotencyKey.key.in_(keys)))
        if stored != len(keys):
            problems.append(f"{stored} idempotency keys stored for {len(keys)} labels sent")
        doubled = session.scalar(select(func.count()).select_from(
            select(ManualLabel.record_id, ManualLabel.annotator_id)
            .group_by(ManualLabel.record_id, ManualLabel.annotator_id)
            .having(func.count() > 1).subquery()))
        if doubled:
            problems.append(f"{doubled} (record, annotator) pairs with several labels")
        task = session.get(LabelingTask, info["task"])
        before = {(s.heuristic_id, s.label_index): (s.tp, s.fp, s.fn, s.fn_voted, s.n_reference)
                  for s in session.scalars(select(HeuristicStat))}
        stats.recompute(session=session, task=task)
        session.flush()
        after = {(s.heuristic_id, s.label_index): (s.tp, s.fp, s.fn, s.fn_voted, s.n_reference)
                 for s in session.scalars(select(HeuristicStat).execution_options(
                     populate_existing=True))}
        if before != after:
            problems.append("statistics differ from a full recompute")
        session.rollback()
    engine.dispose()
    return problems


def explain(url: str, info: dict) -> None:
    engine = create_db_engine(url)
    with engine.connect() as connection:
        for title, query in (
                ("records page", "SELECT * FROM records WHERE project_id = :p AND id > :a "
                                 "ORDER BY id LIMIT 50"),
                ("records count", "SELECT count(id) FROM records WHERE project_id = :p")):
            plan = connection.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + query),
                                      {"p": info["project"], "a": info["records"][-100]})
            print(f"EXPLAIN {title}:\n  " + "\n  ".join(row[0] for row in plan))
    engine.dispose()


async def run(args: argparse.Namespace, url: str, data_dir: Path) -> None:
    print(f"seeding {args.records} records ...", flush=True)
    started = time.monotonic()
    info = seed(url, args.records, data_dir)
    print(f"seeded in {time.monotonic() - started:.1f} s", flush=True)
    # the generator's own full garbage-collection passes over what seeding left would
    # delay reading answers and count as the server's latency
    gc.collect()
    gc.freeze()
    if url.startswith("postgresql"):
        explain(url, info)
    server, base = start_server(url, data_dir, args.workers, args.concurrency)
    try:
        await wait_ready(base)
        print(f"server idle {await wait_settled(server.pid):.1f} s after it answered "
              "/ready", flush=True)
        if "a" in args.scenarios:
            result = await open_loop(base, info, args.seconds, 100, 20)
            print(f"(a) open loop {result['seconds']:.0f} s: reads "
                  f"{percentiles(result['reads'])}; writes {percentiles(result['writes'])}; "
                  f"errors {len(result['errors'])} {result['errors'][:5]}", flush=True)
            problems = check_stored(url, info, result["keys"])
            print("(a) stored: " + ("; ".join(problems) if problems else
                                    f"all {len(result['keys'])} labels once, statistics "
                                    "equal a full recompute"), flush=True)
        if "b" in args.scenarios:
            served, statuses = await closed_loop(base, info, args.clients, 20)
            print(f"(b) closed loop, {args.clients} clients, 20 s: {served / 20:.0f} "
                  f"records pages/s; statuses {dict(sorted(_count(statuses).items()))}",
                  flush=True)
            floor, _ = await closed_loop(base, info, args.clients, 10, health=True)
            print(f"(b) the same harness against /health: {floor / 10:.0f} requests/s "
                  f"(records pages reach {served / 20 / (floor / 10):.0%} of it)", flush=True)
        if "c" in args.scenarios:
            usual = statistics.median([await page_seconds(base, info) for _ in range(20)])
            answers, health = await burst(base, info, 500)
            recovered = await back_to_speed(base, info, usual)
            failed = [a for a in answers if isinstance(a, BaseException)]
            good = [a for a in answers if not isinstance(a, BaseException)]
            statuses = _count([a.status for a in good])
            bad = [a for a in good if a.status not in (200, 503)
                   or (a.status == 503 and a.retry_after is None)]
            print(f"(c) 2 x 500 at once: statuses {dict(sorted(statuses.items()))}, "
                  f"unanswered {len(failed)}, other {len(bad)}, slowest "
                  f"{max(a.seconds for a in good):.2f} s; /health max {max(health):.3f} s "
                  f"(median {statistics.median(health) * 1000:.0f} ms, n={len(health)}); "
                  f"full speed again {recovered:.2f} s after (a page: "
                  f"{usual * 1000:.0f} ms before)", flush=True)
    finally:
        server.terminate()
        server.wait(30)


def _count(values: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--scenarios", default="abc")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="API processes (PostgreSQL)")
    parser.add_argument("--concurrency", type=int, default=8, help="HEURIST_API_CONCURRENCY")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        if args.database == "sqlite":
            asyncio.run(run(args, f"sqlite:///{data_dir / 'heurist.db'}", data_dir))
            return
        name = f"heurist_load_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                asyncio.run(run(args, f"{POSTGRES}/{name}", data_dir))
            finally:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
