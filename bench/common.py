"""What several benchmarks share: the YouTube comments, running a run in this process,
timing an action, and measuring on a fresh SQLite file and a fresh PostgreSQL database."""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"


def youtube_comments(n: int) -> list[str]:
    """``n`` comments of the UCI YouTube collection, repeated as needed (or the fixture)."""
    texts = []
    for path in sorted((DATASETS / "youtube").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts += [row["CONTENT"] for row in csv.DictReader(handle)]
    if not texts:
        with (ROOT / "services" / "fixtures" / "youtube_sample.csv").open(encoding="utf-8") as f:
            texts = [row["CONTENT"] for row in csv.DictReader(f)]
    return [texts[i % len(texts)] for i in range(n)]


def run_in_process(sessions, run_id: int) -> None:
    """Execute a queued run here, as a worker would: prepare, then every chunk."""
    from store.models import RunChunk
    from workers import execution

    execution.start_run(run_id)
    with sessions() as session:
        positions = [c.position for c in session.query(RunChunk).filter_by(run_id=run_id)]
    for position in positions:
        execution.process_chunk(run_id, position)


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``action``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def on_both_databases(description: str, measure: Callable[[str, int], T]) -> dict[str, T]:
    """A benchmark's command line (``--repeats``, default 5, and ``description``), then
    ``measure(url, repeats)`` on a new SQLite file and on a new PostgreSQL database (the
    local server of ``bench.load_bench.POSTGRES``), each dropped after: by database name."""
    import psycopg

    from bench.load_bench import POSTGRES
    from store.db import configure_models

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    configure_models()
    with tempfile.TemporaryDirectory() as folder:
        results = {"SQLite": measure(f"sqlite:///{folder}/bench.db", repeats)}
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        results["PostgreSQL"] = measure(
            f"postgresql+psycopg://{POSTGRES.split('://')[1]}/{name}", repeats)
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results
