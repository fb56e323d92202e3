"""Span aggregation for extraction: many heuristics' token spans merged into one set per record.

Heuristics of an extraction task tag token spans ``(label, start, end)`` (token offsets, end
exclusive). Aggregation works per token:

1. **Token votes** (:func:`token_label_matrix`). Every token gets one vote per heuristic, a
   token label: ``0`` = OUTSIDE (no entity), ``i`` = ``labels[i - 1]``, or ``-1`` = abstain.
   A heuristic that produced *no span* on a record abstains on all its tokens (it found nothing
   to say there, which for most rules is silence, not a claim that no entity exists). A heuristic
   that produced spans votes their label on their tokens and OUTSIDE on the record's other
   tokens. Where spans of one heuristic overlap, the longer span wins the shared tokens (equal
   lengths: the one listed first).

   An OUTSIDE vote only contests the labels its heuristic can tag (those it tagged anywhere in
   the records): where other heuristics vote only labels it never tags, it abstains
   (``outside_votes="own_labels"``, the default, as skweak treats specialised rules). A place
   gazetteer that fired elsewhere in a sentence says nothing about whether a word is a person;
   counting its OUTSIDE vote there lets every rule that fires outvote every other
   (``outside_votes="all"``, plain token majority vote: 0.15 entity F1 against 0.40 on the
   CoNLL-2003 rules of the tests).
2. **Aggregation per token** with :class:`MajorityVote` (``method="majority"``; a tie goes to
   OUTSIDE, the lowest index), :class:`SpanLabelModel` (``method="label_model"``: the
   :class:`LabelModel`, OUTSIDE votes taken as silences, fitted on the tokens of all given
   records; ``"anchored_label_model"``: the same, anchored on the tokens of the records whose
   spans are known, as :meth:`LabelModel.fit` takes a ``reference``), or any estimator
   with ``fit(label_matrix)`` and ``predict_proba(label_matrix)`` over ``len(labels) + 1``
   token labels. A token on which no heuristic votes a label is
   OUTSIDE. A token's confidence is the probability of its label.
3. **Decoding** (:func:`decode_spans`): a maximal run of consecutive tokens with the same
   non-OUTSIDE label is one span, so the result is always BIO-consistent (IOB2: ``B-`` on the
   first token, ``I-`` on the rest). Token labels carry no B/I distinction, so two adjacent
   entities of the same label come out as one span. A span's confidence is the mean confidence
   of its tokens; spans below ``min_confidence`` are dropped.

Examples
--------
Three heuristics on a five-token record; two of them see a person in tokens 0–1. On token 0
the LOC rule abstains (it does not tag persons), on token 1 it is outvoted; on token 4 the
OUTSIDE vote of the LOC rule ties with the LOC vote, and a tie goes to OUTSIDE:

>>> record = RecordSpans(n_tokens=5, spans=[
...     [TokenSpan("PER", 0, 2)],
...     [TokenSpan("PER", 0, 2), TokenSpan("LOC", 4, 5)],
...     [("LOC", 1, 2)],
... ])
>>> for span in aggregate_spans([record], labels=["PER", "LOC"])[0]:
...     print(span.label, span.start, span.end, round(span.confidence, 3))
PER 0 2 0.833
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike

from heuristics.aggregation.label_model import LabelModel
from heuristics.aggregation.votes import MajorityVote
from heuristics.errors import InvalidInputError
from heuristics.spans import OUTSIDE_INDEX, TokenSpan
from heuristics.validation import ABSTAIN

__all__ = [
    "RecordSpans",
    "SpanLabelModel",
    "aggregate_spans",
    "decode_spans",
    "token_references",
    "outside_votes_on_own_labels",
    "token_label_matrix",
]

@dataclass(frozen=True)
class RecordSpans:
    """What the heuristics tagged on one record.

    Attributes
    ----------
    n_tokens : int
        Number of tokens of the record.
    spans : sequence of sequence of TokenSpan
        One entry per heuristic, in the same order for every record: the spans it tagged
        (empty = it found nothing). Plain ``(label, start, end)`` tuples work too; a span's
        confidence is not used.
    """

    n_tokens: int
    spans: Sequence[Sequence[TokenSpan | tuple[str, int, int]]]


class SpanLabelModel:
    """The label model of token votes (``method="label_model"``): a heuristic's OUTSIDE is
    not a vote but silence, and silences count by true label (Dawid–Skene's abstention
    rates, ``abstain_weight=1``), errors spread by the class balance.

    A rule that tags a tenth of the places says little by leaving a token untagged: its
    silence is nearly as likely on a place as elsewhere, and the model learns so. Counted as
    votes for OUTSIDE, whose precision is near 1 since most tokens are outside, such silences
    outvoted every precise rule of the same label (CoNLL-2003 dev, the rules of
    ``bench/span_rules_bench.py``: entity F1 0.42; with silences 0.72, majority vote 0.68).

    With ``reference`` (one known token label per row of the label matrix it is fitted on,
    ``-1`` = none) it is anchored on those tokens (``method="anchored_label_model"``).

    >>> votes = np.array([[1, 0], [1, 1], [0, 0], [0, -1]] * 50)
    >>> model = SpanLabelModel(2).fit(votes)
    >>> model.predict_proba(np.array([[1, 0], [0, 0]])).argmax(axis=1).tolist()
    [1, 0]
    """

    def __init__(self, n_token_labels: int, reference: ArrayLike | None = None) -> None:
        self.model = LabelModel(n_token_labels, abstain_weight=1.0, error_spread="balance",
                                prior_mean="fixed")
        self.reference = reference

    def fit(self, label_matrix: np.ndarray) -> SpanLabelModel:
        self.model.fit(_outside_as_silence(label_matrix), reference=self.reference)
        return self

    def predict_proba(self, label_matrix: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(_outside_as_silence(label_matrix))


def _outside_as_silence(label_matrix: np.ndarray) -> np.ndarray:
    return np.where(label_matrix == OUTSIDE_INDEX, ABSTAIN, label_matrix)


class TokenAggregator(Protocol):
    """What :func:`aggregate_spans` needs of an estimator passed as ``method``."""

    def fit(self, label_matrix: np.ndarray) -> object: ...

    def predict_proba(self, label_matrix: np.ndarray) -> np.ndarray: ...


def token_label_matrix(
    records: Sequence[RecordSpans], *, labels: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The heuristics' votes per token of all records, stacked.

    Parameters
    ----------
    records : sequence of RecordSpans
        The spans each heuristic tagged, per record; every record lists the same heuristics.
    labels : sequence of str
        The task's span labels; token label ``i`` is ``labels[i - 1]``, ``0`` is OUTSIDE.

    Returns
    -------
    label_matrix : ndarray of int, shape (n_tokens_total, n_heuristics)
        Token votes (module docstring, step 1), records one after another.
    offsets : ndarray of int, shape (n_records + 1,)
        Record ``r`` owns rows ``offsets[r]:offsets[r + 1]``.

    Raises
    ------
    InvalidInputError
        If a label is unknown, a span lies outside its record or is empty, or records disagree
        on the number of heuristics (``row`` = record position).

    Examples
    --------
    >>> L, offsets = token_label_matrix(
    ...     [RecordSpans(4, [[("LOC", 1, 3)], []]), RecordSpans(2, [[], [("PER", 0, 1)]])],
    ...     labels=["PER", "LOC"])
    >>> L.T
    array([[ 0,  2,  2,  0, -1, -1],
           [-1, -1, -1, -1,  1,  0]])
    >>> offsets
    array([0, 4, 6])
    """
    index = _label_index(labels)
    n_heuristics = len(records[0].spans) if records else 0
    sizes = np.array([_check_record(record, row, n_heuristics)
                      for row, record in enumerate(records)], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    matrix = np.full((int(offsets[-1]), n_heuristics), ABSTAIN, dtype=np.int64)
    for row, record in enumerate(records):
        first = offsets[row]
        for heuristic, spans in enumerate(record.spans):
            if not spans:
                continue
            column = matrix[first:first + record.n_tokens, heuristic]
            column[:] = OUTSIDE_INDEX
            checked = [_check_span(span, index, record.n_tokens, row) for span in spans]
            # Written shortest first, so longer spans overwrite shorter ones; reversed before
            # the stable sort, so among equal lengths the first listed is written last.
            for label, start, end in sorted(reversed(checked), key=lambda s: s[2] - s[1]):
                column[start:end] = label
    return matrix, offsets


def token_references(records: Sequence[RecordSpans],
                     references: Sequence[Sequence[TokenSpan | tuple[str, int, int]] | None],
                     *, offsets: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """The known token label of every row of :func:`token_label_matrix` (``-1`` = unknown):
    per record its known spans' labels, OUTSIDE on its other tokens.

    >>> records = [RecordSpans(3, [[("PER", 0, 1)]]), RecordSpans(2, [[]])]
    >>> token_references(records, [[("LOC", 1, 3)], None], offsets=np.array([0, 3, 5]),
    ...                  labels=["PER", "LOC"]).tolist()
    [0, 2, 2, -1, -1]
    """
    if len(references) != len(records):
        raise InvalidInputError(f"references lists {len(references)} records, there are "
                                f"{len(records)}", field="references")
    index = _label_index(labels)
    known = np.full(int(offsets[-1]), ABSTAIN, dtype=np.int64)
    for row, (record, spans) in enumerate(zip(records, references, strict=True)):
        if spans is None:
            continue
        first = int(offsets[row])
        known[first:first + record.n_tokens] = OUTSIDE_INDEX
        for label, start, end in (_check_span(span, index, record.n_tokens, row)
                                  for span in spans):
            known[first + start:first + end] = label
    return known


def decode_spans(
    token_labels: ArrayLike,
    confidence: ArrayLike,
    *,
    labels: Sequence[str],
    min_confidence: float = 0.0,
) -> list[TokenSpan]:
    """Spans from one record's token labels: runs of one non-OUTSIDE label.

    Parameters
    ----------
    token_labels : array-like of int, shape (n_tokens,)
        ``0`` = OUTSIDE, ``i`` = ``labels[i - 1]``.
    confidence : array-like of float, shape (n_tokens,)
        Confidence of each token's label.
    labels : sequence of str
        The task's span labels.
    min_confidence : float, default=0.0
        Spans whose mean token confidence is below this are dropped.

    Returns
    -------
    list of TokenSpan
        By start token.

    Examples
    --------
    >>> decode_spans([0, 1, 1, 2, 0, 2], [1.0, 0.9, 0.7, 0.6, 1.0, 0.4], labels=["PER", "LOC"])
    [TokenSpan(label='PER', start=1, end=3, confidence=0.8), TokenSpan(label='LOC', start=3, end=4, confidence=0.6), TokenSpan(label='LOC', start=5, end=6, confidence=0.4)]
    >>> [s.label for s in decode_spans([1, 1], [0.4, 0.5], labels=["PER"], min_confidence=0.5)]
    []
    """  # noqa: E501
    tags = np.asarray(token_labels, dtype=np.int64)
    scores = np.asarray(confidence, dtype=np.float64)
    if tags.ndim != 1 or scores.shape != tags.shape:
        raise InvalidInputError(
            "token_labels and confidence must be 1-D arrays of one length", field="token_labels"
        )
    if tags.size and (tags.min() < 0 or tags.max() > len(labels)):
        raise InvalidInputError(
            f"token labels must lie in 0..{len(labels)}", field="token_labels"
        )
    return _decode_all(tags, scores, np.array([0, len(tags)]), labels=labels,
                       min_confidence=min_confidence)[0]


def _decode_all(tags: np.ndarray, scores: np.ndarray, offsets: np.ndarray, *,
                labels: Sequence[str], min_confidence: float) -> list[list[TokenSpan]]:
    """:func:`decode_spans` for many records at once: ``tags``/``scores`` of all their tokens,
    record ``r`` owning ``offsets[r]:offsets[r + 1]``; no span crosses a record boundary."""
    n_records = len(offsets) - 1
    found: list[list[TokenSpan]] = [[] for _ in range(n_records)]
    if not len(tags):
        return found
    first = np.zeros(len(tags), dtype=bool)
    first[offsets[:-1][offsets[:-1] < len(tags)]] = True
    last = np.roll(first, -1)
    last[-1] = True
    inside = tags != OUTSIDE_INDEX
    starts = np.flatnonzero(inside & (first | (np.diff(tags, prepend=OUTSIDE_INDEX) != 0)))
    ends = np.flatnonzero(inside & (last | (np.diff(tags, append=OUTSIDE_INDEX) != 0))) + 1
    bounds = np.column_stack([starts, ends]).ravel()
    sums = np.add.reduceat(np.append(scores, 0.0), bounds)[::2] if len(starts) else scores[:0]
    means = sums / (ends - starts)
    keep = means >= min_confidence
    records = np.searchsorted(offsets, starts, side="right") - 1
    for record, start, end, mean in zip(records[keep].tolist(), starts[keep].tolist(),
                                        ends[keep].tolist(), means[keep].tolist(), strict=True):
        first_token = int(offsets[record])
        found[record].append(TokenSpan(labels[tags[start] - 1], start - first_token,
                                      end - first_token, mean))
    return found


def aggregate_spans(
    records: Sequence[RecordSpans],
    *,
    labels: Sequence[str],
    method: Literal["majority", "label_model", "anchored_label_model"] | TokenAggregator
    = "majority",
    min_confidence: float = 0.0,
    outside_votes: Literal["own_labels", "all"] = "own_labels",
    heuristic_labels: Sequence[Collection[str]] | None = None,
    references: Sequence[Sequence[TokenSpan | tuple[str, int, int]] | None] | None = None,
) -> list[list[TokenSpan]]:
    """Merge the heuristics' spans into one list of spans per record.

    Parameters
    ----------
    records : sequence of RecordSpans
        The spans each heuristic tagged, per record; every record lists the same heuristics.
    labels : sequence of str
        The task's span labels.
    method : {"majority", "label_model", "anchored_label_model"} or estimator, \
default="majority"
        How token votes are merged: :class:`MajorityVote` (ties to OUTSIDE),
        :class:`SpanLabelModel` fitted on the tokens of ``records`` (anchored on the tokens
        of ``references``), or an unfitted estimator with ``fit`` and ``predict_proba`` over ``len(labels) + 1`` token
        labels (e.g. a configured ``LabelModel`` or a ``WeightedVote``).
    min_confidence : float, default=0.0
        Spans whose mean token confidence is below this are dropped.
    outside_votes : {"own_labels", "all"}, default="own_labels"
        Which tokens a heuristic's OUTSIDE votes count on (module docstring, step 1):
        ``"own_labels"``, only where they contest a label the heuristic tags or no heuristic
        votes a label; ``"all"``, everywhere.
    heuristic_labels : sequence of collections of str, optional
        Per heuristic, the labels it tags (for ``"own_labels"``); by default those it tagged
        somewhere in ``records``.
    references : sequence of (sequence of TokenSpan or None), optional
        Per record, its known spans (empty: it has none) or None where they are not known;
        needed by ``"anchored_label_model"``, which keeps their tokens at their known
        labels while it fits (its answers still come from the votes).

    Returns
    -------
    list of list of TokenSpan
        Per record, its spans by start token.

    Raises
    ------
    InvalidInputError
        For invalid spans (see :func:`token_label_matrix`) or an unknown ``method``.

    Examples
    --------
    Two person rules and a place rule; neither kind's OUTSIDE votes contest the other's label:

    >>> records = [RecordSpans(3, [[("PER", 0, 1)], [("PER", 0, 1)], [("LOC", 2, 3)]])]
    >>> for span in aggregate_spans(records, labels=["PER", "LOC"])[0]:
    ...     print(span.label, span.start, span.end, span.confidence)
    PER 0 1 1.0
    LOC 2 3 1.0
    >>> aggregate_spans(records, labels=["PER", "LOC"], outside_votes="all")
    [[TokenSpan(label='PER', start=0, end=1, confidence=0.6666666666666666)]]
    >>> aggregate_spans(records, labels=["PER", "LOC"], method="anchored_label_model")
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'references': the anchored label model needs the records' known spans
    """  # noqa: E501
    if not 0 <= min_confidence <= 1:
        raise InvalidInputError(
            f"min_confidence must lie in [0, 1], got {min_confidence}", field="min_confidence"
        )
    if outside_votes not in ("own_labels", "all"):
        raise InvalidInputError(f"outside_votes must be 'own_labels' or 'all', got "
                                f"{outside_votes!r}", field="outside_votes")
    matrix, offsets = token_label_matrix(records, labels=labels)
    n_token_labels = len(labels) + 1
    if outside_votes == "own_labels":
        tags = None
        if heuristic_labels is not None:
            index = _label_index(labels)
            if len(heuristic_labels) != matrix.shape[1]:
                raise InvalidInputError(f"heuristic_labels lists {len(heuristic_labels)} "
                                        f"heuristics, the records {matrix.shape[1]}",
                                        field="heuristic_labels")
            tags = np.zeros((matrix.shape[1], n_token_labels), dtype=bool)
            for heuristic, names in enumerate(heuristic_labels):
                tags[heuristic, [_check_label(name, index) for name in names]] = True
        matrix = outside_votes_on_own_labels(matrix, n_token_labels, tags=tags)
    if method == "majority":
        model: TokenAggregator = MajorityVote(n_token_labels)
    elif method == "label_model":
        model = SpanLabelModel(n_token_labels)
    elif method == "anchored_label_model":
        if references is None:
            raise InvalidInputError("the anchored label model needs the records' known spans",
                                field="references")
        model = SpanLabelModel(n_token_labels, reference=token_references(
            records, references, offsets=offsets, labels=labels))
    elif isinstance(method, str) or not hasattr(method, "predict_proba"):
        raise InvalidInputError(
            f"method must be 'majority', 'label_model', 'anchored_label_model' or an "
            f"estimator, got {method!r}", field="method",
        )
    else:
        model = method
    if len(matrix):
        model.fit(matrix)
        probabilities = np.asarray(model.predict_proba(matrix), dtype=np.float64)
    else:
        probabilities = np.zeros((0, n_token_labels))
    token_labels = probabilities.argmax(axis=1) if len(matrix) else np.zeros(0, np.int64)
    token_labels[(matrix <= OUTSIDE_INDEX).all(axis=1)] = OUTSIDE_INDEX   # no label voted
    confidence = probabilities[np.arange(len(token_labels)), token_labels]
    return _decode_all(token_labels.astype(np.int64), confidence, offsets, labels=labels,
                       min_confidence=min_confidence)


def outside_votes_on_own_labels(matrix: np.ndarray, n_token_labels: int, *,
                                tags: np.ndarray | None = None) -> np.ndarray:
    """The token label matrix with each OUTSIDE vote turned into an abstention where the
    token's other votes name only labels its heuristic never tags.

    ``tags[j, c]`` says whether heuristic ``j`` tags token label ``c``; by default, whether
    it voted ``c`` somewhere in ``matrix``.

    Examples
    --------
    Heuristic 0 tags LOC (label 2), heuristic 1 PER (label 1): on token 1 only PER is voted,
    so heuristic 0's OUTSIDE vote there becomes an abstention, and heuristic 1's on token 2;
    on token 0 nobody votes a label, so both OUTSIDE votes stay:

    >>> outside_votes_on_own_labels(np.array([[0, 0], [0, 1], [2, 0]]), 3)
    array([[ 0,  0],
           [-1,  1],
           [ 2, -1]])
    """
    n_tokens, n_heuristics = matrix.shape
    rows, columns = np.nonzero(matrix > OUTSIDE_INDEX)
    if tags is None:
        tags = np.zeros((n_heuristics, n_token_labels), dtype=bool)
        tags[columns, matrix[rows, columns]] = True
    tags = tags.astype(np.int64)
    voted = np.zeros((n_tokens, n_token_labels), dtype=np.int64)
    voted[rows, matrix[rows, columns]] = 1
    contested = (voted @ tags.T) > 0
    keep = contested | (voted.sum(axis=1) == 0)[:, None]
    return np.where((matrix == OUTSIDE_INDEX) & ~keep, ABSTAIN, matrix)


def _check_label(name: str, index: dict[str, int]) -> int:
    if name not in index:
        raise InvalidInputError(f"unknown span label {name!r}", field="heuristic_labels")
    return index[name]


def _label_index(labels: Sequence[str]) -> dict[str, int]:
    if isinstance(labels, str) or not labels or len(set(labels)) != len(labels):
        raise InvalidInputError("labels must be a non-empty list of distinct names",
                                field="labels")
    return {name: position + 1 for position, name in enumerate(labels)}


def _check_record(record: RecordSpans, row: int, n_heuristics: int) -> int:
    n_tokens = record.n_tokens
    if isinstance(n_tokens, bool) or not isinstance(n_tokens, int | np.integer) or n_tokens < 0:
        raise InvalidInputError(f"n_tokens must be an integer >= 0, got {n_tokens!r}",
                                field="n_tokens", row=row)
    if len(record.spans) != n_heuristics:
        raise InvalidInputError(
            f"record lists {len(record.spans)} heuristics, the first record {n_heuristics}",
            field="spans", row=row,
        )
    return int(n_tokens)


def _check_span(span: object, index: dict[str, int], n_tokens: int, row: int
                ) -> tuple[int, int, int]:
    try:
        name, start, end = span[:3]  # type: ignore[index]
        if len(span) not in (3, 4):  # type: ignore[arg-type]
            raise ValueError
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"a span is (label, start, end), got {span!r}",
                                field="spans", row=row) from error
    if name not in index:
        raise InvalidInputError(f"unknown span label {name!r}", field="spans", row=row)
    if not (isinstance(start, int | np.integer) and isinstance(end, int | np.integer)
            and 0 <= start < end <= n_tokens):
        raise InvalidInputError(
            f"span ({name!r}, {start!r}, {end!r}) is not within the {n_tokens} tokens",
            field="spans", row=row,
        )
    return index[name], int(start), int(end)
