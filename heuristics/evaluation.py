"""How much heuristics vote, how they agree with each other, and how right they are.

Three views of the votes of a task's heuristics (labeling functions and learners):

* :class:`LabelMatrixAnalysis` — Snorkel's ``LFAnalysis`` statistics of one label matrix:
  coverage, overlaps, conflicts, polarities and empirical accuracy, with Snorkel's definitions.
* :func:`classification_stats` and :func:`multilabel_stats` — true positives, false positives
  and false negatives per heuristic and label against the manual reference labels
  (:class:`HeuristicStats`), with precision, recall, F1 and Wilson intervals.
  :func:`record_contribution` gives one record's additive share of those counts, so stored
  counts follow a change of a record's reference label in O(n_heuristics) work.
* :func:`span_stats` — token-level and exact-span counts for extraction tasks
  (:class:`SpanStats`).

Conventions
-----------
A label matrix is an integer array of shape ``(n_records, n_heuristics)``; a cell holds the
label index (into the task's label list) a heuristic voted for on a record, or ``-1`` where it
abstained. Reference labels are an integer array of shape ``(n_records,)`` with ``-1`` where a
record has no reference label.

False negatives of classification count only records a heuristic voted on: a heuristic that
abstains makes no claim, and what it leaves out is measured by its coverage. Recall is therefore
"recall where the heuristic votes". Extraction has no per-token abstain (a heuristic that tags
nothing says "no entity here"), so there every reference token or span the heuristic missed is a
false negative.

Examples
--------
>>> L = np.array([[0, 0], [1, -1], [1, 0], [-1, 1]])
>>> stats = classification_stats(L, np.array([0, 1, 0, -1]), n_labels=2)
>>> stats.tp
array([[1, 1],
       [2, 0]])
>>> stats.totals().precision
array([0.66666667, 1.        ])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from heuristics.errors import InvalidInputError

__all__ = [
    "Contribution",
    "Counts",
    "HeuristicStats",
    "Interval",
    "LabelMatrixAnalysis",
    "SampleSummary",
    "SpanStats",
    "classification_stats",
    "multilabel_stats",
    "record_contribution",
    "reference_change",
    "sample_summary",
    "span_stats",
]


# --------------------------------------------------------------------------------------------
# Input checks


def _integer_array(values: np.ndarray, *, field: str, ndim: int) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != ndim:
        raise InvalidInputError(f"{field} must be {ndim}-D, got {array.ndim}-D", field=field)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise InvalidInputError(f"{field} must hold integers, got {array.dtype}", field=field)
    return array.astype(np.int64, copy=False)


def _bool_array(values: np.ndarray, *, field: str, shape: tuple[int | None, ...]) -> np.ndarray:
    array = np.asarray(values)
    if array.size and array.dtype != np.bool_:
        raise InvalidInputError(f"{field} must hold booleans, got {array.dtype}", field=field)
    if array.ndim != len(shape) or any(
        want is not None and got != want for got, want in zip(array.shape, shape, strict=True)
    ):
        expected = ", ".join("n" if want is None else str(want) for want in shape)
        raise InvalidInputError(
            f"{field} must have shape ({expected}), got {array.shape}", field=field
        )
    return array.astype(np.bool_, copy=False)


def _check_n_labels(n_labels: int) -> None:
    if isinstance(n_labels, bool) or not isinstance(n_labels, int | np.integer) or n_labels < 0:
        raise InvalidInputError(
            f"n_labels must be a non-negative integer, got {n_labels!r}", field="n_labels"
        )


def _check_label_values(labels: np.ndarray, *, n_labels: int | None, field: str) -> None:
    """Every value is -1 or, when ``n_labels`` is given, a label index below it."""
    if not labels.size:
        return
    if labels.min() < -1:
        raise InvalidInputError(
            f"{field} must hold label indices >= 0 or -1, got {labels.min()}", field=field
        )
    if n_labels is not None and labels.max() >= n_labels:
        raise InvalidInputError(
            f"{field} holds label {labels.max()}, but the task has {n_labels} labels",
            field=field,
        )


def _label_matrix(label_matrix: np.ndarray, *, n_labels: int | None = None) -> np.ndarray:
    matrix = _integer_array(label_matrix, field="label_matrix", ndim=2)
    _check_label_values(matrix, n_labels=n_labels, field="label_matrix")
    return matrix


def _reference_labels(
    reference_labels: np.ndarray, *, n_records: int, n_labels: int | None
) -> np.ndarray:
    reference = _integer_array(reference_labels, field="reference_labels", ndim=1)
    if reference.shape[0] != n_records:
        raise InvalidInputError(
            f"reference_labels has {reference.shape[0]} records, the label matrix {n_records}",
            field="reference_labels",
        )
    _check_label_values(reference, n_labels=n_labels, field="reference_labels")
    return reference


def _share(count: np.ndarray | int, total: np.ndarray | int) -> np.ndarray:
    """``count / total`` as floats, ``nan`` where ``total`` is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(count, total, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Snorkel's analysis of one label matrix


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
        self.label_matrix = _label_matrix(label_matrix)

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
        return float(_share(self._covered_records().sum(), self._n_records))

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
        return float(_share(self._overlapped_records().sum(), self._n_records))

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
        return float(_share(self._conflicted_records().sum(), self._n_records))

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
        return _share(self._votes().sum(axis=0), self._n_records)

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
        return _share(overlapped.sum(axis=0), self._n_records)

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
        return _share(conflicted.sum(axis=0), self._n_records)

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
        reference = _reference_labels(
            reference_labels, n_records=self._n_records, n_labels=None
        )
        on_referenced = self._votes() & (reference != -1)[:, None]
        correct = on_referenced & (matrix == reference[:, None])
        accuracies = _share(correct.sum(axis=0), on_referenced.sum(axis=0))
        return np.nan_to_num(accuracies, nan=0.0)


# --------------------------------------------------------------------------------------------
# Counts against reference labels


class Interval(NamedTuple):
    """Lower and upper bounds of a confidence interval, arrays of one shape."""

    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True, eq=False)
