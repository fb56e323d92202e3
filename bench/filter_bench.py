"""Filtered record pages at 100k records on PostgreSQL, through the API (uvicorn, a
keep-alive HTTP client): per filter, the first page, the capped count (asked for apart, as
the UI does) and the next pages by keyset cursor, for filters on weak labels, votes,
reference labels, disagreements and attributes with their sorts.

Run: ``.venv/bin/python bench/filter_bench.py [--records N]``.
Goal: p95 <= 50 ms for a filtered page of 50 records.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.main import create_app  # noqa: E402
from bench.stats_bench import SERVER, served_client  # noqa: E402
from config import Settings  # noqa: E402
from services.users import ensure_admin  # noqa: E402
from store.models import RunStatus  # noqa: E402

LABELS = ["ham", "spam", "other"]
HEURISTICS = 10


def build(client: TestClient, headers: dict, app, *, n_records: int, database: str) -> dict:
    """A project of ``n_records`` records (text, split, stars), a task, 5% of the records
    labelled by two annotators, ten heuristics voting on 30% each and a weak label on all."""
    api = "/api/v1"
    project = client.post(f"{api}/projects", json={"name": "bench"}, headers=headers).json()["id"]
    rows = "".join(f"r{i},comment number {i},{'test' if i % 5 == 0 else 'train'},{i % 5 + 1}\n"
                   for i in range(n_records))
    response = client.post(f"{api}/projects/{project}/records/import", headers=headers,
                           files={"file": ("r.csv", f"id,text,split,stars\n{rows}".encode())},
                           data={"id_column": "id"})
    assert response.status_code == 201, response.text
    task = client.post(f"{api}/projects/{project}/tasks", headers=headers, json={
        "name": "spam", "kind": "classification", "labels": LABELS}).json()
    assert client.post(f"{api}/users", json={"name": "bob"}, headers=headers).status_code == 201
    rng = np.random.default_rng(3)
    labelled = [f"r{i}" for i in range(0, n_records, 20)]
    for annotator in ("admin", "bob"):
        items = [{"external_id": e, "label": LABELS[int(rng.integers(0, 3))],
                  "annotator": annotator} for e in labelled[:len(labelled) // (
                      1 if annotator == "admin" else 2)]]
        response = client.post(f"{api}/projects/{project}/tasks/{task['id']}/labels/bulk",
                               json={"labels": items}, headers=headers)
        assert response.status_code == 201, response.text
    heuristics = []
    for j in range(HEURISTICS):
        heuristics.append(client.post(f"{api}/projects/{project}/heuristics", headers=headers,
                                      json={"task_id": task["id"], "name": f"lf{j}",
                                            "source": "def lf(r):\n    return None\n"}
                                      ).json()["id"])
    with app.state.sessions() as session:
        from services.heuristic_runs import create_heuristic_run, create_weak_supervision_run
        from store.models import Heuristic, LabelingTask, Record

        record_ids = [r for r, in session.query(Record.id).filter_by(project_id=project)
                      .order_by(Record.id)]
        runs = []
        for heuristic_id in heuristics:
            run = create_heuristic_run(session=session, heuristic=session.get(Heuristic,
                                                                              heuristic_id))
            run.status = RunStatus.SUCCEEDED
            runs.append(run.id)
        session.commit()
        weak = create_weak_supervision_run(
            session=session, task=session.get(LabelingTask, task["id"]), method="majority",
            heuristic_ids=None, min_confidence=0.0)
        weak.status = RunStatus.SUCCEEDED
        session.commit()
        weak_id = weak.id
    label_ids = [label["id"] for label in task["labels"]]
    copy_outputs = "COPY outputs (run_id, record_id, label_id, confidence) FROM STDIN"
    with psycopg.connect(f"{SERVER}/{database}") as connection:
        with connection.cursor().copy(copy_outputs) as copy:
            for run_id in runs:
                voted = rng.random(len(record_ids)) < 0.3
                labels = rng.integers(0, len(LABELS), len(record_ids))
                for rid, v, lb in zip(record_ids, voted, labels, strict=True):
                    if v:
                        copy.write_row((run_id, rid, label_ids[lb], 1.0))
            labels = rng.integers(0, len(LABELS), len(record_ids))
            confidences = rng.uniform(0.34, 1.0, len(record_ids))
            for rid, lb, confidence in zip(record_ids, labels, confidences, strict=True):
                copy.write_row((weak_id, rid, label_ids[lb], float(confidence)))
        connection.execute("ANALYZE")
    return {"project": project, "task": task["id"], "heuristics": heuristics}


def cases(ids: dict) -> dict[str, tuple[list[dict], str]]:
    task, first = ids["task"], ids["heuristics"][0]
    return {
        "no filter, by id (floor)": ([], "id"),
        "weak spam >= 0.9, by confidence": (
            [{"kind": "weak_label", "task_id": task, "op": "is", "label": "spam",
              "min_confidence": 0.9}], f"-weak_confidence:{task}"),
        "lf0 votes spam, unlabelled": (
            [{"kind": "vote", "heuristic_id": first, "label": "spam"},
             {"kind": "manual_label", "task_id": task, "op": "none"}], "id"),
        "reference ham, random": (
            [{"kind": "reference_label", "task_id": task, "op": "is", "label": "ham"}],
            "random"),
        "reference vs weak differ": (
            [{"kind": "disagreement", "task_id": task, "between": "manual_weak"}], "id"),
        "heuristics disagree": (
            [{"kind": "disagreement", "task_id": task, "between": "heuristics"}], "id"),
        "annotators disagree": (
            [{"kind": "disagreement", "task_id": task, "between": "annotators"}], "id"),
        "split=test, text, by stars": (
            [{"kind": "attribute", "name": "split", "value": "test"},
             {"kind": "search", "text": "number 1"}], "-stars"),
        "labelled by bob, by id": (
            [{"kind": "annotator", "user": "bob"}], "external_id"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    name = f"heurist_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    results = {}
    try:
        settings = Settings(database_url=f"{SERVER}/{name}", data_dir=Path(tempfile.mkdtemp()),
                            demo=False)
        app = create_app(settings)
        with app.state.sessions() as session:
            key = ensure_admin(session=session, key_file=settings.admin_key_file)
        headers = {"Authorization": f"Bearer {key}"}
        ids = build(TestClient(app), headers, app, n_records=args.records, database=name)
        client = served_client(app)
        path = f"/api/v1/projects/{ids['project']}/records"
        for label, (conditions, sort) in cases(ids).items():
            first, later, counting, count = [], [], [], None
            for repeat in range(3):
                start = time.perf_counter()
                response = client.post(f"{path}/count", headers=headers, json={
                    "filter": {"conditions": conditions}, "count": "capped"})
                counting.append(time.perf_counter() - start)
                assert response.status_code == 200, response.text
                count = (response.json()["count"], response.json()["count_capped"])
                after = None
                for page in range(args.pages):
                    body = {"filter": {"conditions": conditions}, "sort": sort, "seed": 7,
                            "limit": 50, "after": after, "count": "none"}
                    start = time.perf_counter()
                    response = client.post(f"{path}/search", json=body, headers=headers)
                    elapsed = time.perf_counter() - start
                    assert response.status_code == 200, response.text
                    if page == 0:
                        first.append(elapsed)
                    elif repeat:
                        later.append(elapsed)
                    after = response.json()["next_after"]
                    if after is None:
                        break
            results[label] = (first, later, counting, count)
        app.state.engine.dispose()
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()
    print(f"{args.records:,} records, {HEURISTICS} heuristics (30% votes each), weak labels on "
          f"all, PostgreSQL; pages of 50")
    print(f"{'filter':34} {'matching':>9} {'1st page p50/max':>17} {'next pages p50/p95':>19}"
          f" {'count p50/max':>15}")
    for label, (first, later, counting, (count, capped)) in results.items():
        matching = f"{count:,}{'+' if capped else ''}"
        nxt = (f"{statistics.median(later) * 1000:6.1f} / "
               f"{float(np.percentile(later, 95)) * 1000:6.1f}") if later else "-"
        print(f"{label:34} {matching:>9} {statistics.median(first) * 1000:7.1f} / "
              f"{max(first) * 1000:6.1f}   {nxt:>17} {statistics.median(counting) * 1000:7.1f} / "
              f"{max(counting) * 1000:6.1f}")


if __name__ == "__main__":
    main()
