"""Tests of heuristics.aggregation: voting, the label model, and span aggregation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from seqeval.metrics import f1_score
from seqeval.scheme import IOB2

from heuristics.aggregation import (
    LabelModel,
    MajorityVote,
    RecordSpans,
    WeightedVote,
    aggregate_spans,
    decode_spans,
    token_label_matrix,
)
from heuristics.aggregation.multilabel import aggregate_multilabel
from heuristics.aggregation.synthetic import planted_near_copies, planted_unipolar
from heuristics.errors import InvalidInputError
from heuristics.spans import TokenSpan, spans_to_iob2
from tests.conftest import DATASETS

# --------------------------------------------------------------------------------- voting


def test_majority_vote_counts_shares_and_breaks_ties_deterministically() -> None:
    L = np.array([
        [0, 0, 1],     # 0 wins 2:1
        [2, 1, -1],    # tie 1/2 -> lowest: 1
        [-1, -1, -1],  # no votes
        [2, 2, 2],
        [1, 0, -1],    # tie 0/1 -> 0
    ])
    vote = MajorityVote(3)
    np.testing.assert_allclose(vote.predict_proba(L), [
        [2 / 3, 1 / 3, 0], [0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0, 0, 1], [0.5, 0.5, 0],
    ])
    np.testing.assert_array_equal(vote.predict(L, tie_break="lowest"), [0, 1, -1, 2, 0])
    np.testing.assert_array_equal(vote.predict(L, tie_break="abstain"), [0, -1, -1, 2, -1])
    # By default a tie goes to the tied label most frequent among the votes (vote shares per
    # record summed: label 0 7/6, label 1 4/3, label 2 3/2).
    np.testing.assert_array_equal(vote.predict(L), [0, 2, -1, 2, 1])
    # Same answer on every call, and fit changes nothing.
    np.testing.assert_array_equal(vote.fit(L).predict(L), vote.predict(L))
    assert vote.n_labels_ == 3


def test_majority_vote_rejects_bad_matrices() -> None:
    with pytest.raises(InvalidInputError) as error:
        MajorityVote(2).predict(np.array([[0, 1], [1, 2]]))
    assert error.value.row == 1 and error.value.field == "label_matrix"
    with pytest.raises(InvalidInputError, match="2-D"):
        MajorityVote(2).predict(np.array([0, 1]))
    with pytest.raises(InvalidInputError, match="integers"):
        MajorityVote(2).predict(np.array([[0.5, 1.0]]))
    with pytest.raises(InvalidInputError, match="-1 \\(abstain\\)"):
        MajorityVote(2).predict(np.array([[-2, 1]]))
    with pytest.raises(InvalidInputError, match="tie_break"):
        MajorityVote(2).predict(np.array([[0, 1]]), tie_break="random")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="n_labels"):
        MajorityVote(0).fit(np.zeros((1, 1), int))


def test_weighted_vote_linear_weights() -> None:
    L = np.array([[0, 1, 1], [0, 1, -1], [-1, -1, -1], [0, -1, 1]])
    vote = WeightedVote(2, [3.0, 1.0, 2.0])
    np.testing.assert_allclose(vote.predict_proba(L), [
        [0.5, 0.5], [0.75, 0.25], [0.5, 0.5], [0.6, 0.4],
    ])
    np.testing.assert_array_equal(vote.predict(L, tie_break="lowest"), [0, 0, -1, 0])  # tie -> 0
    np.testing.assert_array_equal(vote.predict(L, tie_break="abstain"), [-1, 0, -1, 0])


def test_weighted_vote_log_odds_is_the_binary_posterior() -> None:
    precisions = np.array([0.9, 0.7, 0.4])
    vote = WeightedVote(2, precisions, weighting="log_odds").fit(np.zeros((1, 3), int))
    np.testing.assert_allclose(vote.weights_[:2], np.log(precisions[:2] / (1 - precisions[:2])))
    assert vote.weights_[2] == 0   # worse than a coin: its votes are ignored
    L = np.array([[0, 1, -1], [1, 1, 1], [-1, -1, 0]])
    # Row 0: P(0) / P(1) = (0.9 * 0.3) / (0.1 * 0.7) under a uniform prior.
    odds = 0.9 * 0.3 / (0.1 * 0.7)
    probabilities = vote.predict_proba(L)
    np.testing.assert_allclose(probabilities[0], [odds / (1 + odds), 1 / (1 + odds)])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1)
    np.testing.assert_array_equal(vote.predict(L), [0, 1, -1])
    # Precisions of exactly 0 and 1 are clipped, so weights stay finite.
    extreme = WeightedVote(2, [0.0, 1.0], weighting="log_odds").fit(np.zeros((1, 2), int))
    np.testing.assert_allclose(extreme.weights_, [0.0, np.log(0.99 / 0.01)])


def test_weighted_vote_rejects_bad_weights() -> None:
    L = np.zeros((2, 2), int)
    with pytest.raises(InvalidInputError, match="2 heuristics, expected 3"):
        WeightedVote(2, [1.0, 1.0, 1.0]).predict(L)
    with pytest.raises(InvalidInputError, match=">= 0"):
        WeightedVote(2, [1.0, -1.0]).fit(L)
    with pytest.raises(InvalidInputError, match="precisions in"):
        WeightedVote(2, [0.5, 1.5], weighting="log_odds").fit(L)
    with pytest.raises(InvalidInputError, match="weighting"):
        WeightedVote(2, [0.5, 0.5], weighting="softmax").fit(L)  # type: ignore[arg-type]


label_matrices = st.integers(2, 4).flatmap(lambda k: st.tuples(st.just(k), arrays(
    np.int64, st.tuples(st.integers(1, 25), st.integers(1, 6)), elements=st.integers(-1, k - 1),
)))


@settings(max_examples=60, deadline=None)
@given(label_matrices)
def test_votes_give_distributions_and_argmax_decisions(case: tuple[int, np.ndarray]) -> None:
    k, L = case
    covered = (L != -1).any(axis=1)
    weights = np.linspace(0.5, 2.0, L.shape[1])
    for vote in (MajorityVote(k), WeightedVote(k, weights)):
        probabilities = vote.predict_proba(L)
        assert probabilities.shape == (len(L), k)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1)
        predictions = vote.predict(L)
        np.testing.assert_array_equal(predictions == -1, ~covered)
        top = probabilities >= probabilities.max(axis=1, keepdims=True) - 1e-12
        assert top[covered, predictions[covered]].all()


# ---------------------------------------------------------------------------- label model


def planted_matrix(
    rng: np.random.Generator, *, n_records: int, balance: Sequence[float],
    accuracies: Sequence[float], coverages: Sequence[float],
) -> tuple[np.ndarray, np.ndarray]:
    """Heuristics that vote the true label with their accuracy, else a uniform wrong label."""
    k = len(balance)
    truth = rng.choice(k, size=n_records, p=balance)
    n_heuristics = len(accuracies)
    right = rng.random((n_records, n_heuristics)) < np.asarray(accuracies)
    shift = rng.integers(1, k, size=(n_records, n_heuristics))
    votes = np.where(right, truth[:, None], (truth[:, None] + shift) % k)
    covers = rng.random((n_records, n_heuristics)) < np.asarray(coverages)
    return np.where(covers, votes, -1), truth


def empirical_precision(L: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Share of heuristic j's votes for c on records whose label (per ``labels``) is c."""
    precision = np.full((L.shape[1], k), np.nan)
    for j in range(L.shape[1]):
        for c in range(k):
            voted = L[:, j] == c
            if voted.any():
                precision[j, c] = np.mean(labels[voted] == c)
    return precision


