"""Multi-label aggregation: per label, whether a record has it, with a confidence.

Heuristics of a multi-label task vote *sets* of labels. A vote for a label is a positive claim;
a heuristic that did not vote a label says nothing about it (a keyword rule for ``billing`` is
silent on ``shipping``), so each label is aggregated on its own, from its positive votes:

* ``"majority"``: the confidence of label ``l`` is the share of the heuristics that voted on
  the record at all which voted ``l``.
* ``"weighted"``: noisy-OR of the voters' precisions on ``l``,
  ``1 - prod_j (1 - p[j, l])``: the probability that at least one of them is right when they
  err independently.

There is no generative label model here on purpose: with positive votes only, a Dawid–Skene
model per label cannot tell a precise rule from a noisy one (nothing disagrees), and treating
silence as a negative vote made EM settle on different, degenerate solutions for the same
rules from one sample to the next. Precisions measured against the reference labels
(``"weighted"``) are the reliable signal: on CoNLL-2003's entity-type sets, fixed rules,
nothing measured beat the weighted vote, not even per-label models fitted on up to 3,250
reference label sets (``bench/multilabel_rules_bench.py``).

A label is given to a record when its confidence is at least 0.5 and ``min_confidence``;
labels nobody voted have confidence 0.

Examples
--------
Three heuristics, two labels; on record 0 two heuristics vote ``l0`` and one votes ``l1``:

>>> votes = np.zeros((2, 3, 2), dtype=bool)
>>> votes[0, 0, 0] = votes[0, 1, 0] = votes[0, 2, 1] = True
>>> votes[1, 2, 1] = True
>>> result = aggregate_multilabel(votes, method="majority")
>>> result.confidence.round(3).tolist()
[[0.667, 0.333], [0.0, 1.0]]
>>> result.present.tolist()
[[True, False], [False, True]]
>>> aggregate_multilabel(votes, method="weighted",
...                      precisions=np.full((3, 2), 0.6)).present.tolist()
[[True, True], [False, True]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from heuristics.aggregation.votes import DEFAULT_PRECISION
from heuristics.errors import InvalidInputError

__all__ = ["MULTILABEL_METHODS", "MultiLabelResult", "aggregate_multilabel"]

MULTILABEL_METHODS = ("majority", "weighted")
DECISION = 0.5


@dataclass(frozen=True)
class MultiLabelResult:
    """Per record and label: the confidence (0 where nobody voted) and the decision."""

    confidence: np.ndarray
    present: np.ndarray


def aggregate_multilabel(
    votes: ArrayLike,
    *,
    method: Literal["majority", "weighted"] = "majority",
    precisions: ArrayLike | None = None,
    min_confidence: float = 0.0,
) -> MultiLabelResult:
    """Merge the heuristics' label sets into one label set per record.

    Parameters
    ----------
    votes : array-like of bool, shape (n_records, n_heuristics, n_labels)
        ``votes[i, j, l]``: heuristic ``j`` voted label ``l`` on record ``i``.
    method : {"majority", "weighted"}, default="majority"
        See the module docstring.
    precisions : array-like of float, shape (n_heuristics, n_labels), optional
        Precision of each heuristic on each label, for ``"weighted"`` (default 0.7 each);
        clipped to [0.01, 0.99] so that no single vote is certain.
    min_confidence : float, default=0.0
        Labels below this confidence are not given (nor below 0.5).

    Returns
    -------
    MultiLabelResult
        ``confidence`` (float) and ``present`` (bool), both (n_records, n_labels).

    Raises
    ------
    InvalidInputError
        For a wrongly shaped input, an unknown method or a ``min_confidence`` outside [0, 1].
    """
    matrix = np.asarray(votes, dtype=bool)
    if matrix.ndim != 3:
        raise InvalidInputError("votes must have shape (n_records, n_heuristics, n_labels)",
                                field="votes")
    if not 0 <= min_confidence <= 1:
        raise InvalidInputError(f"min_confidence must lie in [0, 1], got {min_confidence}",
                                field="min_confidence")
    if method == "majority":
        confidence = _shares(matrix)
    elif method == "weighted":
        confidence = _noisy_or(matrix, _checked_precisions(precisions, matrix.shape[1:]))
    else:
        raise InvalidInputError(f"method must be one of {', '.join(MULTILABEL_METHODS)}, "
                                f"got {method!r}", field="method")
    voted = matrix.any(axis=1)
    confidence = np.where(voted, confidence, 0.0)
    present = voted & (confidence >= max(DECISION, min_confidence))
    return MultiLabelResult(confidence, present)


def _shares(votes: np.ndarray) -> np.ndarray:
    voters = votes.any(axis=2).sum(axis=1, keepdims=True)
    return np.divide(votes.sum(axis=1), voters, out=np.zeros(votes.shape[::2]),
                     where=voters > 0)


def _checked_precisions(precisions: ArrayLike | None, shape: tuple[int, int]) -> np.ndarray:
    if precisions is None:
        return np.full(shape, DEFAULT_PRECISION)
    checked = np.asarray(precisions, dtype=np.float64)
    if checked.shape != shape or not np.isfinite(checked).all():
        raise InvalidInputError(f"precisions must be finite, of shape {shape}",
                                field="precisions")
    return np.clip(checked, 0.01, 0.99)


def _noisy_or(votes: np.ndarray, precisions: np.ndarray) -> np.ndarray:
    log_wrong = np.log1p(-precisions)
    return -np.expm1(np.einsum("ijl,jl->il", votes.astype(np.float64), log_wrong))
