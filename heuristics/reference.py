"""The reference label of a record for a labeling task.

A record's reference label per task is its gold label if one is set, else the majority of its
annotators; a tie means the record has no reference. Every later step (statistics, weak
supervision, learners) takes its reference from here, so the rule lives in one place.

Rules shared by all functions:

* Gold votes override: when a record has any gold vote, only gold votes are looked at.
* Each annotator counts once. For a single label, an annotator's last vote (in iteration
  order) is their vote; for several labels or spans, an annotator's votes together are their
  set of choices.
* The annotators of a record are those with at least one vote on it. An annotator who looked at
  a record and chose nothing (no label, no span) leaves a *review*: a vote whose ``label`` is
  ``None``. In multi-label and extraction tasks it counts them as annotators with no choices
  (so the reference of a record everyone reviewed and nobody marked is the empty set);
  single-label classification ignores it.
* Ties give no reference (``None``), and so do records without votes.

Examples
--------
>>> reference_label([Vote("ann", "spam"), Vote("bob", "spam"), Vote("cid", "ham")])
'spam'
>>> reference_label([Vote("ann", "spam"), Vote("bob", "ham", is_gold=True)])
'ham'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from heuristics.errors import InvalidInputError
from heuristics.validation import check_label_matrix

__all__ = [
    "Vote",
    "majority_reference",
    "reference_label",
    "reference_label_set",
    "reference_spans",
    "row_plurality",
]

_T = TypeVar("_T", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Vote:
    """One annotator's label (or span) on one record for one task.

    Attributes
    ----------
    annotator : str
        Who voted (user name or id).
    label : str or None
        The label chosen; ``None`` for a review: the annotator looked and chose nothing.
    is_gold : bool, default False
        Whether this is the record's gold label, which overrides annotator votes.
    span : tuple of (int, int) or None, default None
        For extraction tasks, the labelled tokens ``(token_start, token_end)``, end exclusive.

    Examples
    --------
    >>> Vote("ann", "PER", span=(0, 2))
    Vote(annotator='ann', label='PER', is_gold=False, span=(0, 2))
    """

    annotator: str
    label: str | None
    is_gold: bool = False
    span: tuple[int, int] | None = None


def _split_gold(votes: Iterable[Vote]) -> tuple[list[Vote], list[Vote]]:
    """(gold votes, annotator votes)."""
    gold: list[Vote] = []
    others: list[Vote] = []
    for vote in votes:
        (gold if vote.is_gold else others).append(vote)
    return gold, others


def _plurality(counts: Counter[_T]) -> _T | None:
    """The strictly most frequent key, or None on a tie for the top or when empty."""
    top = counts.most_common(2)
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return None
    return top[0][0]


def _last_label_per_annotator(votes: list[Vote]) -> Counter[str]:
    """How many annotators chose each label, counting each annotator's last vote."""
    last = {vote.annotator: vote.label for vote in votes if vote.label is not None}
    return Counter(last.values())


def _choices_per_annotator(
    votes: list[Vote], choice_of: Callable[[Vote], _T]
) -> dict[str, set[_T]]:
    """Each annotator's set of choices, ``choice_of(vote)`` for each of their votes."""
    chosen: dict[str, set[_T]] = {}
    for vote in votes:
        choices = chosen.setdefault(vote.annotator, set())
        if vote.label is not None:
            choices.add(choice_of(vote))
    return chosen


def _strict_majority(chosen: dict[str, set[_T]]) -> frozenset[_T] | None:
    """Choices of more than half the annotators; None on a half tie or without annotators."""
    n_annotators = len(chosen)
    if n_annotators == 0:
        return None
    counts: Counter[_T] = Counter(c for choices in chosen.values() for c in choices)
    if any(2 * n == n_annotators for n in counts.values()):
        return None
    return frozenset(c for c, n in counts.items() if 2 * n > n_annotators)


def reference_label(votes: Iterable[Vote], *, settled: str | None = None) -> str | None:
    """The reference label of a record for a single-label classification task.

    Parameters
    ----------
    votes : iterable of Vote
        All votes on the record for the task.
    settled : str, optional
        The label a consensus of the annotators weighed by their quality (CROWDLAB) settled
        on, where one was computed for the record.

    Returns
    -------
    str or None
        If there are gold votes: the gold label (gold votes are expected to agree; if several
        disagree, their plurality, each annotator's last gold vote counting once, and ``None``
        on a tie). Otherwise, where annotators disagree and ``settled`` is given, that label;
        else the label chosen by strictly more annotators than any other label, each annotator
        counting once with their last vote. ``None`` on a tie for the top or without votes.

    Examples
    --------
    >>> reference_label([Vote("ann", "spam"), Vote("bob", "ham")]) is None  # tie
    True
    >>> reference_label([Vote("ann", "spam"), Vote("bob", "ham")], settled="ham")
    'ham'
    >>> reference_label([Vote("ann", "ham"), Vote("ann", "spam"), Vote("bob", "spam")])
    'spam'
    >>> reference_label([Vote("ann", "spam")], settled="ham")  # nobody disagrees
    'spam'
    >>> reference_label([]) is None
    True
    """
    gold, others = _split_gold(vote for vote in votes if vote.label is not None)
    counts = _last_label_per_annotator(gold or others)
    if not gold and settled is not None and len(counts) > 1:
        return settled
    return _plurality(counts)


