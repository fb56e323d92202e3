"""Agreement among annotators (``heuristics.evaluation.agreement``) on 100,000 records,
against the ``krippendorff`` package computing alpha alone.

Run: ``.venv/bin/python bench/agreement_bench.py [--records 100000] [--repeat 5]``.
Three annotators each label about 70 % of the records (6 labels; an annotator agrees with a
record's hidden truth 80 % of the time). Timed in one process, the median of ``--repeat``:
ours computes everything the API answers (alpha, every pair's agreement and kappa, per label,
the confusions, each annotator against the others and against gold on 5 % of the records)
from ``{record: {annotator: label}}``; the baseline is ``krippendorff.alpha`` on the
coder-by-record table with NaN for missing labels, built beforehand (alpha only), beside our
``krippendorff_alpha`` alone on the same labels as (record, label) arrays. The alphas are
printed: they must be equal. Multi-label (the same annotators, sets of 0-3 of 6 labels)
and extraction (30,000 records, 0-4 spans each) are timed alone (no baseline to hand).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import krippendorff
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from heuristics.evaluation.agreement import (  # noqa: E402
    classification_agreement,
    krippendorff_alpha,
    multilabel_agreement,
    span_agreement,
)

LABELS = [f"label{i}" for i in range(6)]
ANNOTATORS = ("ann", "bob", "cid")


def _median_s(work: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(5)
    n = args.records
    truth = rng.integers(0, len(LABELS), n)
    table = np.where(rng.random((3, n)) < 0.8, truth, rng.integers(0, len(LABELS), (3, n)))
    table = np.where(rng.random((3, n)) < 0.7, table, -1)
    records = {r: {ANNOTATORS[c]: LABELS[table[c, r]] for c in range(3) if table[c, r] >= 0}
               for r in range(n)}
    gold = {r: LABELS[truth[r]] for r in range(0, n, 20)}
    reliability = np.where(table >= 0, table, np.nan)
    ours_s, ours = _median_s(lambda: classification_agreement(records, labels=LABELS,
                                                              gold=gold), args.repeat)
    coder, record = np.nonzero(table >= 0)
    alone_s, alone = _median_s(lambda: krippendorff_alpha(record, table[coder, record],
                                                          len(LABELS)), args.repeat)
    theirs_s, theirs = _median_s(lambda: krippendorff.alpha(
        reliability_data=reliability, level_of_measurement="nominal"), args.repeat)
    print(f"classification, {n:,} records, {ours.records:,} with two annotators or more")
    print(f"  ours (everything): {ours_s * 1000:8.1f} ms  alpha {ours.value:.6f}")
    print(f"  ours, alpha alone: {alone_s * 1000:8.1f} ms  alpha {alone:.6f}")
    print(f"  krippendorff.alpha: {theirs_s * 1000:7.1f} ms  alpha {theirs:.6f}")
    print(f"  ratio ours / krippendorff: everything {ours_s / theirs_s:.2f}x, "
          f"alpha alone {alone_s / theirs_s:.2f}x")
    sets = {r: {name: frozenset(LABELS[i] for i in rng.choice(6, rng.integers(0, 4),
                                                              replace=False))
                for name in by} for r, by in records.items()}
    multi_s, multi = _median_s(lambda: multilabel_agreement(sets, labels=LABELS), args.repeat)
    print(f"multi-label, {n:,} records: {multi_s * 1000:.1f} ms  alpha {multi.value:.4f}")
    spans = {r: {name: frozenset((LABELS[rng.integers(0, 6)], s, s + 1)
                                 for s in rng.choice(20, rng.integers(0, 5), replace=False))
                 for name in by} for r, by in list(records.items())[:30_000]}
    span_s, span = _median_s(lambda: span_agreement(spans, labels=LABELS), args.repeat)
    print(f"extraction, 30,000 records: {span_s * 1000:.1f} ms  span F1 {span.value:.4f}")


if __name__ == "__main__":
    main()
