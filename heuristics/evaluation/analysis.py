"""Snorkel's ``LFAnalysis`` of one label matrix: coverage, overlaps, conflicts, accuracy."""

from __future__ import annotations

import numpy as np

from heuristics.evaluation.counts import share
from heuristics.validation import check_label_matrix, check_reference_labels

__all__ = ["LabelMatrixAnalysis"]


class LabelMatrixAnalysis:
    """Coverage, overlaps, conflicts and accuracy of the heuristics of one label matrix.

    Snorkel's ``LFAnalysis`` (``snorkel.labeling.analysis``) with its definitions: a record is
    *covered* when at least one heuristic votes on it, *overlapped* when at least two do, and
    *conflicted* when two heuristics vote different labels on it. Shares are of all records, so
    a heuristic's overlaps and conflicts are at most its coverage.

    Parameters
    ----------
    label_matrix : numpy.ndarray of int, shape (n_records, n_heuristics)
        Label index each heuristic voted for on each record, ``-1`` for abstain.

    Attributes
    ----------
    label_matrix : numpy.ndarray of int64, shape (n_records, n_heuristics)
        The label matrix.

    Raises
    ------
    InvalidInputError
        If the label matrix is not 2-D, not integer, or holds values below -1.

    Notes
    -----
    With no records every share is ``nan`` (0 of 0); Snorkel returns ``nan`` for coverage but
    ``0.0`` for overlaps and conflicts there.

    Examples
    --------
    >>> L = np.array([
    ...     [-1, 0, 0],
    ...     [-1, -1, -1],
    ...     [1, 0, -1],
    ...     [-1, 0, -1],
    ...     [0, 0, 0],
    ... ])
    >>> analysis = LabelMatrixAnalysis(L)
    >>> analysis.label_coverage(), analysis.label_overlap(), analysis.label_conflict()
    (0.8, 0.6, 0.2)
    >>> analysis.coverage()
    array([0.4, 0.8, 0.4])
    """

    def __init__(self, label_matrix: np.ndarray) -> None:
        self.label_matrix = check_label_matrix(label_matrix)

    @property
    def _n_records(self) -> int:
        return self.label_matrix.shape[0]

    def _votes(self) -> np.ndarray:
        return self.label_matrix != -1

    def _covered_records(self) -> np.ndarray:
        return self._votes().any(axis=1)

    def _overlapped_records(self) -> np.ndarray:
        return self._votes().sum(axis=1) >= 2

    def _conflicted_records(self) -> np.ndarray:
        matrix = self.label_matrix
        highest = matrix.max(axis=1, initial=-1)
        sentinel = np.iinfo(np.int64).max
        lowest = np.where(self._votes(), matrix, sentinel).min(axis=1, initial=sentinel)
        return (highest >= 0) & (lowest != highest)

    def label_coverage(self) -> float:
        """Share of records with at least one vote.

        Returns
        -------
        float
            Covered records over all records (``nan`` without records).

        Examples
        --------
        >>> LabelMatrixAnalysis(np.array([[-1, 0], [-1, -1], [1, 1]])).label_coverage()
        0.6666666666666666
        """
        return float(share(self._covered_records().sum(), self._n_records))

    def label_overlap(self) -> float:
        """Share of records with votes from at least two heuristics.

        Returns
        -------
        float
            Overlapped records over all records (``nan`` without records).

        Examples
        --------
        >>> LabelMatrixAnalysis(np.array([[-1, 0], [-1, -1], [1, 1]])).label_overlap()
        0.3333333333333333
        """
        return float(share(self._overlapped_records().sum(), self._n_records))

    def label_conflict(self) -> float:
        """Share of records on which two heuristics voted different labels.

        Returns
        -------
        float
            Conflicted records over all records (``nan`` without records).

        Examples
        --------
        >>> LabelMatrixAnalysis(np.array([[0, 0], [0, 1], [1, -1], [2, 1]])).label_conflict()
        0.5
        """
        return float(share(self._conflicted_records().sum(), self._n_records))

    def coverage(self) -> np.ndarray:
        """Share of records each heuristic votes on (Snorkel's ``lf_coverages``).

        Returns
        -------
        numpy.ndarray of float, shape (n_heuristics,)
            Records with a vote of the heuristic over all records.

        Examples
        --------
        >>> LabelMatrixAnalysis(np.array([[-1, 0], [-1, -1], [1, 1], [0, 0]])).coverage()
        array([0.5 , 0.75])
        """
        return share(self._votes().sum(axis=0), self._n_records)

    def overlaps(self) -> np.ndarray:
        """Share of records each heuristic votes on together with another (``lf_overlaps``).

        Returns
        -------
        numpy.ndarray of float, shape (n_heuristics,)
            Records where the heuristic and at least one other heuristic vote, over all
            records.

        Examples
        --------
        >>> L = np.array([[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]])
        >>> LabelMatrixAnalysis(L).overlaps()
        array([0.4, 0.6, 0.4])
        """
        overlapped = self._votes() & self._overlapped_records()[:, None]
        return share(overlapped.sum(axis=0), self._n_records)

    def conflicts(self) -> np.ndarray:
        """Share of records each heuristic votes on where another votes differently.

        Snorkel's ``lf_conflicts``: the heuristic votes on a record on which two heuristics
        vote different labels (then some other heuristic disagrees with this one).

        Returns
        -------
        numpy.ndarray of float, shape (n_heuristics,)
            Conflicted records the heuristic votes on, over all records.

        Examples
        --------
        >>> L = np.array([[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]])
        >>> LabelMatrixAnalysis(L).conflicts()
        array([0.2, 0.2, 0. ])
        """
        conflicted = self._votes() & self._conflicted_records()[:, None]
        return share(conflicted.sum(axis=0), self._n_records)

    def polarities(self) -> list[list[int]]:
        """Labels each heuristic votes for, sorted (Snorkel's ``lf_polarities``).

        Returns
        -------
        list of list of int, length n_heuristics
            The distinct label indices of each heuristic's votes; ``[]`` if it never votes.

        Examples
        --------
        >>> L = np.array([[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]])
        >>> LabelMatrixAnalysis(L).polarities()
        [[0, 1], [0], [0]]
        """
        return [
            np.unique(column[column != -1]).tolist() for column in self.label_matrix.T
        ]

    def empirical_accuracies(self, reference_labels: np.ndarray) -> np.ndarray:
        """Share of each heuristic's votes on referenced records that match the reference.

        Snorkel's ``lf_empirical_accuracies`` restricted to records with a reference label:
        correct votes over votes on records whose reference is not ``-1``. Like Snorkel, a
        heuristic without such votes gets ``0.0`` (not ``nan``).

        Parameters
        ----------
        reference_labels : numpy.ndarray of int, shape (n_records,)
            Reference label index of each record, ``-1`` where it has none.

        Returns
        -------
        numpy.ndarray of float, shape (n_heuristics,)
            Empirical accuracy of each heuristic.

        Raises
        ------
        InvalidInputError
            If the reference labels are not 1-D integers with one value per record, or hold
            values below -1.

        Examples
        --------
        >>> L = np.array([[0, 1, -1], [1, 1, -1], [1, -1, 0]])
        >>> LabelMatrixAnalysis(L).empirical_accuracies(np.array([0, 1, -1]))
        array([1. , 0.5, 0. ])
        """
        matrix = self.label_matrix
        reference = check_reference_labels(
            reference_labels, n_records=self._n_records, n_labels=None
        )
        on_referenced = self._votes() & (reference != -1)[:, None]
        correct = on_referenced & (matrix == reference[:, None])
        accuracies = share(correct.sum(axis=0), on_referenced.sum(axis=0))
        return np.nan_to_num(accuracies, nan=0.0)

