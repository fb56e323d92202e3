"""What a learner's vote threshold would give, at every threshold, before it is applied.

A prediction votes at a threshold when :class:`~heuristics.learners.votes.VoteRule` with
that ``min_confidence`` accepts it (its confidence is above 0 and reaches the threshold).
Sweeping the threshold over stored predictions answers the question a user asks while
moving the slider: how many votes are left, and how precise are they on the records that
have a reference label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ThresholdPoint:
    """The votes a threshold keeps: how many, how many of them can be judged (their record
    has a reference), how many of those are right, and the precision (None if none judged)."""

    threshold: float
    votes: int
    judged: int
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.judged if self.judged else None


def sweep(confidences: Sequence[float], correct: Sequence[bool | None],
          thresholds: Sequence[float]) -> list[ThresholdPoint]:
    """Votes, judged votes and correct votes at each threshold; ``correct[i]`` says whether
    prediction ``i`` agrees with its record's reference (None: the record has none).

    >>> points = sweep([0.9, 0.6, 0.3, 0.8, 0.0], [True, False, None, True, False],
    ...                [0.0, 0.5, 0.85])
    >>> [(p.votes, p.judged, p.correct) for p in points]  # confidence 0 is no vote
    [(4, 3, 2), (3, 3, 2), (1, 1, 1)]
    >>> points[1].precision
    0.6666666666666666
    """
    if len(confidences) != len(correct):
        raise ValueError(f"{len(confidences)} confidences but {len(correct)} verdicts")
    predicted = np.asarray(confidences, dtype=float) > 0
    values = np.asarray(confidences, dtype=float)[predicted]
    judged = np.array([verdict is not None for verdict in correct], dtype=bool)[predicted]
    right = np.array([verdict is True for verdict in correct], dtype=bool)[predicted]
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    # Suffix sums over the predictions sorted by confidence: what reaches each threshold.
    judged_from = np.concatenate([np.cumsum(judged[order][::-1])[::-1], [0]])
    right_from = np.concatenate([np.cumsum(right[order][::-1])[::-1], [0]])
    points = []
    for threshold in thresholds:
        first = int(np.searchsorted(ordered, threshold, side="left"))
        points.append(ThresholdPoint(threshold=float(threshold), votes=len(values) - first,
                                     judged=int(judged_from[first]),
                                     correct=int(right_from[first])))
    return points
