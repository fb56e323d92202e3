"""Tests of the label model's priors: pooled precision, minimum lift, and the synthetic limit."""

from __future__ import annotations

import numpy as np
import pytest

from heuristics.aggregation import LabelModel, MajorityVote
from heuristics.aggregation.label_model import _vote_matrix, lifted, pooled_precision
from heuristics.aggregation.scoring import expected_accuracy
from heuristics.aggregation.synthetic import planted_unipolar, scenarios
from heuristics.errors import InvalidInputError


def test_lifted_multiplies_the_odds() -> None:
    # 0.2 -> odds 1/4, times 3 = 3/4 -> 3/7; 0.5 -> 1 * 3 = 3 -> 3/4; lift 1 changes nothing.
    np.testing.assert_allclose(lifted(np.array([0.2, 0.5]), 3.0), [3 / 7, 3 / 4])
    np.testing.assert_allclose(lifted(np.array([0.2, 0.5]), 1.0), [0.2, 0.5])


def test_pooled_precision_by_hand() -> None:
    counts = np.zeros((3, 2, 2))
    counts[0, 0] = [8, 2]        # 10 votes for 0, 8 right
    counts[1, 0] = [12, 18]      # 30 votes for 0, 12 right
    counts[2, 1] = [1, 4]        # 5 votes for 1, 4 right
    pooled = pooled_precision(counts, counts.sum(axis=2), prior_precision=0.7, strength=10)
    # label 0: (8 + 12 + 10 * 0.7) / (40 + 10) = 27 / 50; label 1: (4 + 7) / (5 + 10) = 11 / 15
    np.testing.assert_allclose(pooled, [27 / 50, 11 / 15])


def test_a_label_never_voted_gets_the_pooled_precision_of_the_others_votes() -> None:
    # Heuristic 2 never votes 1: its precision on 1 is the prior mean, which "pooled" takes
    # from heuristics 0 and 1's votes for 1 and "fixed" leaves at prior_precision.
    L = np.array([[1, 1, 0]] * 40 + [[0, 0, 0]] * 30 + [[1, -1, 0]] * 10 + [[-1, 1, -1]] * 10
                 + [[0, 1, -1]] * 10)
    pooled = LabelModel(2, prior_mean="pooled").fit(L)
    votes = _vote_matrix(L, n_labels=2)
    counts = np.asarray(votes.T @ pooled.predict_proba(L)).reshape(3, 2, 2)
    expected = pooled_precision(counts, counts.sum(axis=2), prior_precision=0.7,
                                strength=pooled.prior_strength / 10)
    np.testing.assert_allclose(pooled.precision_[2, 1], expected[1], atol=1e-4)
    assert abs(pooled.precision_[2, 1] - 0.7) > 0.05
    fixed = LabelModel(2, prior_mean="fixed").fit(L)
    np.testing.assert_allclose(fixed.precision_[2, 1], 0.7)


def test_min_lift_floors_a_votes_precision_by_hand() -> None:
    # Heuristic 2 votes 0 only where heuristics 0 and 1 agree on 1: its own estimate is far
    # below the balance (no prior). With the balance given as 1/2 the floor is 1/2, and 3 / 4 with
    # a lift of 3 (the odds of 0, 1, times 3).
    L = np.array([[1, 1, 0]] * 20 + [[1, 1, -1]] * 20 + [[0, 0, -1]] * 40 + [[1, -1, -1]] * 10
                 + [[-1, 0, -1]] * 10)
    plain = LabelModel(2, min_lift=1.0, prior_strength=0).fit(L, class_balance=[1, 1])
    lifted_model = LabelModel(2, min_lift=3.0, prior_strength=0).fit(L,
                                                                  class_balance=[1, 1])
    np.testing.assert_allclose(plain.precision_[2, 0], 0.5)
    np.testing.assert_allclose(lifted_model.precision_[2, 0], 0.75)
    # Every vote now lifts its label's odds at least 3 times; without the floor the others
    # keep their own estimates.
    assert lifted_model.precision_.min() >= 0.75 - 1e-9
    assert plain.precision_[:2].min() > 0.95


@pytest.mark.parametrize(("options", "field"), [({"prior_mean": "median"}, "prior_mean"),
                                                 ({"min_lift": 0.5}, "min_lift")])
