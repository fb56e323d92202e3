"""Tests of heuristics.active: query strategies, diversity, stopping, annotators, simulation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_classification, make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from heuristics.active import (
    BreakingTies,
    ColdStart,
    DiverseBatch,
    KappaAverage,
    LabelSetMargin,
    LeastConfidence,
    OverallUncertainty,
    PredictionEntropy,
    RandomSampling,
    SequenceLeastConfidence,
    activelab_scores,
    consensus,
    rank_for_labelling,
    record_features,
    sequence_uncertainties,
    simulate,
    simulate_label_sets,
    simulate_spans,
)
from heuristics.active.simulation import span_f1
from heuristics.errors import InvalidInputError
from heuristics.spans import OUTSIDE

LABELS = ["spam", "ham", "promo"]
PROBABILITIES = np.array(
    [
        [0.90, 0.05, 0.05],  # sure
        [0.40, 0.35, 0.25],  # least confident, high entropy
        [0.48, 0.47, 0.05],  # smallest margin
        [0.36, 0.33, 0.31],  # near uniform
        [0.70, 0.20, 0.10],
    ]
)


def test_least_confidence_ranks_by_top_probability() -> None:
    result = LeastConfidence().query(PROBABILITIES, n=3, label_names=LABELS)
    assert result.indices.tolist() == [3, 1, 2]
    np.testing.assert_allclose(result.scores, [0.64, 0.60, 0.52])
    assert result.reasons[1] == "top label spam at only 0.40"


def test_breaking_ties_ranks_by_margin_and_names_both_labels() -> None:
    result = BreakingTies().query(PROBABILITIES, n=3, label_names=LABELS)
    assert result.indices.tolist() == [2, 3, 1]
    np.testing.assert_allclose(result.scores, [0.99, 0.97, 0.95])
    assert result.reasons[0] == "margin 0.01 between spam and ham"


def test_prediction_entropy_ranks_uniform_first() -> None:
    result = PredictionEntropy().query(PROBABILITIES, n=2, indices_unlabeled=[0, 1, 2, 4])
    expected = -(PROBABILITIES[1] * np.log(PROBABILITIES[1])).sum()
    assert result.indices.tolist() == [1, 2]
    assert result.scores[0] == pytest.approx(expected)
    assert result.reasons[0].startswith(f"entropy {expected:.2f} spread over 0, 1, 2")


def test_strategies_say_what_they_rank_by_composed_ones_from_their_parts() -> None:
    from heuristics.active import WarmUp
    assert [s.ranks_by for s in (LeastConfidence(), BreakingTies(), PredictionEntropy(),
                                 RandomSampling(), LabelSetMargin())] == \
        ["least confidence", "margin", "entropy", "random", "least certain label"]
    span_first = WarmUp(ColdStart(), SequenceLeastConfidence(granularity="span"), labels=60)
    assert span_first.ranks_by == "cold start, then least confident predicted span"
    assert DiverseBatch(PredictionEntropy(), balance_classes=True).ranks_by == \
        "entropy in diverse batches, balanced over labels"


def test_random_sampling_draws_from_the_pool_only_and_is_seeded() -> None:
    pool = [1, 3, 4]
    first = RandomSampling().query(PROBABILITIES, n=2, indices_unlabeled=pool, random_state=3)
    again = RandomSampling().query(PROBABILITIES, n=2, indices_unlabeled=pool, random_state=3)
    assert set(first.indices) <= set(pool) and len(set(first.indices)) == 2
    assert first.indices.tolist() == again.indices.tolist()


def test_query_rejects_more_records_than_the_pool() -> None:
    with pytest.raises(InvalidInputError, match="only 2 are unlabelled"):
        BreakingTies().query(PROBABILITIES, n=3, indices_unlabeled=[0, 1])


@pytest.fixture(scope="module")
def tight_clusters() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ten tight clusters of 30; cluster c's records are uncertain in proportion to -c."""
    embeddings, clusters = make_blobs(
        n_samples=300, centers=10, cluster_std=0.05, center_box=(-10, 10), random_state=1
    )
    rng = np.random.default_rng(0)
    margin = 0.02 * clusters + rng.uniform(0, 0.01, len(clusters))
    probabilities = np.stack([0.5 + margin / 2, 0.5 - margin / 2], axis=1)
    return embeddings, clusters, probabilities


