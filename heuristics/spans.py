"""Token spans and the conversions between their three forms.

A span is a :class:`TokenSpan`: a label and token offsets (``start`` inclusive, ``end``
exclusive), with a confidence (1.0 for spans that are simply given). The same spans appear as

* **token labels**: one label per token, :data:`OUTSIDE` for tokens outside every span (what
  span learners fit and predict, sequencelearn's format); in integer encodings (weak
  supervision's token label matrices) token label ``i`` is ``labels[i - 1]`` and
  :data:`OUTSIDE_INDEX` is OUTSIDE;
* **IOB2 tags**: ``B-X`` on the first token of a span of label X, ``I-X`` on the others, ``O``
  outside (CoNLL files, seqeval).

Token labels carry no B/I distinction, so two adjacent spans of one label come out of
:func:`token_labels_to_spans` as one span.

Examples
--------
>>> labels = spans_to_token_labels([TokenSpan("PER", 0, 2), ("LOC", 3, 4)], 5)
>>> labels
['PER', 'PER', 'OUTSIDE', 'LOC', 'OUTSIDE']
>>> token_labels_to_spans(labels)
[TokenSpan(label='PER', start=0, end=2, confidence=1.0), TokenSpan(label='LOC', start=3, end=4, confidence=1.0)]
>>> token_labels_to_iob2(labels)
['B-PER', 'I-PER', 'O', 'B-LOC', 'O']
>>> [tuple(span[:3]) for span in iob_to_spans(["B-PER", "I-PER", "O", "B-LOC", "O"])]
[('PER', 0, 2), ('LOC', 3, 4)]
"""  # noqa: E501

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from typing import NamedTuple

import numpy as np

from heuristics.errors import InvalidInputError

__all__ = [
    "IOB_TAG",
    "OUTSIDE",
    "OUTSIDE_INDEX",
    "TokenSpan",
    "iob_to_spans",
    "spans_to_iob2",
    "spans_to_token_labels",
    "token_labels_to_iob2",
    "token_labels_to_spans",
]

OUTSIDE = "OUTSIDE"
"""The token label of tokens outside every span (sequencelearn's ``CONSTANT_OUTSIDE``)."""

OUTSIDE_INDEX = 0
"""OUTSIDE in integer token labels, where token label ``i`` is ``labels[i - 1]``."""

IOB_TAG = re.compile(r"O|[BI]-\S+")
"""A valid IOB1 or IOB2 tag: O, B-X or I-X."""


class TokenSpan(NamedTuple):
    """A span of tokens: label, first token, token after the last, and a confidence in [0, 1]
    (1.0 for given spans; the mean token confidence for predicted or aggregated ones)."""

    label: str
    start: int
    end: int
    confidence: float = 1.0


def spans_to_token_labels(
    spans: Iterable[Sequence], n_tokens: int, *, outside: Hashable = OUTSIDE
) -> list:
    """One label per token: the label of the span covering it, ``outside`` elsewhere.

    Spans are ``(label, start, end, ...)``; where they overlap, spans written later in
    ``(start, end)`` order win the shared tokens.

    Parameters
    ----------
    spans : iterable of TokenSpan or (label, start, end) tuples
        Token offsets, end exclusive.
    n_tokens : int
        Number of tokens.
    outside : hashable, default OUTSIDE
        The token label outside spans (:data:`OUTSIDE_INDEX` for integer token labels).

    Returns
    -------
    list
        ``n_tokens`` token labels.

    Raises
    ------
    InvalidInputError
        For a span that is empty or outside the ``n_tokens`` tokens (field ``spans``).

    Examples
    --------
    >>> spans_to_token_labels([(2, 1, 3), (1, 0, 2)], 4, outside=OUTSIDE_INDEX)
    [1, 2, 2, 0]
    """
    labels = [outside] * n_tokens
    for span in sorted(spans, key=lambda s: (s[1], s[2])):
        label, start, end = span[0], span[1], span[2]
        if not 0 <= start < end <= n_tokens:
            raise InvalidInputError(f"span {start}:{end} is outside the {n_tokens} tokens",
                                    field="spans")
        labels[start:end] = [label] * (end - start)
    return labels


