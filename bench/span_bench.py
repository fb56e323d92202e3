"""Span aggregation at scale: the label model against token majority vote, same records.

Run: ``.venv/bin/python bench/span_bench.py [--copies N]`` (from the project root).

Records: every sentence of ``../shared/datasets/conll2003/train.txt``, repeated ``--copies``
times (default 7: 98,287 records, 1.4M tokens). Three rules tag spans on them: a place
gazetteer (LOC), all-caps words (MISC) and capitalised words after the first (PER). Both
methods go through :func:`heuristics.aggregation.aggregate_spans` (token matrix, fit,
per-token decision, decoding into spans). Printed: seconds per method and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formats.readers import read_conll  # noqa: E402
from heuristics.aggregation import RecordSpans, aggregate_spans  # noqa: E402

PLACES = {"Germany", "Britain", "London", "France", "Europe", "England", "Italy", "Spain"}


def rules(tokens: list[str]) -> list[list[tuple[str, int, int]]]:
    return [[("LOC", i, i + 1) for i, t in enumerate(tokens) if t in PLACES],
            [("MISC", i, i + 1) for i, t in enumerate(tokens) if t.isupper() and len(t) > 2],
            [("PER", i, i + 1) for i, t in enumerate(tokens) if t.istitle() and i > 0]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=7)
    args = parser.parse_args()
    with (ROOT.parent / "shared" / "datasets" / "conll2003" / "train.txt").open("rb") as f:
        sentences = [s.tokens for s in read_conll(f)] * args.copies
    records = [RecordSpans(len(tokens), rules(tokens)) for tokens in sentences]
    n_tokens = sum(record.n_tokens for record in records)
    seconds = {}
    for method in ("majority", "label_model"):
        start = time.perf_counter()
        spans = aggregate_spans(records, labels=["PER", "LOC", "MISC"], method=method)
        seconds[method] = time.perf_counter() - start
        print(f"{method:12s} {seconds[method]:6.2f} s  "
              f"{sum(map(len, spans)):,} spans", flush=True)
    print(f"{len(records):,} records, {n_tokens:,} tokens, 3 rules; label model / majority "
          f"vote: {seconds['label_model'] / seconds['majority']:.2f}x")


if __name__ == "__main__":
    main()
