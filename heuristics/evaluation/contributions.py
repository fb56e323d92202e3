"""One record's additive share of the counts against reference labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heuristics.errors import InvalidInputError
from heuristics.validation import check_label_values, check_n_labels, integer_array

__all__ = ["Contribution", "record_contribution", "reference_change"]


@dataclass(frozen=True, eq=False)
class Contribution:
    """One record's additive share of the reference-dependent counts of :class:`HeuristicStats`.

    Contributions add and subtract: the change of a record's reference label from ``old`` to
    ``new`` is ``record_contribution(row, new) - record_contribution(row, old)``, and
    ``stats.add(delta)`` applies it. A delta has at most three non-zero cells per heuristic,
    so a store can apply it to counts kept per (heuristic, label) in O(n_heuristics).

    Attributes
    ----------
    tp, fp, fn : numpy.ndarray of int64, shape (n_heuristics, n_labels)
        Change of true positives, false positives and false negatives.
    labelled_votes : numpy.ndarray of int64, shape (n_heuristics,)
        Change of the votes on records with a reference label.
    n_reference : int
        Change of the number of records with a reference label.

    Examples
    --------
    >>> row = np.array([0, 1, -1])
    >>> delta = record_contribution(row, 1, n_labels=2) - record_contribution(row, 0, n_labels=2)
    >>> delta.tp
    array([[-1,  0],
           [ 0,  1],
           [ 0,  0]])
    >>> delta.labelled_votes, delta.n_reference
    (array([0, 0, 0]), 0)
    """

    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    labelled_votes: np.ndarray
    n_reference: int

    def _combine(self, other: Contribution, sign: int) -> Contribution:
        if not isinstance(other, Contribution):
            return NotImplemented
        if other.tp.shape != self.tp.shape:
            raise InvalidInputError(
                f"contributions of shapes {self.tp.shape} and {other.tp.shape} do not combine",
                field="contribution",
            )
        return Contribution(
            tp=self.tp + sign * other.tp,
            fp=self.fp + sign * other.fp,
            fn=self.fn + sign * other.fn,
            labelled_votes=self.labelled_votes + sign * other.labelled_votes,
            n_reference=self.n_reference + sign * other.n_reference,
        )

    def __add__(self, other: Contribution) -> Contribution:
        return self._combine(other, 1)

    def __sub__(self, other: Contribution) -> Contribution:
        return self._combine(other, -1)

    def __neg__(self) -> Contribution:
        return Contribution(
            tp=-self.tp,
            fp=-self.fp,
            fn=-self.fn,
            labelled_votes=-self.labelled_votes,
            n_reference=-self.n_reference,
        )



def record_contribution(votes: np.ndarray, reference_label: int, *, n_labels: int) -> Contribution:
    """One record's share of the counts of :func:`classification_stats`.

    Summed over all records, contributions give ``tp``, ``fp``, ``fn``, ``labelled_votes`` and
    ``n_reference`` of :func:`classification_stats` exactly. A record without a reference
    contributes nothing.

    Parameters
    ----------
    votes : numpy.ndarray of int, shape (n_heuristics,)
        The record's row of the label matrix, ``-1`` for abstain.
    reference_label : int
        The record's reference label index, ``-1`` for none.
    n_labels : int
        Number of labels of the task.

    Returns
    -------
    Contribution
        Counts of shape ``(n_heuristics, n_labels)``, each 0 or 1.

    Raises
    ------
    InvalidInputError
        If the votes are not a 1-D integer array of labels ``-1 <= label < n_labels``, or the
        reference label is out of that range.

    Examples
    --------
    >>> part = record_contribution(np.array([0, 1, -1]), 0, n_labels=2)
    >>> part.tp, part.fp, part.fn
    (array([[1, 0],
           [0, 0],
           [0, 0]]), array([[0, 0],
           [0, 1],
           [0, 0]]), array([[0, 0],
           [1, 0],
           [0, 0]]))
    >>> part.labelled_votes, part.n_reference
    (array([1, 1, 0]), 1)
    """
    check_n_labels(n_labels)
    row = integer_array(votes, field="votes", ndim=1)
    check_label_values(row, n_labels=n_labels, field="votes")
    if (
        isinstance(reference_label, bool)
        or not isinstance(reference_label, int | np.integer)
        or not -1 <= reference_label < n_labels
    ):
        raise InvalidInputError(
            f"reference_label must be -1 or a label index below {n_labels}, "
            f"got {reference_label!r}",
            field="reference_label",
        )
    n_heuristics = row.shape[0]
    tp = np.zeros((n_heuristics, n_labels), dtype=np.int64)
    fp = np.zeros_like(tp)
    fn = np.zeros_like(tp)
    if reference_label == -1:
        return Contribution(
            tp=tp, fp=fp, fn=fn, labelled_votes=np.zeros(n_heuristics, np.int64), n_reference=0
        )
    voted = row != -1
    correct = np.flatnonzero(row == reference_label)
    wrong = np.flatnonzero(voted & (row != reference_label))
    tp[correct, reference_label] = 1
    fp[wrong, row[wrong]] = 1
    fn[wrong, reference_label] = 1
    return Contribution(
        tp=tp, fp=fp, fn=fn, labelled_votes=voted.astype(np.int64), n_reference=1
    )


def reference_change(votes: np.ndarray, *, old: int, new: int, n_labels: int) -> Contribution:
    """Change of the counts when a record's reference label goes from ``old`` to ``new``.

    ``record_contribution(votes, new) - record_contribution(votes, old)``; use ``-1`` for "no
    reference" on either side.

    Parameters
    ----------
    votes : numpy.ndarray of int, shape (n_heuristics,)
        The record's row of the label matrix, ``-1`` for abstain.
    old, new : int
        Reference label index before and after, ``-1`` for none.
    n_labels : int
        Number of labels of the task.

    Returns
    -------
    Contribution
        The delta to pass to :meth:`HeuristicStats.add`.

    Examples
    --------
    >>> delta = reference_change(np.array([1, -1]), old=-1, new=0, n_labels=2)
    >>> delta.fp, delta.n_reference
    (array([[0, 1],
           [0, 0]]), 1)
    """
    return record_contribution(votes, new, n_labels=n_labels) - record_contribution(
        votes, old, n_labels=n_labels
    )

