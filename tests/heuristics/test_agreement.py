"""Agreement measures against independent formulas: Scott's pi, scikit-learn's kappa,
chance and perfect agreement, records some annotators never saw."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from heuristics.evaluation.agreement import (
    classification_agreement,
    cohen_kappa,
    coincidences,
    krippendorff_alpha,
    multilabel_agreement,
    span_agreement,
)


def _scotts_pi_alpha(a: np.ndarray, b: np.ndarray) -> float:
    """Two coders, no missing value: alpha = 1 - (n - 1) / n * (1 - p_o) / (1 - p_e) with
    Scott's p_e over the pooled values (n = 2 * units), a formula of its own."""
    n = 2 * a.size
    pooled = np.bincount(np.concatenate([a, b])) / n
    return 1 - (n - 1) / n * (1 - np.mean(a == b)) / (1 - pooled @ pooled)


@pytest.mark.parametrize("seed", range(5))
def test_alpha_of_two_coders_is_scotts_formula(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, 200)
    b = np.where(rng.random(200) < 0.7, a, rng.integers(0, 4, 200))
    units = np.concatenate([np.arange(200), np.arange(200)])
    assert krippendorff_alpha(units, np.concatenate([a, b])) == pytest.approx(
        _scotts_pi_alpha(a, b))


@pytest.mark.parametrize("seed", range(5))
def test_alpha_with_missing_values_is_the_reference_implementations(seed):
    """Five coders who each saw about 60 % of 300 records, against the krippendorff
    package's alpha of the same coder-by-record table."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, 300)
    table = np.where(rng.random((5, 300)) < 0.75, truth, rng.integers(0, 4, (5, 300)))
    table = np.where(rng.random((5, 300)) < 0.6, table, -1)
    labels = ["a", "b", "c", "d"]
    records = {r: {f"coder{c}": labels[table[c, r]] for c in range(5) if table[c, r] >= 0}
               for r in range(300)}
    expected = krippendorff.alpha(reliability_data=np.where(table >= 0, table, np.nan),
                                  level_of_measurement="nominal")
    assert classification_agreement(records, labels=labels).value == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(5))
def test_kappa_is_scikit_learns(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, 100)
    b = np.where(rng.random(100) < 0.6, a, rng.integers(0, 3, 100))
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_chance_agreement_is_near_zero_and_perfect_agreement_one():
    rng = np.random.default_rng(7)
    records = {r: {name: str(rng.integers(0, 3)) for name in ("ann", "bob", "cid")}
               for r in range(3_000)}
    chance = classification_agreement(records, labels=["0", "1", "2"])
    assert abs(chance.value) < 0.03 and chance.reading == "unreliable"
    assert all(abs(pair.kappa) < 0.05 for pair in chance.pairs)
    same = {r: {name: by["ann"] for name in by} for r, by in records.items()}
    perfect = classification_agreement(same, labels=["0", "1", "2"])
    assert (perfect.value, perfect.reading) == (1.0, "reliable")
    assert all(label.agreement == 1.0 for label in perfect.labels)


def test_units_with_one_value_are_left_out():
    with_single = coincidences(np.array([0, 0, 1, 2]), np.array([1, 1, 0, 1]), 2)
    assert with_single.tolist() == [[0.0, 0.0], [0.0, 2.0]]
    assert krippendorff_alpha(np.array([0, 1]), np.array([0, 1])) is None
    assert cohen_kappa(np.array([1, 1]), np.array([1, 1])) is None


def test_three_annotators_on_a_record_weigh_each_pair_by_one_over_m_minus_one():
    # one record, values (a, a, b): ordered pairs (a, a) x2, (a, b) x2, (b, a) x2, over m-1=2
    assert coincidences(np.zeros(3), np.array([0, 0, 1]), 2).tolist() == [[1.0, 1.0],
                                                                           [1.0, 0.0]]


def test_a_labels_alpha_in_multilabel_is_the_classification_alpha_of_yes_or_no():
    """When annotators always give one label of two, each label's yes/no decisions are the
    classification labels renamed: its alpha is the classification alpha."""
    rng = np.random.default_rng(3)
    single = {r: {name: ("x", "y")[int(rng.random() < 0.4 + 0.3 * (name == "bob"))]
                  for name in ("ann", "bob")} for r in range(300)}
    as_sets = {r: {name: frozenset({label}) for name, label in by.items()}
               for r, by in single.items()}
    labels = ["x", "y"]
    expected = classification_agreement(single, labels=labels).value
    assert [label.alpha for label in multilabel_agreement(as_sets, labels=labels).labels] == [
        pytest.approx(expected), pytest.approx(expected)]


def test_spans_agree_only_when_label_and_bounds_match():
    result = span_agreement(
        {1: {"ann": frozenset({("PER", 0, 2)}), "bob": frozenset({("PER", 0, 1)})},
         2: {"ann": frozenset({("LOC", 3, 4)}), "bob": frozenset({("PER", 3, 4)})},
         3: {"ann": frozenset(), "bob": frozenset()}},
        labels=["PER", "LOC"], gold={1: frozenset({("PER", 0, 2)})})
    assert (result.value, result.records) == (0.0, 3)
    gold = {a.name: a.gold_agreement for a in result.annotators}
    assert gold == {"ann": 1.0, "bob": 0.0}
    nothing = span_agreement({1: {"ann": frozenset(), "bob": frozenset()}}, labels=["PER"])
    assert nothing.value is None and "No annotator marked a span" in nothing.note
