"""Tests of the label model's choice to count abstentions: only one-label rules' silences,
only on enough records, only where the rules fire independently given the label."""

from __future__ import annotations

import numpy as np

from heuristics.aggregation import LabelModel
from heuristics.aggregation.label_model import SILENCES_MIN_RECORDS, co_firing_excess
from heuristics.aggregation.scoring import expected_accuracy
from heuristics.aggregation.synthetic import planted_unipolar, scenarios
from heuristics.validation import ABSTAIN


def _accuracy(model: LabelModel, L: np.ndarray, truth: np.ndarray) -> float:
    return expected_accuracy(model.predict_proba(L), truth)


def test_silences_of_independent_one_label_rules_count_on_enough_records() -> None:
    # A rule for label 0 that stays silent says "probably not label 0": on independent rules
    # the fit that counts it comes close to the Bayes posterior of the true parameters.
    unipolar = next(s for s in scenarios() if s.name == "unipolar")
    L, truth = unipolar.sample(SILENCES_MIN_RECORDS + 1000, seed=1)
    bayes = expected_accuracy(unipolar.posterior(L), truth)
    model = LabelModel(4).fit(L)
    ignoring = LabelModel(4, abstain_weight=0.0).fit(L)
    assert model.silences_.counted, model.silences_
    assert model.silences_.excess <= 0.1
    assert model.silences_.describe().startswith("abstentions counted: pairs of rules fire "
                                                 "together 0% off independence (≤ 10%)")
    np.testing.assert_array_equal(model.abstain_weights_, np.ones(L.shape[1]))
    assert _accuracy(model, L, truth) > 0.98 * bayes > _accuracy(ignoring, L, truth) + 0.03


def test_silences_are_ignored_on_few_records() -> None:
    L, _ = planted_unipolar(n_records=SILENCES_MIN_RECORDS - 1)
    model = LabelModel(2).fit(L)
    assert not model.silences_.counted and model.silences_.excess is None
    assert model.silences_.reason == "2,999 records (fewer than 3,000)"
    np.testing.assert_allclose(model.predict_proba(L),
                               LabelModel(2, abstain_weight=0.0).fit(L).predict_proba(L))


def test_silences_of_rules_that_fire_together_are_ignored() -> None:
    # Two more rules for label 0 fire mostly where the first one does (a keyword and its
    # plural): votes are no longer independent given the label, and counting silences would
    # read their shared silence three times.
    L, truth = planted_unipolar(n_records=5000)
    rng = np.random.default_rng(0)
    together = [np.where((L[:, 0] != ABSTAIN) & (rng.random(len(L)) < 0.9), 0, ABSTAIN)
                for _ in range(2)]
    L = np.column_stack([L, *together])
    model = LabelModel(2).fit(L)
    assert not model.silences_.counted and model.silences_.excess > 0.1
    assert "off independence (> 10%) over 5,000 records" in model.silences_.reason
    np.testing.assert_allclose(model.predict_proba(L),
                               LabelModel(2, abstain_weight=0.0).fit(L).predict_proba(L))


def test_only_rules_that_vote_one_label_count_their_silences() -> None:
    # A rule that votes both labels fires on records of either label alike: its silence
    # says nothing about the label, so its weight stays 0.
    L, truth = planted_unipolar(n_records=5000)
    rng = np.random.default_rng(1)
    both = np.where(rng.random(len(L)) < 0.8, truth, 1 - truth)
    L = np.column_stack([L, np.where(rng.random(len(L)) < 0.5, both, ABSTAIN)])
    model = LabelModel(2).fit(L)
    assert model.silences_.counted
    np.testing.assert_array_equal(model.abstain_weights_, [1, 1, 1, 1, 1, 0])


def test_bipolar_scenarios_never_refit() -> None:
    balanced = next(s for s in scenarios() if s.name == "balanced")
    L, _ = balanced.sample(5000, seed=1)
    model = LabelModel(2).fit(L)
    assert model.silences_.reason == "no heuristic votes one label only"


def test_co_firing_excess_measures_the_share_off_independence() -> None:
    # Rule b fires on 60 % of the records where rule a fires and 20 % elsewhere (a on half
    # of them): independent given the label would be 40 % of a's records; 60 / 40 = 1.5.
    rng = np.random.default_rng(2)
    a = rng.random(40_000) < 0.5
    b = rng.random(40_000) < np.where(a, 0.6, 0.2)
    L = np.column_stack([np.where(a, 0, ABSTAIN), np.where(b, 0, ABSTAIN)])
    one_label = np.tile([1.0, 0.0], (len(L), 1))
    assert abs(co_firing_excess(L, one_label) - 0.5) < 0.02
