"""What several benchmarks share: the YouTube comments, and running a run in this process."""

from __future__ import annotations

import csv
from pathlib import Path

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
