"""Cold start: the first records to label, before any model exists.

Examples
--------
>>> embeddings = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0]])
>>> result = ColdStart().query(None, n=2, embeddings=embeddings, random_state=0)
>>> sorted(result.indices.tolist()), result.reasons[0]
([0, 3], 'nearest to the centre of a group of 3 records')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.cluster import KMeans

from heuristics.active.base import QueryRequest, QueryResult, QueryStrategy, check_pool
from heuristics.errors import InvalidInputError

__all__ = ["ColdStart", "mean_token_vectors"]


class ColdStart(QueryStrategy):
    """Diverse, representative records: k-means over the embeddings, the record nearest each centre.

    Needs no probabilities. The score of a pick is the share of the pool in its cluster, so the
    most typical records come first.
    """

    ranks_by = "cold start"

    def select(self, request: QueryRequest) -> QueryResult:
        embeddings, n = request.embeddings, request.n
        if embeddings is None:
            raise InvalidInputError("cold start needs the records' embeddings", field="embeddings")
        pool = check_pool(n, len(embeddings), request.indices_unlabeled)
        vectors = embeddings[pool]
        seed = request.random_state if isinstance(request.random_state, int) else 0
        kmeans = KMeans(n_clusters=n, n_init=3, random_state=seed).fit(vectors)
        distances = kmeans.transform(vectors)
        sizes = np.bincount(kmeans.labels_, minlength=n)
        chosen: list[int] = []
        for c in np.argsort(-sizes, kind="stable"):
            order = np.argsort(distances[:, c], kind="stable")
            chosen.append(int(next(i for i in order if i not in chosen)))
        order = np.argsort(-sizes, kind="stable")
        return QueryResult(
            indices=pool[np.array(chosen, dtype=int)],
            scores=sizes[order] / len(pool),
            reasons=[f"nearest to the centre of a group of {_records(sizes[c])}"
                     for c in order],
        )


def _records(count: int) -> str:
    return f"{count} record" if count == 1 else f"{count} records"


def mean_token_vectors(token_vectors: Sequence[np.ndarray], *, dims: int) -> np.ndarray:
    """One vector per record of an extraction task, for cold start: the mean of its token
    vectors (zeros for a record without tokens).

    >>> mean_token_vectors([np.array([[1.0, 0.0], [3.0, 2.0]]), np.zeros((0, 2))], dims=2)
    array([[2., 1.],
           [0., 0.]], dtype=float32)
    """
    means = np.zeros((len(token_vectors), dims), dtype=np.float32)
    for row, vectors in enumerate(token_vectors):
        if len(vectors):
            means[row] = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    return means
