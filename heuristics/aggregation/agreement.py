"""How weak labels agree with reference labels: coverage, distribution, F1, confusion.

One function per task kind; each returns a JSON-ready dict with ``records``,
``weakly_labelled``, ``coverage``, ``distribution``, ``compared`` (records with both a weak
result and a reference), per-label ``f1`` and a ``confusion`` matrix (reference rows, weak
columns).

Examples
--------
>>> metrics = classification_agreement(np.array([0, 1, 1]), np.array([True, True, False]),
...                                    np.array([0, 0, 1]), ["ham", "spam"])
>>> metrics["accuracy"], metrics["coverage"], metrics["confusion"]["matrix"]
(0.5, 0.6666666666666666, [[1, 1], [0, 0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from heuristics.aggregation.scoring import expected_accuracy
from heuristics.spans import OUTSIDE, OUTSIDE_INDEX, spans_to_token_labels

__all__ = ["classification_agreement", "expected_agreement", "multilabel_agreement",
           "span_agreement"]


def _f1(tp: np.ndarray, predicted: np.ndarray, actual: np.ndarray) -> np.ndarray:
    return np.divide(2 * tp, predicted + actual, out=np.zeros(len(tp)),
                     where=predicted + actual > 0)


def _f1_by_label(tp: np.ndarray, predicted: np.ndarray, actual: np.ndarray,
                 names: Sequence[str]) -> dict[str, float | None]:
    """Per label F1; None where the label was neither predicted nor in the reference of a
    compared record (nothing to score, not a score of 0)."""
    f1 = _f1(tp, predicted, actual)
    return {name: float(f1[k]) if predicted[k] + actual[k] > 0 else None
            for k, name in enumerate(names)}


def classification_agreement(predicted: np.ndarray, kept: np.ndarray, reference: np.ndarray,
                             names: Sequence[str]) -> dict[str, Any]:
    """Agreement of one weak label per record (``predicted``, used where ``kept``) with
    ``reference`` (-1 = none): accuracy, per-label F1, confusion."""
    n = len(names)
    both = kept & (reference >= 0)
    confusion = np.zeros((n, n), dtype=np.int64)
    np.add.at(confusion, (reference[both], predicted[both]), 1)
    tp = np.diag(confusion)
    return {
        "records": int(len(predicted)), "weakly_labelled": int(kept.sum()),
        "coverage": float(kept.mean()) if len(kept) else 0.0,
        "distribution": {name: int((predicted[kept] == k).sum()) for k, name in enumerate(names)},
        "compared": int(both.sum()),
        "accuracy": float(tp.sum() / both.sum()) if both.any() else None,
        "f1": _f1_by_label(tp, confusion.sum(axis=0), confusion.sum(axis=1), names),
        "confusion": {"labels": list(names), "matrix": confusion.tolist()},
    }


def expected_agreement(probabilities: np.ndarray, *, voted: np.ndarray, labelled: np.ndarray,
                       from_prior: np.ndarray, reference: np.ndarray) -> dict[str, Any]:
    """Accuracy of weak labels under the one scoring rule (tied top labels earn their share,
    :func:`heuristics.aggregation.scoring.expected_accuracy`), on covered and on all records.

    ``probabilities`` (n_records, n_labels) are what each weak label was decided from (the
    class prior on records given it, ``from_prior``); ``voted`` marks records with a vote,
    ``labelled`` those that got a weak label, ``reference`` the reference label (-1 = none).
    A record without a weak label has every label tied.

    Returns ``accuracy`` (records with a weak label from votes and a reference: ``compared``),
    ``accuracy_all`` (every record with a reference: ``compared_all``, of which ``guessed``
    have no weak label and earn ``1 / n_labels``), ``coverage`` (share of records with a vote)
    and ``from_prior`` (records given the class prior).

    >>> metrics = expected_agreement(np.array([[0.5, 0.5], [0.9, 0.1], [0.6, 0.4]]),
    ...     voted=np.array([True, True, False]), labelled=np.array([True, True, True]),
    ...     from_prior=np.array([False, False, True]), reference=np.array([0, 0, 1]))
    >>> metrics["accuracy"], metrics["accuracy_all"], metrics["from_prior"], metrics["guessed"]
    (0.75, 0.5, 1, 0)
    """
    answers = np.where(labelled[:, None], probabilities, 1.0)
    referenced = reference >= 0
    compared = referenced & labelled & voted

    def accuracy(rows: np.ndarray) -> float | None:
        return expected_accuracy(answers[rows], reference[rows]) if rows.any() else None

    return {"accuracy": accuracy(compared), "compared": int(compared.sum()),
            "accuracy_all": accuracy(referenced), "compared_all": int(referenced.sum()),
            "guessed": int((referenced & ~labelled).sum()),
            "coverage": float(voted.mean()) if len(voted) else 0.0,
            "from_prior": int(from_prior.sum())}


def multilabel_agreement(present: np.ndarray, reference: np.ndarray, has_reference: np.ndarray,
                         names: Sequence[str]) -> dict[str, Any]:
    """Agreement of weak label sets ``present`` (n_records, n_labels) with the reference sets
    on records with a reference and a weak label: subset accuracy (exact set), micro and
    per-label F1, and per label a 2×2 confusion ``[[tn, fp], [fn, tp]]``.

    >>> m = multilabel_agreement(np.array([[1, 1], [0, 1]], bool),
    ...                          np.array([[1, 0], [0, 1]], bool), np.array([True, True]),
    ...                          ["a", "b"])
    >>> m["accuracy"], round(m["micro_f1"], 3), m["confusion"]["matrix"]["b"]
    (0.5, 0.8, [[0, 1], [0, 1]])
    """
    kept = present.any(axis=1)
    both = kept & has_reference
    weak, truth = present[both], reference[both]
    tp = (weak & truth).sum(axis=0)
    fp = (weak & ~truth).sum(axis=0)
    fn = (~weak & truth).sum(axis=0)
    tn = (~weak & ~truth).sum(axis=0)
    micro = _f1(np.array([tp.sum()]), np.array([(tp + fp).sum()]), np.array([(tp + fn).sum()]))
    return {
        "records": int(len(present)), "weakly_labelled": int(kept.sum()),
        "coverage": float(kept.mean()) if len(kept) else 0.0,
        "distribution": {name: int(present[:, k].sum()) for k, name in enumerate(names)},
        "compared": int(both.sum()),
        "accuracy": float((weak == truth).all(axis=1).mean()) if both.any() else None,
        "micro_f1": float(micro[0]) if both.any() else None,
        "f1": _f1_by_label(tp, tp + fp, tp + fn, names),
        "confusion": {"labels": list(names), "layout": "[[tn, fp], [fn, tp]]", "matrix": {
            name: [[int(tn[k]), int(fp[k])], [int(fn[k]), int(tp[k])]]
            for k, name in enumerate(names)}},
    }


def span_agreement(weak: Sequence[Sequence[tuple[int, int, int]]],
                   reference: dict[int, Sequence[tuple[int, int, int]]],
                   n_tokens: np.ndarray, names: Sequence[str]) -> dict[str, Any]:
    """Agreement of weak spans with reference spans, both ``(label_index, start, end)`` per
    record (``reference`` keyed by record position, only records that have one): exact-span
    micro and per-label F1 on records with a reference, and a token confusion matrix over
    ``OUTSIDE`` and the labels.

    >>> m = span_agreement([[(0, 0, 2)], [(1, 1, 2)]], {0: [(0, 0, 2)], 1: [(0, 1, 2)]},
    ...                    np.array([3, 2]), ["PER", "LOC"])
    >>> m["micro_f1"], m["f1"], m["confusion"]["matrix"]
    (0.5, {'PER': 0.6666666666666666, 'LOC': 0.0}, [[2, 0, 0], [0, 2, 1], [0, 0, 0]])
    """
    n = len(names)
    kept = np.array([bool(spans) for spans in weak], dtype=bool)
    tp, predicted, actual = np.zeros(n), np.zeros(n), np.zeros(n)
    confusion = np.zeros((n + 1, n + 1), dtype=np.int64)
    for row, truth in reference.items():
        guessed = set(weak[row])
        truth = set(truth)
        for label, _, _ in guessed & truth:
            tp[label] += 1
        for label, _, _ in guessed:
            predicted[label] += 1
        for label, _, _ in truth:
            actual[label] += 1
        np.add.at(confusion, (_token_label_indices(truth, n_tokens[row]),
                              _token_label_indices(guessed, n_tokens[row])), 1)
    micro = _f1(tp.sum(keepdims=True), predicted.sum(keepdims=True), actual.sum(keepdims=True))
    return {
        "records": len(weak), "weakly_labelled": int(kept.sum()),
        "coverage": float(kept.mean()) if len(kept) else 0.0,
        "spans": sum(len(spans) for spans in weak),
        "distribution": {name: sum(s[0] == k for spans in weak for s in spans)
                         for k, name in enumerate(names)},
        "compared": len(reference),
        "micro_f1": float(micro[0]) if reference else None,
        "f1": _f1_by_label(tp, predicted, actual, names),
        "confusion": {"labels": [OUTSIDE, *names], "unit": "token",
                      "matrix": confusion.tolist()},
    }


def _token_label_indices(spans: set[tuple[int, int, int]], n_tokens: int) -> list[int]:
    """Integer token labels of ``(label_index, start, end)`` spans: OUTSIDE_INDEX outside,
    ``label_index + 1`` inside (later spans overwrite earlier ones)."""
    return spans_to_token_labels([(label + 1, start, end) for label, start, end in spans],
                                 int(n_tokens), outside=OUTSIDE_INDEX)
