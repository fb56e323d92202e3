"""Voting: merge the heuristics' votes per record by (weighted) majority.

:class:`MajorityVote` counts votes; :class:`WeightedVote` weighs each heuristic, e.g. by its
precision against the reference labels. Both take a label matrix of shape
``(n_records, n_heuristics)`` (label indices, ``-1`` = abstain) and give probabilities of shape
``(n_records, n_labels)`` (a tie shows as a tie: the tied labels share the top probability)
and one label per record. Decisions are deterministic: a tie goes to the tied label most
frequent among the votes (``tie_break="balance"``, the class balance the votes imply), to the
lowest label index (``"lowest"``) or to no label (``"abstain"``), and a record on which every
heuristic abstained gets no label (``-1``).

Examples
--------
>>> L = np.array([[0, 0, 1], [1, -1, 1], [0, 1, -1], [-1, -1, -1]])
>>> MajorityVote(2).predict(L)   # the tie on record 2 goes to 1, the more frequent vote
array([ 0,  1,  1, -1])
>>> MajorityVote(2).predict(L, tie_break="abstain")
array([ 0,  1, -1, -1])
>>> WeightedVote(2, [0.9, 0.6, 0.95]).predict(L)
array([ 0,  1,  0, -1])
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from heuristics.aggregation._inputs import decide, vote_balance, vote_counts
from heuristics.errors import InvalidInputError
from heuristics.validation import check_label_matrix, check_n_labels

__all__ = ["DEFAULT_PRECISION", "MajorityVote", "WeightedVote", "counted_precisions"]

TieBreak = Literal["balance", "lowest", "abstain"]
DEFAULT_PRECISION = 0.7
"""The precision a weighted vote gives a heuristic none of whose votes was checked."""


def counted_precisions(tp: ArrayLike, fp: ArrayLike) -> np.ndarray:
    """The precisions weighted votes use: ``tp / (tp + fp)`` of each heuristic (and label),
    counted against the reference labels; :data:`DEFAULT_PRECISION` where none was counted.

    >>> counted_precisions([3, 0, 0], [1, 0, 2]).tolist()
    [0.75, 0.7, 0.0]
    """
    tp, fp = np.asarray(tp, dtype=np.float64), np.asarray(fp, dtype=np.float64)
    counted = tp + fp
    return np.divide(tp, counted, out=np.full(counted.shape, DEFAULT_PRECISION),
                     where=counted > 0)


class MajorityVote:
    """One vote per heuristic; the label with the most votes wins.

    Parameters
    ----------
    n_labels : int
        Number of labels of the task (label indices ``0 .. n_labels - 1``).

    Attributes
    ----------
    n_labels_ : int
        ``n_labels``, set by :meth:`fit`. Fitting is optional.
    class_balance_ : ndarray of float, shape (n_labels,)
        Share of each label among the votes seen in :meth:`fit`, which breaks ties; without
        :meth:`fit` the matrix being predicted gives it.

    Examples
    --------
    >>> L = np.array([[0, 1, 1], [2, 0, -1], [-1, -1, -1]])
    >>> MajorityVote(3).fit(L).predict_proba(L).round(3)
    array([[0.333, 0.667, 0.   ],
           [0.5  , 0.   , 0.5  ],
           [0.333, 0.333, 0.333]])
    >>> MajorityVote(3).predict(L)
    array([ 1,  0, -1])
    """

    def __init__(self, n_labels: int) -> None:
        self.n_labels = n_labels

    def fit(self, label_matrix: ArrayLike, y: None = None) -> MajorityVote:
        """Check the label matrix and store ``n_labels_``; nothing is learned.

        Parameters
        ----------
        label_matrix : array-like of int, shape (n_records, n_heuristics)
            Votes, ``-1`` = abstain.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        MajorityVote
            ``self``.

        Raises
        ------
        InvalidInputError
            If ``n_labels`` is not a positive integer or the matrix holds other values than
            ``-1`` and label indices below ``n_labels``.
        """
        self.n_labels_ = check_n_labels(self.n_labels, minimum=1)
        matrix = check_label_matrix(label_matrix, n_labels=self.n_labels_)
        self.class_balance_ = vote_balance(matrix, n_labels=self.n_labels_)
        return self

    def predict_proba(self, label_matrix: ArrayLike) -> np.ndarray:
        """Vote shares per record; a record without votes gets the uniform distribution.

        Parameters
        ----------
        label_matrix : array-like of int, shape (n_records, n_heuristics)
            Votes, ``-1`` = abstain.

        Returns
        -------
        ndarray of float, shape (n_records, n_labels)
            Rows sum to 1.
        """
        n_labels = check_n_labels(self.n_labels, minimum=1)
        matrix = check_label_matrix(label_matrix, n_labels=n_labels)
        return _shares(vote_counts(matrix, n_labels=n_labels))

    def predict(self, label_matrix: ArrayLike, *, tie_break: TieBreak = "balance") -> np.ndarray:
        """The label with the most votes per record.

        Parameters
        ----------
        label_matrix : array-like of int, shape (n_records, n_heuristics)
            Votes, ``-1`` = abstain.
        tie_break : {"balance", "lowest", "abstain"}, default="balance"
            A tie goes to the tied label with the largest ``class_balance_``, to the lowest
            tied label index, or to ``-1``.

        Returns
        -------
        ndarray of int, shape (n_records,)
            Label indices; ``-1`` for records without votes (and ties under ``"abstain"``).

        Examples
        --------
        >>> MajorityVote(3).predict(np.array([[2, 1], [2, 2]]))
        array([2, 2])
        """
        n_labels = check_n_labels(self.n_labels, minimum=1)
        matrix = check_label_matrix(label_matrix, n_labels=n_labels)
        counts = vote_counts(matrix, n_labels=n_labels)
        balance = getattr(self, "class_balance_", None)
        if balance is None or len(balance) != n_labels:
            balance = vote_balance(matrix, n_labels=n_labels)
        return decide(counts, covered=counts.sum(axis=1) > 0, tie_break=tie_break,
                      balance=balance)


class WeightedVote:
    """Votes weighted per heuristic, e.g. by the heuristic's precision.

    Parameters
    ----------
    n_labels : int
        Number of labels of the task.
    weights : array-like of float, shape (n_heuristics,)
        One number per heuristic (column of the label matrix). With ``weighting="linear"`` the
        weights themselves, non-negative; with ``"log_odds"`` precisions in [0, 1].
    weighting : {"linear", "log_odds"}, default="linear"
        ``"linear"``: a heuristic's vote counts ``weights[j]``; probabilities are weighted vote
        shares. ``"log_odds"``: a vote counts ``log(p / (1 - p))`` with ``p = weights[j]``
        clipped to ``[clip, 1 - clip]`` (precision-weighted voting); probabilities are the
        softmax of the summed log-odds, which for two labels, uniform prior and independent
        heuristics is the exact posterior. A precision of 0.5 or less gives weight 0, not a
        negative one: a vote never counts for labels its heuristic did not name.
    clip : float, default=0.01
        How far precisions are kept from 0 and 1 under ``"log_odds"`` (so weights stay finite).

    Attributes
    ----------
    weights_ : ndarray of float, shape (n_heuristics,)
        The weight each heuristic's vote counts, set by :meth:`fit`. Fitting is optional:
        predicting computes the same weights.

    Examples
    --------
    >>> L = np.array([[0, 1, 1], [0, 1, -1]])
    >>> WeightedVote(2, [3.0, 1.0, 1.0]).predict_proba(L)
    array([[0.6 , 0.4 ],
           [0.75, 0.25]])
    >>> vote = WeightedVote(2, [0.9, 0.6, 0.6], weighting="log_odds")
    >>> vote.fit(L).weights_.round(3)
    array([2.197, 0.405, 0.405])
    >>> vote.predict(L)
    array([0, 0])
    """

    def __init__(
        self,
        n_labels: int,
        weights: ArrayLike,
        *,
        weighting: Literal["linear", "log_odds"] = "linear",
        clip: float = 0.01,
    ) -> None:
        self.n_labels = n_labels
        self.weights = weights
        self.weighting = weighting
        self.clip = clip

    def fit(self, label_matrix: ArrayLike, y: None = None) -> WeightedVote:
        """Check the parameters against the label matrix and compute ``weights_``.

        Parameters
        ----------
        label_matrix : array-like of int, shape (n_records, n_heuristics)
            Votes, ``-1`` = abstain.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        WeightedVote
            ``self``.

        Raises
        ------
        InvalidInputError
            If the weights do not match the heuristics, are negative (``"linear"``) or outside
            [0, 1] (``"log_odds"``), or the matrix or parameters are invalid.

        Examples
        --------
        >>> WeightedVote(2, [0.5, 1.2], weighting="log_odds").fit(np.zeros((1, 2), int))
        Traceback (most recent call last):
        ...
        heuristics.errors.InvalidInputError: field 'weights': log_odds weights are precisions in [0, 1], got 1.2
        """  # noqa: E501
        self.n_labels_ = check_n_labels(self.n_labels, minimum=1)
        self.weights_ = self._vote_weights()
        check_label_matrix(label_matrix, n_labels=self.n_labels_, n_heuristics=len(self.weights_))
        return self

    def _vote_weights(self) -> np.ndarray:
        weights = np.asarray(self.weights, dtype=np.float64)
        if weights.ndim != 1 or not np.all(np.isfinite(weights)):
            raise InvalidInputError(
                "weights must be a 1-D array of finite numbers, one per heuristic",
                field="weights",
            )
        if self.weighting == "linear":
            if (weights < 0).any():
                raise InvalidInputError(
                    f"linear weights must be >= 0, got {weights.min()}", field="weights"
                )
            return weights
        if self.weighting == "log_odds":
            if not 0 < self.clip < 0.5:
                raise InvalidInputError(
                    f"clip must lie in (0, 0.5), got {self.clip}", field="clip"
                )
            outside = (weights < 0) | (weights > 1)
            if outside.any():
                raise InvalidInputError(
                    "log_odds weights are precisions in [0, 1], got "
                    f"{weights[outside][0]:g}",
                    field="weights",
                )
            precision = np.clip(weights, self.clip, 1 - self.clip)
            return np.maximum(np.log(precision / (1 - precision)), 0.0)
        raise InvalidInputError(
            f"weighting must be 'linear' or 'log_odds', got {self.weighting!r}",
            field="weighting",
        )

    def _scores(self, label_matrix: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        n_labels = check_n_labels(self.n_labels, minimum=1)
        weights = self._vote_weights()
        matrix = check_label_matrix(label_matrix, n_labels=n_labels, n_heuristics=len(weights))
        # A vote of weight 0 is no evidence: a record with only such votes is not covered.
        covered = ((matrix != -1) & (weights > 0)[None, :]).any(axis=1)
        return vote_counts(matrix, n_labels=n_labels, weights=weights), covered

    def predict_proba(self, label_matrix: ArrayLike) -> np.ndarray:
        """Probabilities per record (see ``weighting``); records without votes of weight above
        0 get uniform.

        Parameters
        ----------
        label_matrix : array-like of int, shape (n_records, n_heuristics)
            Votes, ``-1`` = abstain.

        Returns
        -------
        ndarray of float, shape (n_records, n_labels)
            Rows sum to 1.
        """
        scores, covered = self._scores(label_matrix)
        if self.weighting == "linear":
            return _shares(scores)
        shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        probabilities[~covered] = 1.0 / scores.shape[1]
        return probabilities

    def predict(self, label_matrix: ArrayLike, *, tie_break: TieBreak = "balance") -> np.ndarray:
        """The label with the highest summed weight per record.

        Parameters
        ----------
        label_matrix : array-like of int, shape (n_records, n_heuristics)
            Votes, ``-1`` = abstain.
        tie_break : {"balance", "lowest", "abstain"}, default="balance"
            A tie goes to the tied label most frequent among the votes of the matrix
            (:func:`vote_balance`), to the lowest tied label index, or to ``-1``.

        Returns
        -------
        ndarray of int, shape (n_records,)
            Label indices; ``-1`` for records without votes of weight above 0 (and ties under
            ``"abstain"``).
        """
        scores, covered = self._scores(label_matrix)
        matrix = np.asarray(label_matrix)
        return decide(scores, covered=covered, tie_break=tie_break,
                      balance=vote_balance(matrix, n_labels=scores.shape[1]))


def _shares(counts: np.ndarray) -> np.ndarray:
    """Rows of non-negative counts normalised to sum 1; all-zero rows become uniform."""
    totals = counts.sum(axis=1, keepdims=True)
    uniform = np.full_like(counts, 1.0 / counts.shape[1]) if counts.shape[1] else counts
    return np.divide(counts, totals, out=uniform, where=totals > 0)
