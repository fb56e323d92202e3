"""The query-strategy contract: probabilities in, chosen records with scores and reasons out.

A strategy looks at the model's class probabilities of every record (and, if it needs them,
their embeddings) and picks the ``n`` unlabelled records a person should label next. Each pick
comes with a score (higher = asked first) and a reason a person can read.
:class:`ConfidenceBasedQueryStrategy` is the template: a subclass only says how to ``score``
records and how to ``explain`` one score.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from heuristics.errors import InvalidInputError

__all__ = [
    "ConfidenceBasedQueryStrategy",
    "QueryRequest",
    "QueryResult",
    "QueryStrategy",
    "check_pool",
    "label_name",
]


@dataclass(frozen=True)
class QueryRequest:
    """The arguments of one :meth:`QueryStrategy.query` call (described there)."""

    probabilities: np.ndarray | None
    n: int
    indices_unlabeled: Sequence[int] | np.ndarray | None = None
    indices_labeled: Sequence[int] | np.ndarray | None = None
    label_names: Sequence[str] | None = None
    embeddings: np.ndarray | None = None
    random_state: int | np.random.Generator | None = None


@dataclass(frozen=True)
class QueryResult:
    """Records chosen by a strategy, most useful first.

    Attributes
    ----------
    indices : np.ndarray
        Record indices (rows of ``probabilities``), shape ``(n,)``.
    scores : np.ndarray
        The strategy's score of each chosen record, shape ``(n,)``; higher = asked first.
    reasons : list of str
        Why each record was chosen, in words.
    """

    indices: np.ndarray
    scores: np.ndarray
    reasons: list[str]

    def __len__(self) -> int:
        return len(self.indices)


def label_name(label: int, label_names: Sequence[str] | None) -> str:
    """The name of a label index, or the index itself when no names are given.

    >>> label_name(1, ["ham", "spam"]), label_name(1, None)
    ('spam', '1')
    """
    return str(label_names[label]) if label_names is not None else str(label)


def check_pool(
    n: int, n_records: int, indices_unlabeled: Sequence[int] | np.ndarray | None
) -> np.ndarray:
    """Validate a query's size and pool; return the unlabelled indices as an int array.

    ``None`` means every record is unlabelled.

    >>> check_pool(2, 4, None)
    array([0, 1, 2, 3])
    >>> check_pool(5, 4, [0, 3])
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'n': asked for 5 records but only 2 are unlabelled
    """
    pool = (
        np.arange(n_records)
        if indices_unlabeled is None
        else np.asarray(indices_unlabeled, dtype=int)
    )
    if pool.ndim != 1 or (pool.size and (pool.min() < 0 or pool.max() >= n_records)):
        raise InvalidInputError(
            f"unlabelled indices must lie in [0, {n_records})", field="indices_unlabeled"
        )
    if n < 1:
        raise InvalidInputError(f"n must be at least 1, got {n}", field="n")
    if n > pool.size:
        raise InvalidInputError(
            f"asked for {n} records but only {pool.size} are unlabelled", field="n"
        )
    return pool


class QueryStrategy(abc.ABC):
    """Picks the records to label next."""

    @property
    def ranks_by(self) -> str:
        """What the strategy asks for first, in words (``"margin"``, ``"cold start, then
        margin"``); a strategy without words of its own gives its class name."""
        return type(self).__name__

    def query(
        self,
        probabilities: np.ndarray | None,
        *,
        n: int,
        indices_unlabeled: Sequence[int] | np.ndarray | None = None,
        indices_labeled: Sequence[int] | np.ndarray | None = None,
        label_names: Sequence[str] | None = None,
        embeddings: np.ndarray | None = None,
        random_state: int | np.random.Generator | None = None,
    ) -> QueryResult:
        """Choose ``n`` of the unlabelled records.

        Parameters
        ----------
        probabilities : np.ndarray or None
            Predicted class probabilities of every record, shape ``(n_records, n_labels)``
            (``None`` for strategies that need no model).
        n : int
            How many records to choose.
        indices_unlabeled : array-like of int, optional
            The pool to choose from; every record when omitted.
        indices_labeled : array-like of int, optional
            Records already labelled (used by strategies that keep away from them).
        label_names : sequence of str, optional
            Names of the label indices, used in the reasons.
        embeddings : np.ndarray, optional
            One vector per record, shape ``(n_records, dims)``.
        random_state : int or np.random.Generator, optional
            Seed of any random choice.

        Returns
        -------
        QueryResult
        """
        return self.select(QueryRequest(
            probabilities, n=n, indices_unlabeled=indices_unlabeled,
            indices_labeled=indices_labeled, label_names=label_names, embeddings=embeddings,
            random_state=random_state))

    @abc.abstractmethod
    def select(self, request: QueryRequest) -> QueryResult:
        """Choose ``request.n`` of the unlabelled records: what :meth:`query` does, with its
        arguments in one :class:`QueryRequest`."""


class ConfidenceBasedQueryStrategy(QueryStrategy):
    """Template: rank the pool by :meth:`score` (highest first, ties by index)."""

    def select(self, request: QueryRequest) -> QueryResult:
        probabilities, n, indices_unlabeled, label_names = (
            request.probabilities, request.n, request.indices_unlabeled, request.label_names)
        if probabilities is None:
            raise InvalidInputError(
                "this strategy needs the model's probabilities", field="probabilities"
            )
        pool = check_pool(n, len(probabilities), indices_unlabeled)
        rows = self._rows(probabilities, pool)
        scores = np.asarray(self.score(rows), dtype=float)
        order = np.lexsort((pool, -scores))[:n]
        reasons = [self.explain(rows[i], float(scores[i]), label_names) for i in order]
        return QueryResult(indices=pool[order], scores=scores[order], reasons=reasons)

    @staticmethod
    def _rows(probabilities, pool: np.ndarray):
        if isinstance(probabilities, np.ndarray):
            return probabilities[pool]
        return [np.asarray(probabilities[i]) for i in pool]

    @abc.abstractmethod
    def score(self, probabilities) -> np.ndarray:
        """Informativeness of each record, shape ``(n_records,)``; higher = ask first."""

    @abc.abstractmethod
    def explain(
        self, probabilities: np.ndarray, score: float, label_names: Sequence[str] | None
    ) -> str:
        """Why one record (its probability row) scored ``score``."""