def reference_label_set(votes: Iterable[Vote]) -> frozenset[str] | None:
    """The reference labels of a record for a multi-label classification task.

    Parameters
    ----------
    votes : iterable of Vote
        All votes on the record for the task, one per chosen label.

    Returns
    -------
    frozenset of str or None
        If there are gold votes: the set of gold labels. Otherwise, with ``A`` the number of
        distinct annotators who voted on the record, the labels chosen by strictly more than
        ``A / 2`` of them; this set may be empty. If some label was chosen by exactly ``A / 2``
        annotators the record is undecided and the result is ``None``, as it is without votes.

    Examples
    --------
    >>> votes = [Vote("ann", "sports"), Vote("ann", "politics"), Vote("bob", "sports"),
    ...          Vote("cid", "sports"), Vote("cid", "economy")]
    >>> sorted(reference_label_set(votes))
    ['sports']
    >>> reference_label_set([Vote("ann", "sports"), Vote("bob", "politics")]) is None
    True
    >>> reference_label_set(votes + [Vote("dan", "x", is_gold=True)])
    frozenset({'x'})
    """
    gold, others = _split_gold(votes)
    if gold:
        return frozenset(vote.label for vote in gold if vote.label is not None)
    return _strict_majority(_choices_per_annotator(others, lambda vote: vote.label))


def _span_key(vote: Vote) -> tuple[str, int, int]:
    if vote.span is None:
        raise InvalidInputError(
            f"vote of {vote.annotator!r} for label {vote.label!r} has no span", field="span"
        )
    token_start, token_end = vote.span
    return vote.label, token_start, token_end


def reference_spans(votes: Iterable[Vote]) -> frozenset[tuple[str, int, int]] | None:
    """The reference spans of a record for an extraction task.

    Parameters
    ----------
    votes : iterable of Vote
        All votes on the record for the task, one per marked span; each must have a ``span``.

    Returns
    -------
    frozenset of (str, int, int) or None
        ``(label, token_start, token_end)`` triples. If there are gold votes: the gold spans.
        Otherwise the spans (same label and same offsets) marked by strictly more than half of
        the record's annotators, i.e. of those with at least one vote on it (an annotator who
        marked nothing leaves no vote and is not counted). If some span was marked by exactly
        half of them the record is undecided and the result is ``None``, as it is without
        votes.

    Raises
    ------
    InvalidInputError
        If a vote has no span (field ``span``).

    Examples
    --------
    >>> votes = [Vote("ann", "PER", span=(0, 2)), Vote("bob", "PER", span=(0, 2)),
    ...          Vote("bob", "LOC", span=(5, 6)), Vote("cid", "PER", span=(0, 1))]
    >>> sorted(reference_spans(votes))
    [('PER', 0, 2)]
    >>> reference_spans(votes[:3]) is None  # LOC (5, 6) marked by one of two annotators
    True
    >>> reference_spans([Vote("ann", None)])  # reviewed, nothing marked
    frozenset()
    >>> sorted(reference_spans(votes[:3] + [Vote("dan", None)]))  # 2 of 3 marked PER (0, 2)
    [('PER', 0, 2)]
    """
    gold, others = _split_gold(votes)
    if gold:
        return frozenset(_span_key(vote) for vote in gold if vote.label is not None)
    return _strict_majority(_choices_per_annotator(others, _span_key))


def majority_reference(annotator_labels: np.ndarray) -> np.ndarray:
    """Plurality label per record of a records x annotators label matrix.

    The vectorised form of :func:`reference_label` for annotator votes (no gold): each cell
    holds one annotator's label index for one record, or -1 for no label.

    Parameters
    ----------
    annotator_labels : numpy.ndarray of int, shape (n_records, n_annotators)
        Label indices ``>= 0``, ``-1`` where the annotator gave no label.

    Returns
    -------
    numpy.ndarray of int64, shape (n_records,)
        The label chosen by strictly more annotators than any other label, or -1 on a tie for
        the top or where no annotator gave a label.

    Raises
    ------
    InvalidInputError
        If the array is not 2-D, not integer, or holds values below -1.

    Examples
    --------
    >>> majority_reference(np.array([[0, 0, 1], [1, 0, -1], [-1, -1, -1], [2, -1, 2]]))
    array([ 0, -1, -1,  2])
    """
    labels = check_label_matrix(annotator_labels, field="annotator_labels")
    n_records = labels.shape[0]
    rows, cols = np.nonzero(labels >= 0)
    if rows.size == 0:
        return np.full(n_records, -1, dtype=np.int64)
    winners, decided = row_plurality(rows, labels[rows, cols], n_rows=n_records)
    return np.where(decided, winners, -1).astype(np.int64)


def row_plurality(rows: np.ndarray, values: np.ndarray, *, n_rows: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the value that strictly more of its ``(row, value)`` votes chose than any
    other value, and whether there is one (a tie for the top, or no vote, gives False).

    ``rows`` (ints in ``0..n_rows-1``) and ``values`` (any sortable values) are aligned and
    non-empty. Votes are counted in one bincount over dense value codes, so large or
    non-integer values cost no memory.

    >>> row_plurality(np.array([0, 0, 1, 1]), np.array(["a", "a", "a", "b"]), n_rows=3)
    (array(['a', 'a', 'a'], dtype='<U1'), array([ True, False, False]))
    """
    distinct, codes = np.unique(values, return_inverse=True)
    counts = np.bincount(rows * distinct.size + codes.reshape(-1),
                         minlength=n_rows * distinct.size).reshape(n_rows, distinct.size)
    best = counts.argmax(axis=1)
    top = counts[np.arange(n_rows), best]
    decided = (top > 0) & ((counts == top[:, None]).sum(axis=1) == 1)
    return distinct[best], decided
