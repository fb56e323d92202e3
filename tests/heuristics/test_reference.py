"""Tests of the reference label rule: gold first, else the annotators' majority, ties: none."""

from __future__ import annotations

import numpy as np
import pytest

from heuristics.errors import InvalidInputError
from heuristics.reference import (
    Vote,
    majority_reference,
    reference_label,
    reference_label_set,
    reference_spans,
)


def votes(*pairs: tuple[str, str]) -> list[Vote]:
    return [Vote(annotator, label) for annotator, label in pairs]


# --- single label -------------------------------------------------------------------------


def test_no_votes_no_reference() -> None:
    assert reference_label([]) is None
    assert reference_label_set([]) is None
    assert reference_spans([]) is None


def test_single_annotator() -> None:
    assert reference_label(votes(("ann", "spam"))) == "spam"


def test_majority() -> None:
    assert reference_label(votes(("ann", "spam"), ("bob", "spam"), ("cid", "ham"))) == "spam"


def test_plurality_is_enough() -> None:
    both = votes(("a", "x"), ("b", "x"), ("c", "y"), ("d", "z"), ("e", "w"))
    assert reference_label(both) == "x"


def test_tie_gives_none() -> None:
    assert reference_label(votes(("ann", "spam"), ("bob", "ham"))) is None
    tie_on_top = votes(("a", "x"), ("b", "x"), ("c", "y"), ("d", "y"), ("e", "z"))
    assert reference_label(tie_on_top) is None


def test_annotator_counts_once_with_last_vote() -> None:
    # ann voted three times; only her last vote ("ham") counts, so ham 1 vs spam 1: tie
    assert (
        reference_label(votes(("ann", "spam"), ("ann", "spam"), ("ann", "ham"), ("bob", "spam")))
        is None
    )
    # her last vote now agrees with bob
    assert (
        reference_label(votes(("ann", "ham"), ("ann", "spam"), ("bob", "spam"), ("cid", "ham")))
        == "spam"
    )
    # repeating a vote does not make it count twice
    assert reference_label(votes(("ann", "spam"), ("ann", "spam"), ("bob", "ham"))) is None


def test_gold_overrides_majority() -> None:
    many = votes(("a", "spam"), ("b", "spam"), ("c", "spam"))
    assert reference_label([*many, Vote("admin", "ham", is_gold=True)]) == "ham"
    # gold first or last in the iteration makes no difference
    assert reference_label([Vote("admin", "ham", is_gold=True), *many]) == "ham"


def test_gold_votes_agreeing() -> None:
    gold = [Vote("a", "ham", is_gold=True), Vote("b", "ham", is_gold=True)]
    assert reference_label([*gold, Vote("c", "spam")]) == "ham"


def test_gold_votes_disagreeing() -> None:
    tie = [Vote("a", "ham", is_gold=True), Vote("b", "spam", is_gold=True), Vote("c", "ham")]
    assert reference_label(tie) is None
    majority = [
        Vote(name, label, is_gold=True)
        for name, label in [("a", "ham"), ("b", "spam"), ("c", "ham")]
    ]
    assert reference_label(majority) == "ham"
    # the same gold source correcting itself: its last gold vote counts
    corrected = [Vote("import", "ham", is_gold=True), Vote("import", "spam", is_gold=True)]
    assert reference_label(corrected) == "spam"


def test_accepts_any_iterable() -> None:
    generator = (Vote(a, label) for a, label in [("a", "x"), ("b", "x"), ("c", "y")])
    assert reference_label(generator) == "x"
    gold_generator = (v for v in [Vote("a", "x"), Vote("g", "y", is_gold=True)])
    assert reference_label_set(gold_generator) == frozenset({"y"})


def test_vote_is_frozen_value() -> None:
    assert Vote("a", "x") == Vote("a", "x", is_gold=False, span=None)
    assert len({Vote("a", "x"), Vote("a", "x")}) == 1
    with pytest.raises(AttributeError):
        Vote("a", "x").label = "y"  # type: ignore[misc]


# --- multi-label --------------------------------------------------------------------------


def test_label_set_majority() -> None:
    record = votes(
        ("ann", "sports"),
        ("ann", "politics"),
        ("bob", "sports"),
        ("bob", "economy"),
        ("cid", "sports"),
        ("cid", "economy"),
    )
    # 3 annotators: sports 3/3, economy 2/3 in; politics 1/3 out
    assert reference_label_set(record) == frozenset({"sports", "economy"})


def test_label_set_can_be_empty() -> None:
    record = votes(("ann", "a"), ("bob", "b"), ("cid", "c"))
    assert reference_label_set(record) == frozenset()


def test_label_set_half_is_a_tie() -> None:
    # 4 annotators, "b" chosen by exactly 2: undecided, even though "a" has a clear majority
    record = votes(("w", "a"), ("x", "a"), ("y", "a"), ("w", "b"), ("x", "b"), ("z", "c"))
    assert reference_label_set(record) is None
    # 2 annotators disagreeing completely
    assert reference_label_set(votes(("ann", "a"), ("bob", "b"))) is None


def test_label_set_annotator_counts_once() -> None:
    # ann chose "a" twice; with 3 annotators "a" has 1/3, not 2/3
    record = votes(("ann", "a"), ("ann", "a"), ("bob", "b"), ("cid", "b"))
    assert reference_label_set(record) == frozenset({"b"})


