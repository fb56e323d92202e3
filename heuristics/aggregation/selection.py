"""Choose the aggregation method of a task by agreement with its reference labels.

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
from heuristics.aggregation.votes import MajorityVote, WeightedVote

METHODS = ("majority", "weighted", "label_model")


@dataclass(frozen=True)
class Choice:
    """The chosen method and the agreement of each candidate on the reference labels."""

    method: str
    agreement: dict[str, float]


def make_model(method: str, *, n_labels: int, weights: np.ndarray):
    """An unfitted aggregation model for ``method``."""
    if method == "majority":
        return MajorityVote(n_labels)
    if method == "weighted":
        return WeightedVote(n_labels, weights, weighting="log_odds")
    return LabelModel(n_labels)


def choose_method(label_matrix: np.ndarray, reference: np.ndarray, *, n_labels: int,
                  weights: np.ndarray, min_reference: int = 30) -> Choice:
    """The method whose predictions agree best with ``reference`` (-1 = none) on records
    with votes; the label model when fewer than ``min_reference`` such records exist.
    Ties prefer the simpler method (order of ``METHODS``)."""
    covered = (label_matrix >= 0).any(axis=1) & (reference >= 0)
    if covered.sum() < min_reference:
        return Choice("label_model", {})
    def score(method: str) -> float:
        model = make_model(method, n_labels=n_labels, weights=weights).fit(label_matrix)
        predicted = model.predict_proba(label_matrix).argmax(axis=1)
        return float((predicted[covered] == reference[covered]).mean())

    return best_method(METHODS, score)


def best_method(methods: tuple[str, ...], score: Callable[[str], float]) -> Choice:
    """The method with the highest score, with every method's score; ties prefer the earlier
    (simpler) one.

    >>> best_method(("majority", "label_model"), {"majority": 0.8, "label_model": 0.8}.get)
    Choice(method='majority', agreement={'majority': 0.8, 'label_model': 0.8})
    """
    agreement = {method: score(method) for method in methods}
    return Choice(max(methods, key=lambda m: (agreement[m], -methods.index(m))), agreement)