class Counts:
    """True positives, false positives and false negatives, with the rates derived from them.

    The three arrays share one shape: ``(n_heuristics, n_labels)`` for counts per heuristic and
    label, ``(n_heuristics,)`` for the totals of :meth:`totals`.

    Attributes
    ----------
    tp, fp, fn : numpy.ndarray of int64
        True positives, false positives and false negatives.

    Examples
    --------
    >>> counts = Counts(tp=np.array([[8, 0]]), fp=np.array([[2, 0]]), fn=np.array([[0, 3]]))
    >>> counts.precision
    array([[0.8, nan]])
    >>> counts.totals().recall
    array([0.72727273])
    """

    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray

    @property
    def precision(self) -> np.ndarray:
        """``tp / (tp + fp)``, ``nan`` where the heuristic voted the label on no referenced item.

        Examples
        --------
        >>> Counts(tp=np.array([3, 0]), fp=np.array([1, 0]), fn=np.array([0, 2])).precision
        array([0.75,  nan])
        """
        return _share(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> np.ndarray:
        """``tp / (tp + fn)``, ``nan`` where neither is positive.

        Examples
        --------
        >>> Counts(tp=np.array([3, 0]), fp=np.array([1, 0]), fn=np.array([1, 0])).recall
        array([0.75,  nan])
        """
        return _share(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> np.ndarray:
        """``2 tp / (2 tp + fp + fn)``: the harmonic mean of precision and recall.

        ``0.0`` when there are errors but no true positives (also where precision alone is
        undefined), ``nan`` only where tp, fp and fn are all 0.

        Examples
        --------
        >>> Counts(tp=np.array([3, 0, 0]), fp=np.array([1, 0, 0]), fn=np.array([1, 2, 0])).f1
        array([0.75, 0.  ,  nan])
        """
        return _share(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def totals(self) -> Counts:
        """The counts summed over labels (the last axis): micro-averaged per heuristic.

        For single-label classification the micro precision of a heuristic is its empirical
        accuracy on referenced records.

        Returns
        -------
        Counts
            tp, fp and fn of shape ``(n_heuristics,)``; its rates are micro precision, recall
            and F1.

        Examples
        --------
        >>> counts = Counts(tp=np.array([[2, 1]]), fp=np.array([[1, 0]]), fn=np.array([[0, 1]]))
        >>> totals = counts.totals()
        >>> totals.tp, totals.precision, totals.f1
        (array([3]), array([0.75]), array([0.75]))
        """
        return Counts(tp=self.tp.sum(axis=-1), fp=self.fp.sum(axis=-1), fn=self.fn.sum(axis=-1))

    def wilson_interval(self, *, z: float = 1.96) -> Interval:
        """Wilson score interval of the precision ``tp / (tp + fp)``.

        Parameters
        ----------
        z : float, default 1.96
            Standard normal quantile of the confidence level (1.96 for 95 %).

        Returns
        -------
        Interval
            ``(low, high)`` arrays of the shape of ``tp``; ``nan`` where ``tp + fp == 0``.

        Raises
        ------
        InvalidInputError
            If ``z`` is not a positive finite number.

        Examples
        --------
        >>> low, high = Counts(tp=np.array([8, 0]), fp=np.array([2, 0]),
        ...                    fn=np.array([0, 0])).wilson_interval()
        >>> low.round(3), high.round(3)
        (array([0.49,  nan]), array([0.943,   nan]))
        """
        if isinstance(z, bool) or not isinstance(z, int | float | np.number) or not (
            np.isfinite(z) and z > 0
        ):
            raise InvalidInputError(f"z must be a positive finite number, got {z!r}", field="z")
        n = (self.tp + self.fp).astype(np.float64)
        p = _share(self.tp, n)
        z2 = float(z) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            denominator = 1.0 + z2 / n
            centre = (p + z2 / (2.0 * n)) / denominator
            half_width = z * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
        return Interval(
            low=np.clip(centre - half_width, 0.0, 1.0),
            high=np.clip(centre + half_width, 0.0, 1.0),
        )


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


@dataclass(frozen=True, eq=False)
class HeuristicStats(Counts):
    """Counts per heuristic and label against reference labels, and how much each one votes.

    ``tp``, ``fp`` and ``fn`` count only records with a reference label; coverage, overlaps and
    conflicts are over all records. See :func:`classification_stats` and
    :func:`multilabel_stats` for the definitions.

    Attributes
    ----------
    tp, fp, fn : numpy.ndarray of int64, shape (n_heuristics, n_labels)
        True positives, false positives and false negatives per heuristic and label.
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

    labelled_votes: np.ndarray
    n_reference: int
    hits: np.ndarray
    coverage: np.ndarray
    overlaps: np.ndarray
    conflicts: np.ndarray

    def add(self, contribution: Contribution) -> HeuristicStats:
        """These statistics with a record's contribution (or a change of one) added.

        Only reference-dependent counts change: ``tp``, ``fp``, ``fn``, ``labelled_votes`` and
        ``n_reference``. Coverage, overlaps and conflicts depend on the votes alone.

        Parameters
        ----------
        contribution : Contribution
            From :func:`record_contribution` or :func:`reference_change`.

        Returns
        -------
        HeuristicStats
            New statistics; this object is left unchanged.

        Raises
        ------
        InvalidInputError
            If the contribution has another number of heuristics or labels.

        Examples
        --------
        >>> L = np.array([[0, 1], [1, 1]])
        >>> stats = classification_stats(L, np.array([0, -1]), n_labels=2)
        >>> updated = stats.add(reference_change(L[1], old=-1, new=1, n_labels=2))
        >>> updated.tp
        array([[1, 1],
               [0, 1]])
        >>> updated.n_reference, stats.n_reference
        (2, 1)
        """
        if contribution.tp.shape != self.tp.shape:
            raise InvalidInputError(
                f"a contribution of shape {contribution.tp.shape} does not fit statistics of "
                f"shape {self.tp.shape}",
                field="contribution",
            )
        return replace(
            self,
            tp=self.tp + contribution.tp,
            fp=self.fp + contribution.fp,
            fn=self.fn + contribution.fn,
            labelled_votes=self.labelled_votes + contribution.labelled_votes,
            n_reference=self.n_reference + contribution.n_reference,
        )


def _bincount(indices: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(indices.astype(np.intp, copy=False), minlength=size).astype(np.int64)


def classification_stats(
    label_matrix: np.ndarray, reference_labels: np.ndarray, *, n_labels: int
) -> HeuristicStats:
    """Counts per heuristic and label of a single-label task against its reference labels.

    For heuristic ``j`` and label ``c``, over records with a reference label:

    * ``tp[j, c]``: records with reference ``c`` on which ``j`` voted ``c``;
    * ``fp[j, c]``: records with a reference other than ``c`` on which ``j`` voted ``c``;
    * ``fn[j, c]``: records with reference ``c`` on which ``j`` voted another label.
      Abstains are not false negatives (coverage measures them), as in refinery.

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
           [2, 0]]))
    >>> stats.labelled_votes, stats.hits, stats.coverage
    (array([3, 2]), array([3, 3]), array([0.75, 0.75]))
    """
    _check_n_labels(n_labels)
    matrix = _label_matrix(label_matrix, n_labels=n_labels)
    n_records, n_heuristics = matrix.shape
    reference = _reference_labels(reference_labels, n_records=n_records, n_labels=n_labels)

    votes = matrix != -1
    on_referenced = votes & (reference != -1)[:, None]
    correct = on_referenced & (matrix == reference[:, None])
    wrong = on_referenced & ~correct
    # One bincount per count over the combined index heuristic * n_labels + label.
    heuristic = np.broadcast_to(np.arange(n_heuristics, dtype=np.int64), matrix.shape)
    referenced_label = np.broadcast_to(reference[:, None], matrix.shape)
    size = n_heuristics * n_labels
    shape = (n_heuristics, n_labels)
    tp = _bincount(heuristic[correct] * n_labels + matrix[correct], size).reshape(shape)
    fp = _bincount(heuristic[wrong] * n_labels + matrix[wrong], size).reshape(shape)
    fn = _bincount(heuristic[wrong] * n_labels + referenced_label[wrong], size).reshape(shape)

    analysis = LabelMatrixAnalysis(matrix)
    return HeuristicStats(
        tp=tp,
        fp=fp,
        fn=fn,
        labelled_votes=on_referenced.sum(axis=0).astype(np.int64),
        n_reference=int((reference != -1).sum()),
        hits=votes.sum(axis=0).astype(np.int64),
        coverage=analysis.coverage(),
        overlaps=analysis.overlaps(),
        conflicts=analysis.conflicts(),
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
    _check_n_labels(n_labels)
    row = _integer_array(votes, field="votes", ndim=1)
    _check_label_values(row, n_labels=n_labels, field="votes")
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


def multilabel_stats(
    votes: np.ndarray, reference_labels: np.ndarray, has_reference: np.ndarray
) -> HeuristicStats:
    """Counts per heuristic and label of a multi-label task against its reference label sets.

    A heuristic *votes on* a record when it votes at least one label there. For heuristic
    ``j`` and label ``c``, over records with a reference:

    * ``tp[j, c]``: ``j`` voted ``c`` and the reference has ``c``;
    * ``fp[j, c]``: ``j`` voted ``c`` and the reference lacks ``c``;
    * ``fn[j, c]``: the reference has ``c`` and ``j`` voted on the record but not for ``c``
      (abstains are not false negatives, as in :func:`classification_stats`).

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
        Counts of shape ``(n_heuristics, n_labels)`` and per-heuristic vote statistics.

    Raises
    ------
    InvalidInputError
        If an array is not boolean or the shapes do not agree.

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
           [0, 0]]), array([[0, 0],
           [1, 0]]))
    >>> stats.hits, stats.overlaps, stats.conflicts
    (array([2, 3]), array([0.66666667, 0.66666667]), array([0.33333333, 0.33333333]))
    """
    voted = _bool_array(votes, field="votes", shape=(None, None, None))
    n_records, n_heuristics, n_labels = voted.shape
    reference = _bool_array(
        reference_labels, field="reference_labels", shape=(n_records, n_labels)
    )
    referenced = _bool_array(has_reference, field="has_reference", shape=(n_records,))

    votes_on = voted.any(axis=2)  # (n_records, n_heuristics)
    on_referenced = voted & referenced[:, None, None]
    ref = reference[:, None, :]
    tp = (on_referenced & ref).sum(axis=0)
    fp = (on_referenced & ~ref).sum(axis=0)
    missed = (votes_on & referenced[:, None])[:, :, None] & ~voted & ref
    fn = missed.sum(axis=0)

    n_voters = votes_on.sum(axis=1)
    # Voters' label sets differ iff some label is voted by some but not all voters.
    label_voters = voted.sum(axis=1)  # (n_records, n_labels)
    conflicted = ((label_voters > 0) & (label_voters < n_voters[:, None])).any(axis=1)
    overlapped = n_voters >= 2
    return HeuristicStats(
        tp=tp.astype(np.int64),
        fp=fp.astype(np.int64),
        fn=fn.astype(np.int64),
        labelled_votes=(votes_on & referenced[:, None]).sum(axis=0).astype(np.int64),
        n_reference=int(referenced.sum()),
        hits=votes_on.sum(axis=0).astype(np.int64),
        coverage=_share(votes_on.sum(axis=0), n_records),
        overlaps=_share((votes_on & overlapped[:, None]).sum(axis=0), n_records),
        conflicts=_share((votes_on & conflicted[:, None]).sum(axis=0), n_records),
    )


# --------------------------------------------------------------------------------------------
# Extraction


@dataclass(frozen=True, eq=False)
class SpanStats:
    """Counts of span heuristics against reference spans, per token and per exact span.

    Attributes
    ----------
    tokens : Counts
        Token-level tp, fp, fn of shape ``(n_heuristics, n_labels)`` on records with a
        reference.
    spans : Counts
        Exact-span tp, fp, fn of shape ``(n_heuristics, n_labels)`` on records with a
        reference.
    n_reference : int
        Records with a reference.
    voted_tokens : numpy.ndarray of int64, shape (n_heuristics,)
        Distinct tokens inside the heuristic's spans, over all records.
    coverage : numpy.ndarray of float, shape (n_heuristics,)
        ``voted_tokens`` over the tokens of all records (``nan`` without tokens).
    overlaps : numpy.ndarray of float, shape (n_heuristics,)
        Share *of the heuristic's voted tokens* that another heuristic also tags (unlike
        :attr:`HeuristicStats.overlaps`, not a share of everything); ``nan`` without voted
        tokens.
    conflicts : numpy.ndarray of float, shape (n_heuristics,)
        Share of the heuristic's voted tokens that another heuristic tags with another label
        set; ``nan`` without voted tokens.
    """

    tokens: Counts
    spans: Counts
    n_reference: int
    voted_tokens: np.ndarray
    coverage: np.ndarray
    overlaps: np.ndarray
    conflicts: np.ndarray


def _span_table(spans: np.ndarray, *, field: str, n_columns: int) -> np.ndarray:
    table = np.asarray(spans)
    if table.size == 0:
        return np.zeros((0, n_columns), dtype=np.int64)
    table = _integer_array(table, field=field, ndim=2)
    if table.shape[1] != n_columns:
        raise InvalidInputError(
            f"{field} must have {n_columns} columns, got {table.shape[1]}", field=field
        )
    return table


def _check_spans(
    table: np.ndarray, *, field: str, n_tokens: np.ndarray, n_labels: int
) -> None:
    """Check the (record, label, start, end) columns: the last four of ``table``."""
    record, label, start, end = table[:, -4:].T
    problems = [
        ((record < 0) | (record >= n_tokens.shape[0]), "a record index outside the records"),
        ((label < 0) | (label >= n_labels), f"a label index outside 0..{n_labels - 1}"),
        ((start < 0) | (end <= start), "a span with start < 0 or end <= start"),
    ]
    for bad, what in problems:
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InvalidInputError(f"{field} holds {what}", field=field, row=row)
    beyond = end > n_tokens[record]
    if beyond.any():
        row = int(np.flatnonzero(beyond)[0])
        raise InvalidInputError(
            f"{field} holds a span ending at token {end[row]} of a record with "
            f"{n_tokens[record[row]]} tokens",
            field=field,
            row=row,
        )


def _expand_to_tokens(
    record: np.ndarray, start: np.ndarray, end: np.ndarray, token_offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For every token of every span: the span's row and the token's global index."""
    lengths = end - start
    span_of_token = np.repeat(np.arange(lengths.shape[0]), lengths)
    first_of_span = np.repeat(np.cumsum(lengths) - lengths, lengths)
    within = np.arange(span_of_token.shape[0]) - first_of_span
    return span_of_token, token_offsets[record[span_of_token]] + start[span_of_token] + within


