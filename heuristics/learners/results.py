"""What cross-fitted learners return: predictions, held-out metrics and progress steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "FitStep",
    "HeldOutMetrics",
    "HeldOutSpanMetrics",
    "LabelMetrics",
    "LearnerPredictions",
    "OnFitStep",
    "SpanPredictions",
    "FEW_LABELS",
    "label_metrics",
    "learner_warnings",
]



@dataclass(frozen=True)
class LabelMetrics:
    """Held-out precision, recall and F1 of one label.

    Attributes
    ----------
    label : str
    precision, recall, f1 : float
        0.0 where undefined (nothing predicted, or nothing to find).
    support : int
        Labelled records (spans, for extraction) with this reference label.
    """

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class HeldOutMetrics:
    """How well cross-fitted models predicted the labelled records they did not see.

    Predictions are the argmax of the probabilities, before any ``min_confidence``.

    Attributes
    ----------
    accuracy : float
        Share of labelled records whose most probable label is their reference label.
    labels : tuple of LabelMetrics
        One entry per class, in the order of the classes.
    """

    accuracy: float
    labels: tuple[LabelMetrics, ...]


class FitStep(NamedTuple):
    """One model of a cross-fitted run, reported once it has predicted its records.

    Examples
    --------
    >>> FitStep(done=1, total=3, n_folds=2, fold=0, trained_on=40, predicted=40).describe()
    'model 1 of 3 (fold 1 of 2 held out): fitted on 40 labelled records, predicted 40'
    >>> FitStep(done=3, total=3, n_folds=2, fold=None, trained_on=80, predicted=920).describe()
    'model 3 of 3: fitted on all 80 labelled records, predicted the 920 unlabelled'
    """

    done: int
    """Models fitted so far, this one included."""
    total: int
    """Models the run fits: one per fold, one more if some records are unlabelled."""
    n_folds: int
    fold: int | None
    """The fold this model held out; None for the model of the unlabelled records."""
    trained_on: int
    predicted: int

    def describe(self) -> str:
        if self.fold is None:
            return (f"model {self.done} of {self.total}: fitted on all {self.trained_on:,} "
                    f"labelled records, predicted the {self.predicted:,} unlabelled")
        return (f"model {self.done} of {self.total} (fold {self.fold + 1} of {self.n_folds} "
                f"held out): fitted on {self.trained_on:,} labelled records, predicted "
                f"{self.predicted:,}")


OnFitStep = Callable[[FitStep], None]
"""Called after each model of a cross-fitted run (e.g. to report progress)."""


@dataclass(frozen=True)
class LearnerPredictions:
    """A classification learner's probabilities for every record of a project.

    Attributes
    ----------
    probabilities : ndarray of shape (n_records, n_classes)
        Per record, the probability of each class. Labelled records: from the model of the
        fold that held them out; unlabelled records: from the model fitted on all labels.
    classes : tuple of str
        The label names of the columns, sorted.
    folds : ndarray of int, shape (n_records,)
        The fold that held each labelled record out; -1 for unlabelled records.
    n_folds : int
        The number of cross-fitting folds used.
    n_labelled : int
        Records with a reference label.
    held_out : HeldOutMetrics
        Accuracy and per-label metrics of the held-out predictions of the labelled records.
    """

    probabilities: np.ndarray
    classes: tuple[str, ...]
    folds: np.ndarray
    n_folds: int
    n_labelled: int
    held_out: HeldOutMetrics


@dataclass(frozen=True)
class HeldOutSpanMetrics:
    """How well cross-fitted span models predicted the labelled records they did not see.

    Spans are compared exactly (same label, same first and last token); predictions are
    taken at ``min_confidence`` 0.

    Attributes
    ----------
    token_accuracy : float
        Share of labelled tokens whose predicted label is their reference label (OUTSIDE
        included).
    precision, recall, f1 : float
        Over the spans of all labels together (micro average).
    labels : tuple of LabelMetrics
        One entry per span label (OUTSIDE excluded), sorted; ``support`` counts reference
        spans.
    """

    token_accuracy: float
    precision: float
    recall: float
    f1: float
    labels: tuple[LabelMetrics, ...]


@dataclass(frozen=True)
class SpanPredictions:
    """An extraction learner's token predictions for every record of a project.

    Attributes
    ----------
    labels : list of list of str
        Per record, one predicted label per token (held out for labelled records).
    confidences : list of list of float
        Per record, one confidence per token.
    folds, n_folds : ndarray of int, int
        As in :class:`LearnerPredictions`.
    n_labelled : int
        Records with reference token labels.
    held_out : HeldOutSpanMetrics
        Metrics of the held-out predictions of the labelled records.
    """

    labels: list[list[str]]
    confidences: list[list[float]]
    folds: np.ndarray
    n_folds: int
    n_labelled: int
    held_out: HeldOutSpanMetrics


def label_metrics(label: str, true_positives: int, predicted: int, support: int) -> LabelMetrics:
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return LabelMetrics(label, precision, recall, f1, support)


FEW_LABELS = 5
"""A label with fewer labelled records than this has held-out metrics nobody should trust."""


def learner_warnings(labels: Sequence[Mapping[str, object]],
                     predicted: Sequence[str] = ()) -> list[str]:
    """What a learner's run should warn about: a label with few labelled records, a label
    the held-out models never found among its labelled records (recall 0), and predictions
    that all name one label. ``labels`` are the held-out metrics per label (``label``,
    ``recall``, ``support``); ``predicted`` the most probable label of every record.

    >>> learner_warnings([{"label": "ham", "recall": 1.0, "support": 40},
    ...                   {"label": "spam", "recall": 0.0, "support": 4}],
    ...                  predicted=["ham"] * 100)  # doctest: +NORMALIZE_WHITESPACE
    ["only 4 labelled records of 'spam': its held-out metrics are unreliable; label more",
     "held-out recall of 'spam' is 0: the model never found it among its labelled records",
     "the model predicts 'ham' for every record (100 of 100)"]
    >>> learner_warnings([{"label": "ham", "recall": 0.9, "support": 40}])
    []
    """
    warnings = []
    for metric in labels:
        label, support = metric["label"], int(metric["support"])
        if support < FEW_LABELS:
            warnings.append(f"only {support} labelled records of {label!r}: its held-out "
                            "metrics are unreliable; label more")
    for metric in labels:
        if int(metric["support"]) > 0 and float(metric["recall"]) == 0.0:
            warnings.append(f"held-out recall of {metric['label']!r} is 0: the model never "
                            "found it among its labelled records")
    if len(predicted) > 1 and len(set(predicted)) == 1:
        warnings.append(f"the model predicts {predicted[0]!r} for every record "
                        f"({len(predicted)} of {len(predicted)})")
    return warnings
