"""True positives, false positives and false negatives, and the rates derived from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from heuristics.errors import InvalidInputError

__all__ = ["Counts", "Interval", "bincount", "share"]


def share(count: np.ndarray | int, total: np.ndarray | int) -> np.ndarray:
    """``count / total`` as floats, ``nan`` where ``total`` is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(count, total, dtype=np.float64)



def bincount(indices: np.ndarray, size: int) -> np.ndarray:
    """How often each index in ``0..size-1`` occurs, as int64."""
    return np.bincount(indices.astype(np.intp, copy=False), minlength=size).astype(np.int64)



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
        return share(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> np.ndarray:
        """``tp / (tp + fn)``, ``nan`` where neither is positive.

        Examples
        --------
        >>> Counts(tp=np.array([3, 0]), fp=np.array([1, 0]), fn=np.array([1, 0])).recall
        array([0.75,  nan])
        """
        return share(self.tp, self.tp + self.fn)

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
        return share(2 * self.tp, 2 * self.tp + self.fp + self.fn)

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
        p = share(self.tp, n)
        z2 = float(z) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            denominator = 1.0 + z2 / n
            centre = (p + z2 / (2.0 * n)) / denominator
            half_width = z * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
        return Interval(
            low=np.clip(centre - half_width, 0.0, 1.0),
            high=np.clip(centre + half_width, 0.0, 1.0),
        )

