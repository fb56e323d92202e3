"""One strategy while labels are few, another once there are enough.

Uncertainty sampling trusts a model; over the first few dozen labels that model has seen too
little to know where it is unsure, and margin sampling then asks about outliers. Diverse,
representative records (:class:`~heuristics.active.cold_start.ColdStart`) teach it more until
then.

Examples
--------
>>> from heuristics.active.cold_start import ColdStart
>>> from heuristics.active.strategies import BreakingTies
>>> embeddings = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0], [2.5, 2.5]])
>>> probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.5, 0.5]])
>>> strategy = WarmUp(ColdStart(), BreakingTies(), labels=2)
>>> strategy.query(probabilities, n=1, indices_unlabeled=[1, 2, 3, 4], indices_labeled=[0],
...                embeddings=embeddings).reasons
['nearest to the centre of a group of 4 records']
>>> strategy.query(probabilities, n=1, indices_unlabeled=[1, 3, 4], indices_labeled=[0, 2],
...                embeddings=embeddings).reasons
['margin 0.00 between 0 and 1']
"""

from __future__ import annotations

import numpy as np

from heuristics.active.base import QueryRequest, QueryResult, QueryStrategy
from heuristics.errors import InvalidInputError

__all__ = ["WarmUp"]


class WarmUp(QueryStrategy):
    """``first`` until ``labels`` records are labelled, then ``then``.

    Parameters
    ----------
    first : QueryStrategy
        Asks while fewer than ``labels`` records are labelled (``indices_labeled``).
    then : QueryStrategy
        Asks from then on.
    labels : int
        Labelled records at which ``then`` takes over.
    """

    def __init__(self, first: QueryStrategy, then: QueryStrategy, *, labels: int) -> None:
        if labels < 0:
            raise InvalidInputError(f"labels must be at least 0, got {labels}", field="labels")
        self.first = first
        self.then = then
        self.labels = labels

    @property
    def ranks_by(self) -> str:
        """``"cold start, then margin"`` for ``WarmUp(ColdStart(), BreakingTies(), ...)``."""
        return f"{self.first.ranks_by}, then {self.then.ranks_by}"

    def warming_up(self, n_labelled: int) -> bool:
        """Whether ``first`` still asks with ``n_labelled`` records labelled."""
        return n_labelled < self.labels

    def select(self, request: QueryRequest) -> QueryResult:
        labelled = request.indices_labeled
        n_labelled = 0 if labelled is None else len(np.asarray(labelled))
        chosen = self.first if self.warming_up(n_labelled) else self.then
        return chosen.select(request)
