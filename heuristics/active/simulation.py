"""Simulated labelling: how fast a strategy's learner improves, against random from the same seed.

Every record's true label is known; the simulation reveals them batch by batch as the strategy
asks, refits the learner, and scores it on held-out records. One loop serves every kind of
task through a :class:`Replay`: what the learner is fitted on, what the strategy ranks, and
what the held-out score is. :func:`simulate` replays classes (accuracy, macro-F1),
:func:`simulate_label_sets` multi-label sets (exact-match accuracy, macro-F1 over labels) and
:func:`simulate_spans` token spans (exact-span F1, macro-F1 over span labels), each with the
default learner the labelling queue fits for that kind of task.

Examples
--------
>>> from sklearn.datasets import make_blobs
>>> from heuristics.active.strategies import BreakingTies
>>> embeddings, labels = make_blobs(n_samples=300, centers=3, random_state=0)
>>> result = simulate(embeddings, labels, strategy=BreakingTies(), seed_size=6, batch_size=6,
...                   budget=18, random_state=0)
>>> result.strategy.labels_used.tolist(), result.metrics
([6, 12, 18], ('accuracy', 'macro_f1'))
>>> bool(result.strategy.scores["accuracy"][-1] > 0.8)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import sparse
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from heuristics.active.base import QueryStrategy
from heuristics.active.learner import default_classifier
from heuristics.active.queue_model import (
    full_probabilities,
    label_set_probabilities,
    token_probabilities,
)
from heuristics.active.strategies import RandomSampling
from heuristics.errors import InvalidInputError
from heuristics.spans import token_labels_to_spans

__all__ = ["METRIC_NAMES", "LearningCurve", "Replay", "Simulation", "replay", "simulate",
           "simulate_label_sets", "simulate_spans", "span_f1"]

METRIC_NAMES = {"accuracy": "accuracy",
                "subset_accuracy": "exact-match accuracy",
                "span_f1": "span F1",
                "macro_f1": "macro-F1"}
"""How each held-out score reads in a table or a plot."""

OnStep = Callable[[int, int], None]
"""Called with (steps done, steps in all) after each refit of either curve."""


@dataclass(frozen=True)
class LearningCurve:
    """Held-out scores after each batch.

    Attributes
    ----------
    labels_used : np.ndarray
        Labels revealed so far, after the seed and after each batch, shape ``(n_steps,)``.
    scores : dict of str to np.ndarray
        Each held-out score (see :attr:`Replay.metrics`) of the learner at each step.
    """

    labels_used: np.ndarray
    scores: dict[str, np.ndarray]


@dataclass(frozen=True)
class Simulation:
    """Learning curves of a strategy and of random sampling from the same seed set."""

    strategy: LearningCurve
    random: LearningCurve
    metrics: tuple[str, ...]


class Replay(Protocol):
    """One kind of task as a simulation replays it."""

    metrics: tuple[str, ...]
    """Names of the held-out scores, the main one first (keys of :data:`METRIC_NAMES`)."""

    def __len__(self) -> int:
        """Number of records."""

    def fit_predict(self, revealed: np.ndarray) -> Any:
        """Fit the learner on the ``revealed`` records; what the strategy ranks, for every
        record (an ``(n_records, n_labels)`` array, or one token array per record)."""

    def scores(self, predicted: Any, test: np.ndarray) -> dict[str, float]:
        """The held-out scores of ``predicted`` (from :meth:`fit_predict`) on ``test``."""


class ClassReplay:
    """Classification: a fresh classifier per step, scored by accuracy and macro-F1."""

    metrics = ("accuracy", "macro_f1")

    def __init__(self, features, labels: np.ndarray,
                 learner_factory: Callable[[], object] = default_classifier) -> None:
        self.features, self.labels, self.learner_factory = features, labels, learner_factory
        self.n_labels = int(labels.max()) + 1

    def __len__(self) -> int:
        return len(self.labels)

    def fit_predict(self, revealed: np.ndarray) -> np.ndarray:
        learner = self.learner_factory().fit(self.features[revealed], self.labels[revealed])
        return full_probabilities(learner, self.features, self.n_labels)

    def scores(self, predicted: np.ndarray, test: np.ndarray) -> dict[str, float]:
        truth, guess = self.labels[test], predicted[test].argmax(axis=1)
        return {"accuracy": float(accuracy_score(truth, guess)),
                "macro_f1": float(f1_score(truth, guess, average="macro", zero_division=0))}


class LabelSetReplay:
    """Multi-label: one logistic regression per label (the queue's default learner); a
    record's predicted set is every label above 0.5."""

    metrics = ("subset_accuracy", "macro_f1")

    def __init__(self, features, memberships: np.ndarray) -> None:
        self.features, self.memberships = features, memberships

    def __len__(self) -> int:
        return len(self.memberships)

    def fit_predict(self, revealed: np.ndarray) -> np.ndarray:
        shown = np.full(self.memberships.shape, -1)
        shown[revealed] = self.memberships[revealed]
        try:
            return label_set_probabilities(self.features, shown, max_folds=1)
        except InvalidInputError:   # every revealed record has the same label set
            return np.tile(self.memberships[revealed[0]].astype(float), (len(self), 1))

    def scores(self, predicted: np.ndarray, test: np.ndarray) -> dict[str, float]:
        truth, guess = self.memberships[test], (predicted[test] > 0.5).astype(int)
        return {"subset_accuracy": float((truth == guess).all(axis=1).mean()),
                "macro_f1": float(f1_score(truth, guess, average="macro", zero_division=0))}


class SpanReplay:
    """Extraction: a CRF over the token vectors (the queue's default learner); the predicted
    spans are the runs of the most probable label of each token."""

    metrics = ("span_f1", "macro_f1")

    def __init__(self, token_embeddings: Sequence[np.ndarray],
                 token_labels: Sequence[Sequence[str]], label_names: Sequence[str]) -> None:
        self.embeddings, self.token_labels = token_embeddings, token_labels
        self.label_names = list(label_names)

    def __len__(self) -> int:
        return len(self.token_labels)

    def fit_predict(self, revealed: np.ndarray) -> list[np.ndarray]:
        shown = set(revealed.tolist())
        try:
            return token_probabilities(
                self.embeddings, [labels if i in shown else None
                                  for i, labels in enumerate(self.token_labels)],
                label_names=self.label_names)
        except InvalidInputError:   # no revealed span yet: the model knows only OUTSIDE
            return [np.eye(len(self.label_names))[np.zeros(len(e), dtype=int)]
                    for e in self.embeddings]

    def scores(self, predicted: list[np.ndarray], test: np.ndarray) -> dict[str, float]:
        truth = [token_labels_to_spans(self.token_labels[i], outside=self.label_names[0])
                 for i in test.tolist()]
        guess = [token_labels_to_spans([self.label_names[k] for k in predicted[i].argmax(axis=1)],
                                       outside=self.label_names[0]) for i in test.tolist()]
        micro, macro = span_f1(truth, guess)
        return {"span_f1": micro, "macro_f1": macro}


def span_f1(truth: Sequence[Sequence[tuple]], predicted: Sequence[Sequence[tuple]]
            ) -> tuple[float, float]:
    """Exact-span F1 over records, micro (every span counts once) and macro (the mean of the
    labels' F1, over the labels in either); a span is right when its label, start and end
    all match. Spans are ``(label, start, end, ...)`` tuples.

    >>> truth = [[("PER", 0, 2)], [("LOC", 3, 4), ("PER", 5, 6)]]
    >>> guess = [[("PER", 0, 2)], [("LOC", 3, 5)]]
    >>> tuple(round(f, 3) for f in span_f1(truth, guess))
    (0.4, 0.333)
    """
    def keyed(records):
        return {(i, str(s[0]), int(s[1]), int(s[2])) for i, spans in enumerate(records)
                for s in spans}

    true_spans, guessed = keyed(truth), keyed(predicted)
    right = true_spans & guessed

    def f1(n_right: int, n_true: int, n_guessed: int) -> float:
        return 2 * n_right / (n_true + n_guessed) if n_true + n_guessed else 0.0

    labels = sorted({s[1] for s in true_spans | guessed})
    by_label = [f1(sum(s[1] == label for s in right), sum(s[1] == label for s in true_spans),
                   sum(s[1] == label for s in guessed)) for label in labels]
    return (f1(len(right), len(true_spans), len(guessed)),
            float(np.mean(by_label)) if by_label else 0.0)


def _curve(task: Replay, embeddings, pool, test, seed, strategy, batch_size, budget, rng,
           step: Callable[[], None]) -> LearningCurve:
    labelled = list(seed)
    used: list[int] = []
    scores: dict[str, list[float]] = {name: [] for name in task.metrics}
    while True:
        predicted = task.fit_predict(np.array(labelled))
        used.append(len(labelled))
        for name, value in task.scores(predicted, test).items():
            scores[name].append(value)
        step()
        n = min(batch_size, budget - len(labelled))
        unlabelled = np.setdiff1d(pool, labelled)
        if n <= 0 or unlabelled.size == 0:
            break
        batch = strategy.query(
            predicted,
            n=min(n, unlabelled.size),
            indices_unlabeled=unlabelled,
            indices_labeled=np.array(labelled),
            embeddings=embeddings,
            random_state=int(rng.integers(2**31)),
        )
        labelled.extend(batch.indices.tolist())
    return LearningCurve(np.array(used), {name: np.array(v) for name, v in scores.items()})


def replay(
    task: Replay,
    *,
    strategy: QueryStrategy,
    embeddings: np.ndarray | None = None,
    seed_size: int = 20,
    batch_size: int = 20,
    budget: int = 260,
    test_size: float = 0.2,
    test_indices: np.ndarray | None = None,
    stratify: np.ndarray | None = None,
    seed_strategy: QueryStrategy | None = None,
    random_state: int = 0,
    on_step: OnStep | None = None,
) -> Simulation:
    """Run a strategy and random sampling on ``task`` from the same random seed set.

    Parameters
    ----------
    task : Replay
        The records, their true labels and the learner (:class:`ClassReplay`,
        :class:`LabelSetReplay`, :class:`SpanReplay`).
    strategy : QueryStrategy
        The strategy under test.
    embeddings : np.ndarray, optional
        One vector per record, for strategies that compare records (diversity, cold start).
    seed_size, batch_size, budget : int
        Labels revealed at random first, per batch, and in all.
    test_size : float
        Share of records held out when ``test_indices`` is not given.
    test_indices : np.ndarray, optional
        Records held out for scoring; never offered for labelling.
    stratify : np.ndarray, optional
        One class per record to stratify the held-out split by.
    seed_strategy : QueryStrategy, optional
        Chooses the seed set without a model (e.g. :class:`ColdStart`); random when omitted.
    random_state : int
        Seed of the split, the seed set and any random choice of the strategies.
    on_step : callable, optional
        Called with (steps done, steps in all) after each refit, for progress.

    Returns
    -------
    Simulation
    """
    if not 0 < seed_size <= budget:
        raise InvalidInputError("seed size must be between 1 and the budget", field="seed_size")
    if batch_size < 1:
        raise InvalidInputError("batch size must be at least 1", field="batch_size")
    records = np.arange(len(task))
    if test_indices is None:
        pool, test = train_test_split(records, test_size=test_size, stratify=stratify,
                                      random_state=random_state)
    else:
        test = np.asarray(test_indices, dtype=int)
        pool = np.setdiff1d(records, test)
    rng = np.random.default_rng(random_state)
    seeder = seed_strategy or RandomSampling()
    seed = seeder.query(
        None, n=seed_size, indices_unlabeled=pool, embeddings=embeddings, random_state=rng
    ).indices
    per_curve = 1 + -(-(min(budget, len(pool)) - seed_size) // batch_size)
    done = [0]

    def step() -> None:
        done[0] += 1
        if on_step is not None:
            on_step(done[0], 2 * per_curve)

    curves = [_curve(task, embeddings, pool, test, seed, chosen, batch_size, budget,
                     np.random.default_rng(random_state), step)
              for chosen in (strategy, RandomSampling())]
    return Simulation(strategy=curves[0], random=curves[1], metrics=tuple(task.metrics))


def simulate(
    embeddings: np.ndarray,
    labels: np.ndarray,
    *,
    strategy: QueryStrategy,
    features: np.ndarray | sparse.spmatrix | None = None,
    learner_factory: Callable[[], object] | None = None,
    **options: Any,
) -> Simulation:
    """Replay a classification task: a strategy and random sampling from the same seed set,
    scored by held-out accuracy and macro-F1.

    Parameters
    ----------
    embeddings : np.ndarray
        Vector of every record, shape ``(n_records, dims)``: what diverse strategies compare,
        and what the learner reads unless ``features`` is given.
    labels : np.ndarray
        True label index of every record, shape ``(n_records,)``.
    strategy : QueryStrategy
        The strategy under test.
    features : np.ndarray or scipy.sparse matrix, optional
        What the learner reads instead of ``embeddings`` (e.g. :func:`record_features`), one
        row per record.
    learner_factory : callable, optional
        Returns a fresh scikit-learn classifier; the queue's default (logistic regression)
        when omitted.
    **options
        As for :func:`replay` (the held-out split is stratified by label).

    Returns
    -------
    Simulation
    """
    labels = np.asarray(labels, dtype=int)
    features = embeddings if features is None else features
    if len(embeddings) != len(labels) or features.shape[0] != len(labels):
        raise InvalidInputError("embeddings, features and labels must have one row per record")
    task = ClassReplay(features, labels, learner_factory or default_classifier)
    return replay(task, strategy=strategy, embeddings=embeddings, stratify=labels, **options)


def simulate_label_sets(
    features: np.ndarray | sparse.spmatrix,
    memberships: np.ndarray,
    *,
    strategy: QueryStrategy,
    **options: Any,
) -> Simulation:
    """Replay a multi-label task, scored by held-out exact-match accuracy (the whole set
    right) and macro-F1 over labels.

    Parameters
    ----------
    features : np.ndarray or scipy.sparse matrix
        What the learner reads, one row per record.
    memberships : np.ndarray
        Shape ``(n_records, n_labels)``: 1 where a record has a label, else 0.
    strategy : QueryStrategy
        Ranks per-label probabilities (e.g. :class:`LabelSetMargin`).
    **options
        As for :func:`replay`.

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from heuristics.active.strategies import LabelSetMargin
    >>> x, y = make_multilabel_classification(n_samples=300, n_classes=3, random_state=0)
    >>> result = simulate_label_sets(x, y, strategy=LabelSetMargin(), seed_size=20,
    ...                              batch_size=20, budget=60)
    >>> result.metrics, result.random.labels_used.tolist()
    (('subset_accuracy', 'macro_f1'), [20, 40, 60])
    """
    memberships = np.asarray(memberships, dtype=int)
    if memberships.ndim != 2 or memberships.shape[0] != features.shape[0]:
        raise InvalidInputError("memberships must be (n_records, n_labels), one row per record")
    return replay(LabelSetReplay(features, memberships), strategy=strategy, **options)


def simulate_spans(
    token_embeddings: Sequence[np.ndarray],
    token_labels: Sequence[Sequence[str]],
    *,
    label_names: Sequence[str],
    strategy: QueryStrategy,
    **options: Any,
) -> Simulation:
    """Replay an extraction task, scored by held-out exact-span F1 (micro) and macro-F1 over
    span labels.

    Parameters
    ----------
    token_embeddings : sequence of np.ndarray
        Per record, one vector per token.
    token_labels : sequence of (sequence of str)
        Per record, its true label per token (``label_names[0]`` outside spans).
    label_names : sequence of str
        The outside label first (:data:`heuristics.spans.OUTSIDE`), then the task's labels.
    strategy : QueryStrategy
        Ranks per-token probabilities (e.g. :class:`SequenceLeastConfidence`).
    **options
        As for :func:`replay`.
    """
    if len(token_embeddings) != len(token_labels) or any(
            len(e) != len(t) for e, t in zip(token_embeddings, token_labels, strict=True)):
        raise InvalidInputError("every record needs one label per token vector")
    if len(label_names) < 2:
        raise InvalidInputError("label names: the outside label, then the task's labels",
                                field="label_names")
    return replay(SpanReplay(token_embeddings, token_labels, label_names), strategy=strategy,
                  **options)
