"""Simulated labelling: how fast a strategy's learner improves, against random from the same seed.

Every record's true label is known; the simulation reveals them batch by batch as the strategy
asks, refits the learner, and scores it on held-out records.

Examples
--------
>>> from sklearn.datasets import make_blobs
>>> from heuristics.active.strategies import BreakingTies
>>> embeddings, labels = make_blobs(n_samples=300, centers=3, random_state=0)
>>> result = simulate(embeddings, labels, strategy=BreakingTies(), seed_size=6, batch_size=6,
...                   budget=18, random_state=0)
>>> result.strategy.labels_used.tolist()
[6, 12, 18]
>>> bool(result.strategy.accuracy[-1] > 0.8)
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from heuristics.active.base import QueryStrategy
from heuristics.active.learner import default_classifier
from heuristics.active.strategies import RandomSampling
from heuristics.errors import InvalidInputError

__all__ = ["LearningCurve", "Simulation", "simulate"]


@dataclass(frozen=True)
class LearningCurve:
    """Held-out scores after each batch.

    Attributes
    ----------
    labels_used : np.ndarray
        Labels revealed so far, after the seed and after each batch, shape ``(n_steps,)``.
    accuracy, macro_f1 : np.ndarray
        Held-out accuracy and macro-averaged F1 of the learner at each step.
    """

    labels_used: np.ndarray
    accuracy: np.ndarray
    macro_f1: np.ndarray


@dataclass(frozen=True)
class Simulation:
    """Learning curves of a strategy and of random sampling from the same seed set."""

    strategy: LearningCurve
    random: LearningCurve


def _full_probabilities(learner, features, n_labels: int) -> np.ndarray:
    """Probabilities over every label, zero for labels the learner has not seen yet."""
    probabilities = np.zeros((features.shape[0], n_labels))
    probabilities[:, learner.classes_] = learner.predict_proba(features)
    return probabilities


def _curve(
    embeddings, features, labels, pool, test, seed, strategy, learner_factory, batch_size,
    budget, rng,
):
    n_labels = int(labels.max()) + 1
    labelled = list(seed)
    used, accuracy, macro_f1 = [], [], []
    while True:
        learner = learner_factory().fit(features[labelled], labels[labelled])
        predicted = learner.predict(features[test])
        used.append(len(labelled))
        accuracy.append(accuracy_score(labels[test], predicted))
        macro_f1.append(f1_score(labels[test], predicted, average="macro", zero_division=0))
        n = min(batch_size, budget - len(labelled))
        unlabelled = np.setdiff1d(pool, labelled)
        if n <= 0 or unlabelled.size == 0:
            break
        probabilities = _full_probabilities(learner, features, n_labels)
        batch = strategy.query(
            probabilities,
            n=min(n, unlabelled.size),
            indices_unlabeled=unlabelled,
            indices_labeled=np.array(labelled),
            embeddings=embeddings,
            random_state=int(rng.integers(2**31)),
        )
        labelled.extend(batch.indices.tolist())
    return LearningCurve(np.array(used), np.array(accuracy), np.array(macro_f1))


def simulate(
    embeddings: np.ndarray,
    labels: np.ndarray,
    *,
    strategy: QueryStrategy,
    features: np.ndarray | sparse.spmatrix | None = None,
    learner_factory: Callable[[], object] | None = None,
    seed_size: int = 20,
    batch_size: int = 20,
    budget: int = 260,
    test_size: float = 0.2,
    test_indices: np.ndarray | None = None,
    seed_strategy: QueryStrategy | None = None,
    random_state: int = 0,
) -> Simulation:
    """Run a strategy and random sampling from the same random seed set; score both.

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
    seed_size, batch_size, budget : int
        Labels revealed at random first, per batch, and in all.
    test_size : float
        Share of records held out (stratified) when ``test_indices`` is not given.
    test_indices : np.ndarray, optional
        Records held out for scoring; never offered for labelling.
    seed_strategy : QueryStrategy, optional
        Chooses the seed set without a model (e.g. :class:`ColdStart`); random when omitted.
    random_state : int
        Seed of the split, the seed set and any random choice of the strategies.

    Returns
    -------
    Simulation
    """
    labels = np.asarray(labels, dtype=int)
    features = embeddings if features is None else features
    if len(embeddings) != len(labels) or features.shape[0] != len(labels):
        raise InvalidInputError("embeddings, features and labels must have one row per record")
    if not 0 < seed_size <= budget:
        raise InvalidInputError("seed size must be between 1 and the budget", field="seed_size")
    records = np.arange(len(labels))
    if test_indices is None:
        pool, test = train_test_split(
            records, test_size=test_size, stratify=labels, random_state=random_state
        )
    else:
        test = np.asarray(test_indices, dtype=int)
        pool = np.setdiff1d(records, test)
    rng = np.random.default_rng(random_state)
    seeder = seed_strategy or RandomSampling()
    seed = seeder.query(
        None, n=seed_size, indices_unlabeled=pool, embeddings=embeddings, random_state=rng
    ).indices
    factory = learner_factory or default_classifier
    curves = [
        _curve(
            embeddings,
            features,
            labels,
            pool,
            test,
            seed,
            chosen,
            factory,
            batch_size,
            budget,
            np.random.default_rng(random_state),
        )
        for chosen in (strategy, RandomSampling())
    ]
    return Simulation(strategy=curves[0], random=curves[1])