def test_new_options_are_checked(options: dict, field: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        LabelModel(2, **options).fit(np.zeros((2, 2), int))
    assert error.value.field == field


def test_exact_copies_share_the_evidence_of_their_silence_too() -> None:
    rng = np.random.default_rng(11)
    truth = rng.choice(3, size=2000, p=[0.5, 0.3, 0.2])
    columns = []
    for accuracy, coverage in [(0.85, 0.4), (0.7, 0.5), (0.55, 0.8)]:
        votes = np.where(rng.random(2000) < accuracy, truth, rng.integers(0, 3, 2000))
        columns.append(np.where(rng.random(2000) < coverage, votes, -1))
    L = np.stack(columns, axis=1)
    copied = np.hstack([L, L[:, [2]], L[:, [2]]])
    original = LabelModel(3, abstain_weight=0.5).fit(L)
    with_copies = LabelModel(3, abstain_weight=0.5).fit(copied)
    np.testing.assert_allclose(with_copies.predict_proba(copied), original.predict_proba(L),
                               atol=1e-9)


def test_pooled_prior_reaches_the_bayes_limit_where_a_fixed_one_does_not() -> None:
    # 10 / 90 % labels, heuristics right as often on either: a minority vote is right 12-50 %
    # of the time, far from a fixed prior of 70 %, which pulls EM to a 36 / 64 % balance.
    imbalanced = next(s for s in scenarios(seed=0) if s.name == "imbalanced")
    train, _ = imbalanced.sample(3000, seed=1)
    test, labels = imbalanced.sample(3000, seed=2)
    covered = (test != -1).any(axis=1)

    def score(probabilities: np.ndarray) -> float:
        return expected_accuracy(probabilities, labels, covered=covered)

    bayes = score(imbalanced.posterior(test))
    pooled = score(LabelModel(2, prior_mean="pooled").fit(train).predict_proba(test))
    fixed = score(LabelModel(2, prior_mean="fixed").fit(train).predict_proba(test))
    majority = score(MajorityVote(2).predict_proba(test))
    assert pooled >= 0.97 * bayes > fixed
    assert pooled > majority


def test_a_balance_prior_reads_prior_precision_as_an_accuracy() -> None:
    # Heuristic 0 votes both labels, heuristic 1 only label 1. Given a 20 / 80 % balance,
    # an accuracy of 0.7 (odds 7 / 3) puts a vote for 0 at odds 1/4 * 7/3 = 7/12 -> 7/19 and a
    # vote for 1 at 4 * 7/3 = 28/3 -> 28/31. With no votes to weigh (prior only: a strength far
    # above the 6 votes) the precisions are those means; the fixed 0.7 is floored at the
    # balance (a vote is never evidence against its label): 0.8 for label 1.
    L = np.array([[0, -1], [1, 1], [1, -1], [0, 1]])
    for mean, expected in (("balance", [[7 / 19, 28 / 31], [7 / 19, 28 / 31]]),
                           ("auto", [[7 / 19, 28 / 31], [0.7, 0.8]]),
                           ("fixed", [[0.7, 0.8], [0.7, 0.8]])):
        model = LabelModel(2, prior_mean=mean, prior_strength=1e9).fit(L,
                                                                       class_balance=[1, 4])
        np.testing.assert_allclose(model.precision_, expected, atol=1e-6)


def test_auto_changes_nothing_where_no_heuristic_votes_every_label() -> None:
    # Unipolar heuristics (every WRENCH rule): "auto" is the fixed prior with even errors.
    L, _ = planted_unipolar()
    auto = LabelModel(2).fit(L)
    plain = LabelModel(2, prior_mean="fixed", error_spread="uniform").fit(L)
    np.testing.assert_allclose(auto.predict_proba(L), plain.predict_proba(L))
    assert auto.n_iter_ == plain.n_iter_


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda scenario: scenario.name)
def test_a_given_class_balance_keeps_em_from_running_away(scenario) -> None:
    # Given the balance the matrix was drawn with, EM must not run away to one label (it did,
    # to 0.50 on the balanced scenario, when the rows were counted at the posteriors' label
    # shares but divided by the given ones): it ends where the estimated balance ends.
    L, labels = scenario.sample(20_000, seed=1)
    n_labels = len(scenario.class_balance)
    covered = (L != -1).any(axis=1)
    score = lambda probabilities: expected_accuracy(probabilities, labels,  # noqa: E731
                                                    covered=covered)
    estimated = score(LabelModel(n_labels).fit(L).predict_proba(L))
    given = score(LabelModel(n_labels).fit(L, class_balance=scenario.class_balance)
                  .predict_proba(L))
    assert abs(given - estimated) < 0.02