@pytest.mark.parametrize("method", ["kmeans", "coreset"])
def test_diverse_batch_covers_more_clusters_than_top_k(tight_clusters, method: str) -> None:
    embeddings, clusters, probabilities = tight_clusters
    top_k = BreakingTies().query(probabilities, n=10)
    diverse = DiverseBatch(BreakingTies(), method=method, candidates_per_pick=30).query(
        probabilities, n=10, embeddings=embeddings, random_state=0
    )
    assert len(set(clusters[top_k.indices])) == 1
    assert len(set(clusters[diverse.indices])) == 10
    assert all(reason.startswith("margin") for reason in diverse.reasons)


def test_diverse_batch_balances_predicted_classes() -> None:
    embeddings = np.random.default_rng(0).normal(size=(40, 2))
    probabilities = np.full((40, 2), [0.52, 0.48])  # most uncertain all predict label 0
    probabilities[30:] = [0.47, 0.53]
    plain = DiverseBatch(BreakingTies(), candidates_per_pick=7).query(
        probabilities, n=6, embeddings=embeddings
    )
    balanced = DiverseBatch(BreakingTies(), candidates_per_pick=7, balance_classes=True).query(
        probabilities, n=6, embeddings=embeddings, label_names=["ham", "spam"]
    )
    assert probabilities[plain.indices].argmax(axis=1).tolist().count(1) < 3
    assert probabilities[balanced.indices].argmax(axis=1).tolist().count(1) == 3
    assert any(reason.endswith("predicted spam") for reason in balanced.reasons)


def test_cold_start_picks_one_record_per_cluster(tight_clusters) -> None:
    embeddings, clusters, _ = tight_clusters
    result = ColdStart().query(None, n=10, embeddings=embeddings, random_state=0)
    assert sorted(clusters[result.indices]) == list(range(10))
    assert result.reasons[0] == "nearest to the centre of a group of 30 records"


def test_sequence_least_confidence_normalises_by_length() -> None:
    short_shaky = np.array([[0.6, 0.4], [0.9, 0.1]])
    long_sure = np.array([[0.9, 0.1]] * 30)
    normalised = SequenceLeastConfidence().query([long_sure, short_shaky], n=1)
    joint = SequenceLeastConfidence(normalize=False).query([long_sure, short_shaky], n=1)
    assert normalised.indices.tolist() == [1]
    assert normalised.scores[0] == pytest.approx(1 - np.sqrt(0.54))
    assert joint.indices.tolist() == [0]  # 0.9**30 = 0.04: long records win unnormalised


def test_span_based_scoring_ignores_confident_outside_tokens() -> None:
    labels = ["O", "B-PER", "I-PER"]
    many_o = np.array([[0.55, 0.45, 0.0]] * 8 + [[0.05, 0.9, 0.05]])  # unsure Os, sure entity
    shaky_entity = np.array([[0.99, 0.01, 0.0]] * 8 + [[0.3, 0.6, 0.1]])
    token = SequenceLeastConfidence().query([many_o, shaky_entity], n=1)
    span = SequenceLeastConfidence(granularity="span", label_names=labels).query(
        [many_o, shaky_entity], n=2, label_names=labels
    )
    assert token.indices.tolist() == [0]
    assert span.indices.tolist() == [1, 0]
    assert span.scores[0] == pytest.approx(0.4)
    assert span.reasons[0] == "mean confidence 0.60 of the PER span at tokens 8-8"


