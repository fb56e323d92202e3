"""Tests of heuristics.spans: token spans, token labels and IOB2, and their conversions."""

from __future__ import annotations

import pytest

from heuristics.errors import InvalidInputError
from heuristics.spans import (
    OUTSIDE,
    OUTSIDE_INDEX,
    TokenSpan,
    iob_to_spans,
    spans_to_iob2,
    spans_to_token_labels,
    token_labels_to_iob2,
    token_labels_to_spans,
)


def error_of(function, *args) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        function(*args)
    return caught.value


def spans(*triples: tuple[str, int, int]) -> list[TokenSpan]:
    return [TokenSpan(*t) for t in triples]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([], []),
        (["O", "O"], []),
        # IOB2
        (["B-PER", "I-PER", "O", "B-LOC"], spans(("PER", 0, 2), ("LOC", 3, 4))),
        (["B-PER", "B-PER", "I-PER"], spans(("PER", 0, 1), ("PER", 1, 3))),
        (["B-ORG", "I-ORG", "I-ORG"], spans(("ORG", 0, 3))),
        # IOB1: I- opens a span after O or after another type; B- only between neighbours
        (["I-PER", "I-PER", "O", "I-LOC"], spans(("PER", 0, 2), ("LOC", 3, 4))),
        (["I-PER", "B-PER", "I-PER"], spans(("PER", 0, 1), ("PER", 1, 3))),
        (["I-PER", "I-LOC"], spans(("PER", 0, 1), ("LOC", 1, 2))),
        (["B-PER", "I-LOC", "I-LOC"], spans(("PER", 0, 1), ("LOC", 1, 3))),
    ],
)
def test_iob_to_spans(tags: list[str], expected: list[TokenSpan]) -> None:
    assert iob_to_spans(tags) == expected


def test_iob_to_spans_rejects_unknown_tags() -> None:
    assert "invalid tag 'E-PER' at token 1" in str(error_of(iob_to_spans, ["O", "E-PER"]))


def test_spans_to_iob2_round_trip_normalises_iob1() -> None:
    iob1 = ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG", "I-ORG"]
    decoded = iob_to_spans(iob1)
    iob2 = spans_to_iob2(decoded, len(iob1))
    assert iob2 == ["B-PER", "I-PER", "B-PER", "O", "B-LOC", "B-ORG", "I-ORG"]
    assert iob_to_spans(iob2) == decoded
    assert spans_to_iob2(list(reversed(decoded)), len(iob1)) == iob2


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (spans(("PER", 0, 2), ("LOC", 1, 3)), "overlaps"),
        (spans(("PER", 2, 5)), "outside"),
        (spans(("PER", 1, 1)), "outside"),
    ],
)
def test_spans_to_iob2_rejects_bad_spans(bad: list[TokenSpan], message: str) -> None:
    assert message in error_of(spans_to_iob2, bad, 4).message


def test_token_labels_round_trip_through_spans_and_iob2() -> None:
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-ORG", "I-ORG"]
    spans = iob_to_spans(tags)
    labels = spans_to_token_labels(spans, len(tags))
    assert labels == ["PER", "PER", OUTSIDE, "LOC", "ORG", "ORG"]
    assert token_labels_to_spans(labels) == spans
    assert token_labels_to_iob2(labels) == tags


def test_token_labels_merge_adjacent_spans_of_one_label() -> None:
    labels = spans_to_token_labels([("PER", 0, 1), ("PER", 1, 2)], 3)
    assert token_labels_to_spans(labels) == [TokenSpan("PER", 0, 2)]


def test_integer_token_labels_later_spans_win() -> None:
    labels = spans_to_token_labels([(2, 0, 3), (1, 1, 2)], 4, outside=OUTSIDE_INDEX)
    assert labels == [2, 1, 2, OUTSIDE_INDEX]


def test_span_confidence_is_the_mean_of_its_tokens() -> None:
    spans = token_labels_to_spans(["A", "A", OUTSIDE, "B"], [0.5, 0.7, 0.1, 0.2])
    assert spans == [TokenSpan("A", 0, 2, pytest.approx(0.6)), TokenSpan("B", 3, 4, 0.2)]


@pytest.mark.parametrize(("spans", "n_tokens"), [([("A", 2, 5)], 4), ([("A", 1, 1)], 4)])
def test_spans_to_token_labels_rejects_spans_outside_the_tokens(spans, n_tokens) -> None:
    assert "outside the 4 tokens" in error_of(spans_to_token_labels, spans, n_tokens).message


def test_token_labels_to_spans_needs_one_confidence_per_token() -> None:
    assert error_of(token_labels_to_spans, ["A", "A"], [1.0]).field == "confidences"
