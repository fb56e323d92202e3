"""A keyword labeling function over 100k records: sandboxed end to end vs a plain loop.

Run: ``make bench`` (or ``.venv/bin/python bench/lf_bench.py [--records N]``).

Baseline: a plain in-process Python loop calling the same function on the same records.
Measured: (a) the sandbox alone (start bubblewrap, stream records in, outputs back);
(b) the whole run as a worker does it, in this process: records read from SQLite, the
sandbox, outputs checked against the task's labels and written. Goal: (a) <= 2x the plain
loop + 1 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time

from common import run_in_process, youtube_comments

SOURCE = '''
KEYWORDS = ("check out", "subscribe", "my channel", "free", "http")

def lf(record):
    text = record["text"].lower()
    return "spam" if any(k in text for k in KEYWORDS) else None
'''




def plain_loop(records: list[dict]) -> tuple[float, list]:
    namespace: dict = {}
    exec(SOURCE, namespace)  # noqa: S102 - the benchmark's own code
    lf = namespace["lf"]
    start = time.perf_counter()
    outputs = [lf(record["data"]) for record in records]
    return time.perf_counter() - start, outputs


def sandboxed(records: list[dict]) -> tuple[float, list]:
    from heuristics.sandbox import Sandbox

    start = time.perf_counter()
    result = Sandbox().run_labeling_function(SOURCE, records, function="lf",
                                             task_kind="classification")
    elapsed = time.perf_counter() - start
    assert not result.errors
    return elapsed, [result.outputs[i] for i in range(len(records))]


def worker_path(texts: list[str]) -> tuple[float, dict]:
    os.environ["HEURIST_DATA_DIR"] = tempfile.mkdtemp()
    os.environ["HEURIST_CHUNK_SIZE"] = str(len(texts))
    from config import get_settings
    from services.heuristic_runs import create_heuristic, create_heuristic_run
    from services.importing import import_records
    from services.projects import create_project
    from services.tasks import create_task
    from services.users import create_user
    from store.db import create_db_engine, migrate, session_factory
    from store.models import Run, TaskKind

    engine = create_db_engine(get_settings().resolved_database_url())
    migrate(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        user, _ = create_user(session=session, name="bench")
        project = create_project(session=session, name="bench", description="", owner=user)
        payload = "\n".join(json.dumps({"text": t}) for t in texts).encode()
        import_records(session=session, project=project, fmt="jsonl",
                       open_stream=lambda: io.BytesIO(payload))
        task = create_task(session=session, project=project, name="spam",
                           kind=TaskKind.CLASSIFICATION, labels=["ham", "spam"])
        heuristic = create_heuristic(session=session, task=task, name="keywords",
                                     source=SOURCE)
        run_id = create_heuristic_run(session=session, heuristic=heuristic).id
    start = time.perf_counter()
    run_in_process(sessions, run_id)
    elapsed = time.perf_counter() - start
    with sessions() as session:
        run = session.get(Run, run_id)
        assert run.status.value == "succeeded", run.error
        return elapsed, run.metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    texts = youtube_comments(args.records)
    records = [{"id": i, "data": {"text": t}} for i, t in enumerate(texts)]
    plain, expected = plain_loop(records)
    sandbox, outputs = sandboxed(records)
    assert outputs == expected
    worker, metrics = worker_path(texts)
    assert metrics["votes"] == sum(o is not None for o in expected)
    budget = 2 * plain + 1
    print(f"{args.records:,} records, keyword LF ({metrics['votes']:,} votes)")
    print(f"plain in-process loop:          {plain:6.2f} s")
    print(f"(a) sandboxed, end to end:      {sandbox:6.2f} s  = plain x {sandbox / plain:.1f}; "
          f"goal <= 2 x plain + 1 s = {budget:.2f} s: {'met' if sandbox <= budget else 'MISSED'}")
    print(f"(b) worker run (DB, sandbox, outputs written): {worker:6.2f} s")


if __name__ == "__main__":
    main()