def test_kappa_average_stops_after_a_window_of_agreement() -> None:
    rng = np.random.default_rng(0)
    predictions = rng.integers(0, 3, 200)
    criterion = KappaAverage(n_labels=3)
    decisions = []
    for round_ in range(8):
        changed = predictions.copy()
        if round_ < 4:  # early rounds: the model still flips a fifth of the stopping set
            flip = rng.random(200) < 0.2
            changed[flip] = (changed[flip] + 1) % 3
        predictions = changed
        decisions.append(criterion.stop(predictions=predictions))
    assert decisions == [False] * 6 + [True] * 2
    assert all(kappa < 0.9 for kappa in criterion.kappas_[:3])
    assert criterion.kappas_[4:] == [1.0, 1.0, 1.0]


def test_overall_uncertainty_exposes_the_mean() -> None:
    criterion = OverallUncertainty(threshold=0.3)
    assert criterion.stop(probabilities=PROBABILITIES) is False
    assert criterion.uncertainty_ == pytest.approx(np.mean(1 - PROBABILITIES.max(axis=1)))


def test_overall_uncertainty_of_token_sequences_reads_each_records_least_sure_token() -> None:
    """Tokens outside any entity are most of a text and usually sure: their mean would say
    stop while every record still holds a token the model cannot decide."""
    records = [np.array([[0.99, 0.01]] * 19 + [[0.55, 0.45]]) for _ in range(5)]
    uncertainties = sequence_uncertainties(records)
    assert uncertainties == pytest.approx([0.45] * 5)
    criterion = OverallUncertainty(threshold=0.05)
    assert criterion.stop(probabilities=np.concatenate(records)) is True   # 0.032 per token
    assert criterion.stop(uncertainties=uncertainties) is False
    assert criterion.uncertainty_ == pytest.approx(0.45)
    for wrong in ({}, {"probabilities": records[0], "uncertainties": uncertainties}):
        with pytest.raises(InvalidInputError, match="probabilities or uncertainties"):
            criterion.stop(**wrong)


@pytest.fixture(scope="module")
def crowd() -> dict[str, np.ndarray]:
    """Iris-like data labelled by five annotators of falling accuracy, half the cells missing."""
    features, truth = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, class_sep=1.5, random_state=0
    )
    rng = np.random.default_rng(0)
    accuracies = np.array([0.95, 0.9, 0.8, 0.65, 0.5])
    correct = rng.random((300, 5)) < accuracies
    wrong = (truth[:, None] + rng.integers(1, 3, (300, 5))) % 3
    label_matrix = np.where(correct, truth[:, None], wrong).astype(float)
    missing = rng.random((300, 5)) < 0.5
    missing[np.arange(300), rng.integers(0, 5, 300)] = False  # every record keeps one
    label_matrix[missing] = np.nan
    labelled, unlabelled = np.arange(250), np.arange(250, 300)
    majority = np.array(
        [np.bincount(row[~np.isnan(row)].astype(int)).argmax() for row in label_matrix]
    )
    learner = LogisticRegression(max_iter=1000)
    pred_probs = cross_val_predict(
        learner, features[labelled], majority[labelled], cv=5, method="predict_proba"
    )
    pred_probs_unlabeled = learner.fit(features[labelled], majority[labelled]).predict_proba(
        features[unlabelled]
    )
    return {
        "truth": truth[labelled],
        "label_matrix": label_matrix[labelled],
        "pred_probs": pred_probs,
        "pred_probs_unlabeled": pred_probs_unlabeled,
    }


def test_crowdlab_consensus_beats_annotators_and_ranks_them(crowd) -> None:
    result = consensus(crowd["label_matrix"], crowd["pred_probs"])
    assert (result.labels == crowd["truth"]).mean() > 0.9
    assert result.annotator_quality.argmax() == 0 and result.annotator_quality.argmin() == 4


