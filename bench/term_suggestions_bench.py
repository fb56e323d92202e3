"""What a lookup list's term suggestions and term statistics cost on a labelled
classification task, against the bare counting at their core, on SQLite and PostgreSQL.

Run: ``.venv/bin/python bench/term_suggestions_bench.py [--repeats 5]`` (from the project
root). Each database (created here, dropped after) gets the 5,574 messages of
``../shared/datasets/sms/SMSSpamCollection.tsv``, a ``spam`` task whose reference labels are
the file's (every message labelled), and a list ``spam_words`` holding the 20 terms first
suggested for ``spam``. Timed in the same process, median of ``--repeats``:

- suggestions (``services.term_stats.term_suggestions``: the labelled records read, their
  words and word pairs ranked, the 20 best for ``spam`` that the list lacks counted over
  every record);
- their baseline: ``heuristics.keywords.ranked_keywords`` over ``phrase_terms`` of the same
  texts, held in memory (the counting alone, no reading, no choosing);
- term statistics of the list (``services.term_stats.term_statistics``);
- their baseline: the loop of the template *lookup of spam_words* (``LOOKUP_LF``) over the
  same texts in memory, no reading, no counts.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import median_seconds, on_both_databases  # noqa: E402
from heuristics.keywords import phrase_terms, ranked_keywords  # noqa: E402
from services.importing import import_records  # noqa: E402
from services.projects import create_project  # noqa: E402
from services.tasks import create_task  # noqa: E402
from services.term_stats import term_statistics, term_suggestions  # noqa: E402
from services.users import create_user  # noqa: E402
from store import lookup_lists  # noqa: E402
from store.db import create_db_engine, migrate, session_factory  # noqa: E402
from store.manual_labels import LabelItem, add_manual_labels  # noqa: E402
from store.models import Record, TaskKind  # noqa: E402

SMS = ROOT.parent / "shared" / "datasets" / "sms" / "SMSSpamCollection.tsv"


def template_scan(texts: list[str], terms: list[str]) -> int:
    """The records the template *lookup of* votes on, its loop over every text."""
    keys = {" ".join(re.findall(r"\w+", term.lower())) for term in terms}
    longest = max((len(term.split()) for term in keys), default=1)
    voted = 0
    for text in texts:
        words = re.findall(r"\w+", text.lower())
        voted += any(" ".join(words[i:i + n]) in keys
                     for n in range(1, longest + 1) for i in range(len(words) - n + 1))
    return voted


def measure(url: str, repeats: int) -> dict:
    rows = [line.split("\t", 1) for line in SMS.read_text(encoding="utf-8").splitlines()]
    payload = "\n".join(json.dumps({"id": str(i), "text": text, "label": label})
                        for i, (label, text) in enumerate(rows)).encode()
    engine = create_db_engine(url)
    migrate(engine)
    with session_factory(engine)() as session:
        owner = create_user(session=session, name="owner")[0]
        project = create_project(session=session, name="sms", description="", owner=owner)
        import_records(session=session, project=project, fmt="jsonl", id_column="id",
                       open_stream=lambda: io.BytesIO(payload))
        task = create_task(session=session, project=project, name="spam",
                           kind=TaskKind.CLASSIFICATION, labels=["ham", "spam"])
        records = session.query(Record).filter_by(project_id=project.id).all()
        add_manual_labels(session=session, task=task, items=[
            LabelItem(record=r, label_name=r.data["label"], annotator=owner) for r in records])
        session.commit()
        words = lookup_lists.create_lookup_list(session=session, project=project,
                                                name="spam_words")
        first = term_suggestions(session=session, project=project, lookup_list=words,
                                 task=task, label="spam")
        lookup_lists.update_lookup_list(session=session, lookup_list=words,
                                        add=[s.term for s in first.terms])
        texts = [r.data["text"] for r in records]
        labels = [r.data["label"] for r in records]
        figures = {
            "records": len(records), "suggested": [s.term for s in first.terms[:10]],
            "suggest": median_seconds(lambda: term_suggestions(
                session=session, project=project, lookup_list=words, task=task,
                label="spam"), repeats),
            "rank": median_seconds(lambda: ranked_keywords(texts, labels, terms=phrase_terms),
                                   repeats),
            "stats": median_seconds(lambda: term_statistics(
                session=session, project=project, lookup_list=words, task=task), repeats),
            "scan": median_seconds(lambda: template_scan(texts, list(words.terms)), repeats),
        }
        counted = term_statistics(session=session, project=project, lookup_list=words,
                                  task=task)
        figures["noisy"] = [(c.term, round(c.agreement(), 2)) for c in counted.terms
                            if c.noisy()][:5]
    engine.dispose()
    return figures


def main() -> None:
    results = on_both_databases(__doc__.split("\n")[0], measure)
    print(f"{'database':<11} {'records':>7} {'suggest s':>9} {'rank s':>7} {'ratio':>6} "
          f"{'stats s':>7} {'scan s':>7} {'ratio':>6}")
    for db, f in results.items():
        print(f"{db:<11} {f['records']:>7,} {f['suggest']:>9.3f} {f['rank']:>7.3f} "
              f"{f['suggest'] / f['rank']:>6.2f} {f['stats']:>7.3f} {f['scan']:>7.3f} "
              f"{f['stats'] / f['scan']:>6.2f}")
    f = results["SQLite"]
    print(f"\nfirst 10 suggested for spam: {', '.join(f['suggested'])}")
    print(f"noisiest of them (agreement): {f['noisy']}")


if __name__ == "__main__":
    main()
