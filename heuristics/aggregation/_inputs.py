"""Vote counting and tie-breaking shared by the aggregation methods (inputs are checked by
:mod:`heuristics.validation`)."""

from __future__ import annotations

import numpy as np

from heuristics.errors import InvalidInputError
from heuristics.validation import ABSTAIN


def vote_counts(label_matrix: np.ndarray, *, n_labels: int, weights: np.ndarray | None = None
                ) -> np.ndarray:
    """Per record and label, the (weighted) number of votes: shape ``(n_records, n_labels)``.

    One ``bincount`` over flattened ``record * n_labels + label`` indices; abstentions drop out.
    """
    n_records, n_heuristics = label_matrix.shape
    records, heuristics = np.nonzero(label_matrix != ABSTAIN)
    flat = records * n_labels + label_matrix[records, heuristics]
    cell_weights = None if weights is None else weights[heuristics]
    counts = np.bincount(flat, weights=cell_weights, minlength=n_records * n_labels)
    return counts.astype(np.float64, copy=False).reshape(n_records, n_labels)


def vote_balance(label_matrix: np.ndarray, *, n_labels: int) -> np.ndarray:
    """Share of each label among the votes, each covered record counting once (its vote
    shares), with one pseudo-record spread evenly: shape ``(n_labels,)``.

    >>> vote_balance(np.array([[0, 0, 1], [1, -1, -1], [-1, -1, -1]]), n_labels=2)
    array([0.38888889, 0.61111111])
    """
    counts = vote_counts(label_matrix, n_labels=n_labels)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    balance = shares.sum(axis=0) + 1.0 / n_labels
    return balance / balance.sum()


TIE_BREAKS = ("balance", "lowest", "abstain")


def decide(
    scores: np.ndarray, *, covered: np.ndarray, tie_break: str,
    balance: np.ndarray | None = None, tolerance: float = 1e-12
) -> np.ndarray:
    """The best-scoring label per row; ties by ``tie_break``; uncovered rows get -1.

    ``tie_break="balance"`` takes the tied label with the largest ``balance`` (the class
    balance), ``"lowest"`` the lowest tied label index, ``"abstain"`` gives -1.

    >>> scores = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0]])
    >>> decide(scores, covered=np.array([True, True]), tie_break="balance",
    ...        balance=np.array([0.2, 0.5, 0.3]))
    array([1, 1])
    """
    if tie_break not in TIE_BREAKS:
        raise InvalidInputError(
            f"tie_break must be one of {', '.join(TIE_BREAKS)}, got {tie_break!r}",
            field="tie_break"
        )
    predictions = np.argmax(scores, axis=1) if scores.shape[1] else np.zeros(len(scores), int)
    if tie_break == "balance" and scores.shape[1] > 1 and len(scores):
        if balance is None:
            raise InvalidInputError("tie_break='balance' needs the class balance",
                                    field="tie_break")
        top = scores >= scores.max(axis=1, keepdims=True) - tolerance
        predictions = np.where(top, np.asarray(balance)[None, :], -np.inf).argmax(axis=1)
    if tie_break == "abstain" and scores.shape[1] > 1:
        best = scores.max(axis=1, keepdims=True)
        tied = (scores >= best - tolerance).sum(axis=1) > 1
        predictions[tied] = ABSTAIN
    predictions[~covered] = ABSTAIN
    return predictions.astype(np.int64, copy=False)
