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

Also scored, with the fitted half's labels as the task's reference labels: the label model
anchored on them and the product's ``auto`` (:func:`ws_quality.with_references`), each
against majority vote and against ours.

``--variants`` instead scores label-model variants that were measured and not kept, against
majority vote on the same halves (no Snorkel): other prior precisions, and a fit that keeps
majority vote's answer wherever ``BOOTSTRAP_FITS`` refits on resampled records (the same
matrix drawn with replacement) do not all pick the full fit's top label.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ws_quality import (  # noqa: E402
    DATASETS,
    METHODS,
    Problem,
    evaluate,
    load,
    with_references,
)

from heuristics.aggregation import LabelModel, MajorityVote  # noqa: E402

OURS = "label model (ours)"
LEARNING = ("anchored label model", "auto")
RIVALS = ("majority vote", "Snorkel LabelModel")
BOOTSTRAP_FITS = 20
PRIOR_PRECISIONS = (0.2, 0.3, 0.5)


def halves(name: str, splits: int) -> list[tuple[Problem, np.ndarray]]:
    """``splits`` problems: fit on a random half of valid + test, scored on the other; each
    with the labels of the half it is fitted on (for the methods that learn from them)."""
    data = load(name)
    matrix = np.vstack([data.valid.label_matrix, data.test.label_matrix])
    labels = np.concatenate([data.valid.labels, data.test.labels])
    problems = []
    for seed in range(splits):
        order = np.random.default_rng(seed).permutation(len(labels))
        fit, test = order[: len(labels) // 2], order[len(labels) // 2:]
        problems.append((Problem(name, data.n_labels, matrix[fit], matrix[test], labels[test]),
                         labels[fit]))
    return problems


def report(name: str, splits: int) -> None:
    scores = {method: [] for method in (*METHODS, *LEARNING)}
    chosen: list[str] = []
    for problem, fit_labels in halves(name, splits):
        for method, (score, _) in evaluate(problem).items():
            scores[method].append(score)
        learnt = with_references(problem, fit_labels)
        for method in LEARNING:
            scores[method].append(learnt[method])
        chosen.append(learnt["auto chose"])
    table = {method: np.array(values) for method, values in scores.items()}
    means = ", ".join(f"{method} {values.mean():.2f}" for method, values in table.items())
    print(f"## {name}: {splits} random halves of valid + test "
          f"({len(halves(name, 1)[0][0].test_labels)} records scored each)\n")
    print(f"mean scores: {means} (with the fitted half's labels as reference labels: "
          f"{', '.join(LEARNING)}; auto chose "
          f"{', '.join(f'{m} {chosen.count(m)}' for m in sorted(set(chosen)))})\n")
    print("| ours (or a method named) against | mean difference | standard error | "
          "splits ahead |")
    print("|---|---:|---:|---:|")
    for ours, rival in [(OURS, rival) for rival in RIVALS] + [
            (method, "majority vote") for method in LEARNING] + [
            (method, OURS) for method in LEARNING]:
        difference = table[ours] - table[rival]
        error = difference.std(ddof=1) / np.sqrt(len(difference)) if splits > 1 else np.nan
        print(f"| {'' if ours == OURS else ours + ', '}{rival} | {difference.mean():+.2f} | "
              f"{error:.2f} | {int((difference > 0).sum())} of {splits} |")
    print()


def stable_or_majority(problem: Problem, majority: np.ndarray, ours: np.ndarray) -> np.ndarray:
    """Ours where every bootstrap refit picks ours' top label, majority vote elsewhere."""
    k, fit = problem.n_labels, problem.fit_matrix
    rng = np.random.default_rng(0)
    top = ours.argmax(axis=1)
    stable = np.ones(len(top), dtype=bool)
    for _ in range(BOOTSTRAP_FITS):
        refit = LabelModel(k).fit(fit[rng.integers(0, len(fit), len(fit))])
        stable &= refit.predict_proba(problem.test_matrix).argmax(axis=1) == top
    return np.where(stable[:, None], ours, majority)


def variants(name: str, splits: int) -> None:
    differences: dict[str, list[float]] = {}
    for problem, _ in halves(name, splits):
        k, fit, test = problem.n_labels, problem.fit_matrix, problem.test_matrix
        majority = MajorityVote(k).fit(fit).predict_proba(test)
        ours = LabelModel(k).fit(fit).predict_proba(test)
        answers = {"ours (default)": ours,
                   f"ours, majority vote unless {BOOTSTRAP_FITS} refits agree":
                       stable_or_majority(problem, majority, ours)}
        for precision in PRIOR_PRECISIONS:
            model = LabelModel(k, prior_precision=precision).fit(fit)
            answers[f"prior_precision={precision}"] = model.predict_proba(test)
        baseline = problem.score(majority)
        for variant, answer in answers.items():
            differences.setdefault(variant, []).append(problem.score(answer) - baseline)
    print(f"## {name}: variants against majority vote, {splits} random halves\n")
    print("| variant | mean difference | standard error |\n|---|---:|---:|")
    for variant, values in differences.items():
        array = np.array(values)
        error = array.std(ddof=1) / np.sqrt(len(array)) if splits > 1 else np.nan
        print(f"| {variant} | {array.mean():+.2f} | {error:.2f} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["chemprot"],
                        choices=[name for name in DATASETS if name != "sms"])
    parser.add_argument("--splits", type=int, default=30)
    parser.add_argument("--variants", action="store_true",
                        help="score the variants measured and not kept (see above)")
    args = parser.parse_args()
    logging.getLogger("snorkel").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    for name in args.names:
        (variants if args.variants else report)(name, args.splits)


if __name__ == "__main__":
    main()