def test_label_model_recovers_planted_accuracies_better_than_majority_vote() -> None:
    rng = np.random.default_rng(7)
    L, truth = planted_matrix(rng, n_records=5000, balance=[1 / 3, 1 / 3, 1 / 3],
                              accuracies=[0.9, 0.8, 0.6, 0.5, 0.45],
                              coverages=[0.3, 0.4, 0.9, 0.9, 0.9])
    covered = (L != -1).any(axis=1)
    true_precision = empirical_precision(L, truth, 3)

    model = LabelModel(3, prior_strength=10).fit(L)
    assert model.converged_
    majority = MajorityVote(3).predict(L)
    # Precision per heuristic and voted label: measured 0.03 off by the model, 0.25 off when
    # read against majority-vote labels.
    lm_error = np.abs(model.precision_ - true_precision).max()
    mv_error = np.abs(empirical_precision(L, majority, 3) - true_precision).max()
    assert lm_error < 0.05 and lm_error < mv_error / 3
    np.testing.assert_allclose(model.class_balance_, 1 / 3, atol=0.02)
    assert model.precision_[0].min() > model.precision_[4].max()

    mv_accuracy = np.mean(majority[covered] == truth[covered])                   # 0.68
    lm_accuracy = np.mean(model.predict(L)[covered] == truth[covered])           # 0.75
    assert lm_accuracy > mv_accuracy + 0.04
    defaults = LabelModel(3).fit(L).predict(L)                                    # 0.74
    assert np.mean(defaults[covered] == truth[covered]) > mv_accuracy + 0.04


def test_full_confusion_handles_imbalanced_labels() -> None:
    # With skewed labels a wrong vote more often hides a frequent label: "full" learns that.
    rng = np.random.default_rng(7)
    L, truth = planted_matrix(rng, n_records=5000, balance=[0.5, 0.3, 0.2],
                              accuracies=[0.9, 0.85, 0.6, 0.55, 0.5],
                              coverages=[0.3, 0.4, 0.9, 0.9, 0.9])
    covered = (L != -1).any(axis=1)
    model = LabelModel(3, confusion="full").fit(L)
    assert model.class_balance_.argmax() == 0
    mv_accuracy = np.mean(MajorityVote(3).predict(L)[covered] == truth[covered])  # 0.750
    lm_accuracy = np.mean(model.predict(L)[covered] == truth[covered])            # 0.765
    assert lm_accuracy > mv_accuracy + 0.01


def test_label_model_on_unipolar_heuristics_beats_majority_vote() -> None:
    # WRENCH-like: each heuristic votes one label or abstains; label 1's heuristics are
    # precise, label 0's fire often and loosely.
    L, truth = planted_unipolar()
    covered = (L != -1).any(axis=1)
    model = LabelModel(2).fit(L)
    lm_accuracy = np.mean(model.predict(L)[covered] == truth[covered])
    mv_accuracy = np.mean(MajorityVote(2).predict(L)[covered] == truth[covered])
    assert lm_accuracy > mv_accuracy + 0.03
    assert model.precision_[3, 1] > model.precision_[0, 0]


def test_near_copies_of_a_noisy_heuristic_do_not_outvote_good_ones() -> None:
    # Four near-copies of a 60 % rule (each flips 5 % of its votes): as independent witnesses
    # they outvote the 90 % rule and EM calls the cluster 99 % precise.
    L, truth = planted_near_copies()
    covered = (L != -1).any(axis=1)

    def accuracy(model: LabelModel, matrix: np.ndarray) -> float:
        return float(np.mean(model.predict(matrix)[covered] == truth[covered]))

    independent = LabelModel(2, redundancy_threshold=None).fit(L)               # 0.63
    shared = LabelModel(2).fit(L)                                                # 0.82
    alone = LabelModel(2).fit(L[:, :3])                                          # 0.83
    mv_accuracy = np.mean(MajorityVote(2).predict(L)[covered] == truth[covered])  # 0.63
    assert accuracy(independent, L) < mv_accuracy + 0.02
    assert accuracy(shared, L) > accuracy(alone, L[:, :3]) - 0.03
    assert accuracy(shared, L) > accuracy(independent, L) + 0.15
    assert independent.precision_[2].min() > 0.95 > 0.7 > shared.precision_[2].max()
    np.testing.assert_array_equal(shared.evidence_share_[:2], 1.0)
    assert (shared.evidence_share_[2:] < 0.35).all()


def test_exact_copies_of_a_heuristic_weigh_as_the_heuristic() -> None:
    rng = np.random.default_rng(11)
    L, _ = planted_matrix(rng, n_records=3000, balance=[0.5, 0.3, 0.2],
                          accuracies=[0.85, 0.7, 0.55], coverages=[0.4, 0.5, 0.8])
    copied = np.hstack([L, L[:, [2]], L[:, [2]]])
    original, with_copies = LabelModel(3).fit(L), LabelModel(3).fit(copied)
    np.testing.assert_allclose(with_copies.evidence_share_[[2, 3, 4]], 1 / 3)
    np.testing.assert_allclose(with_copies.evidence_share_[:2], 1.0)
    np.testing.assert_allclose(with_copies.predict_proba(copied), original.predict_proba(L),
                               atol=1e-9)
    independent = LabelModel(3, redundancy_threshold=None).fit(copied)
    assert np.abs(independent.predict_proba(copied) - original.predict_proba(L)).max() > 0.1


def test_label_model_probabilities_and_abstaining_rows() -> None:
    L = np.array([[0, 0, -1], [1, 1, 1], [0, 1, 0], [-1, -1, -1], [1, -1, -1]] * 4)
    model = LabelModel(2).fit(L)
    probabilities = model.predict_proba(L)
    assert probabilities.shape == (20, 2) and probabilities.dtype == np.float64
    np.testing.assert_allclose(probabilities.sum(axis=1), 1)
    np.testing.assert_allclose(probabilities[3], model.class_balance_)   # no votes: the prior
    predictions = model.predict(L)
    assert predictions.dtype == np.int64
    np.testing.assert_array_equal(predictions[:5], [0, 1, 0, -1, 1])
    confident = model.predict(L, min_confidence=0.99)
    assert set(confident.tolist()) <= {-1, 0, 1} and (confident == -1).sum() > 5
    # Refitting gives identical parameters: no randomness anywhere.
    again = LabelModel(2).fit(L)
    np.testing.assert_array_equal(again.confusion_, model.confusion_)
    np.testing.assert_array_equal(again.predict_proba(L), probabilities)


