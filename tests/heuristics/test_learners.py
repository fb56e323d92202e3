"""Tests of heuristics.learners on real MiniLM embeddings of YouTube comments."""

from __future__ import annotations

import csv
import threading
import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.neighbors import KNeighborsClassifier

from heuristics.embeddings import SentenceTransformerEmbedder
from heuristics.errors import InvalidInputError
from heuristics.learners.base import LearningClassifier, LearningExtractor, find_learner_class
from heuristics.learners.classification import cross_fit_predict
from heuristics.learners.extraction import cross_fit_predict_spans
from heuristics.learners.folds import NotEnoughLabels, fit_models
from heuristics.learners.params import (
    FitParams,
    InferenceParams,
    fit_params,
    folds_for_split,
    inference_params,
    params_fit,
    params_inference,
)
from heuristics.learners.votes import spans_from_token_predictions, votes_from_probabilities
from heuristics.spans import TokenSpan
from tests.conftest import DATASETS

YOUTUBE = DATASETS / "youtube"
PER_FILE = 150

# The two examples exactly as users write them (refinery's documented API).
SPAM_LEARNER = """
from sklearn.linear_model import LogisticRegression
from heuristics import LearningClassifier, params_fit, params_inference

class SpamLearner(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression()      # any sklearn estimator, GridSearchCV included

    @params_fit(embedding_name="content-all-MiniLM-L6-v2", train_test_split=0.5)
    def fit(self, embeddings, labels):
        self.fit_model(embeddings, labels)

    @params_inference(min_confidence=0.8, label_names=None)
    def predict_proba(self, embeddings):
        return self.predict_proba_model(embeddings)
"""

DECISION_TREE = """
from sklearn.tree import DecisionTreeClassifier
from sklearn.model_selection import GridSearchCV
from heuristics import LearningClassifier, params_fit, params_inference

class MyDecisionTree(LearningClassifier):
    def __init__(self):
        self.model = GridSearchCV(DecisionTreeClassifier(), {"criterion": ["gini", "entropy"], "max_depth": [5, 10, None]}, cv=3)

    @params_fit(embedding_name="text-all-MiniLM-L6-v2", train_test_split=0.5)
    def fit(self, embeddings, labels):
        self.fit_model(embeddings, labels)

    @params_inference(min_confidence=0.9, label_names=["spam"])
    def predict_proba(self, embeddings):
        return self.predict_proba_model(embeddings)
"""  # noqa: E501

# refinery's own template calls the model directly, with label names.
REFINERY_TEMPLATE = """
from sklearn.linear_model import LogisticRegression

class ATLClassifier(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression()

    @params_fit(embedding_name="content-all-MiniLM-L6-v2", train_test_split=0.8)
    def fit(self, embeddings, labels):
        self.model.fit(embeddings, labels)

    @params_inference(min_confidence=0.9, label_names=None)
    def predict_proba(self, embeddings):
        return self.model.predict_proba(embeddings)
"""


def load_learner(source: str) -> type:
    """Run user code as the sandbox does and find its learner class."""
    namespace = {
        "__name__": "heuristic",
        "LearningClassifier": LearningClassifier,
        "params_fit": params_fit,
        "params_inference": params_inference,
    }
    exec(compile(source, "<heuristic>", "exec"), namespace)  # noqa: S102
    return find_learner_class(namespace)


