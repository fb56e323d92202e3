"""Tests of heuristics.evaluation: Snorkel parity, hand-computed counts, incremental updates."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snorkel.labeling import LFAnalysis

from heuristics.errors import InvalidInputError
from heuristics.evaluation.analysis import LabelMatrixAnalysis
from heuristics.evaluation.classification import (
    HeuristicStats,
    classification_stats,
    multilabel_stats,
)
from heuristics.evaluation.counts import Counts
from heuristics.evaluation.extraction import span_stats

GOLDEN_L = np.array([
    [-1, 0, 0],
    [-1, -1, -1],
    [1, 0, -1],
    [-1, 0, -1],
    [0, 0, 0],
])

A, B = 0, 1  # label indices of the extraction tests


@st.composite
def label_matrices(draw, *, min_records=0, min_heuristics=0):
    """(label_matrix, n_labels) with abstains: up to 60 records, 6 heuristics, 2-4 labels."""
    n_records = draw(st.integers(min_records, 60))
    n_heuristics = draw(st.integers(min_heuristics, 6))
    n_labels = draw(st.integers(2, 4))
    cells = draw(st.lists(st.integers(-1, n_labels - 1), min_size=n_records * n_heuristics,
                          max_size=n_records * n_heuristics))
    return np.array(cells, dtype=np.int64).reshape(n_records, n_heuristics), n_labels


def assert_counts_equal(actual: Counts, expected: Counts) -> None:
    np.testing.assert_array_equal(actual.tp, expected.tp)
    np.testing.assert_array_equal(actual.fp, expected.fp)
    np.testing.assert_array_equal(actual.fn, expected.fn)


def assert_stats_equal(actual: HeuristicStats, expected: HeuristicStats) -> None:
    assert_counts_equal(actual, expected)
    np.testing.assert_array_equal(actual.fn_voted, expected.fn_voted)
    np.testing.assert_array_equal(actual.labelled_votes, expected.labelled_votes)
    assert actual.n_reference == expected.n_reference
    np.testing.assert_array_equal(actual.hits, expected.hits)
    np.testing.assert_allclose(actual.coverage, expected.coverage)
    np.testing.assert_allclose(actual.overlaps, expected.overlaps)
    np.testing.assert_allclose(actual.conflicts, expected.conflicts)


# --------------------------------------------------------------------------------------------
# LabelMatrixAnalysis


def test_golden_label_matrix():
    analysis = LabelMatrixAnalysis(GOLDEN_L)

    assert analysis.label_coverage() == pytest.approx(0.8)
    assert analysis.label_overlap() == pytest.approx(0.6)
    assert analysis.label_conflict() == pytest.approx(0.2)
    np.testing.assert_allclose(analysis.coverage(), [0.4, 0.8, 0.4])
    np.testing.assert_allclose(analysis.overlaps(), [0.4, 0.6, 0.4])
    np.testing.assert_allclose(analysis.conflicts(), [0.2, 0.2, 0.0])
    assert analysis.polarities() == [[0, 1], [0], [0]]


@pytest.mark.filterwarnings("ignore::FutureWarning")  # scipy.sparse inside snorkel
@settings(max_examples=150, deadline=None)
@given(label_matrices(min_records=1, min_heuristics=1), st.data())
def test_analysis_matches_snorkel(matrix_and_labels, data):
    L, n_labels = matrix_and_labels
    ours, snorkel = LabelMatrixAnalysis(L), LFAnalysis(L)
    gold = np.array(data.draw(st.lists(st.integers(0, n_labels - 1), min_size=len(L),
                                       max_size=len(L))))

    np.testing.assert_allclose(ours.label_coverage(), snorkel.label_coverage())
    np.testing.assert_allclose(ours.label_overlap(), snorkel.label_overlap())
    np.testing.assert_allclose(ours.label_conflict(), snorkel.label_conflict())
    np.testing.assert_allclose(ours.coverage(), snorkel.lf_coverages())
    np.testing.assert_allclose(ours.overlaps(), snorkel.lf_overlaps())
    np.testing.assert_allclose(ours.conflicts(), snorkel.lf_conflicts())
    assert ours.polarities() == [[int(label) for label in p] for p in snorkel.lf_polarities()]
    np.testing.assert_allclose(ours.empirical_accuracies(gold),
                               snorkel.lf_empirical_accuracies(gold))


@pytest.mark.filterwarnings("ignore::FutureWarning")  # scipy.sparse inside snorkel
@settings(max_examples=100, deadline=None)
@given(label_matrices(min_records=1, min_heuristics=1), st.data())
def test_empirical_accuracies_use_only_referenced_records(matrix_and_labels, data):
    L, n_labels = matrix_and_labels
    reference = np.array(data.draw(st.lists(st.integers(-1, n_labels - 1), min_size=len(L),
                                            max_size=len(L))))
    referenced = reference != -1

    accuracies = LabelMatrixAnalysis(L).empirical_accuracies(reference)

    if referenced.any():
        expected = LFAnalysis(L[referenced]).lf_empirical_accuracies(reference[referenced])
    else:
        expected = np.zeros(L.shape[1])
    np.testing.assert_allclose(accuracies, expected)


def test_analysis_without_records_or_heuristics():
    no_records = LabelMatrixAnalysis(np.zeros((0, 2), dtype=int))
    assert np.isnan(no_records.label_coverage())
    assert np.isnan(no_records.coverage()).all() and no_records.coverage().shape == (2,)
    assert np.isnan(no_records.conflicts()).all()
    assert no_records.polarities() == [[], []]

    no_heuristics = LabelMatrixAnalysis(np.zeros((3, 0), dtype=int))
    assert no_heuristics.label_coverage() == 0.0
    assert no_heuristics.label_conflict() == 0.0
    assert no_heuristics.coverage().shape == (0,)
    assert no_heuristics.empirical_accuracies(np.array([0, 1, -1])).shape == (0,)


@pytest.mark.parametrize("matrix", [
    np.array([0, 1, -1]),  # 1-D
    np.array([[0.0, 1.0]]),  # float
    np.array([[0, -2]]),  # below -1
])
def test_analysis_rejects_bad_label_matrices(matrix):
    with pytest.raises(InvalidInputError):
        LabelMatrixAnalysis(matrix)


def test_empirical_accuracies_reject_wrong_length():
    with pytest.raises(InvalidInputError, match="reference_labels"):
        LabelMatrixAnalysis(GOLDEN_L).empirical_accuracies(np.array([0, 1]))


# --------------------------------------------------------------------------------------------
# classification_stats


HAND_L = np.array([
    [0, 1, -1],
    [0, 0, 1],
    [1, -1, 1],
    [2, 2, -1],
    [-1, 1, 0],
    [0, 2, 2],
])
HAND_REFERENCE = np.array([0, 0, 1, 1, -1, 2])


def test_classification_stats_hand_computed():
    stats = classification_stats(HAND_L, HAND_REFERENCE, n_labels=3)

    np.testing.assert_array_equal(stats.tp, [[2, 1, 0], [1, 0, 1], [0, 1, 1]])
    np.testing.assert_array_equal(stats.fp, [[1, 0, 1], [0, 1, 1], [0, 1, 0]])
    # Abstains are false negatives: heuristic 2 abstains on records 0 (a) and 3 (b),
    # heuristic 1 on record 2 (b).
    np.testing.assert_array_equal(stats.fn, [[0, 1, 1], [1, 2, 0], [2, 1, 0]])
    # Where it votes, they are not.
    np.testing.assert_array_equal(stats.fn_voted, [[0, 1, 1], [1, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(stats.labelled_votes, [5, 4, 3])
    assert stats.n_reference == 5
    np.testing.assert_array_equal(stats.hits, [5, 5, 4])
    np.testing.assert_allclose(stats.coverage, [5 / 6, 5 / 6, 4 / 6])
    np.testing.assert_allclose(stats.overlaps, [5 / 6, 5 / 6, 4 / 6])
    np.testing.assert_allclose(stats.conflicts, [3 / 6, 4 / 6, 3 / 6])


def test_rates_hand_computed():
    stats = classification_stats(HAND_L, HAND_REFERENCE, n_labels=3)

    np.testing.assert_allclose(stats.precision[0], [2 / 3, 1.0, 0.0])
    np.testing.assert_allclose(stats.recall[0], [1.0, 0.5, 0.0])
    np.testing.assert_allclose(stats.f1[0], [0.8, 2 / 3, 0.0])
    # Heuristic 2 never votes label 0: precision 0/0 is nan, recall 0/2 is 0, F1 is 0. Of the
    # two records labelled b it votes b on one and abstains on the other: recall 1/2, but 1/1
    # where it votes.
    np.testing.assert_allclose(stats.precision[2], [np.nan, 0.5, 1.0])
    np.testing.assert_allclose(stats.recall[2], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(stats.where_voting().recall[2], [0.0, 1.0, 1.0])
    np.testing.assert_allclose(stats.f1[2], [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(stats.where_voting().precision, stats.precision)

    totals = stats.totals()
    np.testing.assert_array_equal(totals.tp, [3, 2, 2])
    np.testing.assert_array_equal(totals.fp, [2, 2, 1])
    np.testing.assert_array_equal(totals.fn, [2, 3, 3])
    np.testing.assert_allclose(totals.precision, [0.6, 0.5, 2 / 3])
    # Micro recall: of the 5 referenced records, the share each labels right.
    np.testing.assert_allclose(totals.recall, [0.6, 0.4, 0.4])
    np.testing.assert_allclose(totals.f1, [0.6, 4 / 9, 0.5])
    np.testing.assert_allclose(stats.where_voting().totals().recall, [0.6, 0.5, 2 / 3])
    # Single-label micro precision is the empirical accuracy on referenced records.
    np.testing.assert_allclose(totals.precision,
                               LabelMatrixAnalysis(HAND_L).empirical_accuracies(HAND_REFERENCE))


def test_f1_is_nan_only_without_any_count():
    counts = Counts(tp=np.array([0, 0, 0]), fp=np.array([0, 2, 0]), fn=np.array([0, 0, 3]))
    np.testing.assert_allclose(counts.f1, [np.nan, 0.0, 0.0])
    np.testing.assert_allclose(counts.precision, [np.nan, 0.0, np.nan])
    np.testing.assert_allclose(counts.recall, [np.nan, np.nan, 0.0])


def test_wilson_interval_hand_computed():
    counts = Counts(tp=np.array([[8, 0], [10, 0]]), fp=np.array([[2, 10], [0, 0]]),
                    fn=np.zeros((2, 2), dtype=int))

    low, high = counts.wilson_interval(z=1.96)

    np.testing.assert_allclose(low, [[0.490, 0.0], [0.7225, np.nan]], atol=5e-4)
    np.testing.assert_allclose(high, [[0.943, 0.2775], [1.0, np.nan]], atol=5e-4)


def test_wilson_interval_narrows_with_smaller_z_and_more_data():
    small = Counts(tp=np.array([8]), fp=np.array([2]), fn=np.array([0]))
    large = Counts(tp=np.array([80]), fp=np.array([20]), fn=np.array([0]))
    width = np.diff(np.vstack(small.wilson_interval()), axis=0)
    assert np.diff(np.vstack(small.wilson_interval(z=1.0)), axis=0) < width
    assert np.diff(np.vstack(large.wilson_interval()), axis=0) < width
    with pytest.raises(InvalidInputError, match="z"):
        small.wilson_interval(z=0.0)


def test_classification_stats_of_the_stats_wilson_interval_has_their_shape():
    stats = classification_stats(HAND_L, HAND_REFERENCE, n_labels=3)
    low, high = stats.wilson_interval()
    assert low.shape == high.shape == (3, 3)
    finite = np.isfinite(low)
    assert (low[finite] <= stats.precision[finite]).all()
    assert (stats.precision[finite] <= high[finite]).all()


def naive_counts(L: np.ndarray, reference: np.ndarray, n_labels: int
                 ) -> tuple[Counts, np.ndarray]:
    """The definitions of classification_stats, one record and heuristic at a time: the
    counts, and the false negatives where the heuristic voted."""
    tp, fp, fn, fn_voted = (np.zeros((L.shape[1], n_labels), dtype=int) for _ in range(4))
    for votes, ref in zip(L, reference, strict=True):
        for heuristic, vote in enumerate(votes):
            if ref == -1:
                continue
            if vote == ref:
                tp[heuristic, vote] += 1
                continue
            fn[heuristic, ref] += 1  # abstain or another label
            if vote != -1:
                fp[heuristic, vote] += 1
                fn_voted[heuristic, ref] += 1
    return Counts(tp=tp, fp=fp, fn=fn), fn_voted


@settings(max_examples=100, deadline=None)
@given(label_matrices(), st.data())
def test_classification_stats_match_the_definitions(matrix_and_labels, data):
    L, n_labels = matrix_and_labels
    reference = np.array(data.draw(st.lists(st.integers(-1, n_labels - 1), min_size=len(L),
                                            max_size=len(L))), dtype=np.int64)

    stats = classification_stats(L, reference, n_labels=n_labels)

    expected, fn_voted = naive_counts(L, reference, n_labels)
    assert_counts_equal(stats, expected)
    np.testing.assert_array_equal(stats.fn_voted, fn_voted)
    referenced_votes = (L != -1) & (reference != -1)[:, None]
    np.testing.assert_array_equal(stats.labelled_votes, referenced_votes.sum(axis=0))
    assert stats.n_reference == (reference != -1).sum()


def test_a_rule_covering_a_third_of_its_label_has_recall_of_a_third():
    # 100 records labelled spam (1) and 100 ham (0); the rule votes spam on 34 of the spam
    # records, rightly, and abstains on everything else.
    reference = np.repeat([1, 0], 100)
    L = np.full((200, 1), -1)
    L[:34, 0] = 1

    stats = classification_stats(L, reference, n_labels=2)

    assert (stats.tp[0, 1], stats.fp[0, 1], stats.fn[0, 1]) == (34, 0, 66)
    assert stats.precision[0, 1] == 1.0
    assert stats.recall[0, 1] == pytest.approx(0.34)
    assert stats.f1[0, 1] == pytest.approx(2 * 34 / (2 * 34 + 66))
    assert stats.where_voting().recall[0, 1] == 1.0  # what "recall" said before
    # Multi-label counts it the same way.
    multi = multilabel_stats(L[:, :, None] == np.arange(2), reference[:, None] == np.arange(2),
                             np.ones(200, dtype=bool))
    assert multi.recall[0, 1] == pytest.approx(0.34)


@settings(max_examples=60, deadline=None)
@given(label_matrices(min_records=1), st.data())
def test_counts_of_records_one_at_a_time_add_up_to_the_counts_of_all(matrix_and_labels, data):
    # Stored statistics change by the counts of one record against its old and new reference.
    L, n_labels = matrix_and_labels
    reference = np.array(data.draw(st.lists(st.integers(-1, n_labels - 1), min_size=len(L),
                                            max_size=len(L))), dtype=np.int64)
    whole = classification_stats(L, reference, n_labels=n_labels)
    single = [classification_stats(L[i:i + 1], reference[i:i + 1], n_labels=n_labels)
              for i in range(len(L))]
    for name in ("tp", "fp", "fn", "fn_voted"):
        np.testing.assert_array_equal(sum(getattr(s, name) for s in single),
                                      getattr(whole, name), err_msg=name)


def test_classification_stats_without_records_or_heuristics():
    no_records = classification_stats(np.zeros((0, 2), dtype=int), np.zeros(0, dtype=int),
                                      n_labels=3)
    assert no_records.tp.shape == (2, 3) and not no_records.tp.any()
    assert no_records.n_reference == 0
    assert np.isnan(no_records.coverage).all()
    assert np.isnan(no_records.totals().precision).all()

    no_heuristics = classification_stats(np.zeros((4, 0), dtype=int), np.array([0, 1, -1, 2]),
                                         n_labels=3)
    assert no_heuristics.tp.shape == (0, 3)
    assert no_heuristics.n_reference == 3
    assert no_heuristics.totals().f1.shape == (0,)
    assert no_heuristics.wilson_interval().low.shape == (0, 3)


@pytest.mark.parametrize(("matrix", "reference", "field"), [
    (np.array([[0, 3]]), np.array([0]), "label_matrix"),  # label index >= n_labels
    (np.array([[0, 1]]), np.array([3]), "reference_labels"),
    (np.array([[0, 1]]), np.array([0, 1]), "reference_labels"),  # wrong length
    (np.array([[0, 1]]), np.array([[0]]), "reference_labels"),  # 2-D
])
def test_classification_stats_reject_bad_input(matrix, reference, field):
    with pytest.raises(InvalidInputError) as error:
        classification_stats(matrix, reference, n_labels=3)
    assert error.value.field == field


# --------------------------------------------------------------------------------------------
# Multi-label


def test_multilabel_stats_hand_computed():
    # 4 records, 2 heuristics, 3 labels.
    votes = np.zeros((4, 2, 3), dtype=bool)
    votes[0, 0, [0, 1]] = True  # reference {0}: tp 0, fp 1
    votes[0, 1, [2]] = True  # reference {0}: fp 2, fn 0
    votes[1, 0, [1]] = True  # reference {1, 2}: tp 1, fn 2
    # heuristic 1 abstains on record 1: fn 1 and 2, but not where it votes
    votes[2, 0, [0]] = True  # no reference: counts only for coverage
    votes[2, 1, [0]] = True
    votes[3, 1, [0, 2]] = True  # reference {} (none of the labels): fp 0, fp 2
    reference = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 1], [0, 0, 0]], dtype=bool)
    has_reference = np.array([True, True, False, True])

    stats = multilabel_stats(votes, reference, has_reference)

    np.testing.assert_array_equal(stats.tp, [[1, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(stats.fp, [[0, 1, 0], [1, 0, 2]])
    np.testing.assert_array_equal(stats.fn, [[0, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(stats.fn_voted, [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_allclose(stats.recall[1], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(stats.where_voting().recall[1], [0.0, np.nan, np.nan])
    np.testing.assert_array_equal(stats.labelled_votes, [2, 2])
    assert stats.n_reference == 3
    np.testing.assert_array_equal(stats.hits, [3, 3])
    np.testing.assert_allclose(stats.coverage, [0.75, 0.75])
    # Record 0: both vote, different sets; record 2: both vote {0}.
    np.testing.assert_allclose(stats.overlaps, [0.5, 0.5])
    np.testing.assert_allclose(stats.conflicts, [0.25, 0.25])


@settings(max_examples=60, deadline=None)
@given(label_matrices(), st.data())
def test_multilabel_stats_of_one_hot_votes_equal_classification_stats(matrix_and_labels, data):
    L, n_labels = matrix_and_labels
    reference = np.array(data.draw(st.lists(st.integers(-1, n_labels - 1), min_size=len(L),
                                            max_size=len(L))), dtype=np.int64)
    votes = L[:, :, None] == np.arange(n_labels)
    reference_sets = reference[:, None] == np.arange(n_labels)

    stats = multilabel_stats(votes, reference_sets, reference != -1)

    assert_stats_equal(stats, classification_stats(L, reference, n_labels=n_labels))


def test_multilabel_stats_reject_mismatched_shapes():
    votes = np.zeros((2, 1, 3), dtype=bool)
    with pytest.raises(InvalidInputError, match="reference_labels"):
        multilabel_stats(votes, np.zeros((2, 2), dtype=bool), np.ones(2, dtype=bool))
    with pytest.raises(InvalidInputError, match="has_reference"):
        multilabel_stats(votes, np.zeros((2, 3), dtype=bool), np.ones(3, dtype=bool))
    with pytest.raises(InvalidInputError, match="booleans"):
        multilabel_stats(votes.astype(int), np.zeros((2, 3), dtype=bool), np.ones(2, dtype=bool))


# --------------------------------------------------------------------------------------------
# Extraction


def test_span_stats_hand_computed():
    # Record 0 (10 tokens, referenced): A over tokens 1-2, B over tokens 5-6.
    # Record 1 (4 tokens) has no reference; record 2 (3 tokens) is referenced with no spans.
    reference = np.array([[0, A, 1, 3], [0, B, 5, 7]])
    predicted = np.array([
        [0, 0, A, 1, 3], [0, 0, B, 5, 7], [0, 0, A, 1, 3],  # exact, one span twice
        [1, 0, A, 2, 4], [1, 1, A, 0, 2],  # partial overlap; a span on an unreferenced record
        [2, 0, B, 1, 3], [2, 2, A, 0, 1],  # right span, wrong label; a span where all is "O"
        [3, 0, A, 1, 3], [3, 0, A, 1, 2],  # nested spans of one label
        [4, 0, B, 5, 6], [4, 0, B, 6, 7],  # adjacent spans splitting the reference span
        [5, 0, A, 0, 4], [5, 0, B, 2, 3],  # a wider span with a nested span of another label
    ])

    stats = span_stats(predicted, reference, n_tokens=np.array([10, 4, 3]),
                       has_reference=np.array([True, False, True]), n_heuristics=6, n_labels=2)

    np.testing.assert_array_equal(stats.tokens.tp, [[2, 2], [1, 0], [0, 0], [2, 0], [0, 2], [2, 0]])
    np.testing.assert_array_equal(stats.tokens.fp, [[0, 0], [1, 0], [1, 2], [0, 0], [0, 0], [2, 1]])
    np.testing.assert_array_equal(stats.tokens.fn, [[0, 0], [1, 2], [2, 2], [0, 2], [2, 0], [0, 2]])
    np.testing.assert_array_equal(stats.spans.tp, [[1, 1], [0, 0], [0, 0], [1, 0], [0, 0], [0, 0]])
    np.testing.assert_array_equal(stats.spans.fp, [[0, 0], [1, 0], [1, 1], [1, 0], [0, 2], [1, 1]])
    np.testing.assert_array_equal(stats.spans.fn, [[0, 0], [1, 1], [1, 1], [0, 1], [1, 1], [1, 1]])
    assert stats.n_reference == 2
    # Voted tokens count every record, referenced or not.
    np.testing.assert_array_equal(stats.voted_tokens, [4, 4, 3, 2, 2, 4])
    np.testing.assert_allclose(stats.coverage, np.array([4, 4, 3, 2, 2, 4]) / 17)
    np.testing.assert_allclose(stats.spans.precision[0], [1.0, 1.0])
    np.testing.assert_allclose(stats.tokens.totals().recall, [1.0, 0.25, 0.0, 0.5, 0.5, 0.5])


def test_span_overlaps_and_conflicts_hand_computed():
    # One unreferenced record of 6 tokens.
    predicted = np.array([
        [0, 0, A, 0, 3],  # tokens 0 1 2
        [1, 0, A, 1, 2],  # token 1: agrees with heuristic 0
        [2, 0, B, 2, 4],  # tokens 2 3: token 2 conflicts with heuristic 0
        [3, 0, A, 5, 6],  # token 5: alone
    ])
    kwargs = dict(n_tokens=np.array([6]), has_reference=np.array([False]), n_heuristics=5,
                  n_labels=2)

    stats = span_stats(predicted, np.zeros((0, 4), dtype=int), **kwargs)

    np.testing.assert_array_equal(stats.voted_tokens, [3, 1, 2, 1, 0])
    np.testing.assert_allclose(stats.overlaps, [2 / 3, 1.0, 0.5, 0.0, np.nan])
    np.testing.assert_allclose(stats.conflicts, [1 / 3, 0.0, 0.5, 0.0, np.nan])
    assert not stats.tokens.tp.any() and not stats.tokens.fp.any()  # nothing referenced

    # Heuristic 1 also tags token 1 with B: its label set {A, B} differs from heuristic 0's {A}.
    nested = span_stats(np.vstack([predicted, [1, 0, B, 1, 2]]), np.zeros((0, 4), dtype=int),
                        **kwargs)
    np.testing.assert_array_equal(nested.voted_tokens, [3, 1, 2, 1, 0])
    np.testing.assert_allclose(nested.conflicts, [2 / 3, 1.0, 0.5, 0.0, np.nan])


def naive_span_stats(predicted, reference, n_tokens, has_reference, n_heuristics, n_labels):
    """The definitions of span_stats with Python sets."""
    def tokens(rows):
        return {(r, t, c) for r, c, s, e in rows for t in range(s, e)}

    gold_spans = {tuple(row) for row in reference.tolist()}
    gold_tokens = tokens(gold_spans)
    shape = (n_heuristics, n_labels)
    token_counts = [np.zeros(shape, dtype=int) for _ in range(3)]
    span_counts = [np.zeros(shape, dtype=int) for _ in range(3)]
    tags = {}
    for j in range(n_heuristics):
        spans = {tuple(row[1:]) for row in predicted.tolist() if row[0] == j}
        tags[j] = tokens(spans)
        scored_spans = {s for s in spans if has_reference[s[0]]}
        scored_tokens = {t for t in tags[j] if has_reference[t[0]]}
        # Label position: (record, token, label) and (record, label, start, end).
        for counts, mine, gold, label in ((token_counts, scored_tokens, gold_tokens, 2),
                                          (span_counts, scored_spans, gold_spans, 1)):
            for item in mine & gold:
                counts[0][j, item[label]] += 1
            for item in mine - gold:
                counts[1][j, item[label]] += 1
            for item in gold - mine:
                counts[2][j, item[label]] += 1
    label_sets = {
        j: {(r, t): {c for r2, t2, c in tags[j] if (r2, t2) == (r, t)} for r, t, _ in tags[j]}
        for j in range(n_heuristics)
    }
    overlaps, conflicts = np.zeros(n_heuristics), np.zeros(n_heuristics)
    for j in range(n_heuristics):
        for token, labels in label_sets[j].items():
            others = [label_sets[k][token] for k in range(n_heuristics)
                      if k != j and token in label_sets[k]]
            overlaps[j] += bool(others)
            conflicts[j] += any(other != labels for other in others)
    voted = np.array([len(label_sets[j]) for j in range(n_heuristics)])
    with np.errstate(invalid="ignore"):
        return token_counts, span_counts, voted, overlaps / voted, conflicts / voted


@st.composite
def span_problems(draw):
    n_heuristics = draw(st.integers(0, 4))
    n_labels = draw(st.integers(1, 3))
    n_tokens = np.array(draw(st.lists(st.integers(0, 8), min_size=1, max_size=4)))
    has_reference = np.array(draw(st.lists(st.booleans(), min_size=len(n_tokens),
                                           max_size=len(n_tokens))))

    def span(records):
        record = draw(st.sampled_from(records))
        start = draw(st.integers(0, n_tokens[record] - 1))
        end = draw(st.integers(start + 1, n_tokens[record]))
        return [record, draw(st.integers(0, n_labels - 1)), start, end]

    with_tokens = [r for r in range(len(n_tokens)) if n_tokens[r]]
    referenced = [r for r in with_tokens if has_reference[r]]
    predicted = [[draw(st.integers(0, n_heuristics - 1)), *span(with_tokens)]
                 for _ in range(draw(st.integers(0, 12) if with_tokens and n_heuristics
                                     else st.just(0)))]
    reference = [span(referenced)
                 for _ in range(draw(st.integers(0, 5) if referenced else st.just(0)))]
    return (np.array(predicted, dtype=int).reshape(-1, 5),
            np.array(reference, dtype=int).reshape(-1, 4),
            n_tokens, has_reference, n_heuristics, n_labels)


@settings(max_examples=100, deadline=None)
@given(span_problems())
def test_span_stats_match_the_definitions(problem):
    predicted, reference, n_tokens, has_reference, n_heuristics, n_labels = problem

    stats = span_stats(predicted, reference, n_tokens=n_tokens, has_reference=has_reference,
                       n_heuristics=n_heuristics, n_labels=n_labels)

    token_counts, span_counts, voted, overlaps, conflicts = naive_span_stats(*problem)
    assert_counts_equal(stats.tokens, Counts(*token_counts))
    assert_counts_equal(stats.spans, Counts(*span_counts))
    np.testing.assert_array_equal(stats.voted_tokens, voted)
    np.testing.assert_allclose(stats.overlaps, overlaps)
    np.testing.assert_allclose(stats.conflicts, conflicts)


@pytest.mark.parametrize(("predicted", "reference", "field"), [
    ([[0, 0, A, 2, 2]], [], "predicted"),  # empty span
    ([[0, 0, A, 3, 6]], [], "predicted"),  # ends after the record's 5 tokens
    ([[2, 0, A, 0, 1]], [], "predicted"),  # heuristic index out of range
    ([[0, 0, 2, 0, 1]], [], "predicted"),  # label index out of range
    ([[0, 0, A, 0, 1]], [[1, A, 0, 1]], "reference"),  # reference on an unreferenced record
    ([[0, 0, A, 0]], [], "predicted"),  # a column short
])
def test_span_stats_reject_bad_spans(predicted, reference, field):
    with pytest.raises(InvalidInputError) as error:
        span_stats(np.array(predicted), np.array(reference), n_tokens=np.array([5, 5]),
                   has_reference=np.array([True, False]), n_heuristics=2, n_labels=2)
    assert error.value.field == field


def test_span_stats_without_spans_or_records():
    none = span_stats(np.zeros((0, 5), dtype=int), np.zeros((0, 4), dtype=int),
                      n_tokens=np.zeros(0, dtype=int), has_reference=np.zeros(0, dtype=bool),
                      n_heuristics=2, n_labels=3)
    assert none.tokens.tp.shape == none.spans.fn.shape == (2, 3)
    assert none.n_reference == 0
    assert np.isnan(none.coverage).all() and np.isnan(none.overlaps).all()
