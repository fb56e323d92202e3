"""Token-level and exact-span counts of extraction heuristics against reference spans."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heuristics.errors import InvalidInputError
from heuristics.evaluation.counts import Counts, bincount, share
from heuristics.validation import bool_array, integer_array

__all__ = ["SpanStats", "span_stats"]


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
    table = integer_array(table, field=field, ndim=2)
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
    tokens_per_record = integer_array(n_tokens, field="n_tokens", ndim=1)
    if tokens_per_record.size and tokens_per_record.min() < 0:
        raise InvalidInputError("n_tokens must be >= 0", field="n_tokens")
    n_records = tokens_per_record.shape[0]
    referenced = bool_array(has_reference, field="has_reference", shape=(n_records,))
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
    gold_per_label = bincount(gold_pairs % label_base, n_labels)

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
    token_tp = bincount(cell[scored & hit], size).reshape(shape)
    token_fp = bincount(cell[scored & ~hit], size).reshape(shape)
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
    span_tp = bincount(span_cell[matched], size).reshape(shape)
    span_fp = bincount(span_cell[~matched], size).reshape(shape)
    gold_spans_per_label = bincount(gold_spans[:, 1], n_labels)
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
    voted_tokens = bincount(cover_heuristic, n_heuristics)
    overlap_count = bincount(cover_heuristic[voters[voted_index.ravel()] >= 2], n_heuristics)
    conflict_count = bincount(
        cover_heuristic[np.isin(cover_token, conflicted_tokens)], n_heuristics
    )
    return SpanStats(
        tokens=Counts(tp=token_tp, fp=token_fp, fn=token_fn),
        spans=Counts(tp=span_tp, fp=span_fp, fn=span_fn),
        n_reference=int(referenced.sum()),
        voted_tokens=voted_tokens,
        coverage=share(voted_tokens, total_tokens),
        overlaps=share(overlap_count, voted_tokens),
        conflicts=share(conflict_count, voted_tokens),
    )
