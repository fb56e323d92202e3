"""The k records most similar to a query vector, by cosine similarity.

Up to ``exact_limit`` vectors are searched exactly (one matrix-vector product); larger sets go
into an approximate HNSW index (usearch).

Examples
--------
>>> vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1], [-1.0, 0.0]])
>>> index = CosineIndex().fit(vectors)
>>> found = index.query(vectors[0], k=2, exclude=0)
>>> found.indices.tolist(), [round(float(s), 3) for s in found.scores]
([2, 1], [0.995, 0.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from heuristics.errors import InvalidInputError

__all__ = ["CosineIndex", "Neighbours"]


@dataclass(frozen=True)
class Neighbours:
    """Result of a similarity query, best first.

    Attributes
    ----------
    indices : ndarray of int64
        Positions of the neighbours in the fitted matrix.
    scores : ndarray of float32
        Their cosine similarities to the query.

    Examples
    --------
    >>> Neighbours(np.array([3, 1]), np.array([0.9, 0.5])).indices.tolist()
    [3, 1]
    """

    indices: np.ndarray
    scores: np.ndarray


def _normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalised float32 copy; zero rows stay zero."""
    array = np.array(vectors, dtype=np.float32, copy=True, order="C")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    np.divide(array, norms, out=array, where=norms > 0)
    return array


class CosineIndex:
    """Nearest neighbours by cosine similarity, exact or approximate.

    Parameters
    ----------
    exact_limit : int, default 100_000
        Up to this many vectors are searched exactly; more go into a usearch HNSW index.

    Attributes
    ----------
    n_vectors_ : int
        Number of fitted vectors.
    dims_ : int
        Their length.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> index = CosineIndex(exact_limit=10).fit(rng.normal(size=(50, 4)))
    >>> index.exact
    False
    >>> len(index.query(rng.normal(size=4), k=5).indices)
    5
    """

    def __init__(self, *, exact_limit: int = 100_000) -> None:
        self.exact_limit = exact_limit

    def fit(self, vectors: np.ndarray) -> CosineIndex:
        """Index the rows of a matrix.

        Parameters
        ----------
        vectors : ndarray of shape (n, dims)
            One vector per record; normalised inside (a copy), zero rows stay zero.

        Returns
        -------
        CosineIndex
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            If ``vectors`` is not a 2-D matrix with at least one column, or holds NaN or
            infinite values (field ``vectors``).
        """
        array = np.asarray(vectors)
        if array.ndim != 2 or array.shape[1] < 1:
            raise InvalidInputError(
                f"expected a matrix of shape (n, dims), got shape {array.shape}", field="vectors"
            )
        if not np.isfinite(array).all():
            raise InvalidInputError("vectors must be finite", field="vectors")
        normalised = _normalise_rows(array)
        self.n_vectors_, self.dims_ = normalised.shape
        self._matrix: np.ndarray | None = None
        self._hnsw: Any = None
        if self.n_vectors_ <= self.exact_limit:
            self._matrix = normalised
        else:
            self._hnsw = _build_hnsw(normalised)
        return self

    @property
    def exact(self) -> bool:
        """Whether queries are answered by exact search (else by the HNSW index)."""
        self._check_fitted()
        return self._matrix is not None

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_vectors_"):
            raise RuntimeError("CosineIndex is not fitted; call fit() first")

    def query(self, vector: np.ndarray, *, k: int = 10, exclude: int | None = None) -> Neighbours:
        """The ``k`` fitted vectors most similar to ``vector``.

        Parameters
        ----------
        vector : ndarray of shape (dims,)
            The query; it need not be normalised.
        k : int, default 10
            How many neighbours; more than there are gives all of them.
        exclude : int or None, default None
            A position to leave out of the result, e.g. the query record itself.

        Returns
        -------
        Neighbours
            Best first; exact ties are broken by the lower position.

        Raises
        ------
        InvalidInputError
            If ``vector`` has the wrong shape or is not finite (field ``vector``), or
            ``k < 1`` (field ``k``).

        Examples
        --------
        >>> index = CosineIndex().fit(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
        >>> index.query(np.array([2.0, 0.0]), k=5).indices.tolist()
        [0, 1, 2]
        """
        self._check_fitted()
        query = self._check_query(vector, k)
        if self._matrix is not None:
            return _exact_search(self._matrix, query, k, exclude)
        return self._approximate_search(query, k, exclude)

    def _check_query(self, vector: np.ndarray, k: int) -> np.ndarray:
        if k < 1:
            raise InvalidInputError(f"k must be >= 1, got {k}", field="k")
        array = np.asarray(vector, dtype=np.float32).reshape(-1)
        if array.shape[0] != self.dims_:
            raise InvalidInputError(
                f"expected a vector of {self.dims_} values, got {array.shape[0]}", field="vector"
            )
        if not np.isfinite(array).all():
            raise InvalidInputError("vector must be finite", field="vector")
        return _normalise_rows(array[None, :])[0]

    def _approximate_search(self, query: np.ndarray, k: int, exclude: int | None) -> Neighbours:
        if not query.any():  # cosine with a zero vector is 0 everywhere, as in exact search
            positions = np.arange(min(k + 1, self.n_vectors_), dtype=np.int64)
            positions = positions[positions != exclude][:k]
            return Neighbours(positions, np.zeros(len(positions), dtype=np.float32))
        wanted = min(k + (exclude is not None), self.n_vectors_)
        matches = self._hnsw.search(query, wanted)
        if len(matches.keys) < wanted:
            # The graph search can miss vectors when asked for (nearly) all of them.
            matches = self._hnsw.search(query, wanted, exact=True)
        keys = np.asarray(matches.keys, dtype=np.int64)
        scores = (1.0 - np.asarray(matches.distances, dtype=np.float32)).astype(np.float32)
        keep = keys != exclude if exclude is not None else np.ones(len(keys), dtype=bool)
        keys, scores = keys[keep][:k], scores[keep][:k]
        order = np.lexsort((keys, -scores))
        return Neighbours(keys[order], scores[order])


def _build_hnsw(normalised: np.ndarray) -> Any:
    from usearch.index import Index

    index = Index(ndim=normalised.shape[1], metric="cos", dtype="f32")
    index.add(np.arange(normalised.shape[0], dtype=np.uint64), normalised)
    return index


def _exact_search(matrix: np.ndarray, query: np.ndarray, k: int, exclude: int | None) -> Neighbours:
    scores = matrix @ query
    n_vectors = len(scores)
    if exclude is not None and 0 <= exclude < n_vectors:
        scores[exclude] = -np.inf
        k = min(k, n_vectors - 1)
    k = min(k, n_vectors)
    if k == 0:
        return Neighbours(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    if k < n_vectors:
        # Keep every candidate tied with the k-th best, so that ties resolve by position below.
        kth = scores[np.argpartition(scores, n_vectors - k)[n_vectors - k]]
        top = np.flatnonzero(scores >= kth)
    else:
        top = np.arange(n_vectors)
    chosen = top[np.lexsort((top, -scores[top]))[:k]]
    return Neighbours(chosen.astype(np.int64), scores[chosen].astype(np.float32))
