"""One scoring rule for every aggregation method: expected accuracy (and expected F1) over ties.

A method's answer for a record is its set of top labels: the labels whose probability is within
``tolerance`` of the highest. A record on which nobody voted has every label on top, whatever the
method says (it knows nothing of that record). Picking one of the top labels uniformly at random
is right with probability ``1 / |top labels|`` when the true label is among them, and that
expectation is what a record earns: deterministic, and neutral between methods that break ties
one way or another (no method gains from "lowest label" or from a seeded coin).

Examples
--------
Record 0: one top label, right. Record 1: a tie of two, the truth among them (1/2). Record 2:
nobody voted: 1/3 for any method. Record 3: wrong.

>>> probabilities = np.array([[0.7, 0.2, 0.1], [0.4, 0.4, 0.2], [0.8, 0.1, 0.1], [0.1, 0.9, 0.0]])
>>> covered = np.array([True, True, False, True])
>>> round(expected_accuracy(probabilities, np.array([0, 1, 2, 0]), covered=covered), 4)
0.4583
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from heuristics.errors import InvalidInputError

__all__ = ["expected_accuracy", "expected_f1", "top_label_shares"]

TOLERANCE = 1e-9


def top_label_shares(probabilities: ArrayLike, *, covered: ArrayLike | None = None,
                     tolerance: float = TOLERANCE) -> np.ndarray:
    """Per record, the chance that each label is the answer when ties are broken at random.

    Parameters
    ----------
    probabilities : array-like of float, shape (n_records, n_labels)
        A method's probabilities (or scores: only their order and ties matter).
    covered : array-like of bool, shape (n_records,), optional
        Records on which at least one heuristic voted; the others get ``1 / n_labels`` on every
        label. Default: every record is covered.
    tolerance : float, default=1e-9
        Labels within this of the highest probability are tied with it.

    Returns
    -------
    ndarray of float, shape (n_records, n_labels)
        ``1 / |top labels|`` on the top labels, 0 elsewhere; rows sum to 1.

    Examples
    --------
    >>> top_label_shares(np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]]))
    array([[0.5, 0.5, 0. ],
           [0. , 0. , 1. ]])
    """
    scores = np.asarray(probabilities, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] == 0:
        raise InvalidInputError("probabilities must be 2-D (n_records, n_labels) with at least "
                                "one label", field="probabilities")
    top = scores >= scores.max(axis=1, keepdims=True) - tolerance
    if covered is not None:
        mask = np.asarray(covered, dtype=bool)
        if mask.shape != (len(scores),):
            raise InvalidInputError(f"covered must have one entry per record ({len(scores)})",
                                    field="covered")
        top[~mask] = True
    return top / top.sum(axis=1, keepdims=True)


def _reference(reference: ArrayLike, n_records: int, n_labels: int) -> np.ndarray:
    labels = np.asarray(reference)
    if labels.shape != (n_records,) or not np.issubdtype(labels.dtype, np.integer):
        raise InvalidInputError(f"reference must be {n_records} label indices",
                                field="reference")
    if ((labels < 0) | (labels >= n_labels)).any():
        raise InvalidInputError(f"reference labels must lie in 0..{n_labels - 1}",
                                field="reference")
    return labels.astype(np.int64)


def expected_accuracy(probabilities: ArrayLike, reference: ArrayLike, *,
                      covered: ArrayLike | None = None, tolerance: float = TOLERANCE) -> float:
    """Expected share of records whose answer is right, ties broken at random.

    Parameters
    ----------
    probabilities : array-like of float, shape (n_records, n_labels)
        A method's probabilities.
    reference : array-like of int, shape (n_records,)
        The true label of each record.
    covered : array-like of bool, shape (n_records,), optional
        Records with at least one vote (the others count ``1 / n_labels``). Default: all.
    tolerance : float, default=1e-9
        Labels within this of the highest probability are tied.

    Returns
    -------
    float
        In ``[0, 1]``; ``nan`` for no records.

    Examples
    --------
    >>> expected_accuracy(np.array([[0.5, 0.5], [0.9, 0.1]]), np.array([1, 0]))
    0.75
    """
    shares = top_label_shares(probabilities, covered=covered, tolerance=tolerance)
    labels = _reference(reference, *shares.shape)
    if not len(labels):
        return float("nan")
    return float(shares[np.arange(len(labels)), labels].mean())


def expected_f1(probabilities: ArrayLike, reference: ArrayLike, *, label: int,
                covered: ArrayLike | None = None, tolerance: float = TOLERANCE) -> float:
    """F1 of one label from expected counts, ties broken at random.

    ``2 E[TP] / (E[predicted as label] + n[label])``, where a record predicts ``label`` with
    its share among the record's top labels (:func:`top_label_shares`).

    Parameters
    ----------
    probabilities : array-like of float, shape (n_records, n_labels)
        A method's probabilities.
    reference : array-like of int, shape (n_records,)
        The true label of each record.
    label : int
        The label whose F1 is measured (e.g. spam).
    covered : array-like of bool, shape (n_records,), optional
        Records with at least one vote (the others predict each label ``1 / n_labels``).
    tolerance : float, default=1e-9
        Labels within this of the highest probability are tied.

    Returns
    -------
    float
        In ``[0, 1]``; 0 when the label is neither true nor predicted anywhere.

    Examples
    --------
    Record 0 is spam and predicted so; record 1 is a tie (half a false positive); record 2 is
    spam, missed: ``2 * 1 / (1.5 + 2)``.

    >>> round(expected_f1(np.array([[0.1, 0.9], [0.5, 0.5], [0.8, 0.2]]), np.array([1, 0, 1]),
    ...                   label=1), 4)
    0.5714
    """
    shares = top_label_shares(probabilities, covered=covered, tolerance=tolerance)
    labels = _reference(reference, *shares.shape)
    predicted = shares[:, label]
    true_positives = predicted[labels == label].sum()
    denominator = predicted.sum() + (labels == label).sum()
    return float(2 * true_positives / denominator) if denominator else 0.0
