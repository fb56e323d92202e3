"""Counts of classification and multi-label heuristics against reference labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heuristics.evaluation.analysis import LabelMatrixAnalysis
from heuristics.evaluation.counts import Counts, bincount, share
from heuristics.validation import (
    bool_array,
    check_label_matrix,
    check_n_labels,
    check_reference_labels,
)

__all__ = ["HeuristicStats", "classification_stats", "multilabel_stats"]


@dataclass(frozen=True, eq=False)
class HeuristicStats(Counts):
    """Counts per heuristic and label against reference labels, and how much each one votes.

    ``tp``, ``fp``, ``fn`` and ``fn_voted`` count only records with a reference label; coverage,
    overlaps and conflicts are over all records. See :func:`classification_stats` and
    :func:`multilabel_stats` for the definitions. :attr:`recall` is over all records with the
    reference label (abstains are misses); :meth:`where_voting` gives the recall over the
    records the heuristic votes on only.

    Attributes
    ----------
    tp, fp, fn : numpy.ndarray of int64, shape (n_heuristics, n_labels)
        True positives, false positives and false negatives per heuristic and label.
    fn_voted : numpy.ndarray of int64, shape (n_heuristics, n_labels)
        The false negatives on records the heuristic votes on (``fn`` less its abstains).
    labelled_votes : numpy.ndarray of int64, shape (n_heuristics,)
        Records with a reference label that the heuristic votes on.
    n_reference : int
        Records with a reference label.
    hits : numpy.ndarray of int64, shape (n_heuristics,)
        Records the heuristic votes on, referenced or not.
    coverage : numpy.ndarray of float, shape (n_heuristics,)
        ``hits`` over all records (``nan`` without records).
    overlaps : numpy.ndarray of float, shape (n_heuristics,)
        Share of all records that the heuristic and another heuristic vote on (Snorkel's).
    conflicts : numpy.ndarray of float, shape (n_heuristics,)
        Share of all records that the heuristic votes on and another heuristic votes
        differently on (Snorkel's).
    """

    fn_voted: np.ndarray
    labelled_votes: np.ndarray
    n_reference: int
    hits: np.ndarray
    coverage: np.ndarray
    overlaps: np.ndarray
    conflicts: np.ndarray

    def where_voting(self) -> Counts:
        """The counts on the records each heuristic votes on: ``fn_voted`` for ``fn``.

        Their recall, ``tp / (tp + fn_voted)``, is the "recall where it votes": it leaves out
        what the heuristic abstains on, so a rule that votes rarely but rightly has 1.0 there.
        """
        return Counts(tp=self.tp, fp=self.fp, fn=self.fn_voted)


def classification_stats(
    label_matrix: np.ndarray, reference_labels: np.ndarray, *, n_labels: int
) -> HeuristicStats:
    """Counts per heuristic and label of a single-label task against its reference labels.

    For heuristic ``j`` and label ``c``, over records with a reference label:

    * ``tp[j, c]``: records with reference ``c`` on which ``j`` voted ``c``;
    * ``fp[j, c]``: records with a reference other than ``c`` on which ``j`` voted ``c``;
    * ``fn[j, c]``: records with reference ``c`` on which ``j`` did not vote ``c``: it voted
      another label or abstained. Recall ``tp / (tp + fn)`` is so the share of the records
      with reference ``c`` that ``j`` labels ``c``;
    * ``fn_voted[j, c]``: those of them on which ``j`` voted another label (the false
      negatives of the "recall where it votes", :meth:`HeuristicStats.where_voting`).

    Parameters
    ----------
    label_matrix : numpy.ndarray of int, shape (n_records, n_heuristics)
        Label index each heuristic voted for on each record, ``-1`` for abstain.
    reference_labels : numpy.ndarray of int, shape (n_records,)
        Reference label index of each record, ``-1`` where it has none.
    n_labels : int
        Number of labels of the task.

    Returns
    -------
    HeuristicStats
        Counts of shape ``(n_heuristics, n_labels)`` and per-heuristic vote statistics.

    Raises
    ------
    InvalidInputError
        If an array has the wrong dimension or length, is not integer, or holds a value below
        -1 or a label index ``>= n_labels``.

    Examples
    --------
    >>> L = np.array([[0, 1], [1, 1], [0, -1], [-1, 0]])
    >>> stats = classification_stats(L, np.array([0, 0, 1, -1]), n_labels=2)
    >>> stats.tp, stats.fp, stats.fn
    (array([[1, 0],
           [0, 0]]), array([[1, 1],
           [0, 2]]), array([[1, 1],
           [2, 1]]))
    >>> stats.fn_voted
    array([[1, 1],
           [2, 0]])
    >>> stats.labelled_votes, stats.hits, stats.coverage
    (array([3, 2]), array([3, 3]), array([0.75, 0.75]))
    """
    check_n_labels(n_labels)
    matrix = check_label_matrix(label_matrix, n_labels=n_labels)
    n_records, n_heuristics = matrix.shape
    reference = check_reference_labels(reference_labels, n_records=n_records,
                                       n_labels=n_labels)

    votes = matrix != -1
    on_referenced = votes & (reference != -1)[:, None]
    correct = on_referenced & (matrix == reference[:, None])
    wrong = on_referenced & ~correct
    # One bincount per count over the combined index heuristic * n_labels + label.
    heuristic = np.broadcast_to(np.arange(n_heuristics, dtype=np.int64), matrix.shape)
    referenced_label = np.broadcast_to(reference[:, None], matrix.shape)
    size = n_heuristics * n_labels
    shape = (n_heuristics, n_labels)
    tp = bincount(heuristic[correct] * n_labels + matrix[correct], size).reshape(shape)
    fp = bincount(heuristic[wrong] * n_labels + matrix[wrong], size).reshape(shape)
    fn_voted = bincount(heuristic[wrong] * n_labels + referenced_label[wrong],
                        size).reshape(shape)
    support = bincount(reference[reference != -1], n_labels)

    analysis = LabelMatrixAnalysis(matrix)
    return HeuristicStats(
        tp=tp,
        fp=fp,
        fn=support[None, :] - tp,
        fn_voted=fn_voted,
        labelled_votes=on_referenced.sum(axis=0).astype(np.int64),
        n_reference=int((reference != -1).sum()),
        hits=votes.sum(axis=0).astype(np.int64),
        coverage=analysis.coverage(),
        overlaps=analysis.overlaps(),
        conflicts=analysis.conflicts(),
    )



def multilabel_stats(
    votes: np.ndarray, reference_labels: np.ndarray, has_reference: np.ndarray
) -> HeuristicStats:
    """Counts per heuristic and label of a multi-label task against its reference label sets.

    A heuristic *votes on* a record when it votes at least one label there. For heuristic
    ``j`` and label ``c``, over records with a reference:

    * ``tp[j, c]``: ``j`` voted ``c`` and the reference has ``c``;
    * ``fp[j, c]``: ``j`` voted ``c`` and the reference lacks ``c``;
    * ``fn[j, c]``: the reference has ``c`` and ``j`` did not vote ``c`` (whether it voted
      other labels there or abstained), as in :func:`classification_stats`;
    * ``fn_voted[j, c]``: those of them on which ``j`` voted other labels.

    ``hits`` counts the records a heuristic votes on. Overlaps and conflicts follow Snorkel
    with label sets for labels: a record is overlapped when two heuristics vote on it and
    conflicted when two of them vote different label sets.

    Parameters
    ----------
    votes : numpy.ndarray of bool, shape (n_records, n_heuristics, n_labels)
        Whether each heuristic voted each label on each record.
    reference_labels : numpy.ndarray of bool, shape (n_records, n_labels)
        The reference label set of each record (ignored where ``has_reference`` is False; an
        empty set with ``has_reference`` means "none of the labels").
    has_reference : numpy.ndarray of bool, shape (n_records,)
        Whether each record has a reference.

    Returns
    -------
    HeuristicStats
        As :func:`classification_stats` returns them; ``InvalidInputError`` if an array is
        not boolean or the shapes do not agree.

    Examples
    --------
    >>> votes = np.array([
    ...     [[True, True], [True, False]],
    ...     [[False, False], [False, True]],
    ...     [[True, False], [True, False]],
    ... ])
    >>> reference = np.array([[True, False], [True, True], [False, False]])
    >>> stats = multilabel_stats(votes, reference, np.array([True, True, False]))
    >>> stats.tp, stats.fp, stats.fn
    (array([[1, 0],
           [1, 1]]), array([[0, 1],
           [0, 0]]), array([[1, 1],
           [1, 0]]))
    >>> stats.fn_voted  # heuristic 0 abstains on record 1
    array([[0, 0],
           [1, 0]])
    >>> stats.hits, stats.overlaps, stats.conflicts
    (array([2, 3]), array([0.66666667, 0.66666667]), array([0.33333333, 0.33333333]))
    """
    voted = bool_array(votes, field="votes", shape=(None, None, None))
    n_records, n_heuristics, n_labels = voted.shape
    reference = bool_array(
        reference_labels, field="reference_labels", shape=(n_records, n_labels)
    )
    referenced = bool_array(has_reference, field="has_reference", shape=(n_records,))

    votes_on = voted.any(axis=2)  # (n_records, n_heuristics)
    on_referenced = voted & referenced[:, None, None]
    ref = reference[:, None, :]
    tp = (on_referenced & ref).sum(axis=0)
    fp = (on_referenced & ~ref).sum(axis=0)
    missed = referenced[:, None, None] & ~voted & ref
    fn = missed.sum(axis=0)
    fn_voted = (missed & votes_on[:, :, None]).sum(axis=0)

    n_voters = votes_on.sum(axis=1)
    # Voters' label sets differ iff some label is voted by some but not all voters.
    label_voters = voted.sum(axis=1)  # (n_records, n_labels)
    conflicted = ((label_voters > 0) & (label_voters < n_voters[:, None])).any(axis=1)
    overlapped = n_voters >= 2
    return HeuristicStats(
        tp=tp.astype(np.int64),
        fp=fp.astype(np.int64),
        fn=fn.astype(np.int64),
        fn_voted=fn_voted.astype(np.int64),
        labelled_votes=(votes_on & referenced[:, None]).sum(axis=0).astype(np.int64),
        n_reference=int(referenced.sum()),
        hits=votes_on.sum(axis=0).astype(np.int64),
        coverage=share(votes_on.sum(axis=0), n_records),
        overlaps=share((votes_on & overlapped[:, None]).sum(axis=0), n_records),
        conflicts=share((votes_on & conflicted[:, None]).sum(axis=0), n_records),
    )