def _split(keys: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    return keys // base, keys % base


def span_stats(
    predicted: np.ndarray,
    reference: np.ndarray,
    *,
    n_tokens: np.ndarray,
    has_reference: np.ndarray,
    n_heuristics: int,
    n_labels: int,
) -> SpanStats:
    """Token-level and exact-span counts of extraction heuristics against reference spans.

    Spans are in token offsets, end exclusive. Counts are over records with a reference (a
    record whose reference is "no spans" has ``has_reference`` set and no reference rows).

    Token level: every token of a span is tagged with the span's label; tokens outside any
    reference span are "O". Tags are sets of (token, label) pairs, so nested or repeated spans
    tag a token once per label. For heuristic ``j`` and label ``c``:

    * ``tp``: tokens ``j`` tags ``c`` that the reference tags ``c``;
    * ``fp``: tokens ``j`` tags ``c`` that the reference does not tag ``c`` ("O" or another
      label);
    * ``fn``: tokens the reference tags ``c`` that ``j`` does not tag ``c`` (including tokens
      ``j`` leaves untagged: there is no abstain per token).

    Exact spans: sets of (record, label, start, end). ``tp``: predicted spans equal to a
    reference span in label and both offsets; ``fp``: the other predicted spans; ``fn``:
    reference spans the heuristic does not predict exactly.

    Overlaps and conflicts are over all records, per token: a token of heuristic ``j`` is an
    overlap when another heuristic also tags it, and a conflict when another heuristic tags it
    with another set of labels. Both are shares of ``j``'s voted tokens.

    Parameters
    ----------
    predicted : numpy.ndarray of int, shape (n_predicted, 5)
        One row per predicted span: ``(heuristic, record, label, start, end)``.
    reference : numpy.ndarray of int, shape (n_reference_spans, 4)
        One row per reference span: ``(record, label, start, end)``, only on records with
        ``has_reference``.
    n_tokens : numpy.ndarray of int, shape (n_records,)
        Number of tokens of each record.
    has_reference : numpy.ndarray of bool, shape (n_records,)
        Whether each record has a reference (possibly without spans).
    n_heuristics : int
        Number of heuristics; heuristic indices are below it.
    n_labels : int
        Number of labels of the task.

    Returns
    -------
    SpanStats
        Token-level and exact-span counts, coverage, overlaps and conflicts.

    Raises
    ------
    InvalidInputError
        If a table has the wrong number of columns or is not integer, a span is empty, starts
        before 0 or ends after its record's last token, an index is out of range, or a
        reference span lies on a record without ``has_reference``.

    Examples
    --------
    One record of 6 tokens with a reference span of label 0 over tokens 1-2; heuristic 0
    predicts it exactly, heuristic 1 predicts tokens 2-3:

    >>> predicted = np.array([[0, 0, 0, 1, 3], [1, 0, 0, 2, 4]])
    >>> stats = span_stats(predicted, np.array([[0, 0, 1, 3]]), n_tokens=np.array([6]),
    ...                    has_reference=np.array([True]), n_heuristics=2, n_labels=1)
    >>> stats.tokens.tp.ravel(), stats.tokens.fp.ravel(), stats.tokens.fn.ravel()
    (array([2, 1]), array([0, 1]), array([0, 1]))
    >>> stats.spans.tp.ravel(), stats.spans.fp.ravel(), stats.spans.fn.ravel()
    (array([1, 0]), array([0, 1]), array([0, 1]))
    >>> stats.overlaps, stats.conflicts
    (array([0.5, 0.5]), array([0., 0.]))
    """
    for name, value in (("n_heuristics", n_heuristics), ("n_labels", n_labels)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise InvalidInputError(
                f"{name} must be a non-negative integer, got {value!r}", field=name
            )
    tokens_per_record = _integer_array(n_tokens, field="n_tokens", ndim=1)
    if tokens_per_record.size and tokens_per_record.min() < 0:
        raise InvalidInputError("n_tokens must be >= 0", field="n_tokens")
    n_records = tokens_per_record.shape[0]
    referenced = _bool_array(has_reference, field="has_reference", shape=(n_records,))
    prediction = _span_table(predicted, field="predicted", n_columns=5)
    gold = _span_table(reference, field="reference", n_columns=4)
    _check_spans(prediction, field="predicted", n_tokens=tokens_per_record, n_labels=n_labels)
    _check_spans(gold, field="reference", n_tokens=tokens_per_record, n_labels=n_labels)
    heuristic = prediction[:, 0]
    if ((heuristic < 0) | (heuristic >= n_heuristics)).any():
        row = int(np.flatnonzero((heuristic < 0) | (heuristic >= n_heuristics))[0])
        raise InvalidInputError(
            f"predicted holds a heuristic index outside 0..{n_heuristics - 1}",
            field="predicted",
            row=row,
        )
    if (~referenced[gold[:, 0]]).any():
        row = int(np.flatnonzero(~referenced[gold[:, 0]])[0])
        raise InvalidInputError(
            "reference holds a span on a record without has_reference",
            field="reference",
            row=row,
        )

    shape = (n_heuristics, n_labels)
    size = n_heuristics * n_labels
    token_offsets = np.concatenate([[0], np.cumsum(tokens_per_record)[:-1]]).astype(np.int64)
    total_tokens = int(tokens_per_record.sum())
    # Keys: a (token, label) pair is token * n_labels + label; with the heuristic in front,
    # heuristic * pair_base + pair.
    pair_base = max(total_tokens * n_labels, 1)

    gold_span, gold_token = _expand_to_tokens(gold[:, 0], gold[:, 2], gold[:, 3], token_offsets)
    gold_pairs = np.unique(gold_token * n_labels + gold[gold_span, 1])
    label_base = max(n_labels, 1)
    gold_per_label = _bincount(gold_pairs % label_base, n_labels)

    span_row, token = _expand_to_tokens(
        prediction[:, 1], prediction[:, 3], prediction[:, 4], token_offsets
    )
    tagged = np.unique(heuristic[span_row] * pair_base + token * n_labels
                       + prediction[span_row, 2])
    tag_heuristic, tag_pair = _split(tagged, pair_base)
    tag_token, tag_label = _split(tag_pair, label_base)

    # Token level, on referenced records.
    # The record of a token: the last record starting at or before it (records without
    # tokens share their start with the next record).
    tag_record = np.searchsorted(token_offsets, tag_token, side="right") - 1
    scored = referenced[tag_record]
    hit = np.isin(tag_pair, gold_pairs)
    cell = tag_heuristic * n_labels + tag_label
    token_tp = _bincount(cell[scored & hit], size).reshape(shape)
    token_fp = _bincount(cell[scored & ~hit], size).reshape(shape)
    token_fn = gold_per_label[None, :] - token_tp

    # Exact spans, on referenced records: number the distinct (record, label, start, end).
    scored_spans = prediction[referenced[prediction[:, 1]]]
    gold_spans = np.unique(gold, axis=0)
    distinct, span_ids = np.unique(
        np.concatenate([gold_spans, scored_spans[:, 1:]]), axis=0, return_inverse=True
    )
    span_ids = span_ids.ravel()
    n_ids = max(distinct.shape[0], 1)
    gold_ids = span_ids[: gold_spans.shape[0]]
    predicted_ids = np.unique(scored_spans[:, 0] * n_ids + span_ids[gold_spans.shape[0]:])
    predicted_heuristic, predicted_id = _split(predicted_ids, n_ids)
    predicted_label = distinct[predicted_id, 1]
    matched = np.isin(predicted_id, gold_ids)
    span_cell = predicted_heuristic * n_labels + predicted_label
    span_tp = _bincount(span_cell[matched], size).reshape(shape)
    span_fp = _bincount(span_cell[~matched], size).reshape(shape)
    gold_spans_per_label = _bincount(gold_spans[:, 1], n_labels)
    span_fn = gold_spans_per_label[None, :] - span_tp

    # Overlaps and conflicts, on all records. A token's voters tag it with different label
    # sets iff some (token, label) pair is tagged by fewer heuristics than the token.
    token_base = max(total_tokens, 1)
    cover_heuristic, cover_token = _split(np.unique(tag_heuristic * token_base + tag_token),
                                          token_base)
    voted, voted_index, voters = np.unique(
        cover_token, return_inverse=True, return_counts=True
    )
    pairs, pair_voters = np.unique(tag_pair, return_counts=True)
    pair_token = pairs // label_base
    partial = pair_voters < voters[np.searchsorted(voted, pair_token)]
    conflicted_tokens = np.unique(pair_token[partial])
    voted_tokens = _bincount(cover_heuristic, n_heuristics)
    overlap_count = _bincount(cover_heuristic[voters[voted_index.ravel()] >= 2], n_heuristics)
    conflict_count = _bincount(
        cover_heuristic[np.isin(cover_token, conflicted_tokens)], n_heuristics
    )
    return SpanStats(
        tokens=Counts(tp=token_tp, fp=token_fp, fn=token_fn),
        spans=Counts(tp=span_tp, fp=span_fp, fn=span_fn),
        n_reference=int(referenced.sum()),
        voted_tokens=voted_tokens,
        coverage=_share(voted_tokens, total_tokens),
        overlaps=_share(overlap_count, voted_tokens),
        conflicts=_share(conflict_count, voted_tokens),
    )


# --------------------------------------------------------------------------------------------
# Code tried on a few records


@dataclass(frozen=True)
class SampleSummary:
    """How code tried on a few records did against their reference labels.

    ``records`` tried, ``hits`` (records it gave a label or span on), ``compared`` (records
    with a reference on which it did not abstain) and ``agreed`` (of those, the ones where
    its result equals the reference exactly).
    """

    records: int
    hits: int
    compared: int
    agreed: int

    @property
    def agreement(self) -> float | None:
        """``agreed / compared``; None when nothing could be compared."""
        return self.agreed / self.compared if self.compared else None


def sample_summary(votes: Sequence[object], references: Sequence[object]) -> SampleSummary:
    """Summarise code tried on a few records.

    Parameters
    ----------
    votes : sequence
        Per record, the code's result in the shape of a reference label: a label name, a
        frozenset of label names (multi-label) or of ``(label, token_start, token_end)``
        spans (extraction); None where it abstained. An empty set is a result (extraction:
        "nothing here") but no hit.
    references : sequence
        Per record, its reference label in the same shape, or None where it has none.

    Returns
    -------
    SampleSummary

    Examples
    --------
    >>> summary = sample_summary(["spam", None, "ham", "spam"], ["spam", "ham", "spam", None])
    >>> summary, summary.agreement
    (SampleSummary(records=4, hits=3, compared=2, agreed=1), 0.5)
    >>> sample_summary([frozenset(), frozenset({("PER", 0, 1)})],
    ...                [frozenset(), frozenset({("PER", 0, 2)})])
    SampleSummary(records=2, hits=1, compared=2, agreed=1)
    """
    if len(votes) != len(references):
        raise InvalidInputError(f"{len(votes)} votes for {len(references)} references",
                                field="references")
    compared = [(vote, reference) for vote, reference in zip(votes, references, strict=True)
                if vote is not None and reference is not None]
    return SampleSummary(records=len(votes),
                         hits=sum(1 for vote in votes if vote is not None and vote != frozenset()),
                         compared=len(compared),
                         agreed=sum(1 for vote, reference in compared if vote == reference))
