"""What computing an attribute costs over a project's records, against the sandbox alone
running the same code, on SQLite and PostgreSQL.

Run: ``.venv/bin/python bench/computed_attribute_bench.py [--repeats 3]`` (from the project
root). Each database (created here, dropped after) gets the 5,574 messages of
``../shared/datasets/sms/SMSSpamCollection.tsv``. Two attributes, each computed as a worker
computes one (``services.computed_attributes.compute`` then ``stage_values``, 1,000 records
a chunk, each chunk committed; then ``apply_staged``: the values written into the records):
``n_words`` (integer: the word count) and ``lowered`` (text: the lower-cased message, whose
tokens are stored too). Timed in the same process,
median of ``--repeats``:

- the computation (records read, the sandbox, values converted and held, then written key by
  key into the records, tokens),
  in chunks of 1,000 as the workers share it, and in one chunk (one sandbox start);
- its baseline: ``Sandbox.run_attribute_function`` alone over the same records, held in
  memory (the user code's own floor: starting the sandbox, records in, values out);
- for scale, a plain loop calling the function in this process (no sandbox).
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import median_seconds, on_both_databases  # noqa: E402
from formats.types import AttributeType  # noqa: E402
from heuristics.sandbox import Sandbox  # noqa: E402
from services.computed_attributes import (  # noqa: E402
    ATTRIBUTE_RUN,
    apply_staged,
    compute,
    stage_values,
)
from services.heuristic_runs import project_records  # noqa: E402
from services.importing import import_records  # noqa: E402
from services.projects import create_project  # noqa: E402
from services.users import create_user  # noqa: E402
from store.db import create_db_engine, migrate, session_factory  # noqa: E402
from store.models import Record  # noqa: E402
from store.projects import add_attribute  # noqa: E402
from store.runs import add_run  # noqa: E402

SMS = ROOT.parent / "shared" / "datasets" / "sms" / "SMSSpamCollection.tsv"
CHUNK = 1_000
CODES = {"n_words": (AttributeType.INTEGER,
                     'def ac(record):\n    return len(record["text"].split())\n'),
         "lowered": (AttributeType.TEXT, 'def ac(record):\n    return record["text"].lower()\n')}


def plain_loop(source: str, payloads: list[dict]) -> list:
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102 - the benchmark's own code
    return [namespace["ac"](p["data"]) for p in payloads]


def measure(url: str, repeats: int) -> dict:
    rows = [line.split("\t", 1) for line in SMS.read_text(encoding="utf-8").splitlines()]
    payload = "\n".join(json.dumps({"id": str(i), "text": text})
                        for i, (_, text) in enumerate(rows)).encode()
    engine = create_db_engine(url)
    migrate(engine)
    sandbox = Sandbox()
    figures: dict = {}
    with session_factory(engine)() as session:
        owner = create_user(session=session, name="owner")[0]
        project = create_project(session=session, name="sms", description="", owner=owner)
        import_records(session=session, project=project, fmt="jsonl", id_column="id",
                       open_stream=lambda: io.BytesIO(payload))
        ids = [rid for (rid,) in session.query(Record.id).order_by(Record.id)]
        payloads = [r.payload for r in project_records(session=session, project=project,
                                                       record_ids=ids)]
        figures["records"] = len(ids)
        for name, (data_type, source) in CODES.items():
            attribute = add_attribute(session=session, project=project, name=name,
                                      data_type=data_type)
            attribute.source = source
            run = add_run(session=session, project_id=project.id, kind=ATTRIBUTE_RUN)
            session.commit()

            def computation(attribute=attribute, source=source, data_type=data_type, run=run,
                            chunk: int = CHUNK) -> None:
                for start in range(0, len(ids), chunk):
                    outcomes, _, _ = compute(session=session, sandbox=sandbox, project=project,
                                             source=source, data_type=data_type,
                                             name=attribute.name,
                                             record_ids=ids[start:start + chunk])
                    assert not any(o.error for o in outcomes)
                    stage_values(session=session, run_id=run.id, outcomes=outcomes)
                    session.commit()
                apply_staged(session=session, attribute=attribute, run_id=run.id)
                session.commit()

            started = time.perf_counter()
            computation()
            first = time.perf_counter() - started
            figures[name] = {
                "first": first,
                "again": median_seconds(computation, repeats),
                "one_chunk": median_seconds(lambda computation=computation: computation(
                    chunk=len(ids)), repeats),
                "sandbox": median_seconds(lambda source=source: sandbox.run_attribute_function(
                    source, payloads, function="ac"), repeats),
                "plain": median_seconds(lambda source=source: plain_loop(source, payloads),
                                        repeats)}
        sample = session.get(Record, ids[0]).data
        figures["sample"] = {k: sample[k] for k in ("n_words", "lowered")}
    engine.dispose()
    return figures


def main() -> None:
    results = on_both_databases(__doc__.split("\n")[0], measure)
    print(f"{'database':<11} {'attribute':<9} {'records':>7} {'first s':>8} {'again s':>8} "
          f"{'sandbox s':>9} {'ratio':>6} {'1 chunk s':>9} {'ratio':>6} {'plain s':>8}")
    for db, f in results.items():
        for name in CODES:
            m = f[name]
            print(f"{db:<11} {name:<9} {f['records']:>7,} {m['first']:>8.2f} {m['again']:>8.2f} "
                  f"{m['sandbox']:>9.2f} {m['again'] / m['sandbox']:>6.2f} "
                  f"{m['one_chunk']:>9.2f} {m['one_chunk'] / m['sandbox']:>6.2f} "
                  f"{m['plain']:>8.3f}")
    print(f"\nfirst record's values: {results['SQLite']['sample']}")


if __name__ == "__main__":
    main()
