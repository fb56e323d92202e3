"""The one vote rule: which of a learner's predictions become votes (:class:`VoteRule`).

Predictions are kept whole (probabilities, token labels and confidences); the rule is applied
when votes are read, so ``min_confidence`` and ``label_names`` can change without refitting.
The store applies the same :class:`VoteRule` to stored outputs, with label ids for names.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from heuristics.errors import InvalidInputError
from heuristics.learners.params import check_fraction
from heuristics.spans import OUTSIDE, TokenSpan, token_labels_to_spans

__all__ = ["VoteRule", "spans_from_token_predictions", "votes_from_probabilities"]


@dataclass(frozen=True)
class VoteRule:
    """Which predictions count as votes: a confidence above 0 and at least
    ``min_confidence``, and a label among ``labels`` (None: any label).

    A labeling function's outputs (confidence 1) pass the default rule. Labels are whatever
    the caller keys them by: names here, label ids in the store.

    Examples
    --------
    >>> rule = VoteRule(min_confidence=0.8, labels=frozenset({"spam"}))
    >>> rule.accepts("spam", 0.9), rule.accepts("spam", 0.7), rule.accepts("ham", 0.9)
    (True, False, False)
    >>> VoteRule().accepts("ham", 0.0)  # no prediction at all
    False
    """

    min_confidence: float = 0.0
    labels: frozenset | None = None

    def accepts(self, label: Hashable, confidence: float) -> bool:
        """Whether a prediction of ``label`` with ``confidence`` is a vote."""
        return confidence > 0 and self.min_confidence <= confidence and (
            self.labels is None or label in self.labels)

    def accepts_all(self, labels: np.ndarray, confidences: np.ndarray) -> np.ndarray:
        """:meth:`accepts` of many predictions at once: a boolean mask.

        >>> VoteRule(0.8).accepts_all(np.array([1, 2, 1]), np.array([0.9, 0.5, 0.8]))
        array([ True, False,  True])
        """
        confidences = np.asarray(confidences, dtype=np.float64)
        mask = (confidences > 0) & (confidences >= self.min_confidence)
        if self.labels is not None:
            mask &= np.isin(np.asarray(labels), list(self.labels))
        return mask

    @classmethod
    def of(cls, *, min_confidence: float = 0.0, label_names: Sequence[Hashable] | None = None
           ) -> VoteRule:
        """The rule of a ``min_confidence`` in [0, 1] and optional ``label_names``.

        Raises
        ------
        InvalidInputError
            If ``min_confidence`` is not in [0, 1] (field ``min_confidence``).
        """
        threshold = check_fraction("min_confidence", min_confidence, low=0, high=1, closed=True)
        return cls(threshold, None if label_names is None else frozenset(label_names))


def votes_from_probabilities(
    probabilities: np.ndarray,
    classes: Sequence[str],
    *,
    min_confidence: float = 0.0,
    label_names: Sequence[str] | None = None,
) -> tuple[list[str | None], np.ndarray]:
    """Each record's vote: its most probable label, if confident enough and wanted.

    Parameters
    ----------
    probabilities : ndarray of shape (n_records, n_classes)
        As in :attr:`LearnerPredictions.probabilities`.
    classes : sequence of str
        The label names of the columns.
    min_confidence : float, default 0.0
        A record votes only if its top probability is at least this (in [0, 1]).
    label_names : sequence of str or None, default None
        If given, only these labels vote; names that are not among ``classes`` never match.

    Returns
    -------
    labels : list of str or None
        Per record, the label it votes for, or None (abstain). A record whose top probability
        is 0 (no prediction at all) always abstains. Ties go to the first class.
    confidences : ndarray of shape (n_records,)
        Per record, its top probability (also where it abstains).

    Raises
    ------
    InvalidInputError
        If the shapes do not match or ``min_confidence`` is not in [0, 1].

    Examples
    --------
    >>> P = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8]])
    >>> votes_from_probabilities(P, ["ham", "spam"], min_confidence=0.7)
    (['ham', None, 'spam'], array([0.9, 0.6, 0.8]))
    >>> votes_from_probabilities(P, ["ham", "spam"], label_names=["spam"])[0]
    [None, 'spam', 'spam']
    """
    rule = VoteRule.of(min_confidence=min_confidence, label_names=label_names)
    P = np.asarray(probabilities, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != len(classes):
        raise InvalidInputError(
            f"probabilities of shape {P.shape} do not match {len(classes)} classes",
            field="probabilities",
        )
    if len(P) == 0:
        return [], np.zeros(0)
    best = P.argmax(axis=1)
    confidences = P[np.arange(len(P)), best]
    votes: list[str | None] = []
    for index, confidence in zip(best.tolist(), confidences.tolist(), strict=True):
        label = str(classes[index])
        votes.append(label if rule.accepts(label, confidence) else None)
    return votes, confidences




def spans_from_token_predictions(
    labels: Sequence[str],
    confidences: Sequence[float],
    *,
    min_confidence: float = 0.0,
    label_names: Sequence[str] | None = None,
    outside: str = OUTSIDE,
) -> list[TokenSpan]:
    """The spans of one record's token predictions.

    Consecutive tokens with the same label other than ``outside`` form one span, whose
    confidence is the mean of its tokens' confidences; a span votes only if that mean is at
    least ``min_confidence`` (and its label is in ``label_names``, if given). Two adjacent
    spans of the same label cannot be told apart in this format and come out as one.

    Parameters
    ----------
    labels : sequence of str
        One label per token.
    confidences : sequence of float
        One confidence per token.
    min_confidence : float, default 0.0
        Spans with a lower mean confidence are dropped (in [0, 1]).
    label_names : sequence of str or None, default None
        If given, only spans of these labels are kept.
    outside : str, default "OUTSIDE"
        The label of tokens outside any span.

    Returns
    -------
    list of TokenSpan
        ``(label, start, end, confidence)`` with token offsets, end exclusive, in order.

    Raises
    ------
    InvalidInputError
        If the two sequences differ in length or ``min_confidence`` is not in [0, 1].

    Examples
    --------
    >>> labels = ["PER", "PER", "OUTSIDE", "LOC", "ORG", "ORG"]
    >>> confidences = [0.9, 0.7, 0.99, 0.4, 0.8, 0.6]
    >>> spans_from_token_predictions(labels, confidences, min_confidence=0.5)
    [TokenSpan(label='PER', start=0, end=2, confidence=0.8), TokenSpan(label='ORG', start=4, end=6, confidence=0.7)]
    """  # noqa: E501
    rule = VoteRule.of(min_confidence=min_confidence, label_names=label_names)
    return [span for span in token_labels_to_spans(labels, confidences, outside=outside)
            if rule.accepts(span.label, span.confidence)]