def token_labels_to_spans(
    labels: Sequence[Hashable], confidences: Sequence[float] | None = None, *,
    outside: Hashable = OUTSIDE,
) -> list[TokenSpan]:
    """The spans of one record's token labels: maximal runs of one label other than
    ``outside``, each with the mean confidence of its tokens.

    Parameters
    ----------
    labels : sequence of str
        One label per token.
    confidences : sequence of float, optional
        One confidence per token; without them every span has confidence 1.0.
    outside : hashable, default OUTSIDE
        The label of tokens outside any span.

    Returns
    -------
    list of TokenSpan
        In token order.

    Raises
    ------
    InvalidInputError
        If ``confidences`` is not as long as ``labels`` (field ``confidences``).

    Examples
    --------
    >>> token_labels_to_spans(["PER", "PER", "OUTSIDE", "LOC"], [0.9, 0.7, 1.0, 0.4])
    [TokenSpan(label='PER', start=0, end=2, confidence=0.8), TokenSpan(label='LOC', start=3, end=4, confidence=0.4)]
    """  # noqa: E501
    if confidences is not None and len(confidences) != len(labels):
        raise InvalidInputError(
            f"got {len(labels)} token labels but {len(confidences)} confidences",
            field="confidences",
        )
    spans: list[TokenSpan] = []
    start = 0
    for end in range(1, len(labels) + 1):
        if end < len(labels) and labels[end] == labels[start]:
            continue
        label = labels[start]
        if label != outside:
            confidence = 1.0 if confidences is None else round(
                float(np.mean(confidences[start:end])), 12)
            spans.append(TokenSpan(str(label), start, end, confidence))
        start = end
    return spans


def iob_to_spans(tags: Sequence[str]) -> list[TokenSpan]:
    """Decode IOB2 or IOB1 tags into spans.

    ``B-X`` always starts a span; ``I-X`` continues a span of type X and otherwise (after
    ``O`` or another type) starts one, as seqeval's lenient decoding does.

    Raises
    ------
    InvalidInputError
        For a tag that is not O, B-X or I-X (field ``tags``).

    Examples
    --------
    >>> [(s.label, s.start, s.end) for s in iob_to_spans(["I-PER", "I-PER", "O", "I-LOC"])]
    [('PER', 0, 2), ('LOC', 3, 4)]
    """
    spans: list[TokenSpan] = []
    label, start = None, 0
    for index, tag in enumerate([*tags, "O"]):
        if not IOB_TAG.fullmatch(tag):
            raise InvalidInputError(f"invalid tag {tag!r} at token {index}", field="tags")
        if tag.startswith("I-") and tag[2:] == label:
            continue
        if label is not None:
            spans.append(TokenSpan(label, start, index))
        label, start = (None, index) if tag == "O" else (tag[2:], index)
    return spans


def spans_to_iob2(spans: Iterable[Sequence], n_tokens: int) -> list[str]:
    """Encode spans as IOB2 tags for ``n_tokens`` tokens; the inverse of :func:`iob_to_spans`.

    Raises
    ------
    InvalidInputError
        For an empty or out-of-range span, or spans that overlap (field ``spans``).

    Examples
    --------
    >>> spans_to_iob2([TokenSpan("PER", 0, 2), TokenSpan("LOC", 3, 4)], 5)
    ['B-PER', 'I-PER', 'O', 'B-LOC', 'O']
    """
    tags = ["O"] * n_tokens
    for span in sorted(spans, key=lambda s: (s[1], s[2])):
        label, start, end = span[0], span[1], span[2]
        if not 0 <= start < end <= n_tokens:
            raise InvalidInputError(
                f"span {start}:{end} is outside the {n_tokens} tokens", field="spans"
            )
        if any(tag != "O" for tag in tags[start:end]):
            raise InvalidInputError(
                f"span {label} {start}:{end} overlaps another span", field="spans"
            )
        tags[start:end] = [f"B-{label}"] + [f"I-{label}"] * (end - start - 1)
    return tags


def token_labels_to_iob2(labels: Sequence[str], *, outside: str = OUTSIDE) -> list[str]:
    """IOB2 tags of one record's token labels (each run of one label is one span).

    Examples
    --------
    >>> token_labels_to_iob2(["LOC", "LOC", "OUTSIDE", "PER"])
    ['B-LOC', 'I-LOC', 'O', 'B-PER']
    """
    return spans_to_iob2(token_labels_to_spans(labels, outside=outside), len(labels))