def test_label_set_gold() -> None:
    record = [
        *votes(("ann", "a"), ("bob", "a"), ("cid", "a")),
        Vote("admin", "b", is_gold=True),
        Vote("admin", "c", is_gold=True),
    ]
    assert reference_label_set(record) == frozenset({"b", "c"})


# --- spans --------------------------------------------------------------------------------


def span(annotator: str, label: str, start: int, end: int, gold: bool = False) -> Vote:
    return Vote(annotator, label, is_gold=gold, span=(start, end))


def test_spans_majority() -> None:
    record = [
        span("ann", "PER", 0, 2),
        span("bob", "PER", 0, 2),
        span("cid", "PER", 0, 2),
        span("ann", "LOC", 5, 6),
        span("bob", "LOC", 5, 6),
        span("cid", "ORG", 8, 9),
    ]
    assert reference_spans(record) == frozenset({("PER", 0, 2), ("LOC", 5, 6)})


def test_spans_need_exact_match() -> None:
    # offsets differ: three distinct spans, each marked by 1 of 3 annotators
    record = [span("ann", "PER", 0, 2), span("bob", "PER", 0, 1), span("cid", "PER", 1, 2)]
    assert reference_spans(record) == frozenset()
    # label differs
    record = [span("ann", "PER", 0, 2), span("bob", "ORG", 0, 2), span("cid", "PER", 0, 2)]
    assert reference_spans(record) == frozenset({("PER", 0, 2)})


def test_spans_half_is_a_tie() -> None:
    record = [span("ann", "PER", 0, 2), span("bob", "PER", 0, 2), span("bob", "LOC", 4, 5)]
    assert reference_spans(record) is None


def test_spans_annotators_are_those_with_votes() -> None:
    # one annotator: everything they marked is the reference
    record = [span("ann", "PER", 0, 2), span("ann", "LOC", 3, 4)]
    assert reference_spans(record) == frozenset({("PER", 0, 2), ("LOC", 3, 4)})


def test_spans_annotator_counts_once() -> None:
    record = [
        span("ann", "PER", 0, 2),
        span("ann", "PER", 0, 2),
        span("bob", "LOC", 3, 4),
        span("cid", "LOC", 3, 4),
    ]
    assert reference_spans(record) == frozenset({("LOC", 3, 4)})


def test_spans_gold() -> None:
    record = [
        span("ann", "PER", 0, 2),
        span("bob", "PER", 0, 2),
        span("admin", "ORG", 0, 3, gold=True),
        span("admin", "LOC", 7, 8, gold=True),
    ]
    assert reference_spans(record) == frozenset({("ORG", 0, 3), ("LOC", 7, 8)})


def test_spans_require_span() -> None:
    with pytest.raises(InvalidInputError, match="has no span") as info:
        reference_spans([span("ann", "PER", 0, 2), Vote("bob", "PER")])
    assert info.value.field == "span"
    with pytest.raises(InvalidInputError, match="has no span"):
        reference_spans([Vote("admin", "PER", is_gold=True)])


# --- vectorised majority ------------------------------------------------------------------


def test_majority_reference_examples() -> None:
    labels = np.array(
        [
            [0, 0, 1],
            [1, 0, -1],  # tie
            [-1, -1, -1],  # no labels
            [2, -1, 2],
            [-1, 3, -1],  # a single annotator
            [1, 1, 0],
        ]
    )
    result = majority_reference(labels)
    assert result.dtype == np.int64
    assert result.tolist() == [0, -1, -1, 2, 3, 1]


def test_majority_reference_large_label_indices() -> None:
    labels = np.array([[10**9, 10**9, 5], [7, -1, -1]])
    assert majority_reference(labels).tolist() == [10**9, 7]


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0)])
def test_majority_reference_empty(shape: tuple[int, int]) -> None:
    result = majority_reference(np.zeros(shape, dtype=np.int64))
    assert result.shape == (shape[0],)
    assert (result == -1).all()


def test_majority_reference_all_unlabelled() -> None:
    assert majority_reference(np.full((4, 2), -1)).tolist() == [-1, -1, -1, -1]


def test_majority_reference_accepts_small_int_types_and_lists() -> None:
    assert majority_reference(np.array([[1, 1, 0]], dtype=np.int8)).tolist() == [1]
    assert majority_reference([[2, 2], [0, 1]]).tolist() == [2, -1]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.array([0, 1, 2]), "2-D"),
        (np.zeros((2, 2, 2), dtype=int), "2-D"),
        (np.array([[0.0, 1.0]]), "integers"),
        (np.array([[0, -2]]), r"-1 \(abstain\) or indices >= 0"),
    ],
)
def test_majority_reference_errors(bad: np.ndarray, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as info:
        majority_reference(bad)
    assert info.value.field == "annotator_labels"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_majority_reference_agrees_with_reference_label(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_records, n_annotators, n_labels = 500, int(rng.integers(1, 8)), int(rng.integers(1, 5))
    labels = rng.integers(-1, n_labels, size=(n_records, n_annotators))
    result = majority_reference(labels)
    for row, expected in zip(labels, result, strict=True):
        record = [Vote(f"annotator{j}", str(label)) for j, label in enumerate(row) if label >= 0]
        reference = reference_label(record)
        assert expected == (-1 if reference is None else int(reference)), row
    # the random matrices exercise all three outcomes
    assert (result == -1).any()
    assert (result >= 0).any()