def test_activelab_ranks_disagreement_first_for_relabelling(crowd) -> None:
    label_matrix = crowd["label_matrix"]
    scores, _ = activelab_scores(label_matrix, crowd["pred_probs"], crowd["pred_probs_unlabeled"])
    disagree = np.array([len(set(row[~np.isnan(row)])) > 1 for row in label_matrix])
    top = np.argsort(scores)[:25]
    assert disagree[top].mean() > 0.8 > disagree.mean()
    ranked = rank_for_labelling(
        label_matrix, crowd["pred_probs"], crowd["pred_probs_unlabeled"], n=300 - 50
    )
    relabel = [r for i, r in zip(ranked.indices, ranked.reasons, strict=True) if i < 250]
    assert all(r.startswith("relabel: ") for r in relabel)
    assert all(
        r.startswith("new: ")
        for i, r in zip(ranked.indices, ranked.reasons, strict=True)
        if i >= 250
    )
    assert sum("annotators disagree" in r for r in relabel[:25]) > 20


def test_consensus_rejects_a_record_without_annotations(crowd) -> None:
    label_matrix = crowd["label_matrix"].copy()
    label_matrix[3] = np.nan
    with pytest.raises(InvalidInputError, match="at least one annotation"):
        consensus(label_matrix, crowd["pred_probs"])


def test_margin_beats_random_on_a_separable_problem() -> None:
    features, labels = make_classification(
        n_samples=800,
        n_features=10,
        n_informative=6,
        n_redundant=0,
        n_classes=4,
        n_clusters_per_class=1,
        class_sep=2.0,
        random_state=0,
    )
    result = simulate(
        features,
        labels,
        strategy=BreakingTies(),
        seed_size=10,
        batch_size=10,
        budget=60,
        random_state=0,
    )
    assert result.strategy.labels_used.tolist() == [10, 20, 30, 40, 50, 60]
    ours, random = result.strategy.scores, result.random.scores
    assert ours["accuracy"][0] == random["accuracy"][0]  # same seed set
    assert ours["accuracy"][-1] > random["accuracy"][-1]
    assert ours["macro_f1"][-1] > random["macro_f1"][-1]


def test_label_set_simulation_learns_every_label_from_the_same_seed() -> None:
    features, memberships = make_multilabel_classification(
        n_samples=600, n_features=20, n_classes=4, n_labels=2, random_state=0)
    result = simulate_label_sets(features, memberships, strategy=LabelSetMargin(),
                                 seed_size=20, batch_size=20, budget=100, random_state=0)
    assert result.metrics == ("subset_accuracy", "macro_f1")
    ours, random = result.strategy.scores, result.random.scores
    assert result.strategy.labels_used.tolist() == [20, 40, 60, 80, 100]
    assert ours["subset_accuracy"][0] == random["subset_accuracy"][0]  # same seed set
    for scores in (ours, random):  # better than the seed's model, and far above chance
        assert scores["macro_f1"][-1] > scores["macro_f1"][0] > 0.5
        # each label is on about half the records: a guessed set is right 1 time in 16
        assert scores["subset_accuracy"][-1] > scores["subset_accuracy"][0] > 0.15


def _tagged_sentences(n: int, rng: np.random.Generator
                      ) -> tuple[list[np.ndarray], list[list[str]]]:
    """Sentences of 6-9 tokens with a PER and sometimes a LOC span; each token's vector lies
    near its label's centre, so a CRF can learn the spans from a few sentences."""
    centres = {OUTSIDE: np.eye(8)[0] * 3, "PER": np.eye(8)[1] * 3, "LOC": np.eye(8)[2] * 3}
    vectors, labels = [], []
    for _ in range(n):
        tags = [OUTSIDE] * int(rng.integers(6, 10))
        start = int(rng.integers(0, 3))
        tags[start:start + 2] = ["PER", "PER"]
        if rng.random() < 0.5:
            tags[-2] = "LOC"
        labels.append(tags)
        vectors.append(np.array([centres[t] for t in tags]) + rng.normal(size=(len(tags), 8)))
    return vectors, labels


