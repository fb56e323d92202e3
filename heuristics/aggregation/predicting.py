"""How the methods of multi-label and extraction tasks predict and are scored, for the
choice of a method and its cross-fitted scores (:func:`heuristics.aggregation.selection.choose`
and :func:`~heuristics.aggregation.selection.cross_fitted`; classification's are in that
module).

The weighted votes of both kinds weigh each heuristic by its precision against the reference
labels (:func:`~heuristics.aggregation.votes.counted_precisions`): per label for multi-label,
per token for spans, as the task's statistics count them. Fitted with the reference labels of
some records only (``seen``), they count on those records alone; the anchored label model of
spans is anchored on those records' reference spans alone.

Examples
--------
Two heuristics voting label sets over two labels; the second is wrong on label 1 wherever
a reference says so, and a weighted vote fitted on the first two records learns it:

>>> votes = np.array([[[1, 0], [1, 1]], [[1, 0], [1, 1]], [[0, 1], [0, 1]]], dtype=bool)
>>> reference = np.array([[1, 0], [1, 0], [0, 1]], dtype=bool)
>>> predict = multilabel_predict(votes, reference, np.ones(3, bool),
...                              precisions=np.full((2, 2), 0.9))
>>> predict("weighted", np.array([True, True, False]))[0].tolist()
[True, False]
>>> multilabel_score(reference, np.ones(3, bool))(predict("majority", None),
...                                                 np.ones(3, bool))
0.75
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from heuristics.aggregation.agreement import multilabel_agreement, span_agreement
from heuristics.aggregation.multilabel import aggregate_multilabel
from heuristics.aggregation.selection import LEARN_FROM_REFERENCES, Predict, Score
from heuristics.aggregation.spans import RecordSpans, aggregate_spans
from heuristics.aggregation.votes import WeightedVote, counted_precisions
from heuristics.evaluation.classification import multilabel_stats
from heuristics.evaluation.extraction import span_stats

__all__ = ["multilabel_predict", "multilabel_score", "span_predict", "span_score"]


def multilabel_predict(votes: np.ndarray, reference: np.ndarray, has_reference: np.ndarray, *,
                       precisions: np.ndarray, min_confidence: float = 0.0) -> Predict:
    """:data:`~heuristics.aggregation.selection.Predict` of a multi-label task: each record's
    label set (bool, records × labels). ``votes`` (records × heuristics × labels),
    ``reference`` and ``has_reference`` as :func:`~heuristics.evaluation.multilabel_stats`
    takes them; ``precisions`` (heuristics × labels) weigh the weighted vote fitted without
    ``seen``."""
    answers: dict[str, np.ndarray] = {}

    def predict(method: str, seen: np.ndarray | None) -> np.ndarray:
        if seen is not None and method in LEARN_FROM_REFERENCES:
            counts = multilabel_stats(votes, reference, has_reference & seen)
            return _present(votes, method, counted_precisions(counts.tp, counts.fp),
                            min_confidence)
        if method not in answers:
            answers[method] = _present(votes, method, precisions, min_confidence)
        return answers[method]

    return predict


def _present(votes: np.ndarray, method: str, precisions: np.ndarray,
             min_confidence: float) -> np.ndarray:
    return aggregate_multilabel(votes, method=method, precisions=precisions,
                                min_confidence=min_confidence).present


def multilabel_score(reference: np.ndarray, has_reference: np.ndarray) -> Score:
    """:data:`~heuristics.aggregation.selection.Score` of a multi-label task: micro F1 of the
    label sets on the records of ``rows`` with a reference and a weak label set (0 where
    there is none)."""
    names = [str(k) for k in range(reference.shape[1])]

    def score(present: np.ndarray, rows: np.ndarray) -> float:
        return multilabel_agreement(present[rows], reference[rows], has_reference[rows],
                                    names)["micro_f1"] or 0.0

    return score


def span_predict(records: Sequence[RecordSpans], rows: Sequence[int], *, n_records: int,
                 labels: Sequence[str], reference: dict[int, Sequence[tuple[int, int, int]]],
                 n_tokens: np.ndarray, weights: np.ndarray,
                 min_confidence: float = 0.0) -> Predict:
    """:data:`~heuristics.aggregation.selection.Predict` of an extraction task: an object
    array of ``n_records`` span lists ``(label index, start, end, confidence)``. ``records``
    are the voted ones, at positions ``rows``; ``reference`` the reference spans
    ``(label index, start, end)`` by position; ``weights`` the heuristics' token precisions
    for the weighted vote fitted without ``seen``. The anchored label model is anchored on
    the reference spans of the ``seen`` records, or of all without ``seen``."""
    answers: dict[str, np.ndarray] = {}
    voted = _voted_spans(records, rows, labels)
    n_heuristics = len(weights)

    def spans(method: str, seen: np.ndarray | None) -> np.ndarray:
        known = [[(labels[label], start, end) for label, start, end in reference[row]]
                 if row in reference and (seen is None or seen[row]) else None for row in rows]
        model: str | WeightedVote = method
        if method == "weighted":
            precisions = weights if seen is None else _token_precisions(
                voted, reference, seen, n_tokens, n_heuristics, len(labels))
            model = WeightedVote(len(labels) + 1, precisions, weighting="log_odds")
        weak = np.empty(n_records, dtype=object)
        weak[:] = [[] for _ in range(n_records)]
        index = {name: k for k, name in enumerate(labels)}
        for row, found in zip(rows, aggregate_spans(records, labels=labels, method=model,
                                                    min_confidence=min_confidence,
                                                    references=known), strict=True):
            weak[row] = [(index[s.label], s.start, s.end, s.confidence) for s in found]
        return weak

    def predict(method: str, seen: np.ndarray | None) -> np.ndarray:
        if seen is not None and method in LEARN_FROM_REFERENCES:
            return spans(method, seen)
        if method not in answers:
            answers[method] = spans(method, None)
        return answers[method]

    return predict


def _voted_spans(records: Sequence[RecordSpans], rows: Sequence[int],
                 labels: Sequence[str]) -> np.ndarray:
    """``(heuristic, position, label index, start, end)`` of every span voted."""
    index = {name: k for k, name in enumerate(labels)}
    return np.array([(j, row, index[span[0]], span[1], span[2])
                     for record, row in zip(records, rows, strict=True)
                     for j, found in enumerate(record.spans)
                     for span in found], dtype=np.int64).reshape(-1, 5)


def _token_precisions(voted: np.ndarray, reference: dict[int, Sequence[tuple[int, int, int]]],
                      seen: np.ndarray, n_tokens: np.ndarray, n_heuristics: int,
                      n_labels: int) -> np.ndarray:
    """Each heuristic's token precision over all labels on the ``seen`` referenced records."""
    counted = np.zeros(len(seen), dtype=bool)
    counted[[row for row in reference if seen[row]]] = True
    truth = np.array([(row, *span) for row, spans in reference.items() if counted[row]
                      for span in spans], dtype=np.int64).reshape(-1, 4)
    stats = span_stats(voted[counted[voted[:, 1]]], truth, n_tokens=n_tokens,
                       has_reference=counted, n_heuristics=n_heuristics, n_labels=n_labels)
    return counted_precisions(stats.tokens.tp.sum(axis=1), stats.tokens.fp.sum(axis=1))


def span_score(reference: dict[int, Sequence[tuple[int, int, int]]], n_tokens: np.ndarray,
               labels: Sequence[str]) -> Score:
    """:data:`~heuristics.aggregation.selection.Score` of an extraction task: exact-span
    micro F1 on the referenced records of ``rows`` (0 where there is none)."""

    def score(weak: np.ndarray, rows: np.ndarray) -> float:
        return span_agreement([[span[:3] for span in found] for found in weak],
                              {row: spans for row, spans in reference.items() if rows[row]},
                              n_tokens, labels)["micro_f1"] or 0.0

    return score
