"""Diverse batches: a base strategy proposes candidates, embeddings spread the batch.

Uncertainty alone picks near-duplicates: twenty rewordings of one confusing record. The
:class:`DiverseBatch` wrapper asks its base strategy for ``n * candidates_per_pick`` candidates
and keeps ``n`` of them that lie apart in embedding space, either one per k-means cluster (the
best-scored record of each) or by greedy core-set selection (each next record the candidate
farthest from the records already labelled or chosen). With ``balance_classes`` the batch is
spread evenly over the labels the model predicts for the candidates.

Examples
--------
>>> from heuristics.active.strategies import LeastConfidence
>>> rng = np.random.default_rng(0)
>>> embeddings = np.repeat(np.eye(3), 4, axis=0) + rng.normal(0, 0.01, (12, 3))
>>> probabilities = np.repeat([[0.5, 0.5], [0.6, 0.4], [0.7, 0.3]], 4, axis=0)
>>> (LeastConfidence().query(probabilities, n=3).indices // 4).tolist()
[0, 0, 0]
>>> batch = DiverseBatch(LeastConfidence(), candidates_per_pick=4).query(
...     probabilities, n=3, embeddings=embeddings, random_state=0)
>>> (batch.indices // 4).tolist()
[0, 1, 2]
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.cluster import KMeans

from heuristics.active.base import (
    QueryRequest,
    QueryResult,
    QueryStrategy,
    check_pool,
    label_name,
)
from heuristics.errors import InvalidInputError

__all__ = ["DiverseBatch", "core_set", "one_per_cluster"]


def one_per_cluster(
    embeddings: np.ndarray, scores: np.ndarray, n: int, *, random_state: int = 0
) -> np.ndarray:
    """Cluster the candidates into ``n`` groups with k-means and keep each group's best-scored one.

    Returns positions into ``embeddings``, best score first.

    >>> points, scores = np.array([[0.0], [0.1], [5.0], [5.1]]), np.array([0.2, 0.9, 0.5, 0.1])
    >>> one_per_cluster(points, scores, 2).tolist()
    [1, 2]
    """
    n_clusters = min(n, len(np.unique(embeddings, axis=0)))
    clusters = KMeans(n_clusters=n_clusters, n_init=3, random_state=random_state).fit_predict(
        embeddings
    )
    best = [
        np.flatnonzero(clusters == c)[np.argmax(scores[clusters == c])] for c in range(n_clusters)
    ]
    chosen = np.array(best, dtype=int)
    if n_clusters < n:  # fewer distinct vectors than picks: fill up by score
        rest = [i for i in np.argsort(-scores, kind="stable") if i not in set(best)]
        chosen = np.concatenate([chosen, np.array(rest[: n - n_clusters], dtype=int)])
    return chosen[np.argsort(-scores[chosen], kind="stable")]


def core_set(
    embeddings: np.ndarray, scores: np.ndarray, n: int, *, labelled: np.ndarray | None = None
) -> np.ndarray:
    """Greedy k-center: repeatedly keep the candidate farthest from everything labelled or kept.

    Starts from the best-scored candidate when nothing is labelled. Returns positions into
    ``embeddings`` in the order they were kept.

    >>> core_set(np.array([[0.0], [0.1], [5.0], [5.1]]), np.array([0.9, 0.8, 0.1, 0.2]), 2).tolist()
    [0, 3]
    """
    if labelled is not None and len(labelled):
        distance = np.min(np.linalg.norm(embeddings[:, None] - labelled[None], axis=2), axis=1)
        chosen: list[int] = []
    else:
        first = int(np.argmax(scores))
        chosen = [first]
        distance = np.linalg.norm(embeddings - embeddings[first], axis=1)
    while len(chosen) < n:
        distance[chosen] = -np.inf
        nxt = int(np.argmax(distance))
        chosen.append(nxt)
        distance = np.minimum(distance, np.linalg.norm(embeddings - embeddings[nxt], axis=1))
    return np.array(chosen, dtype=int)


def _quotas(predicted: np.ndarray, n: int) -> dict[int, int]:
    """Split ``n`` picks as evenly as the candidates of each predicted label allow."""
    available = {
        int(c): int(k) for c, k in zip(*np.unique(predicted, return_counts=True), strict=True)
    }
    quotas = dict.fromkeys(available, 0)
    while sum(quotas.values()) < n:
        for c in sorted(available):
            if quotas[c] < available[c] and sum(quotas.values()) < n:
                quotas[c] += 1
    return quotas


class DiverseBatch(QueryStrategy):
    """Wrap a strategy so its batch spreads over the embedding space (and optionally the labels).

    Parameters
    ----------
    base : QueryStrategy
        Proposes and scores the candidates.
    method : {"kmeans", "coreset"}
        One best-scored candidate per k-means cluster, or greedy core-set selection.
    candidates_per_pick : int
        The base strategy proposes ``n * candidates_per_pick`` candidates.
    balance_classes : bool
        Spread the batch evenly over the candidates' predicted labels.
    """

    def __init__(
        self,
        base: QueryStrategy,
        *,
        method: str = "kmeans",
        candidates_per_pick: int = 5,
        balance_classes: bool = False,
    ) -> None:
        self.base = base
        self.method = method
        self.candidates_per_pick = candidates_per_pick
        self.balance_classes = balance_classes

    @property
    def ranks_by(self) -> str:
        """``"margin in diverse batches"`` for ``DiverseBatch(BreakingTies())``."""
        balanced = ", balanced over labels" if self.balance_classes else ""
        return f"{self.base.ranks_by} in diverse batches{balanced}"

    def select(self, request: QueryRequest) -> QueryResult:
        probabilities, embeddings, n = request.probabilities, request.embeddings, request.n
        if embeddings is None:
            raise InvalidInputError(
                "a diverse batch needs the records' embeddings", field="embeddings"
            )
        if self.method not in ("kmeans", "coreset"):
            raise InvalidInputError(f"unknown diversity method {self.method!r}", field="method")
        pool = check_pool(n, len(embeddings), request.indices_unlabeled)
        candidates = self.base.select(replace(
            request, n=min(pool.size, n * self.candidates_per_pick), indices_unlabeled=pool))
        groups = {-1: np.arange(len(candidates))}
        quotas = {-1: n}
        if self.balance_classes and probabilities is not None:
            predicted = np.argmax(probabilities[candidates.indices], axis=1)
            quotas = _quotas(predicted, n)
            groups = {c: np.flatnonzero(predicted == c) for c in quotas}
        labelled = (
            None if request.indices_labeled is None
            else embeddings[np.asarray(request.indices_labeled, dtype=int)]
        )
        seed = request.random_state if isinstance(request.random_state, int) else 0
        kept: list[int] = []
        for c, quota in quotas.items():
            if quota == 0:
                continue
            members = groups[c]
            vectors, scores = embeddings[candidates.indices[members]], candidates.scores[members]
            if self.method == "kmeans":
                picked = one_per_cluster(vectors, scores, quota, random_state=seed)
            else:
                picked = core_set(vectors, scores, quota, labelled=labelled)
            kept.extend(members[picked].tolist())
        kept_arr = np.array(kept, dtype=int)
        kept_arr = kept_arr[np.argsort(-candidates.scores[kept_arr], kind="stable")]
        spread = "one per cluster" if self.method == "kmeans" else "far from the rest"
        predicted_labels = None if probabilities is None else np.argmax(probabilities, axis=1)
        reasons = []
        for k in kept_arr:
            reason = f"{candidates.reasons[k]}; {spread}"
            if self.balance_classes and predicted_labels is not None:
                label = int(predicted_labels[candidates.indices[k]])
                reason += f", predicted {label_name(label, request.label_names)}"
            reasons.append(reason)
        return QueryResult(
            indices=candidates.indices[kept_arr],
            scores=candidates.scores[kept_arr],
            reasons=reasons,
        )