@pytest.fixture(scope="module")
def comments() -> tuple[np.ndarray, list[str]]:
    """MiniLM embeddings of 300 comments (150 per video) and their spam/ham labels.

    Comments that differ only in case or spacing are skipped: the uncased model gives them the
    same vector, which would make any model "remember" a record it never saw.
    """
    texts: list[str] = []
    labels: list[str] = []
    seen: set[str] = set()
    for name in ("Youtube01-Psy.csv", "Youtube02-KatyPerry.csv"):
        with open(YOUTUBE / name, encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        taken = 0
        for row in rows:
            key = " ".join(row["CONTENT"].replace("\ufeff", "").lower().split())
            if key in seen:
                continue
            seen.add(key)
            texts.append(row["CONTENT"])
            labels.append("spam" if row["CLASS"] == "1" else "ham")
            taken += 1
            if taken == PER_FILE:
                break
    return SentenceTransformerEmbedder().embed_texts(texts), labels


def with_unlabelled(labels: list[str], n_unlabelled: int) -> list[str | None]:
    """The labels with every k-th one hidden, ``n_unlabelled`` in all."""
    step = len(labels) // n_unlabelled
    hidden = set(range(0, step * n_unlabelled, step))
    return [None if i in hidden else label for i, label in enumerate(labels)]


# ----------------------------------------------------------------------------- the examples


def test_spam_learner_predicts_and_votes_above_min_confidence(comments) -> None:
    X, truth = comments
    learner_cls = load_learner(SPAM_LEARNER)
    assert learner_cls.__name__ == "SpamLearner"
    assert fit_params(learner_cls) == FitParams("content-all-MiniLM-L6-v2", 0.5)
    params = inference_params(learner_cls)
    assert params == InferenceParams(0.8, None)
    labels = with_unlabelled(truth, 100)

    predictions = cross_fit_predict(learner_cls, X, labels)

    assert predictions.classes == ("ham", "spam")
    assert predictions.n_folds == 2 and predictions.n_labelled == 200
    assert predictions.probabilities.shape == (300, 2)
    np.testing.assert_allclose(predictions.probabilities.sum(axis=1), 1.0)
    assert set(predictions.folds[[i for i, y in enumerate(labels) if y is None]]) == {-1}
    assert predictions.held_out.accuracy > 0.8
    assert [m.label for m in predictions.held_out.labels] == ["ham", "spam"]
    assert sum(m.support for m in predictions.held_out.labels) == 200
    votes, confidences = votes_from_probabilities(
        predictions.probabilities,
        predictions.classes,
        min_confidence=params.min_confidence,
        label_names=params.label_names,
    )
    assert all((vote is not None) == (c >= 0.8) for vote, c in zip(votes, confidences, strict=True))
    assert 0 < votes.count(None) < 300
    unlabelled = [i for i, y in enumerate(labels) if y is None]
    voted = [i for i in unlabelled if votes[i] is not None]
    assert np.mean([votes[i] == truth[i] for i in voted]) > 0.85


def test_grid_search_tree_votes_only_for_its_label_names(comments) -> None:
    X, truth = comments
    learner_cls = load_learner(DECISION_TREE)
    params = inference_params(learner_cls)
    assert params == InferenceParams(0.9, ("spam",))

    predictions = cross_fit_predict(learner_cls, X, with_unlabelled(truth, 60))

    assert predictions.held_out.accuracy > 0.6
    votes, confidences = votes_from_probabilities(
        predictions.probabilities,
        predictions.classes,
        min_confidence=params.min_confidence,
        label_names=params.label_names,
    )
    assert set(votes) == {"spam", None}
    best = predictions.probabilities.argmax(axis=1)
    for vote, confidence, index in zip(votes, confidences, best, strict=True):
        assert (vote == "spam") == (confidence >= 0.9 and predictions.classes[index] == "spam")


def test_refinery_template_that_fits_the_model_on_label_names(comments) -> None:
    X, truth = comments
    learner_cls = load_learner(REFINERY_TEMPLATE)

    predictions = cross_fit_predict(learner_cls, X, truth)

    assert predictions.n_folds == 5
    assert predictions.classes == ("ham", "spam")
    assert predictions.held_out.accuracy > 0.8


def test_threshold_changes_without_refitting(comments) -> None:
    X, truth = comments
    predictions = cross_fit_predict(load_learner(SPAM_LEARNER), X, with_unlabelled(truth, 50))
    counts = [
        sum(
            v is not None
            for v in votes_from_probabilities(
                predictions.probabilities, predictions.classes, min_confidence=t
            )[0]
        )
        for t in (0.0, 0.6, 0.8, 0.95, 1.0)
    ]
    assert counts[0] == 300
    assert counts == sorted(counts, reverse=True) and counts[-1] < counts[0]


# ----------------------------------------------------------------------------- honesty


class NearestNeighbour(LearningClassifier):
    def __init__(self):
        self.model = KNeighborsClassifier(n_neighbors=1)

    @params_fit(embedding_name="content", train_test_split=0.5)
    def fit(self, embeddings, labels):
        self.fit_model(embeddings, labels)

    @params_inference(min_confidence=0.0)
    def predict_proba(self, embeddings):
        return self.predict_proba_model(embeddings)


def test_one_nearest_neighbour_is_held_out_not_memorised(comments) -> None:
    X, truth = comments
    memorised = NearestNeighbour()
    memorised.fit(X, truth)
    assert (memorised.predict(X) == np.array(truth)).all()  # in-sample: 100 %

    predictions = cross_fit_predict(NearestNeighbour, X, truth, seed=3)

    assert predictions.held_out.accuracy < 0.97
    predicted = np.array(predictions.classes)[predictions.probabilities.argmax(axis=1)]
    assert predictions.held_out.accuracy == pytest.approx(np.mean(predicted == np.array(truth)))
    expected = precision_recall_fscore_support(truth, predicted, labels=list(
        predictions.classes), zero_division=0)
    for k, metrics in enumerate(predictions.held_out.labels):
        assert (metrics.precision, metrics.recall, metrics.f1, metrics.support) == (
            pytest.approx(expected[0][k]), pytest.approx(expected[1][k]),
            pytest.approx(expected[2][k]), expected[3][k])
    # Each record's output is exactly what a model trained on the other folds says.
    for fold in range(predictions.n_folds):
        test = predictions.folds == fold
        other = NearestNeighbour()
        other.fit(X[~test], [y for y, t in zip(truth, test, strict=True) if not t])
        assert (other.predict(X[test]) == predicted[test]).all()


class Memoriser(LearningClassifier):
    """Certain about the rows it was trained on, clueless about any other."""

    @params_fit(embedding_name="content", train_test_split=0.8)
    def fit(self, embeddings, labels):
        self.classes_ = np.array(sorted(set(labels)))
        self.seen = {row.tobytes(): label for row, label in zip(embeddings, labels, strict=True)}

    def predict_proba(self, embeddings):
        result = np.full((len(embeddings), len(self.classes_)), 1 / len(self.classes_))
        for i, row in enumerate(embeddings):
            if row.tobytes() in self.seen:
                result[i] = self.classes_ == self.seen[row.tobytes()]
        return result


def test_no_labelled_record_is_predicted_by_a_model_that_saw_it(comments) -> None:
    X, truth = comments
    steps = []
    predictions = cross_fit_predict(Memoriser, X, with_unlabelled(truth, 30),
                                    on_step=steps.append)
    assert predictions.n_folds == 5
    # each model is reported once it has predicted: five folds, then the unlabelled records
    assert [(s.done, s.total, s.fold) for s in steps] == [
        (1, 6, 0), (2, 6, 1), (3, 6, 2), (4, 6, 3), (5, 6, 4), (6, 6, None)]
    assert sum(s.predicted for s in steps) == len(X)
    assert all(s.trained_on + s.predicted == 270 for s in steps[:5])
    assert (steps[-1].trained_on, steps[-1].predicted) == (270, 30)
    np.testing.assert_allclose(predictions.probabilities, 0.5)
    assert predictions.held_out.accuracy == pytest.approx(truth.count("ham") / 300, abs=0.1)


class TokenMemoriser(LearningExtractor):
    @params_fit(embedding_name="tokens", train_test_split=0.5)
    def fit(self, embeddings, labels):
        self.seen = {e.tobytes() for e in embeddings}

    def predict_proba(self, embeddings):
        labels = [
            ["OUTSIDE" if e.tobytes() not in self.seen else "SEEN"] * len(e) for e in embeddings
        ]
        return labels, [[1.0] * len(e) for e in embeddings]


def test_span_cross_fitting_holds_records_out() -> None:
    rng = np.random.default_rng(0)
    embeddings = [rng.normal(size=(n, 4)) for n in (3, 2, 4, 1, 3, 2)]
    labels = [
        ["PER", "OUTSIDE", "OUTSIDE"],
        ["OUTSIDE", "LOC"],
        ["OUTSIDE"] * 4,
        None,
        ["PER", "PER", "OUTSIDE"],
        None,
    ]
    steps = []
    result = cross_fit_predict_spans(TokenMemoriser, embeddings, labels, on_step=steps.append)
    assert result.n_folds == 2 and result.n_labelled == 4
    assert [(s.done, s.total, s.fold, s.trained_on, s.predicted) for s in steps] == [
        (1, 3, 0, 2, 2), (2, 3, 1, 2, 2), (3, 3, None, 4, 2)]
    assert all(label == "OUTSIDE" for record in result.labels for label in record)
    assert [len(record) for record in result.labels] == [3, 2, 4, 1, 3, 2]
    assert result.folds.tolist()[3] == -1 and min(result.folds[[0, 1, 2, 4]]) >= 0
    assert result.held_out.recall == 0.0 and result.held_out.token_accuracy == 8 / 12


class CapitalisedNames(LearningExtractor):
    """A CRF that sees the words: the embeddings below carry no information at all."""

    def __init__(self):
        from heuristics.sequence import CRFTagger

        self.model = CRFTagger(num_epochs=30)

    @params_fit(embedding_name="tokens", train_test_split=0.5)
    def fit(self, embeddings, labels, tokens):
        self.fit_model(embeddings, labels, tokens=tokens)

    def predict_proba(self, embeddings, tokens):
        return self.predict_proba_model(embeddings, tokens=tokens)


class EmbeddingsOnly(CapitalisedNames):
    @params_fit(embedding_name="tokens", train_test_split=0.5)
    def fit(self, embeddings, labels):
        self.fit_model(embeddings, labels)

    def predict_proba(self, embeddings):
        return self.predict_proba_model(embeddings)


def test_extractors_that_ask_for_tokens_get_the_words() -> None:
    rng = np.random.default_rng(1)
    names, words = ["Anna", "Bert", "Carla", "Dieter"], ["the", "met", "saw", "today", "a"]
    tokens, labels = [], []
    for _ in range(40):
        sentence = list(rng.choice(words, size=5))
        position = int(rng.integers(0, 5))
        sentence[position] = str(rng.choice(names))
        tokens.append(sentence)
        labels.append(["PER" if i == position else "OUTSIDE" for i in range(5)])
    embeddings = [np.zeros((5, 3)) for _ in tokens]
    with_words = cross_fit_predict_spans(CapitalisedNames, embeddings, labels, tokens=tokens)
    blind = cross_fit_predict_spans(EmbeddingsOnly, embeddings, labels, tokens=tokens)
    assert with_words.held_out.f1 == 1.0 and blind.held_out.f1 < 0.5
    with pytest.raises(InvalidInputError, match="one word per token"):
        cross_fit_predict_spans(CapitalisedNames, embeddings, labels, tokens=tokens[:-1])


# ----------------------------------------------------------------------------- errors


def test_cold_start_needs_two_classes(comments) -> None:
    X, truth = comments
    only_spam = [y if y == "spam" and i < 20 else None for i, y in enumerate(truth)]
    with pytest.raises(NotEnoughLabels, match=r"at least 2 classes, has 1 \(spam: \d+\)"):
        cross_fit_predict(NearestNeighbour, X, only_spam)
    with pytest.raises(NotEnoughLabels, match=r"has 0$"):
        cross_fit_predict(NearestNeighbour, X, [None] * 300)
    one_ham = list(only_spam)
    one_ham[truth.index("ham")] = "ham"
    with pytest.raises(NotEnoughLabels, match=r"each of 2 classes, has \(ham: 1, spam: \d+\)"):
        cross_fit_predict(NearestNeighbour, X, one_ham)
    assert issubclass(NotEnoughLabels, InvalidInputError)


def test_a_class_with_one_record_is_predicted_by_models_without_it() -> None:
    X = np.array([[0.0], [0.1], [0.2], [1.0], [1.1], [1.2], [5.0], [4.0]])
    labels = ["a", "a", "a", "b", "b", "b", "c", None]
    result = cross_fit_predict(NearestNeighbour, X, labels)
    assert result.classes == ("a", "b", "c")
    assert result.probabilities[6, 2] == 0.0  # held out: its model never saw "c"
    assert result.probabilities[7, 2] == 1.0  # unlabelled: the full model knows "c"


@pytest.mark.parametrize("bad", [3, "", ["a"], float("nan"), True])
def test_a_reference_that_is_no_label_name_is_reported_with_its_row(bad) -> None:
    labels = ["a", "a", None, "b", bad, "b"]
    with pytest.raises(InvalidInputError) as caught:
        cross_fit_predict(NearestNeighbour, np.eye(6), labels)
    assert (caught.value.field, caught.value.row) == ("labels", 4)
    assert "a label must be a label name or None" in caught.value.message
    if not isinstance(bad, str):
        with pytest.raises(InvalidInputError, match="labels must be label names"):
            NearestNeighbour().fit(np.eye(3), ["a", bad, "b"])


def test_labels_reach_the_model_as_codes_in_the_names_order() -> None:
    learner = NearestNeighbour()
    learner.fit(np.array([[0.0], [1.0], [2.0], [3.0]]), ["spam", "ham", "spam", "eggs"])
    assert learner.classes_.tolist() == ["eggs", "ham", "spam"]
    assert learner.model.classes_.tolist() == [0, 1, 2]
    assert learner.predict(np.array([[0.1], [1.1], [2.9]])).tolist() == ["spam", "ham", "eggs"]


def test_no_model_can_change_the_rows_another_model_gets() -> None:
    class Scaler(NearestNeighbour):
        @params_fit(embedding_name="content", train_test_split=0.5)
        def fit(self, embeddings, labels):
            embeddings *= 2
            self.fit_model(embeddings, labels)

    X = np.arange(12.0).reshape(6, 2)
    with pytest.raises(ValueError, match="read-only"):
        cross_fit_predict(Scaler, X, ["a", "a", "a", "b", "b", "b"])
    assert X.tolist() == np.arange(12.0).reshape(6, 2).tolist()


# ------------------------------------------------------------- models fitted side by side


class Meeting(LearningClassifier):
    """SPAM_LEARNER's logistic regression, whose first fit waits (20 s at most) until a
    second fit has begun: it learns whether two models were fitted side by side."""

    begun: list[int] = []
    second = threading.Event()
    met = False

    def __init__(self):
        self.model = LogisticRegression()

    @params_fit(embedding_name="content", train_test_split=0.5)
    def fit(self, embeddings, labels):
        Meeting.begun.append(len(embeddings))
        if len(Meeting.begun) == 1:
            Meeting.met = Meeting.second.wait(timeout=20)
        else:
            Meeting.second.set()
        self.fit_model(embeddings, labels)


@pytest.mark.parametrize("unlabelled", [0, 30])
def test_models_fitted_side_by_side_predict_as_one_at_a_time(comments, unlabelled) -> None:
    X, truth = comments
    labels = with_unlabelled(truth, unlabelled) if unlabelled else truth
    one_steps, two_steps = [], []
    alone = cross_fit_predict(load_learner(SPAM_LEARNER), X, labels, on_step=one_steps.append)
    Meeting.begun.clear()
    Meeting.second.clear()
    both = cross_fit_predict(Meeting, X, labels, on_step=two_steps.append, threads=2)
    assert Meeting.met, "the second fit began while the first was under way"
    np.testing.assert_allclose(both.probabilities, alone.probabilities)
    assert both.folds.tolist() == alone.folds.tolist() and both.held_out == alone.held_out
    # every model reported once, numbered as the models end, with what it was fitted on
    assert [step.done for step in two_steps] == list(range(1, len(one_steps) + 1))

    def unnumbered(steps):
        return sorted((s._replace(done=0) for s in steps),
                      key=lambda s: (s.fold is None, s.fold))

    assert unnumbered(two_steps) == unnumbered(one_steps)


def test_a_failing_model_stops_the_models_not_yet_started() -> None:
    started = []

    def model(k: int, seconds: float = 0.0):
        def run():
            started.append(k)
            time.sleep(seconds)
            if k == 0:
                raise ValueError("fold 0 failed")
            return k
        return run

    with pytest.raises(ValueError, match="fold 0 failed"):
        list(fit_models([model(0), model(1, 0.3), model(2), model(3)], threads=2))
    assert sorted(started) == [0, 1], "the running model ends; the others never start"


def test_side_by_side_span_models_predict_as_one_at_a_time() -> None:
    rng = np.random.default_rng(0)
    embeddings = [rng.normal(size=(n, 4)) for n in (3, 2, 4, 1, 3, 2)]
    labels = [["PER", "OUTSIDE", "OUTSIDE"], ["OUTSIDE", "LOC"], ["OUTSIDE"] * 4, None,
              ["PER", "PER", "OUTSIDE"], None]
    alone = cross_fit_predict_spans(TokenMemoriser, embeddings, labels)
    steps = []
    both = cross_fit_predict_spans(TokenMemoriser, embeddings, labels, threads=2,
                                   on_step=steps.append)
    assert (both.labels, both.confidences) == (alone.labels, alone.confidences)
    assert both.folds.tolist() == alone.folds.tolist() and both.held_out == alone.held_out
    assert sorted((s.fold is None, s.fold, s.trained_on, s.predicted) for s in steps) == [
        (False, 0, 2, 2), (False, 1, 2, 2), (True, None, 4, 2)]


def test_find_learner_class_needs_exactly_one() -> None:
    with pytest.raises(InvalidInputError, match=r"found 0\)"):
        load_learner("x = 1\n")
    two = SPAM_LEARNER + "\nclass Other(LearningClassifier):\n    pass\n"
    with pytest.raises(InvalidInputError, match=r"found 2: SpamLearner, Other\)"):
        load_learner(two)
    extractor = (
        "from heuristics.learners import LearningExtractor\n"
        "class Names(LearningExtractor):\n    pass\n"
    )
    assert load_learner(extractor).__name__ == "Names"
    imported = {
        "__name__": "heuristic",
        "NearestNeighbour": NearestNeighbour,
        "LearningClassifier": LearningClassifier,
    }
    with pytest.raises(InvalidInputError, match="found 0"):
        find_learner_class(imported)


@pytest.mark.parametrize(
    ("decorator", "field"),
    [
        (lambda: params_fit(embedding_name="e", train_test_split=0.0), "train_test_split"),
        (lambda: params_fit(embedding_name="e", train_test_split=1.0), "train_test_split"),
        (lambda: params_fit(embedding_name="e", train_test_split="0.5"), "train_test_split"),
        (lambda: params_fit(embedding_name="e", train_test_split=True), "train_test_split"),
        (lambda: params_fit(embedding_name=""), "embedding_name"),
        (lambda: params_inference(min_confidence=-0.1), "min_confidence"),
        (lambda: params_inference(min_confidence=1.01), "min_confidence"),
        (lambda: params_inference(min_confidence=float("nan")), "min_confidence"),
        (lambda: params_inference(label_names="spam"), "label_names"),
        (lambda: params_inference(label_names=[1]), "label_names"),
    ],
)
def test_decorators_reject_bad_parameters(decorator, field) -> None:
    with pytest.raises(InvalidInputError) as caught:
        decorator()
    assert caught.value.field == field


def test_decorators_record_parameters_on_function_and_class() -> None:
    learner_cls = load_learner(SPAM_LEARNER)
    assert learner_cls.fit.heurist_fit_params == fit_params(learner_cls)
    assert learner_cls.heurist_fit_params == fit_params(learner_cls)
    assert learner_cls.heurist_inference_params == inference_params(learner_cls)
    assert [folds_for_split(s) for s in (0.5, 0.8, 0.9)] == [2, 5, 10]
    undecorated = "class Bare(LearningClassifier):\n    pass\n"
    with pytest.raises(InvalidInputError, match="decorate fit with @params_fit"):
        cross_fit_predict(load_learner(undecorated), np.eye(4), ["a", "a", "b", "b"])


def test_wrong_probability_shape_is_reported() -> None:
    class Broken(NearestNeighbour):
        def predict_proba(self, embeddings):
            return np.ones((len(embeddings), 3))

    with pytest.raises(InvalidInputError, match=r"predict_proba returned shape \(2, 3\)"):
        cross_fit_predict(Broken, np.eye(4), ["a", "a", "b", "b"])


def test_spans_from_token_predictions_by_hand() -> None:
    labels = ["PER", "PER", "OUTSIDE", "LOC", "LOC", "LOC", "PER", "OUTSIDE", "ORG"]
    confidences = [0.9, 0.5, 1.0, 0.6, 0.6, 0.9, 0.95, 0.2, 0.4]
    assert spans_from_token_predictions(labels, confidences) == [
        ("PER", 0, 2, 0.7),
        ("LOC", 3, 6, 0.7),
        ("PER", 6, 7, 0.95),
        ("ORG", 8, 9, 0.4),
    ]
    assert spans_from_token_predictions(labels, confidences, min_confidence=0.7) == [
        TokenSpan("PER", 0, 2, 0.7),
        TokenSpan("LOC", 3, 6, 0.7),
        TokenSpan("PER", 6, 7, 0.95),
    ]
    assert spans_from_token_predictions(
        labels, confidences, min_confidence=0.7, label_names=["LOC"]
    ) == [("LOC", 3, 6, 0.7)]
    assert spans_from_token_predictions([], []) == []
    with pytest.raises(InvalidInputError):
        spans_from_token_predictions(["PER"], [])
