"""Multi-label aggregation on CoNLL-2003 with fixed rules: which entity types a sentence holds.

Run: ``.venv/bin/python bench/multilabel_rules_bench.py [--seeds N]`` (from the project root).

The task: each sentence of ``../shared/datasets/conll2003`` gets the set of entity types
(PER, LOC, ORG, MISC) of its gold spans. The heuristics are the fixed rules of
``span_rules_bench.py`` (written once on ``dev.txt``, gazetteers from ``train.txt``), each
voting the types of the spans it finds, as a multi-label labeling function would. Methods,
through the product's own code (:func:`heuristics.aggregation.predicting.multilabel_predict`
and :func:`~heuristics.aggregation.selection.choose`, as a weak supervision run calls them):

* ``majority`` and ``weighted`` on the votes alone (``weighted`` with the default precision
  of every rule);
* ``weighted`` with each rule's per-label precisions counted on the gold sets of N random
  dev sentences (the reference labels a project would have), pooled with test;
* ``auto``: the method chosen on those N dev sentences' reference labels;
* for scale, not a product method: a naive Bayes per label on the same N sentences (every
  rule's vote or silence on that label as evidence), and a logistic regression per label on
  every rule's votes (a supervised model of the votes).

Score, the same for every method: micro F1 of the label sets over every test sentence (true
and false positives and negatives summed over sentences and types), and the share of test
sentences whose set is exactly right. Rows with N dev sentences are means over ``--seeds``
random draws.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from span_rules_bench import LABELS, Gazetteers, Rule, make_rules, sentences  # noqa: E402

from heuristics.aggregation.multilabel import MULTILABEL_METHODS  # noqa: E402
from heuristics.aggregation.predicting import multilabel_predict, multilabel_score  # noqa: E402
from heuristics.aggregation.selection import choose  # noqa: E402
from heuristics.aggregation.votes import DEFAULT_PRECISION  # noqa: E402
from heuristics.spans import iob_to_spans  # noqa: E402
from workers.jobs.weak_supervision import MIN_REFERENCE  # noqa: E402

KNOWN = (100, 300, 1000, 3250)


def label_sets(rules: list[Rule], split: str) -> tuple[np.ndarray, np.ndarray]:
    """The rules' votes (sentences x rules x types) and the gold type sets of a split."""
    found = sentences(split)
    votes = np.zeros((len(found), len(rules), len(LABELS)), dtype=bool)
    gold = np.zeros((len(found), len(LABELS)), dtype=bool)
    for i, (tokens, tags) in enumerate(found):
        for j, rule in enumerate(rules):
            for label, _, _ in rule(tokens):
                votes[i, j, LABELS.index(label)] = True
        for span in iob_to_spans(tags):
            gold[i, LABELS.index(span.label)] = True
    return votes, gold


def scores(present: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """Micro F1 of the label sets and the share of exactly right sets."""
    tp, fp, fn = (present & gold).sum(), (present & ~gold).sum(), (~present & gold).sum()
    return 2 * tp / (2 * tp + fp + fn), float((present == gold).all(axis=1).mean())


def naive_bayes(votes: np.ndarray, gold: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Per type, Bernoulli naive Bayes on every rule's vote or silence on it (add-one)."""
    present = np.zeros(test.shape[::2], dtype=bool)
    for k in range(votes.shape[2]):
        x, y, x_test = votes[:, :, k], gold[:, k], test[:, :, k]
        prior = (y.sum() + 1) / (len(y) + 2)
        if_present = (x[y].sum(axis=0) + 1) / (y.sum() + 2)
        if_absent = (x[~y].sum(axis=0) + 1) / ((~y).sum() + 2)
        log_odds = (np.log(prior / (1 - prior)) + x_test @ np.log(if_present / if_absent)
                    + ~x_test @ np.log((1 - if_present) / (1 - if_absent)))
        present[:, k] = log_odds >= 0
    return present


def logistic(votes: np.ndarray, gold: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Per type, a logistic regression on every rule's votes on every type."""
    flat, flat_test = votes.reshape(len(votes), -1), test.reshape(len(test), -1)
    present = np.zeros(test.shape[::2], dtype=bool)
    for k in range(votes.shape[2]):
        if gold[:, k].all() or not gold[:, k].any():
            present[:, k] = gold[0, k]
            continue
        model = LogisticRegression(max_iter=1000).fit(flat, gold[:, k])
        present[:, k] = model.predict(flat_test)
    return present


def with_references(dev: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray],
                    known: np.ndarray) -> dict[str, np.ndarray]:
    """Each method's test label sets, with the gold sets of the ``known`` dev sentences as
    the reference labels of a project holding them and every test sentence."""
    votes = np.concatenate([dev[0][known], test[0]])
    reference = np.concatenate([dev[1][known], np.zeros_like(test[1])])
    has_reference = np.arange(len(votes)) < known.sum()
    predict = multilabel_predict(votes, reference, has_reference,
                                 precisions=np.full(votes.shape[1:], DEFAULT_PRECISION))
    chosen = choose(MULTILABEL_METHODS, predict, multilabel_score(reference, has_reference),
                    has_reference & votes.any(axis=(1, 2)), default="weighted",
                    min_reference=MIN_REFERENCE).method
    scored = ~has_reference
    return {"weighted": predict("weighted", has_reference)[scored],
            "auto": predict(chosen, has_reference)[scored],
            "naive Bayes per type": naive_bayes(dev[0][known], dev[1][known], test[0]),
            "logistic regression per type": logistic(dev[0][known], dev[1][known], test[0])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    rules = make_rules(Gazetteers(sentences("train.txt")))
    dev, test = label_sets(rules, "dev.txt"), label_sets(rules, "test.txt")
    print(f"{len(test[1]):,} test sentences, {len(dev[1]):,} dev sentences, {len(rules)} rules; "
          f"gold: {test[1].any(axis=1).mean():.1%} of test sentences hold an entity, "
          f"{(test[1].sum(axis=1) > 1).mean():.1%} more than one type; rules vote on "
          f"{test[0].any(axis=(1, 2)).mean():.1%} ({time.perf_counter() - started:.1f} s)")
    print("\n| method | known dev sentences | micro F1 | exact sets |\n|---|---:|---:|---:|")
    unseen = np.zeros(len(test[1]), dtype=bool)
    predict = multilabel_predict(test[0], test[1], unseen,
                                 precisions=np.full(test[0].shape[1:], DEFAULT_PRECISION))
    for method in MULTILABEL_METHODS:
        f1, exact = scores(predict(method, None), test[1])
        print(f"| {method} (votes alone) | 0 | {f1:.4f} | {exact:.4f} |")
    for n in KNOWN:
        draws = 1 if n >= len(dev[1]) else args.seeds
        results: dict[str, list[tuple[float, float]]] = {}
        for seed in range(draws):
            known = np.zeros(len(dev[1]), dtype=bool)
            known[np.random.default_rng(seed).choice(len(known), n, replace=False)] = True
            for method, present in with_references(dev, test, known).items():
                results.setdefault(method, []).append(scores(present, test[1]))
        for method, found in results.items():
            f1, exact = np.mean(found, axis=0)
            print(f"| {method} | {n:,} | {f1:.4f} | {exact:.4f} |")
    print(f"\n{time.perf_counter() - started:.1f} s in all")


if __name__ == "__main__":
    main()
