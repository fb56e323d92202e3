"""Choose the aggregation method of a task by agreement with its reference labels.

Agreement is the one scoring rule (:func:`heuristics.aggregation.scoring.expected_accuracy`:
tied top labels earn their share). :func:`cross_fitted_choice` also says how well the choice
does on reference labels it did not see: each half of the referenced records is predicted by
the method chosen on the other half. :func:`choose` and :func:`cross_fitted` are the rule for
any task kind, given how its predictions are made and scored.

Examples
--------
>>> L = np.array([[0, 0, -1], [1, 1, 0], [1, -1, -1], [0, 1, 1]])
>>> reference = np.array([0, 1, 1, -1])
>>> choose_method(L, reference, n_labels=2, weights=np.array([0.9, 0.8, 0.6]),
...               min_reference=3).method
'majority'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from heuristics.aggregation.label_model import LabelModel
from heuristics.aggregation.scoring import expected_accuracy
from heuristics.aggregation.votes import MajorityVote, WeightedVote
from heuristics.evaluation.classification import classification_stats

METHODS = ("majority", "weighted", "label_model")
"""The methods of every task kind."""
ANCHORED = "anchored_label_model"
CLASSIFICATION_METHODS = (*METHODS, ANCHORED)
"""Classification adds the label model anchored on the reference labels."""
EXTRACTION_METHODS = (*METHODS, ANCHORED)
"""Extraction too, anchored on the tokens of the reference spans."""
LEARN_FROM_REFERENCES = ("weighted", ANCHORED)
"""Methods fitted on the reference labels too: scored on those of the other half only."""


@dataclass(frozen=True)
class Choice:
    """The chosen method and the agreement of each candidate on the reference labels."""

    method: str
    agreement: dict[str, float]


def make_model(method: str, *, n_labels: int, weights: np.ndarray):
    """An unfitted aggregation model for ``method`` (the anchored label model is fitted by
    :func:`fit_method`)."""
    if method == "majority":
        return MajorityVote(n_labels)
    if method == "weighted":
        return WeightedVote(n_labels, weights, weighting="log_odds")
    return LabelModel(n_labels)


def fit_method(method: str, label_matrix: np.ndarray, reference: np.ndarray, *,
               n_labels: int, weights: np.ndarray):
    """``method`` fitted on the votes; the anchored label model on the reference labels
    (-1 = none) too.

    >>> L = np.array([[0, 0, -1], [1, 1, 0], [1, -1, -1], [0, 1, 1]])
    >>> fit_method(ANCHORED, L, np.array([0, 1, -1, -1]), n_labels=2,
    ...            weights=np.ones(3)).predict(L).tolist()
    [0, 1, 1, 1]
    """
    if method == ANCHORED:
        return LabelModel(n_labels).fit(label_matrix, reference=reference)
    return make_model(method, n_labels=n_labels, weights=weights).fit(label_matrix)


Predict = Callable[[str, "np.ndarray | None"], np.ndarray]
"""``predict(method, seen)``: the prediction of every record by ``method``, one row per record
(probabilities, label sets, or an object array of span lists). A method of
``LEARN_FROM_REFERENCES`` is fitted with the reference labels of the ``seen`` records (a
boolean mask) only; the others are fitted on the votes alone and get ``seen=None``."""
Score = Callable[[np.ndarray, np.ndarray], float]
"""``score(predictions, rows)``: agreement of ``predictions`` with the reference labels of
``rows`` (a boolean mask)."""


def choose(methods: tuple[str, ...], predict: Predict, score: Score, rows: np.ndarray, *,
           default: str, min_reference: int) -> Choice:
    """The method of ``methods`` whose predictions agree best with the reference labels of
    ``rows`` (ties prefer the earlier one); ``default`` with fewer than ``min_reference`` rows.

    Methods fitted on the reference labels too (``LEARN_FROM_REFERENCES``) are scored by
    cross-fitting within ``rows``: each half predicted by the method fitted on the other
    half's labels. Otherwise they would be graded on their own answers and win too often.
    Any task kind: ``predict`` and ``score`` know its predictions.

    >>> votes = np.array([0, 0, 1, 1, 1, 0])
    >>> reference = np.array([0, 0, 1, 1, 0, 0])
    >>> def predict(method, seen):   # "weighted": the reference's majority where it is seen
    ...     if method == "majority":
    ...         return votes
    ...     return np.full(6, np.bincount(reference[seen]).argmax())
    >>> def score(predicted, rows):
    ...     return float((predicted[rows] == reference[rows]).mean())
    >>> choose(("majority", "weighted"), predict, score, np.ones(6, bool), default="majority",
    ...        min_reference=2)
    Choice(method='majority', agreement={'majority': 0.8333333333333334, 'weighted': 0.6666666666666666})
    """  # noqa: E501
    if rows.sum() < min_reference:
        return Choice(default, {})
    half = alternating_halves(rows)

    def agreement(method: str) -> float:
        predicted = (held_out(method, predict, half) if method in LEARN_FROM_REFERENCES
                     else predict(method, None))
        return score(predicted, rows)

    return best_method(methods, agreement)


def cross_fitted(methods: tuple[str, ...], predict: Predict, score: Score,
                 referenced: np.ndarray, *, default: str, min_reference: int,
                 scored: np.ndarray | None = None) -> CrossFitted:
    """What ``auto`` would score on reference labels it did not choose with: the
    ``referenced`` records (a mask) alternate between two halves, and each half is predicted
    by the method :func:`choose` picks on the other half alone (on its ``scored`` records,
    default all; a method that learns from the reference labels fitted on all the other
    half's). No score of a record comes from a choice or a fit that saw its reference label.

    >>> def predict(method, seen):   # every record: how many reference labels the fit saw
    ...     return np.full(6, -1 if seen is None else int(seen.sum()))
    >>> def score(predicted, rows):   # here, the more the fit saw the better
    ...     return float(predicted[rows].mean())
    >>> fitted = cross_fitted(("majority", "weighted"), predict, score, np.ones(6, bool),
    ...                       default="majority", min_reference=2)
    >>> fitted.methods, fitted.half.tolist(), fitted.predictions.tolist()
    (('weighted', 'weighted'), [0, 1, 0, 1, 0, 1], [3, 3, 3, 3, 3, 3])
    """
    half = alternating_halves(referenced)
    predictions: np.ndarray | None = None
    chosen = []
    for own in (0, 1):
        other = half == 1 - own
        method = choose(methods, predict, score, other if scored is None else other & scored,
                        default=default, min_reference=min_reference // 2).method
        chosen.append(method)
        fitted = predict(method, other if method in LEARN_FROM_REFERENCES else None)
        if predictions is None:
            predictions = fitted.copy()
        predictions[half == own] = fitted[half == own]
    return CrossFitted(half, (chosen[0], chosen[1]), predictions)


def cross_fitted_alone(method: str, predict: Predict, referenced: np.ndarray) -> CrossFitted:
    """How ``method``, which learns from the reference labels, does on those it did not
    learn from: each half of the ``referenced`` records predicted by it fitted on the other
    half's.

    >>> def predict(method, seen):   # every record: how many reference labels the fit saw
    ...     return np.full(4, int(seen.sum()))
    >>> fitted = cross_fitted_alone("weighted", predict, np.array([True, True, True, False]))
    >>> fitted.half.tolist(), fitted.predictions.tolist()
    ([0, 1, 0, -1], [1, 2, 1, 1])
    """
    half = alternating_halves(referenced)
    return CrossFitted(half, (method, method), held_out(method, predict, half))


def held_out(method: str, predict: Predict, half: np.ndarray) -> np.ndarray:
    """Every record's predictions by ``method``, those of half 0 fitted with the reference
    labels of half 1 and those of half 1 with half 0's (``half``: 0, 1 or -1 for neither;
    records of neither as fitted with half 1's).

    >>> def predict(method, seen):   # every record: the first record whose label it saw
    ...     return np.full(4, int(np.flatnonzero(seen)[0]))
    >>> held_out("weighted", predict, np.array([0, 1, 0, -1])).tolist()
    [1, 0, 1, 1]
    """
    predictions = predict(method, half == 1).copy()
    predictions[half == 1] = predict(method, half == 0)[half == 1]
    return predictions


def classification_predict(label_matrix: np.ndarray, reference: np.ndarray, *,
                           n_labels: int, weights: np.ndarray,
                           fits: dict | None = None) -> Predict:
    """:data:`Predict` of a classification task: probabilities per record; majority vote
    and the label model fitted once on the votes (kept in ``fits``), the weighted vote with
    ``weights`` unless the references of ``seen`` give them.

    >>> L = np.array([[0, 0], [1, -1], [1, 1]])
    >>> predict = classification_predict(L, np.array([0, -1, 1]), n_labels=2,
    ...                                  weights=np.array([0.9, 0.6]))
    >>> predict("majority", None).tolist()
    [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
    """
    fits = {} if fits is None else fits

    def predict(method: str, seen: np.ndarray | None) -> np.ndarray:
        if seen is not None and method in LEARN_FROM_REFERENCES:
            return _fitted_on(method, label_matrix, reference, seen,
                              n_labels=n_labels).predict_proba(label_matrix)
        return fitted_on_votes(method, label_matrix, n_labels=n_labels, weights=weights,
                               fits=fits).predict_proba(label_matrix)

    return predict


def classification_score(reference: np.ndarray) -> Score:
    """:data:`Score` of a classification task: expected accuracy (tied top labels earn
    their share).

    >>> score = classification_score(np.array([0, 1, -1]))
    >>> score(np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]]), np.array([True, True, False]))
    0.75
    """
    return lambda probabilities, rows: expected_accuracy(probabilities[rows], reference[rows])


def choose_method(label_matrix: np.ndarray, reference: np.ndarray, *, n_labels: int,
                  weights: np.ndarray, min_reference: int = 30,
                  rows: np.ndarray | None = None, fits: dict | None = None) -> Choice:
    """The classification method whose probabilities agree best with ``reference`` (-1 =
    none) on records with votes (expected accuracy); the label model when fewer than
    ``min_reference`` such records exist. Ties prefer the simpler method (order of
    ``CLASSIFICATION_METHODS``); methods that learn from the reference labels are
    cross-fitted (:func:`choose`).

    ``rows`` (a boolean mask) limits the reference labels it may look at; default all.
    ``fits`` keeps the models fitted on the votes alone (:func:`fitted_on_votes`) for other
    calls on the same label matrix."""
    covered = (label_matrix >= 0).any(axis=1) & (reference >= 0)
    if rows is not None:
        covered &= rows
    return choose(CLASSIFICATION_METHODS,
                  classification_predict(label_matrix, reference, n_labels=n_labels,
                                         weights=weights, fits=fits),
                  classification_score(reference), covered, default="label_model",
                  min_reference=min_reference)


@dataclass(frozen=True)
class CrossFitted:
    """Per half of the referenced records (``half``: 0 or 1, -1 = neither), the method
    chosen on the other half, and every record's predictions, those of each half from the
    method chosen (and, if it learns from them, fitted) on the other half's reference labels
    (a record without votes gets what that method gives such a record)."""

    half: np.ndarray
    methods: tuple[str, str]
    predictions: np.ndarray


def cross_fitted_choice(label_matrix: np.ndarray, reference: np.ndarray, *, n_labels: int,
                        weights: np.ndarray, min_reference: int = 30,
                        fits: dict | None = None) -> CrossFitted:
    """What ``auto`` would score on the reference labels of a classification task
    (:func:`cross_fitted` with :func:`choose_method`'s rule on each half).

    >>> L = np.array([[0, 0, -1], [1, 1, 0], [1, -1, -1], [0, 1, 1]] * 20)
    >>> fitted = cross_fitted_choice(L, np.array([0, 1, 1, 1] * 20), n_labels=2,
    ...                              weights=np.array([0.9, 0.8, 0.6]), min_reference=10)
    >>> fitted.methods, fitted.half[:4].tolist()
    (('majority', 'majority'), [0, 1, 0, 1])
    """
    return cross_fitted(CLASSIFICATION_METHODS,
                        classification_predict(label_matrix, reference, n_labels=n_labels,
                                               weights=weights, fits=fits),
                        classification_score(reference), reference >= 0,
                        default="label_model", min_reference=min_reference,
                        scored=(label_matrix >= 0).any(axis=1))


def fitted_on_votes(method: str, label_matrix: np.ndarray, *, n_labels: int,
                    weights: np.ndarray, fits: dict | None = None):
    """Majority vote or the label model fitted on the votes alone: the one in ``fits`` if
    there, else fitted now (and kept there). Their fit never depends on the reference labels,
    so one fit serves every half of them.

    >>> fits = {}
    >>> L = np.array([[0, 0, -1], [1, 1, 0]])
    >>> first = fitted_on_votes("label_model", L, n_labels=2, weights=np.ones(3), fits=fits)
    >>> fitted_on_votes("label_model", L, n_labels=2, weights=np.ones(3), fits=fits) is first
    True
    """
    fits = {} if fits is None else fits
    if method not in fits:
        fits[method] = make_model(method, n_labels=n_labels, weights=weights).fit(label_matrix)
    return fits[method]


def held_out_precisions(label_matrix: np.ndarray, reference: np.ndarray,
                        rows: np.ndarray, *, n_labels: int) -> np.ndarray:
    """Per heuristic, the share of its votes on ``rows`` (a boolean mask of records with a
    reference) that are right, as the statistics count them
    (:func:`heuristics.evaluation.classification_stats`), with one right and one wrong
    pseudo-vote (0.5 without votes).

    >>> held_out_precisions(np.array([[0, 1], [0, -1], [1, 1]]), np.array([0, 0, 1]),
    ...                     np.array([True, True, True]), n_labels=2)
    array([0.8, 0.5])
    """
    counts = classification_stats(label_matrix[rows], reference[rows], n_labels=n_labels)
    right = counts.tp.sum(axis=1)
    return (right + 1) / (right + counts.fp.sum(axis=1) + 2)


def cross_fitted_method(method: str, label_matrix: np.ndarray, reference: np.ndarray, *,
                        n_labels: int, min_reference: int = 30) -> CrossFitted | None:
    """How a method that learns from the reference labels (``LEARN_FROM_REFERENCES``) does on
    those it did not learn from: each half of the referenced records predicted by the method
    fitted on the other half's. None with fewer than ``min_reference`` of them.

    >>> L = np.array([[0, 0, -1], [1, 1, 0], [1, -1, -1], [0, 1, 1]] * 20)
    >>> fitted = cross_fitted_method("weighted", L, np.array([0, 1, 1, 1] * 20), n_labels=2)
    >>> fitted.methods, fitted.half[:4].tolist()
    (('weighted', 'weighted'), [0, 1, 0, 1])
    """
    if (reference >= 0).sum() < min_reference:
        return None
    predict = classification_predict(   # asked only for fits with some references
        label_matrix, reference, n_labels=n_labels, weights=np.full(label_matrix.shape[1], 0.5))
    return cross_fitted_alone(method, predict, reference >= 0)


def alternating_halves(rows: np.ndarray) -> np.ndarray:
    """Half 0 or 1 for each of ``rows`` (a mask), alternating in order; -1 elsewhere.

    >>> alternating_halves(np.array([True, False, True, True])).tolist()
    [0, -1, 1, 0]
    """
    half = np.full(len(rows), -1, dtype=np.int64)
    half[rows] = np.arange(int(rows.sum())) % 2
    return half


def _fitted_on(method: str, label_matrix: np.ndarray, reference: np.ndarray,
               seen: np.ndarray, *, n_labels: int):
    """A method of ``LEARN_FROM_REFERENCES`` fitted with the reference labels of the
    ``seen`` records only."""
    if method == "weighted":
        precisions = held_out_precisions(label_matrix, reference, seen, n_labels=n_labels)
        return WeightedVote(n_labels, precisions, weighting="log_odds")
    return LabelModel(n_labels).fit(label_matrix, reference=np.where(seen, reference, -1))


def best_method(methods: tuple[str, ...], score: Callable[[str], float]) -> Choice:
    """The method with the highest score, with every method's score; ties prefer the earlier
    (simpler) one.

    >>> best_method(("majority", "label_model"), {"majority": 0.8, "label_model": 0.8}.get)
    Choice(method='majority', agreement={'majority': 0.8, 'label_model': 0.8})
    """
    agreement = {method: score(method) for method in methods}
    return Choice(max(methods, key=lambda m: (agreement[m], -methods.index(m))), agreement)