def test_label_model_uses_a_given_class_balance() -> None:
    L = np.array([[0, -1], [-1, 1], [0, 1], [-1, -1]])
    model = LabelModel(2).fit(L, class_balance=[3, 1])
    np.testing.assert_allclose(model.class_balance_, [0.75, 0.25])
    np.testing.assert_allclose(model.predict_proba(L)[3], [0.75, 0.25])
    with pytest.raises(InvalidInputError) as error:
        LabelModel(2).fit(L, class_balance=[1.0, 0.0])
    assert error.value.field == "class_balance"


@pytest.mark.parametrize("options", [
    {"confusion": "full"},
    {"abstain_weight": 1.0},
    {"abstain_weight": 0.5, "confusion": "full", "prior_strength": 0.0},
])
def test_label_model_variants_fit_and_normalise(options: dict) -> None:
    rng = np.random.default_rng(1)
    L, truth = planted_matrix(rng, n_records=1500, balance=[0.6, 0.4],
                              accuracies=[0.85, 0.8, 0.7], coverages=[0.6, 0.6, 0.6])
    model = LabelModel(2, **options).fit(L)
    np.testing.assert_allclose(model.predict_proba(L).sum(axis=1), 1)
    np.testing.assert_allclose(model.confusion_.sum(axis=2), 1)
    covered = (L != -1).any(axis=1)
    assert np.mean(model.predict(L)[covered] == truth[covered]) > 0.8


def test_label_model_checks_its_inputs() -> None:
    L = np.array([[0, 1], [1, -1]])
    with pytest.raises(RuntimeError, match="not fitted"):
        LabelModel(2).predict_proba(L)
    model = LabelModel(2).fit(L)
    with pytest.raises(InvalidInputError, match="3 heuristics, expected 2"):
        model.predict(np.zeros((1, 3), int))
    with pytest.raises(InvalidInputError, match="min_confidence"):
        model.predict(L, min_confidence=1.5)
    with pytest.raises(InvalidInputError) as error:
        LabelModel(3).fit(np.array([[0, 3]]))
    assert error.value.row == 0
    for options, field in [({"confusion": "half"}, "confusion"),
                           ({"abstain_weight": 2.0}, "abstain_weight"),
                           ({"prior_precision": 1.0}, "prior_precision"),
                           ({"prior_strength": -1.0}, "prior_strength"),
                           ({"max_iter": 0}, "max_iter"),
                           ({"redundancy_threshold": 1.0}, "redundancy_threshold")]:
        with pytest.raises(InvalidInputError) as error:
            LabelModel(2, **options).fit(L)
        assert error.value.field == field
    with pytest.raises(InvalidInputError, match="at least 2"):
        LabelModel(1).fit(np.zeros((2, 2), int))


@settings(max_examples=40, deadline=None)
@given(label_matrices)
def test_label_model_gives_distributions_on_any_matrix(case: tuple[int, np.ndarray]) -> None:
    k, L = case
    model = LabelModel(k, max_iter=20).fit(L)
    probabilities = model.predict_proba(L)
    assert np.all(np.isfinite(probabilities))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1)
    np.testing.assert_array_equal(model.predict(L) == -1, (L == -1).all(axis=1))


# -------------------------------------------------------------------------------- spans

LABELS = ["PER", "LOC", "ORG"]


def test_spans_become_token_votes() -> None:
    records = [
        RecordSpans(5, [[TokenSpan("PER", 0, 2)], [], [("LOC", 1, 3), ("ORG", 1, 4)]]),
        RecordSpans(2, [[], [("LOC", 0, 1)], []]),
    ]
    L, offsets = token_label_matrix(records, labels=LABELS)
    np.testing.assert_array_equal(offsets, [0, 5, 7])
    np.testing.assert_array_equal(L, [
        # PER rule, silent rule, overlapping LOC/ORG rule (the longer ORG span wins)
        [1, -1, 0], [1, -1, 3], [0, -1, 3], [0, -1, 3], [0, -1, 0],
        [-1, 2, -1], [-1, 0, -1],
    ])


def test_overlapping_spans_of_three_heuristics_majority_decides() -> None:
    # Tokens: 0 "Mr" 1 "John" 2 "Smith" 3 "of" 4 "Leeds" 5 "United"
    record = RecordSpans(6, [
        [("PER", 1, 3)],                   # title rule
        [("PER", 1, 3), ("LOC", 4, 5)],    # capitalised words + gazetteer
        [("PER", 2, 3), ("ORG", 4, 6)],    # surname list + club suffix
    ])
    [spans] = aggregate_spans([record], labels=LABELS, method="majority", outside_votes="all")
    # Token votes: 1 PER,PER,O -> PER 2/3; 2 PER x3 -> 1; 4 O,LOC,ORG -> tie -> OUTSIDE;
    # 5 O,O,ORG -> OUTSIDE 2/3.
    assert spans == [TokenSpan("PER", 1, 3, pytest.approx((2 / 3 + 1) / 2))]
    L, _ = token_label_matrix([record], labels=LABELS)
    np.testing.assert_array_equal(L[4], [0, 2, 3])
    assert aggregate_spans([record], labels=LABELS, min_confidence=0.9,
                           outside_votes="all") == [[]]
    # OUTSIDE votes only on labels their heuristic tags: the title rule (PER only) abstains
    # on 4 and 5; 4 LOC,ORG -> tie -> LOC (lower index) 1/2; 5 ORG alone -> 1.
    [spans] = aggregate_spans([record], labels=LABELS, method="majority")
    assert spans == [TokenSpan("PER", 1, 3, pytest.approx((2 / 3 + 1) / 2)),
                     TokenSpan("LOC", 4, 5, 0.5), TokenSpan("ORG", 5, 6, 1.0)]


def test_decoding_merges_runs_and_averages_confidence() -> None:
    spans = decode_spans([2, 2, 0, 1, 1, 1, 3, 0],
                         [0.9, 0.5, 1.0, 0.6, 0.6, 0.9, 0.3, 1.0], labels=LABELS)
    assert [(s.label, s.start, s.end) for s in spans] == [("LOC", 0, 2), ("PER", 3, 6),
                                                          ("ORG", 6, 7)]
    assert [s.confidence for s in spans] == pytest.approx([0.7, 0.7, 0.3])
    assert [s.label for s in decode_spans([2, 2, 0, 1, 1, 1, 3, 0],
                                          [0.9, 0.5, 1.0, 0.6, 0.6, 0.9, 0.3, 1.0],
                                          labels=LABELS, min_confidence=0.5)] == ["LOC", "PER"]
    assert decode_spans([], [], labels=LABELS) == []


