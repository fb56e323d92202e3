"""Uncertainty sampling over class probabilities, and random sampling as the baseline.

Examples
--------
>>> probabilities = np.array([[0.9, 0.1], [0.52, 0.48], [0.7, 0.3]])
>>> result = BreakingTies().query(probabilities, n=2, label_names=["ham", "spam"])
>>> result.indices.tolist(), result.reasons[0]
([1, 2], 'margin 0.04 between ham and spam')
"""

from __future__ import annotations

import numpy as np

from heuristics.active.base import (
    ConfidenceBasedQueryStrategy,
    QueryRequest,
    QueryResult,
    QueryStrategy,
    check_pool,
    label_name,
)

__all__ = [
    "BreakingTies",
    "LabelSetMargin",
    "LeastConfidence",
    "PredictionEntropy",
    "RandomSampling",
]


class LeastConfidence(ConfidenceBasedQueryStrategy):
    """Records whose most probable label is least probable; score ``1 - max p``.

    >>> probabilities = np.array([[0.9, 0.1], [0.6, 0.4]])
    >>> LeastConfidence().query(probabilities, n=1, label_names=["a", "b"]).reasons
    ['top label a at only 0.60']
    """

    ranks_by = "least confidence"

    def score(self, probabilities: np.ndarray) -> np.ndarray:
        return 1.0 - probabilities.max(axis=1)

    def explain(self, probabilities, score, label_names):
        top = int(np.argmax(probabilities))
        return f"top label {label_name(top, label_names)} at only {probabilities[top]:.2f}"


class BreakingTies(ConfidenceBasedQueryStrategy):
    """Records with the smallest margin between the two most probable labels; score ``1 - margin``.

    >>> BreakingTies().score(np.array([[0.5, 0.3, 0.2], [0.4, 0.4, 0.2]]))
    array([0.8, 1. ])
    """

    ranks_by = "margin"

    def score(self, probabilities: np.ndarray) -> np.ndarray:
        top_two = np.sort(probabilities, axis=1)[:, -2:]
        return 1.0 - (top_two[:, 1] - top_two[:, 0])

    def explain(self, probabilities, score, label_names):
        first, second = np.argsort(-probabilities, kind="stable")[:2]
        return (
            f"margin {1.0 - score:.2f} between {label_name(int(first), label_names)}"
            f" and {label_name(int(second), label_names)}"
        )


class PredictionEntropy(ConfidenceBasedQueryStrategy):
    """Records whose predicted distribution has the highest entropy (in nats).

    >>> PredictionEntropy().score(np.array([[1.0, 0.0], [0.5, 0.5]])).round(3)
    array([0.   , 0.693])
    """

    ranks_by = "entropy"

    def score(self, probabilities: np.ndarray) -> np.ndarray:
        p = np.clip(probabilities, 1e-12, 1.0)
        return (probabilities * np.log(1.0 / p)).sum(axis=1)

    def explain(self, probabilities, score, label_names):
        likely = [
            label_name(int(i), label_names) for i in np.argsort(-probabilities, kind="stable")[:3]
        ]
        return f"entropy {score:.2f} spread over {', '.join(likely)}"


class LabelSetMargin(ConfidenceBasedQueryStrategy):
    """Multi-label records whose most uncertain label is least certain.

    Each column is the probability that a record has that label (columns need not sum to
    1). A label's margin is ``|2p - 1|``, the gap between "has it" and "has it not"; the score
    is ``1 -`` the smallest margin of the record's labels.

    >>> probabilities = np.array([[0.9, 0.05], [0.6, 0.45], [0.56, 0.99]])
    >>> LabelSetMargin().score(probabilities).round(3)
    array([0.2 , 0.9 , 0.88])
    >>> LabelSetMargin().query(probabilities, n=1, label_names=["a", "b"]).reasons
    ['label b at 0.45 of 2 unsure (margin 0.10); mean margin 0.15']
    """

    ranks_by = "least certain label"

    def score(self, probabilities: np.ndarray) -> np.ndarray:
        margins = np.abs(2.0 * np.asarray(probabilities, dtype=float) - 1.0)
        return 1.0 - margins.min(axis=1)

    def explain(self, probabilities, score, label_names):
        margins = np.abs(2.0 * probabilities - 1.0)
        worst = int(np.argmin(margins))
        unsure = int((margins < 0.5).sum())
        return (f"label {label_name(worst, label_names)} at {probabilities[worst]:.2f} of "
                f"{unsure} unsure (margin {margins[worst]:.2f}); mean margin "
                f"{margins.mean():.2f}")


class RandomSampling(QueryStrategy):
    """Uniformly random records: the baseline every strategy must beat. Needs no model.

    >>> RandomSampling().query(None, n=2, indices_unlabeled=[4, 7, 9], random_state=0).reasons
    ['random sample', 'random sample']
    """

    ranks_by = "random"

    def select(self, request: QueryRequest) -> QueryResult:
        pool = request.indices_unlabeled
        if pool is None:
            known = request.probabilities if request.probabilities is not None \
                else request.embeddings
            pool = np.arange(len(known))
        pool = np.asarray(pool, dtype=int)
        n = request.n
        pool = check_pool(n, int(pool.max()) + 1 if pool.size else 0, pool)
        chosen = np.random.default_rng(request.random_state).choice(pool, size=n, replace=False)
        return QueryResult(indices=chosen, scores=np.zeros(n), reasons=["random sample"] * n)
