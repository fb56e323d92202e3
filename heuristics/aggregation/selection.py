"""Choose the aggregation method of a task by agreement with its reference labels.

Agreement is the one scoring rule (:func:`heuristics.aggregation.scoring.expected_accuracy`:
tied top labels earn their share). :func:`cross_fitted_choice` also says how well the choice
does on reference labels it did not see: each half of the referenced records is predicted by
the method chosen on the other half.

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


def choose_method(label_matrix: np.ndarray, reference: np.ndarray, *, n_labels: int,
                  weights: np.ndarray, min_reference: int = 30,
                  rows: np.ndarray | None = None, fits: dict | None = None) -> Choice:
    """The method whose probabilities agree best with ``reference`` (-1 = none) on records
    with votes (expected accuracy); the label model when fewer than ``min_reference`` such
    records exist. Ties prefer the simpler method (order of ``CLASSIFICATION_METHODS``).

    ``rows`` (a boolean mask) limits the reference labels it may look at; default all.
    ``fits`` keeps the models fitted on the votes alone (:func:`fitted_on_votes`) for other
    calls on the same label matrix.

    Majority vote and the label model never see the reference labels, so their agreement is
    measured on all of them. The weighted vote's weights (``weights``, the heuristics'
    precisions) and the anchored label model come from those same labels, so they are scored
    by cross-fitting instead: each half of the records is predicted by the method fitted on
    the other half's reference labels. Otherwise they would be graded on their own answers
    and win too often."""
    covered = (label_matrix >= 0).any(axis=1) & (reference >= 0)
    if rows is not None:
        covered &= rows
    if covered.sum() < min_reference:
        return Choice("label_model", {})

    def score(method: str) -> float:
        if method in LEARN_FROM_REFERENCES:
            probabilities = _cross_fitted(method, label_matrix, reference,
                                          alternating_halves(covered), n_labels)
        else:
            model = fitted_on_votes(method, label_matrix, n_labels=n_labels, weights=weights,
                                    fits=fits)
            probabilities = model.predict_proba(label_matrix)
        return expected_accuracy(probabilities[covered], reference[covered])

    return best_method(CLASSIFICATION_METHODS, score)


@dataclass(frozen=True)
class CrossFitted:
    """Per half of the referenced records (``half``: 0 or 1, -1 = neither), the method
    chosen on the other half, and each such record's probabilities from it (for a record
    without votes, the class balance of that method as fitted with the other half)."""

    half: np.ndarray
    methods: tuple[str, str]
    probabilities: np.ndarray


def cross_fitted_choice(label_matrix: np.ndarray, reference: np.ndarray, *, n_labels: int,
                        weights: np.ndarray, min_reference: int = 30,
                        fits: dict | None = None) -> CrossFitted:
    """What ``auto`` would score on reference labels it did not choose with.

    The referenced records alternate between two halves; each half is predicted by the
    method :func:`choose_method` picks on the other half alone (a weighted vote's precisions
    and the anchored label model's fit, too, come from the other half). Scoring
    ``probabilities`` on a record never uses a choice or a fit that saw its reference label.

    >>> L = np.array([[0, 0, -1], [1, 1, 0], [1, -1, -1], [0, 1, 1]] * 20)
    >>> fitted = cross_fitted_choice(L, np.array([0, 1, 1, 1] * 20), n_labels=2,
    ...                              weights=np.array([0.9, 0.8, 0.6]), min_reference=10)
    >>> fitted.methods, fitted.half[:4].tolist()
    (('majority', 'majority'), [0, 1, 0, 1])
    """
    fits = {} if fits is None else fits
    half = alternating_halves(reference >= 0)
    probabilities = np.full((len(label_matrix), n_labels), 1.0 / n_labels)
    methods = []
    for own in (0, 1):
        other = half == 1 - own
        method = choose_method(label_matrix, reference, n_labels=n_labels, weights=weights,
                               min_reference=min_reference // 2, rows=other, fits=fits).method
        methods.append(method)
        if method in LEARN_FROM_REFERENCES:
            model = _fitted_on(method, label_matrix, reference, other, n_labels=n_labels)
        else:
            model = fitted_on_votes(method, label_matrix, n_labels=n_labels, weights=weights,
                                    fits=fits)
        rows = half == own
        probabilities[rows] = model.predict_proba(label_matrix[rows])
    return CrossFitted(half, (methods[0], methods[1]), probabilities)


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
    half = alternating_halves(reference >= 0)
    probabilities = _cross_fitted(method, label_matrix, reference, half, n_labels)
    return CrossFitted(half, (method, method), probabilities)


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


def _cross_fitted(method: str, label_matrix: np.ndarray, reference: np.ndarray,
                  half: np.ndarray, n_labels: int) -> np.ndarray:
    """Probabilities of the referenced records in ``half`` 0 or 1 (-1: neither), each half
    by ``method`` fitted on the other half's reference labels."""
    predicted = np.full((len(label_matrix), n_labels), 1.0 / n_labels)
    for own in (0, 1):
        model = _fitted_on(method, label_matrix, reference, half == 1 - own,
                           n_labels=n_labels)
        predicted[half == own] = model.predict_proba(label_matrix[half == own])
    return predicted


def best_method(methods: tuple[str, ...], score: Callable[[str], float]) -> Choice:
    """The method with the highest score, with every method's score; ties prefer the earlier
    (simpler) one.

    >>> best_method(("majority", "label_model"), {"majority": 0.8, "label_model": 0.8}.get)
    Choice(method='majority', agreement={'majority': 0.8, 'label_model': 0.8})
    """
    agreement = {method: score(method) for method in methods}
    return Choice(max(methods, key=lambda m: (agreement[m], -methods.index(m))), agreement)
