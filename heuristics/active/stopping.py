"""When to stop labelling: criteria in small-text's shape, ``stop(...) -> bool``.

Each criterion is called once per round and keeps the numbers it decided on (attributes ending
in ``_``), so the UI can show them next to its advice.

Examples
--------
>>> criterion = KappaAverage(n_labels=2)
>>> [criterion.stop(predictions=np.array([0, 1, 1, 0])) for _ in range(4)]
[False, False, False, True]
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import cohen_kappa_score

from heuristics.errors import InvalidInputError

__all__ = ["KappaAverage", "OverallUncertainty"]


class KappaAverage:
    """Stop once successive models agree: mean Cohen's kappa of the last ``window_size`` pairs.

    Call :meth:`stop` after each round with the model's predictions on a fixed stopping set
    (the same records every round, labelled or not).

    Parameters
    ----------
    n_labels : int
        Number of labels of the task.
    kappa : float
        Stop once the mean kappa over the window reaches this.
    window_size : int
        Number of successive pairs of predictions averaged.

    Attributes
    ----------
    kappas_ : list of float
        Kappa between each round's predictions and the previous round's. Two identical
        predictions count as full agreement (kappa 1) even when they hold one label only.
    """

    def __init__(self, n_labels: int, *, kappa: float = 0.99, window_size: int = 3) -> None:
        self.n_labels = n_labels
        self.kappa = kappa
        self.window_size = window_size
        self.kappas_: list[float] = []
        self._previous: np.ndarray | None = None

    @property
    def mean_kappa_(self) -> float | None:
        """Mean of the last ``window_size`` kappas, once there are that many."""
        if len(self.kappas_) < self.window_size:
            return None
        return float(np.mean(self.kappas_[-self.window_size :]))

    def stop(self, *, predictions: np.ndarray) -> bool:
        """Record this round's predictions on the stopping set; say whether to stop.

        >>> criterion = KappaAverage(n_labels=2, window_size=2)
        >>> rounds = [[0, 0, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1]]
        >>> [criterion.stop(predictions=np.array(r)) for r in rounds]
        [False, False, False, True]
        >>> criterion.kappas_
        [0.5, 1.0, 1.0]
        """
        predictions = np.asarray(predictions)
        if self._previous is not None and predictions.shape != self._previous.shape:
            raise InvalidInputError("predictions must be on the same stopping set every round")
        if self._previous is not None:
            if np.array_equal(predictions, self._previous):
                self.kappas_.append(1.0)
            else:
                labels = np.arange(self.n_labels)
                kappa = cohen_kappa_score(self._previous, predictions, labels=labels)
                self.kappas_.append(float(np.nan_to_num(kappa, nan=0.0)))
        self._previous = predictions
        mean = self.mean_kappa_
        return mean is not None and mean >= self.kappa


class OverallUncertainty:
    """Stop once the model is sure of the stopping set: mean ``1 - max p`` below a threshold
    (or the mean of uncertainties given per record, e.g. of token sequences).

    Parameters
    ----------
    threshold : float
        Stop once the mean uncertainty falls below this.

    Attributes
    ----------
    uncertainty_ : float or None
        Mean uncertainty at the last call.

    Examples
    --------
    >>> criterion = OverallUncertainty(threshold=0.1)
    >>> criterion.stop(probabilities=np.array([[0.7, 0.3], [0.95, 0.05]])), criterion.uncertainty_
    (False, 0.175)
    >>> criterion.stop(probabilities=np.array([[0.9, 0.1], [0.98, 0.02]]))
    True
    >>> criterion.stop(uncertainties=np.array([0.3, 0.0])), criterion.uncertainty_
    (False, 0.15)
    """

    def __init__(self, *, threshold: float = 0.05) -> None:
        self.threshold = threshold
        self.uncertainty_: float | None = None

    def stop(self, *, probabilities: np.ndarray | None = None,
             uncertainties: np.ndarray | None = None) -> bool:
        """Measure the stopping set's mean uncertainty, from its ``probabilities`` or from each
        record's ``uncertainties`` (one of the two); say whether it is below the threshold."""
        if (probabilities is None) == (uncertainties is None):
            raise InvalidInputError("give probabilities or uncertainties")
        if uncertainties is None:
            probabilities = np.asarray(probabilities, dtype=float)
            if probabilities.ndim != 2 or len(probabilities) == 0:
                raise InvalidInputError(
                    "probabilities must be a non-empty (n_records, n_labels) array")
            uncertainties = 1.0 - probabilities.max(axis=1)
        uncertainties = np.asarray(uncertainties, dtype=float)
        if uncertainties.ndim != 1 or len(uncertainties) == 0:
            raise InvalidInputError("uncertainties must be a non-empty 1-d array")
        self.uncertainty_ = round(float(np.mean(uncertainties)), 12)
        return self.uncertainty_ < self.threshold