def test_label_model_and_custom_estimators_aggregate_spans() -> None:
    records = [RecordSpans(4, [[("PER", 0, 1)], [("LOC", 2, 3)], []])] * 10
    by_model = aggregate_spans(records, labels=LABELS, method="label_model")
    # Each entity has one vote for it and one OUTSIDE vote of a rule that never tags its label
    # (no evidence): both methods keep it. Counting every OUTSIDE vote, majority vote ties
    # and gives OUTSIDE.
    assert [(s.label, s.start, s.end) for s in by_model[0]] == [("PER", 0, 1), ("LOC", 2, 3)]
    assert [(s.label, s.start, s.end) for s in aggregate_spans(records, labels=LABELS)[0]
            ] == [("PER", 0, 1), ("LOC", 2, 3)]
    assert aggregate_spans(records, labels=LABELS, outside_votes="all") == [[]] * 10
    # Told that the place rule also tags persons, its OUTSIDE vote contests PER again.
    told = aggregate_spans(records, labels=LABELS, heuristic_labels=[["PER"], ["LOC", "PER"], []])
    assert [(s.label, s.start) for s in told[0]] == [("LOC", 2)]
    weighted = aggregate_spans(records, labels=LABELS, outside_votes="all",
                               method=WeightedVote(4, [2.0, 1.0, 1.0]))
    assert [(s.label, s.start) for s in weighted[0]] == [("PER", 0)]
    assert aggregate_spans([], labels=LABELS, method="label_model") == []


def test_span_inputs_are_checked() -> None:
    with pytest.raises(InvalidInputError, match="unknown span label") as error:
        token_label_matrix([RecordSpans(3, [[("PER", 0, 1)]]),
                            RecordSpans(3, [[("DATE", 0, 1)]])], labels=LABELS)
    assert error.value.row == 1
    with pytest.raises(InvalidInputError, match="within the 3 tokens"):
        token_label_matrix([RecordSpans(3, [[("PER", 2, 4)]])], labels=LABELS)
    with pytest.raises(InvalidInputError, match="within"):
        token_label_matrix([RecordSpans(3, [[("PER", 1, 1)]])], labels=LABELS)
    with pytest.raises(InvalidInputError, match="heuristics"):
        token_label_matrix([RecordSpans(3, [[], []]), RecordSpans(3, [[]])], labels=LABELS)
    with pytest.raises(InvalidInputError, match="distinct"):
        token_label_matrix([], labels=["PER", "PER"])
    with pytest.raises(InvalidInputError, match="method"):
        aggregate_spans([RecordSpans(1, [[]])], labels=LABELS, method="vote")  # type: ignore


# --------------------------------------------------------------- CoNLL-2003 with rules


def lowercase_words(text: str) -> set[str]:
    return {word.lower() for word in text.split()}


PLACES = lowercase_words("""
    England Britain London France Paris Germany Bonn Berlin Italy Rome Spain Madrid Netherlands
    Amsterdam Belgium Brussels Russia Moscow China Beijing Japan Tokyo India Pakistan Australia
    Sydney Canada Brazil Mexico Argentina Zimbabwe Kenya Israel Jerusalem Iraq Iran Turkey Egypt
    Poland Sweden Norway Denmark Finland Austria Switzerland Scotland Wales Ireland Singapore
    Taiwan Korea Chicago Boston Texas California Europe Asia Africa Washington Lebanon Syria
    Jordan Cuba Peru Chile Colombia Greece Portugal Hungary Romania Bulgaria Ukraine Bosnia
    Serbia Croatia Sarajevo Belgrade Afghanistan Baghdad Cairo Nigeria Algeria Morocco Toronto
    Melbourne Vienna Prague Warsaw Stockholm Oslo Dublin Lisbon Athens Budapest Indonesia
    """)
PLACE_PAIRS = {("new", "york"), ("united", "states"), ("sri", "lanka"), ("new", "zealand"),
               ("south", "africa"), ("hong", "kong"), ("los", "angeles"), ("west", "indies")}
NATIONALITIES = lowercase_words("""
    English British French German Italian Spanish Dutch Russian Chinese Japanese Indian
    Pakistani Australian American Canadian Brazilian Mexican Zimbabwean Israeli Iraqi Iranian
    Turkish Egyptian Polish Swedish Norwegian Danish Austrian Swiss Scottish Welsh Irish European
    Asian African Muslim Palestinian Arab Serb Serbian Croat Bosnian Greek Belgian Portuguese
    """)
TITLES = {"mr", "mr.", "mrs", "mrs.", "ms", "dr", "dr.", "president", "minister", "coach",
          "captain", "chancellor", "premier", "spokesman", "striker", "midfielder"}
ORG_SUFFIXES = {"inc", "inc.", "corp", "corp.", "ltd", "ltd.", "plc", "club", "party", "bank",
                "group", "council", "university", "fc"}

Rule = Callable[[list[str]], list[tuple[str, int, int]]]


def capitalised(token: str) -> bool:
    return token.isalpha() and token[0].isupper() and token[1:].islower()


def places(tokens: list[str]) -> list[tuple[str, int, int]]:
    """Gazetteer of countries, cities and regions (one or two tokens) -> LOC."""
    lower = [token.lower() for token in tokens]
    spans = [("LOC", i, i + 2) for i, pair in enumerate(pairwise(lower)) if pair in PLACE_PAIRS]
    taken = {i for _, start, end in spans for i in range(start, end)}
    return spans + [("LOC", i, i + 1) for i, token in enumerate(lower)
                    if token in PLACES and i not in taken]


def after_title(tokens: list[str]) -> list[tuple[str, int, int]]:
    """One or two capitalised words after "Mr.", "President", "coach", ... -> PER."""
    spans = []
    for i, (title, name) in enumerate(pairwise(tokens)):
        if title.lower() in TITLES and capitalised(name):
            end = i + 3 if i + 2 < len(tokens) and capitalised(tokens[i + 2]) else i + 2
            spans.append(("PER", i + 1, end))
    return spans


def nationalities(tokens: list[str]) -> list[tuple[str, int, int]]:
    """Nationality and religion adjectives -> MISC."""
    return [("MISC", i, i + 1) for i, token in enumerate(tokens) if token.lower() in NATIONALITIES]


def organisation_suffix(tokens: list[str]) -> list[tuple[str, int, int]]:
    """Capitalised words ending in "Inc", "Club", "Party", ... -> ORG."""
    spans = []
    for i, token in enumerate(tokens):
        if i and token.lower() in ORG_SUFFIXES and tokens[i - 1][:1].isupper():
            start = i - 1
            while start and tokens[start - 1].isalpha() and tokens[start - 1][:1].isupper():
                start -= 1
            spans.append(("ORG", start, i + 1))
    return spans


def capitalised_pairs(tokens: list[str]) -> list[tuple[str, int, int]]:
    """Noisy: two capitalised words in a row, not at the sentence start -> PER."""
    spans, i = [], 1
    while i < len(tokens) - 1:
        pair = tokens[i], tokens[i + 1]
        if capitalised(pair[0]) and capitalised(pair[1]) and pair[0].lower() not in PLACES:
            spans.append(("PER", i, i + 2))
            i += 2
        else:
            i += 1
    return spans


