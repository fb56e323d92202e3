"""What a lookup list that follows a label costs: its check and its catch-up, against the
one-off recount of the label's spans (``labelled_terms``); and what its term statistics
cost, against a bare scan of the records with the lookup template's matching; on SQLite and
PostgreSQL.

Run: ``.venv/bin/python bench/lookup_follow_bench.py [--repeats 5]`` (from the project root).
Each database (created here, dropped after) gets the sentences of
``../shared/datasets/conll2003/train.txt`` with their tags as manual spans of an ``ner``
task (every sentence reviewed, so every one has a reference) and a list that follows LOC.
Then, timed in the same process, median of ``--repeats``:

- the check a reader pays when no label changed (``store.lookup_lists.refresh``, nothing to
  do);
- the catch-up after one new span (``refresh`` after a label: the recount, the list's new
  terms, its commit);
- the baseline: ``labelled_terms`` alone, the recount the one-off *Add the reference spans*
  does;
- the term statistics of the list against the ``ner`` task
  (``services.term_stats.term_statistics``: every record's tokens, the task's references,
  the counts);
- their baseline: every record's token texts read (``store.tokenization.token_texts``) and
  matched with the loop of the template *lookup of places* (``LOOKUP_EXTRACTION_LF``), no
  references, no counts.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import median_seconds, on_both_databases  # noqa: E402
from services.annotation import create_manual_label  # noqa: E402
from services.importing import import_conll  # noqa: E402
from services.projects import create_project  # noqa: E402
from services.term_stats import term_statistics  # noqa: E402
from services.users import create_user  # noqa: E402
from store import lookup_lists  # noqa: E402
from store.db import create_db_engine, migrate, session_factory  # noqa: E402
from store.manual_labels import SpanInput  # noqa: E402
from store.models import LabelingTask, Record  # noqa: E402
from store.tokenization import token_texts  # noqa: E402

CONLL = ROOT.parent / "shared" / "datasets" / "conll2003" / "train.txt"


def template_scan(session, task: LabelingTask, terms: list[str]) -> int:
    """The places the template *lookup of* finds, its loop over every record's tokens."""
    keys = {tuple(term.split()) for term in terms}
    longest = max((len(key) for key in keys), default=1)
    found = 0
    for words in token_texts(session=session, attribute=task.target_attribute).values():
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                if tuple(words[i:i + n]) in keys:
                    found, i = found + 1, i + n
                    break
            else:
                i += 1
    return found


def measure(url: str, repeats: int) -> dict[str, float]:
    engine = create_db_engine(url)
    migrate(engine)
    with session_factory(engine)() as session:
        owner = create_user(session=session, name="owner")[0]
        project = create_project(session=session, name="conll", description="", owner=owner)
        result = import_conll(session=session, project=project,
                              stream=io.BytesIO(CONLL.read_bytes()))
        task = session.get(LabelingTask, result.task_id)
        loc = next(label for label in task.labels if label.name == "LOC")
        made = lookup_lists.create_lookup_list(session=session, project=project,
                                               name="places", follows=loc)
        records = session.scalars(select(Record).where(Record.project_id == project.id)
                                  .order_by(Record.id)).all()

        def catch_up() -> None:
            record = records.pop()
            create_manual_label(session=session, task=task, record=record, label_name="LOC",
                                annotator=owner, is_gold=True,
                                span=SpanInput(token_start=0, token_end=1))
            start = time.perf_counter()
            lookup_lists.refresh(session=session, project_id=project.id)
            times.append(time.perf_counter() - start)

        times: list[float] = []
        for _ in range(repeats):
            catch_up()
        figures = {
            "sentences": len(records) + repeats,
            "terms": len(session.get(type(made), made.id).terms),
            "check": median_seconds(
                lambda: lookup_lists.refresh(session=session, project_id=project.id), repeats),
            "catch_up": statistics.median(times),
            "recount": median_seconds(lambda: lookup_lists.labelled_terms(
                session=session, task=task, label="LOC"), repeats),
        }
        listed = session.get(type(made), made.id)
        figures["term_stats"] = median_seconds(lambda: term_statistics(
            session=session, project=project, lookup_list=listed, task=task), repeats)
        figures["scan"] = median_seconds(
            lambda: template_scan(session, task, list(listed.terms)), repeats)
        counted = term_statistics(session=session, project=project, lookup_list=listed,
                                  task=task)
        assert sum(c.found for c in counted.terms) == template_scan(
            session, task, list(listed.terms)), "the statistics find what the template finds"
        figures["noisy"] = sum(c.noisy(counted.follows) for c in counted.terms)
    engine.dispose()
    return figures


def main() -> None:
    rows = on_both_databases(__doc__.split("\n")[0], measure)
    print(f"{'database':<11} {'sentences':>9} {'terms':>6} {'check ms':>9} "
          f"{'catch-up s':>10} {'recount s':>9} {'catch-up / recount':>18}")
    for db, f in rows.items():
        print(f"{db:<11} {f['sentences']:>9,} {f['terms']:>6,} {f['check'] * 1e3:>9.1f} "
              f"{f['catch_up']:>10.3f} {f['recount']:>9.3f} "
              f"{f['catch_up'] / f['recount']:>18.2f}")
    print()
    print(f"{'database':<11} {'term stats s':>12} {'template scan s':>15} "
          f"{'stats / scan':>12} {'noisy terms':>11}")
    for db, f in rows.items():
        print(f"{db:<11} {f['term_stats']:>12.3f} {f['scan']:>15.3f} "
              f"{f['term_stats'] / f['scan']:>12.2f} {f['noisy']:>11,}")


if __name__ == "__main__":
    main()
