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
    agreement = {}
    for method in METHODS:
        model = make_model(method, n_labels=n_labels, weights=weights).fit(label_matrix)
        predicted = model.predict_proba(label_matrix).argmax(axis=1)
        agreement[method] = float((predicted[covered] == reference[covered]).mean())
    best = max(METHODS, key=lambda m: (agreement[m], -METHODS.index(m)))
    return Choice(best, agreement)