def test_span_simulation_scores_exact_spans_on_held_out_sentences() -> None:
    vectors, labels = _tagged_sentences(150, np.random.default_rng(0))
    result = simulate_spans(vectors, labels, label_names=[OUTSIDE, "PER", "LOC"],
                            strategy=SequenceLeastConfidence(), seed_size=4, batch_size=8,
                            budget=20, test_size=0.3, random_state=0)
    assert result.metrics == ("span_f1", "macro_f1")
    assert result.strategy.labels_used.tolist() == [4, 12, 20]
    ours, random = result.strategy.scores, result.random.scores
    assert ours["span_f1"][0] == random["span_f1"][0]
    assert ours["span_f1"][-1] > 0.8 and random["span_f1"][-1] > 0.8


def test_span_simulation_without_a_span_in_the_seed_predicts_none() -> None:
    vectors, labels = _tagged_sentences(40, np.random.default_rng(1))
    labels = [[OUTSIDE] * len(tags) for tags in labels[:20]] + labels[20:]
    result = simulate_spans(vectors, labels, label_names=[OUTSIDE, "PER", "LOC"],
                            strategy=SequenceLeastConfidence(), seed_size=2, batch_size=2,
                            budget=2, test_indices=np.arange(20, 40), random_state=0)
    # the seed (two of the sentences without spans) teaches nothing: no span predicted
    assert result.strategy.scores["span_f1"].tolist() == [0.0]


def test_span_f1_counts_exact_spans_only() -> None:
    truth = [[("PER", 0, 2), ("LOC", 4, 5)], [("PER", 1, 2)]]
    guess = [[("PER", 0, 2), ("LOC", 4, 6)], [("PER", 1, 2), ("ORG", 3, 4)]]
    micro, macro = span_f1(truth, guess)
    assert micro == pytest.approx(2 * 2 / (3 + 4))
    # PER 1.0, LOC 0 (one cut wrong), ORG 0 (not in the truth)
    assert macro == pytest.approx(1 / 3)
    assert span_f1([[]], [[]]) == (0.0, 0.0)


def test_cold_start_seed_set_sees_every_class() -> None:
    features, labels = make_blobs(n_samples=400, centers=4, cluster_std=0.5, random_state=3)
    result = simulate(
        features,
        labels,
        strategy=BreakingTies(),
        seed_strategy=ColdStart(),
        seed_size=4,
        batch_size=4,
        budget=4,
        random_state=0,
    )
    assert result.strategy.labels_used.tolist() == [4]
    assert min(result.strategy.scores["accuracy"][0], result.random.scores["accuracy"][0]) > 0.95


def _questions(n: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Questions whose type only their first words tell: 'how many' against 'who'."""
    nouns = ["river", "city", "king", "song", "film", "war", "team", "book"]
    texts, labels = [], []
    for i in range(n):
        noun = nouns[rng.integers(len(nouns))]
        counting = i % 2 == 1
        texts.append(f"{'how many' if counting else 'who'} {noun} {'are' if i % 3 else 'was'} "
                     f"there in {noun}s")
        labels.append(int(counting))
    return texts, np.array(labels)


def test_record_features_let_the_learner_read_words_the_embedding_blurs() -> None:
    rng = np.random.default_rng(0)
    texts, labels = _questions(400, rng)
    embeddings = rng.normal(size=(400, 16)).astype(np.float32)   # nothing about the type
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)   # unit length, as MiniLM
    features = record_features(embeddings, texts)
    assert features.shape[0] == 400 and features.shape[1] > 16
    bare = simulate(embeddings, labels, strategy=BreakingTies(), seed_size=10, batch_size=10,
                    budget=30, random_state=0)
    read = simulate(embeddings, labels, strategy=BreakingTies(), features=features,
                    seed_size=10, batch_size=10, budget=30, random_state=0)
    assert bare.strategy.scores["accuracy"][-1] < 0.7
    assert read.strategy.scores["accuracy"][-1] > 0.95 and read.random.scores["accuracy"][-1] > 0.95


def test_record_features_need_one_text_per_record() -> None:
    with pytest.raises(InvalidInputError, match="one row per record"):
        record_features(np.zeros((3, 2)), ["a", "b"])
    assert record_features(np.zeros((3, 2)), None).shape == (3, 2)
    assert record_features(np.zeros((2, 2)), ["", ""]).shape == (2, 2)
