"""Weak supervision on random halves: is a WRENCH difference the data set's, or its split's?

Run: ``.venv/bin/python bench/ws_resplits.py [--splits 30] [name ...]`` (from the project root;
default chemprot, about 15 s a split, most of it Snorkel's fit).

One published test split scores each method once, so a difference of half a point between two
methods may be the split's luck. Here the labelled valid and test records of a WRENCH data set
are pooled and cut into two random halves, ``--splits`` times (seeds 0, 1, ...): every method
is fitted on one half's label matrix (no labels) and scored on the other half, by the rule of
``bench/ws_quality.py`` (expected accuracy over ties; the same ``evaluate``). Printed: each
method's mean score, and ours against majority vote and Snorkel per split: the mean
difference, its standard error and on how many splits ours is ahead.

sms is left out: its valid and test weak labels do not follow from their texts (see
``ws_quality.py``), so halves of them measure nothing.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ws_quality import DATASETS, METHODS, Problem, evaluate, load  # noqa: E402

OURS = "label model (ours)"
RIVALS = ("majority vote", "Snorkel LabelModel")


def halves(name: str, splits: int) -> list[Problem]:
    """``splits`` problems: fit on a random half of valid + test, scored on the other."""
    data = load(name)
    matrix = np.vstack([data.valid.label_matrix, data.test.label_matrix])
    labels = np.concatenate([data.valid.labels, data.test.labels])
    problems = []
    for seed in range(splits):
        order = np.random.default_rng(seed).permutation(len(labels))
        fit, test = order[: len(labels) // 2], order[len(labels) // 2:]
        problems.append(Problem(name, data.n_labels, matrix[fit], matrix[test], labels[test]))
    return problems


def report(name: str, splits: int) -> None:
    scores = {method: [] for method in METHODS}
    for problem in halves(name, splits):
        for method, (score, _) in evaluate(problem).items():
            scores[method].append(score)
    table = {method: np.array(values) for method, values in scores.items()}
    means = ", ".join(f"{method} {values.mean():.2f}" for method, values in table.items())
    print(f"## {name}: {splits} random halves of valid + test "
          f"({len(halves(name, 1)[0].test_labels)} records scored each)\n")
    print(f"mean scores: {means}\n")
    print("| ours against | mean difference | standard error | splits ours is ahead |")
    print("|---|---:|---:|---:|")
    for rival in RIVALS:
        difference = table[OURS] - table[rival]
        error = difference.std(ddof=1) / np.sqrt(len(difference)) if splits > 1 else np.nan
        print(f"| {rival} | {difference.mean():+.2f} | {error:.2f} | "
              f"{int((difference > 0).sum())} of {splits} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["chemprot"],
                        choices=[name for name in DATASETS if name != "sms"])
    parser.add_argument("--splits", type=int, default=30)
    args = parser.parse_args()
    logging.getLogger("snorkel").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    for name in args.names:
        report(name, args.splits)


if __name__ == "__main__":
    main()