RULES: list[Rule] = [places, after_title, nationalities, organisation_suffix, capitalised_pairs]


def conll_sentences(limit: int) -> list[tuple[list[str], list[str]]]:
    sentences: list[tuple[list[str], list[str]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    with (DATASETS / "conll2003" / "dev.txt").open(encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            if not fields or fields[0] == "-DOCSTART-":
                if tokens:
                    sentences.append((tokens, tags))
                    tokens, tags = [], []
                if len(sentences) == limit:
                    break
                continue
            tokens.append(fields[0])
            tags.append(fields[-1])
    return sentences


def capitalised_runs(tokens: list[str]) -> list[tuple[str, int, int]]:
    """Very noisy: every run of capitalised words, not at the sentence start -> MISC."""
    spans, i = [], 1
    while i < len(tokens):
        if capitalised(tokens[i]):
            end = i
            while end < len(tokens) and capitalised(tokens[end]):
                end += 1
            spans.append(("MISC", i, end))
            i = end
        else:
            i += 1
    return spans


def conll_scores(rules: list[Rule], methods: dict[str, dict]) -> dict[str, tuple[float, int]]:
    """Per method (``aggregate_spans`` keyword arguments): entity F1 on 300 CoNLL-2003 dev
    sentences and how many tokens outside every gold entity it put into a span."""
    sentences = conll_sentences(300)
    assert len(sentences) == 300
    records = [RecordSpans(len(tokens), [rule(tokens) for rule in rules])
               for tokens, _ in sentences]
    gold = [tags for _, tags in sentences]
    scores = {}
    for name, arguments in methods.items():
        spans = aggregate_spans(records, labels=["PER", "LOC", "ORG", "MISC"], **arguments)
        predicted = [spans_to_iob2(found, len(tokens))
                     for found, (tokens, _) in zip(spans, sentences, strict=True)]
        false_tokens = sum(p != "O" for tags, truth in zip(predicted, gold, strict=True)
                           for p, t in zip(tags, truth, strict=True) if t == "O")
        scores[name] = (f1_score(gold, predicted, mode="strict", scheme=IOB2), false_tokens)
    return scores


METHODS = {"token majority": {"method": "majority", "outside_votes": "all"},
           "majority": {"method": "majority"}, "label model": {"method": "label_model"}}


def test_conll_rules_aggregation_beats_token_majority_vote() -> None:
    scores = conll_scores(RULES, METHODS)
    # Measured: plain token majority vote 0.15 (OUTSIDE votes of rules that fired elsewhere in
    # a sentence outvote entity votes), majority and label model with OUTSIDE votes only on
    # their own labels 0.40.
    baseline = scores["token majority"][0]
    assert baseline > 0.05
    assert scores["majority"][0] >= baseline + 0.1
    assert scores["label model"][0] >= baseline + 0.1


def test_conll_a_rule_tagging_every_capitalised_word_does_not_take_over() -> None:
    scores = conll_scores([*RULES, capitalised_runs], METHODS)
    # Measured: token majority 0.13, majority 0.32 with 45 non-entity tokens in spans, label
    # model 0.40 with 10 (it learns the noisy rule's low precision).
    assert scores["label model"][0] >= scores["majority"][0] + 0.03
    assert scores["label model"][1] <= scores["majority"][1] / 2
    assert scores["label model"][0] >= scores["token majority"][0] + 0.1


def test_span_label_model_holds_on_a_whole_split_of_fixed_rules() -> None:
    # The fixed gazetteer and shape rules of bench/span_rules_bench.py on all of CoNLL-2003
    # dev (3,250 sentences). Measured: majority vote 0.678; the label model that counted a
    # rule's OUTSIDE as a vote 0.420 (low-recall rules' near-certain OUTSIDE outvoted the
    # gazetteers), with OUTSIDE as silence 0.720.
    from bench.span_rules_bench import LABELS, Gazetteers, entity_f1, make_rules, sentences

    rules = make_rules(Gazetteers(sentences("train.txt")))
    dev = sentences("dev.txt")
    records = [RecordSpans(len(tokens), [rule(tokens) for rule in rules]) for tokens, _ in dev]
    gold, sizes = [tags for _, tags in dev], [len(tokens) for tokens, _ in dev]
    majority, label_model = (
        entity_f1(gold, aggregate_spans(records, labels=LABELS, method=method), sizes)[2]
        for method in ("majority", "label_model"))
    assert majority > 0.6
    assert label_model >= majority


def test_span_label_model_anchored_on_half_the_sentences_does_better_on_the_rest() -> None:
    # The same rules and split; the even sentences' gold spans are known. Measured on the
    # odd ones: majority vote 0.681, the label model 0.721, anchored 0.748.
    from bench.span_rules_bench import LABELS, Gazetteers, entity_f1, make_rules, sentences
    from heuristics.spans import iob_to_spans

    rules = make_rules(Gazetteers(sentences("train.txt")))
    dev = sentences("dev.txt")
    records = [RecordSpans(len(tokens), [rule(tokens) for rule in rules]) for tokens, _ in dev]
    gold = [[(s.label, s.start, s.end) for s in iob_to_spans(tags)] for _, tags in dev]
    known = [spans if i % 2 == 0 else None for i, spans in enumerate(gold)]
    found = {method: aggregate_spans(records, labels=LABELS, method=method, references=known)
             for method in ("label_model", "anchored_label_model")}
    odd = range(1, len(dev), 2)
    label_model, anchored = (
        entity_f1([dev[i][1] for i in odd], [found[method][i] for i in odd],
                  [len(dev[i][0]) for i in odd])[2]
        for method in ("label_model", "anchored_label_model"))
    assert anchored >= label_model + 0.015


def test_distinct_rows_are_numpys_even_when_two_rows_share_a_hash() -> None:
    from heuristics.aggregation.label_model import _distinct_rows, row_hash_coefficients

    def numpy_rows(matrix):
        patterns, inverse, counts = np.unique(matrix, axis=0, return_inverse=True,
                                              return_counts=True)
        return patterns, inverse.reshape(-1), counts

    rng = np.random.default_rng(8)
    c = row_hash_coefficients(2).astype(np.int64)   # both below 2**63
    colliding = np.array([[0, 0], [c[1], -c[0]], [0, 0], [1, 2]])   # rows 0 and 1 share a hash
    for matrix in (rng.integers(-1, 3, (5000, 6)), rng.integers(-1, 20, (3000, 40)),
                   np.zeros((4, 0), dtype=np.int64), colliding):
        for ours, theirs in zip(_distinct_rows(matrix), numpy_rows(matrix), strict=True):
            np.testing.assert_array_equal(ours, theirs)
    assert len(_distinct_rows(colliding)[0]) == 3


def test_label_model_keeps_unanimous_outside_tokens_outside() -> None:
    # Token votes: 0 = OUTSIDE, dominant; a rare label (3) nobody voted must not win.
    L = np.array([[0, 0, 0]] * 1000 + [[1, 1, 0]] * 30 + [[4, -1, 0]] * 5 + [[2, 0, -1]] * 20)
    model = LabelModel(5).fit(L)
    assert model.predict(np.array([[0, 0, 0]])).tolist() == [0]
    assert model.class_balance_[0] > 0.5
    assert model.predict(np.array([[1, 1, 0], [4, -1, 0], [2, 0, -1]])).tolist() == [1, 4, 2]


def test_weighted_vote_never_counts_a_vote_for_a_label_it_did_not_name() -> None:
    vote = WeightedVote(3, [0.3, 0.9], weighting="log_odds")
    assert vote.fit(np.array([[0, 1]])).weights_[0] == 0
    # A record whose only vote comes from a worse-than-chance heuristic gets no label.
    assert vote.predict(np.array([[0, -1], [0, 1], [2, -1]])).tolist() == [-1, 1, -1]
    spans = aggregate_spans([RecordSpans(5, [[], [("MISC", 3, 4)]])],
                            labels=["ORG", "LOC", "MISC", "PER"],
                            method=WeightedVote(5, [0.9, 0.3], weighting="log_odds"))
    assert spans == [[]]


# ----------------------------------------------------------------------------- multi-label


def test_multilabel_majority_and_noisy_or_by_hand() -> None:
    votes = np.zeros((3, 3, 2), dtype=bool)
    votes[0, :, 0] = True                     # all three vote l0
    votes[0, 2, 1] = True                     # heuristic 2 also votes l1
    votes[1, 0, 1] = True                     # one vote for l1 only
    precisions = np.array([[0.9, 0.3], [0.6, 0.6], [0.5, 0.8]])
    majority = aggregate_multilabel(votes, method="majority")
    assert majority.confidence.tolist() == [[1.0, 1 / 3], [0.0, 1.0], [0.0, 0.0]]
    assert majority.present.tolist() == [[True, False], [False, True], [False, False]]
    weighted = aggregate_multilabel(votes, method="weighted", precisions=precisions)
    assert np.allclose(weighted.confidence, [[1 - 0.1 * 0.4 * 0.5, 0.8], [0.0, 0.3], [0, 0]])
    assert weighted.present.tolist() == [[True, True], [False, False], [False, False]]
    strict = aggregate_multilabel(votes, method="weighted", precisions=precisions,
                                  min_confidence=0.9)
    assert strict.present.tolist() == [[True, False], [False, False], [False, False]]
    certain = aggregate_multilabel(votes, method="weighted", precisions=np.ones((3, 2)))
    assert certain.confidence.max() < 1, "clipped: no vote is certain"


def test_multilabel_inputs_are_checked() -> None:
    votes = np.zeros((2, 2, 2), dtype=bool)
    for bad, field in [({"votes": votes[0]}, "votes"),
                       ({"votes": votes, "method": "label_model"}, "method"),
                       ({"votes": votes, "min_confidence": 2.0}, "min_confidence"),
                       ({"votes": votes, "method": "weighted",
                         "precisions": np.ones((3, 2))}, "precisions")]:
        with pytest.raises(InvalidInputError) as error:
            aggregate_multilabel(**bad)
        assert error.value.field == field


@st.composite
def span_records(draw) -> list[RecordSpans]:
    n_heuristics = draw(st.integers(1, 3))
    records = []
    for _ in range(draw(st.integers(1, 6))):
        n_tokens = draw(st.integers(0, 6))
        spans = []
        for _ in range(n_heuristics):
            found = []
            if n_tokens:
                for _ in range(draw(st.integers(0, 2))):
                    start = draw(st.integers(0, n_tokens - 1))
                    end = draw(st.integers(start + 1, n_tokens))
                    found.append((draw(st.sampled_from(["PER", "LOC"])), start, end))
            spans.append(found)
        records.append(RecordSpans(n_tokens, spans))
    return records


@settings(max_examples=200, deadline=None)
@given(span_records())
def test_spans_never_cross_records(records: list[RecordSpans]) -> None:
    # What each heuristic tags is told, so that it does not depend on the other records.
    tags = [sorted({span[0] for record in records for span in record.spans[heuristic]})
            for heuristic in range(len(records[0].spans))]
    together = aggregate_spans(records, labels=["PER", "LOC"], method="majority",
                               heuristic_labels=tags)
    alone = [aggregate_spans([record], labels=["PER", "LOC"], method="majority",
                             heuristic_labels=tags)[0] for record in records]
    assert together == alone


# ------------------------------------------------------------------------------- agreement


def test_agreement_scores_only_what_was_compared() -> None:
    from heuristics.aggregation.agreement import (
        classification_agreement,
        multilabel_agreement,
        span_agreement,
    )

    # No reference labels: nothing compared, no accuracy and no F1 (not an F1 of 0).
    nothing = classification_agreement(np.array([0, 1]), np.array([True, True]),
                                       np.array([-1, -1]), ["ham", "spam"])
    assert nothing["compared"] == 0 and nothing["accuracy"] is None
    assert nothing["f1"] == {"ham": None, "spam": None}
    # A label in neither the weak nor the reference labels of compared records has no F1;
    # one predicted but never right has 0.
    some = classification_agreement(np.array([0, 1, 0]), np.array([True, True, True]),
                                    np.array([0, 0, -1]), ["ham", "spam", "other"])
    assert some["f1"] == {"ham": pytest.approx(2 / 3), "spam": 0.0, "other": None}
    labels = multilabel_agreement(np.array([[True, False]]), np.array([[True, False]]),
                                  np.array([False]), ["a", "b"])
    assert labels["micro_f1"] is None and labels["f1"] == {"a": None, "b": None}
    spans = span_agreement([[(0, 0, 1)]], {}, np.array([2]), ["PER", "LOC"])
    assert spans["micro_f1"] is None and spans["f1"] == {"PER": None, "LOC": None}


def test_auto_selection_does_not_grade_the_weighted_vote_on_its_own_answers() -> None:
    from heuristics.aggregation.selection import choose_method

    # 300 heuristics that vote a random label on 2 random records each: no information.
    rng = np.random.default_rng(0)
    reference = rng.integers(0, 2, 200)
    L = np.full((200, 300), -1)
    for j in range(300):
        L[rng.choice(200, 2, replace=False), j] = rng.integers(0, 2, 2)
    # Their precisions as the statistics measure them, on these same reference labels.
    precisions = ((reference[:, None] == L) & (L >= 0)).sum(axis=0) / (L >= 0).sum(axis=0)
    in_sample = WeightedVote(2, precisions, weighting="log_odds").predict_proba(L).argmax(axis=1)
    covered = (L >= 0).any(axis=1)
    # Weighted by precisions measured on the same labels, the noise looks informative...
    assert (in_sample[covered] == reference[covered]).mean() > 0.7
    choice = choose_method(L, reference, n_labels=2, weights=precisions)
    # ...cross-fitted it is chance, like the others.
    assert choice.agreement["weighted"] < 0.62
    assert max(choice.agreement.values()) < 0.62


# ------------------------------------------------------------------ scoring and selection


def test_scoring_rule_counts_ties_by_hand() -> None:
    from heuristics.aggregation.scoring import expected_accuracy, expected_f1

    probabilities = np.array([
        [0.6, 0.3, 0.1],   # right: 1
        [0.4, 0.4, 0.2],   # tie of two, truth among them: 1/2
        [0.3, 0.3, 0.4],   # wrong: 0
        [0.5, 0.5, 0.0],   # tie of two, truth not among them: 0
        [1.0, 0.0, 0.0],   # nobody voted: every label tied, 1/3, whatever the method says
        [1 / 3, 1 / 3, 1 / 3],   # a three-way tie, voted: 1/3
    ])
    reference = np.array([0, 1, 0, 2, 2, 1])
    covered = np.array([True, True, True, True, False, True])
    assert expected_accuracy(probabilities, reference, covered=covered) == pytest.approx(
        (1 + 0.5 + 0 + 0 + 1 / 3 + 1 / 3) / 6)
    # Breaking ties cannot change it: the same rows with ties nudged either way score apart,
    # the tie scores their mean.
    assert expected_accuracy(np.array([[0.5, 0.5]]), np.array([1])) == 0.5
    # F1 of label 1 from expected counts: predicted 1 on rows 1 (1/2), 3 (1/2), 4 (1/3), 5 (1/3);
    # right on 1 and 5; label 1 is true on rows 1 and 5.
    predicted = 0.5 + 0.5 + 1 / 3 + 1 / 3
    assert expected_f1(probabilities, reference, label=1, covered=covered) == pytest.approx(
        2 * (0.5 + 1 / 3) / (predicted + 2))


def test_a_record_without_votes_can_get_the_class_prior() -> None:
    from heuristics.aggregation.agreement import expected_agreement

    balance = np.array([0.2, 0.7, 0.1])
    probabilities = np.array([[0.8, 0.1, 0.1], balance, balance])
    voted = np.array([True, False, False])
    reference = np.array([0, 1, 0])
    # Without the prior option the two records without votes have no weak label: every label
    # ties, 1/3 each; with it they answer the prior's label 1 (right once).
    none = expected_agreement(probabilities, voted=voted, labelled=voted,
                              from_prior=np.zeros(3, bool), reference=reference)
    prior = expected_agreement(probabilities, voted=voted, labelled=np.ones(3, bool),
                               from_prior=~voted, reference=reference)
    assert none["accuracy"] == prior["accuracy"] == 1.0 and none["compared"] == 1
    assert none["accuracy_all"] == pytest.approx((1 + 2 / 3) / 3)
    assert prior["accuracy_all"] == pytest.approx(2 / 3)
    assert prior["from_prior"] == 2 and prior["coverage"] == pytest.approx(1 / 3)
    assert (none["guessed"], prior["guessed"]) == (2, 0)   # no weak label: a guess among 3


def _errs_toward_the_next_label(right: float = 0.5, wrong: float = 0.3
                                ) -> tuple[np.ndarray, np.ndarray]:
    """Two rules per label of four; a rule for c fires on a share ``right`` of the records of
    label c and ``wrong`` of those of label c + 1."""
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 4, 3000)
    rules = [np.where(truth == c, rng.random(3000) < right,
                      (truth == (c + 1) % 4) & (rng.random(3000) < wrong))
             for c in range(4) for _ in range(2)]
    return np.column_stack([np.where(fires, j // 2, -1) for j, fires in enumerate(rules)]), truth


def test_anchored_label_model_learns_where_the_rules_err() -> None:
    from heuristics.aggregation.scoring import expected_accuracy

    L, truth = _errs_toward_the_next_label()
    known = np.where(np.arange(len(truth)) < 1000, truth, -1)
    test = known < 0
    covered = (L[test] >= 0).any(axis=1)

    def scored(model) -> float:
        return expected_accuracy(model.predict_proba(L[test]), truth[test], covered=covered)

    majority, ours = scored(MajorityVote(4).fit(L)), scored(LabelModel(4).fit(L))
    anchored = LabelModel(4).fit(L, reference=known)
    # A vote for c is evidence for c + 1 too: both rules' votes on a record point there.
    assert scored(anchored) > max(majority, ours) + 0.1
    assert anchored.confusion_[0, 0].argsort()[-2] == 1
    # Rules wrong more often than right: still no vote says more for another label than for
    # its own, relative to the class balance.
    L, truth = _errs_toward_the_next_label(right=0.2, wrong=0.5)
    anchored = LabelModel(4).fit(L, reference=np.where(np.arange(len(truth)) < 1000, truth, -1))
    lift = anchored.confusion_ / anchored.class_balance_
    assert (lift <= np.einsum("jcc->jc", lift)[:, :, None] + 1e-9).all()
    # No known label: the same fit as without them.
    np.testing.assert_allclose(
        LabelModel(4).fit(L, reference=np.full(len(truth), -1)).predict_proba(L),
        LabelModel(4).fit(L).predict_proba(L))


@pytest.mark.parametrize("reference", [np.zeros(5, int), np.full(3000, 4), np.zeros(3000)])
def test_anchored_label_model_refuses_references_that_do_not_fit(reference) -> None:
    L, _ = _errs_toward_the_next_label()
    with pytest.raises(InvalidInputError) as raised:
        LabelModel(4).fit(L, reference=reference)
    assert raised.value.field == "reference"


def test_auto_never_chooses_on_the_records_it_reports() -> None:
    from heuristics.aggregation.selection import choose_method, cross_fitted_choice

    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, 400)
    L = np.where(rng.random((400, 6)) < 0.5,
                 np.where(rng.random((400, 6)) < 0.7, truth[:, None],
                          rng.integers(0, 3, (400, 6))), -1)
    weights = np.full(6, 0.7)
    reference = np.where(rng.random(400) < 0.5, truth, -1)
    fitted = cross_fitted_choice(L, reference, n_labels=3, weights=weights)
    for own in (0, 1):
        rows = fitted.half == own
        assert rows.sum() > 50
        assert fitted.methods[own] == choose_method(L, reference, n_labels=3, weights=weights,
                                                    min_reference=15,
                                                    rows=fitted.half == 1 - own).method
        # Whatever the reference labels of a half say, its own scores do not move.
        changed = reference.copy()
        changed[rows] = (changed[rows] + 1) % 3
        again = cross_fitted_choice(L, changed, n_labels=3, weights=weights)
        assert again.methods[own] == fitted.methods[own]
        np.testing.assert_allclose(again.predictions[rows], fitted.predictions[rows])


@pytest.mark.parametrize("method", ["weighted", "anchored_label_model"])
def test_methods_that_learn_from_references_report_on_those_they_did_not_see(method) -> None:
    from heuristics.aggregation.selection import cross_fitted_method

    rng = np.random.default_rng(5)
    truth = rng.integers(0, 3, 400)
    L = np.where(rng.random((400, 4)) < 0.3,
                 np.where(rng.random((400, 4)) < 0.7, truth[:, None],
                          rng.integers(0, 3, (400, 4))), -1)
    reference = np.where(rng.random(400) < 0.5, truth, -1)
    fitted = cross_fitted_method(method, L, reference, n_labels=3)
    without_votes = (L < 0).all(axis=1) & (reference >= 0)
    assert without_votes.sum() > 10 and (fitted.half[without_votes] >= 0).all()
    for own in (0, 1):
        rows = fitted.half == own
        # Whatever the reference labels of a half say (those of records without votes
        # too, which teach the anchored model the class balance), its scores do not move.
        changed = reference.copy()
        changed[rows] = (changed[rows] + 1) % 3
        again = cross_fitted_method(method, L, changed, n_labels=3)
        np.testing.assert_allclose(again.predictions[rows], fitted.predictions[rows])


def _unmoved_by_own_references(fit, reference, flip) -> None:
    """``fit(reference)`` gives the CrossFitted of auto and of a method that learns from the
    reference labels, and that method fitted on all of them; changing the reference labels
    of one half (``flip``) moves neither cross-fit's predictions of that half, while the
    method fitted on all reference labels does move there."""
    auto, alone, in_sample = fit(reference)
    for own in (0, 1):
        rows = auto.half == own
        assert rows.sum() > 50 and (alone.half == auto.half).all()
        changed = flip(reference, rows)
        again = fit(changed)
        assert again[0].methods[own] == auto.methods[own]
        for before, after in zip((auto, alone), again[:2], strict=True):
            assert [list(p) for p in after.predictions[rows]] == \
                [list(p) for p in before.predictions[rows]]
        assert [list(p) for p in again[2][rows]] != [list(p) for p in in_sample[rows]]


def test_multilabel_auto_and_weighted_never_score_what_they_learnt_from() -> None:
    from heuristics.aggregation.multilabel import MULTILABEL_METHODS
    from heuristics.aggregation.predicting import multilabel_predict, multilabel_score
    from heuristics.aggregation.selection import cross_fitted, cross_fitted_alone

    rng = np.random.default_rng(7)
    n, m, k = 400, 5, 3
    truth = rng.random((n, k)) < 0.3
    errors = rng.random((n, m, k)) < np.array([0.05, 0.1, 0.2, 0.3, 0.4])[None, :, None]
    votes = (rng.random((n, m)) < 0.6)[:, :, None] & (truth[:, None, :] ^ errors)
    has_reference = rng.random(n) < 0.5

    def fit(reference):
        predict = multilabel_predict(votes, reference, has_reference,
                                     precisions=np.full((m, k), 0.7))
        auto = cross_fitted(MULTILABEL_METHODS, predict,
                            multilabel_score(reference, has_reference), has_reference,
                            default="weighted", min_reference=30,
                            scored=votes.any(axis=(1, 2)))
        return (auto, cross_fitted_alone("weighted", predict, has_reference),
                predict("weighted", has_reference))

    def flip(reference, rows):
        changed = reference.copy()
        changed[rows] = ~changed[rows]
        return changed

    _unmoved_by_own_references(fit, truth & has_reference[:, None], flip)


@pytest.mark.parametrize("method", ["weighted", "anchored_label_model"])
def test_span_auto_and_methods_never_score_what_they_learnt_from(method) -> None:
    from heuristics.aggregation.predicting import span_predict, span_score
    from heuristics.aggregation.selection import (
        EXTRACTION_METHODS,
        cross_fitted,
        cross_fitted_alone,
    )
    from heuristics.aggregation.spans import RecordSpans

    rng = np.random.default_rng(11)
    n, m, labels = 300, 4, ["PER", "LOC"]
    truth = [[(int(rng.integers(2)), start, start + 1) for start in range(0, 10, 3)
              if rng.random() < 0.5] for _ in range(n)]
    records = [RecordSpans(10, [
        [(labels[label if rng.random() > error else 1 - label], start, end)
         for label, start, end in spans if rng.random() < 0.7]
        + ([("PER", 9, 10)] if rng.random() < error else [])
        for error in (0.05, 0.15, 0.3, 0.45)]) for spans in truth]
    referenced = rng.random(n) < 0.5
    n_tokens = np.full(n, 10)

    def fit(reference):
        predict = span_predict(records, list(range(n)), n_records=n, labels=labels,
                               reference=reference, n_tokens=n_tokens,
                               weights=np.full(m, 0.7))
        auto = cross_fitted(EXTRACTION_METHODS, predict,
                            span_score(reference, n_tokens, labels), referenced,
                            default="label_model", min_reference=30)
        return (auto, cross_fitted_alone(method, predict, referenced),
                predict(method, referenced))

    def flip(reference, rows):
        return {row: [(1 - label, start, end) for label, start, end in spans] if rows[row]
                else spans for row, spans in reference.items()}

    _unmoved_by_own_references(fit, {row: truth[row] for row in np.flatnonzero(referenced)},
                               flip)


def test_label_model_near_the_bayes_limit_on_synthetic_matrices() -> None:
    from heuristics.aggregation.scoring import expected_accuracy
    from heuristics.aggregation.synthetic import scenarios

    for scenario in scenarios(seed=0):
        if scenario.name not in ("balanced", "imbalanced", "copies", "low coverage"):
            continue
        train, _ = scenario.sample(3000, seed=1)
        test, labels = scenario.sample(3000, seed=2)
        covered = (test != -1).any(axis=1)
        bayes, majority, ours = (
            expected_accuracy(probabilities, labels, covered=covered)
            for probabilities in (scenario.posterior(test),
                                  MajorityVote(scenario.n_labels).predict_proba(test),
                                  LabelModel(scenario.n_labels).fit(train).predict_proba(test)))
        assert majority < bayes
        assert ours >= 0.97 * bayes, scenario.name


def test_label_model_class_balance_does_not_drift_on_many_labels() -> None:
    # WRENCH semeval: with errors spread by the estimated class balance, EM pushed the most
    # frequent relation to half of the mass (true 0.29) and scored 71 % on test.
    import json

    from heuristics.aggregation.scoring import expected_accuracy

    folder = DATASETS / "wrench" / "semeval"

    def split(part: str) -> tuple[np.ndarray, np.ndarray]:
        records = json.loads((folder / f"{part}.json").read_text(encoding="utf-8")).values()
        return (np.array([r["weak_labels"] for r in records]),
                np.array([r["label"] for r in records]))

    (train, train_labels), (test, labels) = split("train"), split("test")
    model = LabelModel(9).fit(train)
    true_balance = np.bincount(train_labels, minlength=9) / len(train_labels)
    assert np.abs(model.class_balance_ - true_balance).max() < 0.1
    assert expected_accuracy(model.predict_proba(test), labels,
                             covered=(test != -1).any(axis=1)) > 0.8
