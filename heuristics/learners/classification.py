"""Cross-fitting of classification learners: every record predicted by a model that did not
see its label."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from heuristics.errors import InvalidInputError
from heuristics.learners.base import LearningClassifier, learner_classes
from heuristics.learners.folds import check_class_counts, fit_models, split_folds, step_reporter
from heuristics.learners.params import fit_params
from heuristics.learners.results import HeldOutMetrics, LearnerPredictions, OnFitStep, label_metrics
from heuristics.validation import check_embedding_matrix

__all__ = ["cross_fit_predict"]



def _class_probabilities(learner: Any, X: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """The learner's probabilities for X, rearranged into the columns of ``classes``."""
    probabilities = np.asarray(learner.predict_proba(X), dtype=np.float64)
    own = learner_classes(learner)
    if probabilities.shape != (len(X), len(own)):
        raise InvalidInputError(
            f"predict_proba returned shape {probabilities.shape}, expected "
            f"({len(X)}, {len(own)}): one row per record, one column per label "
            f"({', '.join(own)})",
            field="output",
        )
    if (
        not np.isfinite(probabilities).all()
        or (probabilities < 0).any()
        or (probabilities > 1 + 1e-9).any()
    ):
        raise InvalidInputError("predict_proba returned values outside [0, 1]", field="output")
    column = {name: i for i, name in enumerate(classes)}
    unknown = [name for name in own if name not in column]
    if unknown:
        raise InvalidInputError(
            f"the learner predicts labels it was not trained on: {', '.join(unknown)}",
            field="output",
        )
    result = np.zeros((len(X), len(classes)))
    result[:, [column[name] for name in own]] = probabilities
    return result


def _is_reference(name: Any) -> bool:
    return name is None or (isinstance(name, str) and name != "")


def _encode_reference(labels: Sequence[Any], n_records: int
                      ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each record's reference label as its index among the sorted label names (-1 where
    it has none), and those names."""
    if len(labels) != n_records:
        raise InvalidInputError(
            f"got {n_records} records of embeddings but {len(labels)} labels", field="labels"
        )
    try:
        distinct = set(labels)  # few values: each checked once
    except TypeError:  # an unhashable value (a list, a dict) is no label name
        distinct = None
    if distinct is None or not all(map(_is_reference, distinct)):
        row, name = next((row, name) for row, name in enumerate(labels)
                         if not _is_reference(name))
        raise InvalidInputError(
            f"a label must be a label name or None, got {name!r}", field="labels", row=row
        )
    classes = tuple(sorted(distinct - {None}))
    code: dict[str | None, int] = {None: -1, **{name: k for k, name in enumerate(classes)}}
    codes = np.fromiter(map(code.__getitem__, labels), dtype=np.int64, count=n_records)
    return codes, classes


class _FoldLayout:
    """The records' rows copied once, each fold's held-out records side by side and the
    unlabelled ones last: every model's held-out rows are a slice of the copy, and so are
    the training rows of the first and the last fold (all of them with 2 folds). The copy
    is read-only, so no model can change the rows another one gets."""

    def __init__(self, X: np.ndarray, labelled: np.ndarray, unlabelled: np.ndarray,
                 held_out: list[np.ndarray]) -> None:
        self.held_out_order = np.concatenate(held_out)  # positions among the labelled
        self._records = np.concatenate([labelled[self.held_out_order], unlabelled])
        self._copy = X[self._records]
        self._copy.flags.writeable = False
        self._ends = np.cumsum([len(part) for part in held_out])
        self._starts = self._ends - [len(part) for part in held_out]
        self.labelled_rows = self._copy[:len(labelled)]
        self.unlabelled_rows = self._copy[len(labelled):]

    def records(self, fold: int) -> np.ndarray:
        """The indices (into X) of the records ``fold`` holds out."""
        return self._records[self._starts[fold]:self._ends[fold]]

    def rows(self, fold: int) -> np.ndarray:
        """The rows of the records ``fold`` holds out."""
        return self._copy[self._starts[fold]:self._ends[fold]]

    def training(self, fold: int, values: np.ndarray | None = None) -> np.ndarray:
        """The rows (or the entries of ``values``, one per labelled record in the held-out
        order) that the model of ``fold`` is trained on: every other fold's."""
        values = self.labelled_rows if values is None else values
        before, after = values[:self._starts[fold]], values[self._ends[fold]:]
        if not len(before) or not len(after):
            return after if len(after) else before
        return np.concatenate((before, after))


def cross_fit_predict(
    learner_cls: type, X: np.ndarray, labels: Sequence[str | None], *, seed: int = 0,
    on_step: OnFitStep | None = None, threads: int = 1,
) -> LearnerPredictions:
    """Fit a classification learner on the labelled records and predict every record honestly.

    The labelled records are split into K stratified folds (K from the class's
    ``train_test_split``, see :func:`folds_for_split`); each fold is predicted by a fresh
    instance of ``learner_cls`` fitted on the other folds, so no labelled record is predicted
    by a model that saw its label. Unlabelled records are predicted by one more instance fitted
    on all labelled records (only fitted if there are unlabelled records).

    K is capped by the size of the largest class (scikit-learn's stratification needs it) and
    is at least 2. It is not lowered for small classes: stratification puts at most
    ``ceil(count / K)`` records of a class into one fold, so every class with at least 2
    labelled records is in every model's training part. A class with a single labelled record
    is kept: its record is predicted by a model that never saw the class (an honest miss),
    and the model for the unlabelled records knows it.

    Parameters
    ----------
    learner_cls : type
        A subclass of :class:`LearningClassifier` with ``@params_fit``; instantiated with no
        arguments, once per fold.
    X : ndarray of shape (n_records, dims)
        The embedding of every record of the project.
    labels : sequence of str or None, length n_records
        Each record's reference label name, or None where it has none.
    seed : int, default 0
        Seed of the fold assignment.
    on_step : callable, optional
        Called with a :class:`FitStep` after each model has predicted its records.
    threads : int, default 1
        Models fitted at once, each in a thread (:func:`fit_models`); the results do not
        depend on it.

    Returns
    -------
    LearnerPredictions

    Raises
    ------
    NotEnoughLabels
        If fewer than 2 classes have labels, or fewer than 2 classes have at least 2 labelled
        records each (then some model would train on a single class).
    InvalidInputError
        If the inputs do not match, the class is not a classification learner, or its
        ``predict_proba`` returns the wrong shape or labels.

    Examples
    --------
    >>> from heuristics.learners.params import params_fit
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> class Nearest(LearningClassifier):
    ...     def __init__(self):
    ...         self.model = KNeighborsClassifier(n_neighbors=1)
    ...     @params_fit(embedding_name="text", train_test_split=0.5)
    ...     def fit(self, embeddings, labels):
    ...         self.fit_model(embeddings, labels)
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> result = cross_fit_predict(Nearest, X, ["a", "a", "b", None])
    Traceback (most recent call last):
    ...
    heuristics.learners.folds.NotEnoughLabels: field 'labels': needs at least 2 labelled records in each of 2 classes, has (a: 2, b: 1)
    >>> cross_fit_predict(Nearest, X, ["a", "a", None, None]).probabilities
    Traceback (most recent call last):
    ...
    heuristics.learners.folds.NotEnoughLabels: field 'labels': needs labels of at least 2 classes, has 1 (a: 2)
    """  # noqa: E501
    if not (isinstance(learner_cls, type) and issubclass(learner_cls, LearningClassifier)):
        raise InvalidInputError(
            "cross_fit_predict needs a LearningClassifier subclass", field="source"
        )
    params = fit_params(learner_cls)
    X = check_embedding_matrix(X)
    codes, classes = _encode_reference(labels, len(X))
    labelled, unlabelled = np.flatnonzero(codes >= 0), np.flatnonzero(codes < 0)
    truth = codes[labelled]
    support = np.bincount(truth, minlength=len(classes))
    check_class_counts(dict(zip(classes, support.tolist(), strict=True)))
    names = np.array(classes, dtype=object)[truth]  # each labelled record's label name
    n_folds, splits = split_folds(truth, n_folds=params.n_folds, seed=seed)
    layout = _FoldLayout(X, labelled, unlabelled, [test for _, test in splits])
    names = names[layout.held_out_order]
    probabilities = np.zeros((len(X), len(classes)))
    folds = np.full(len(X), -1, dtype=int)
    report = step_reporter(on_step, n_folds=n_folds, extra=len(unlabelled) > 0)

    def model(fold: int | None) -> Callable[[], np.ndarray]:
        """Fit on every fold but ``fold`` (all labelled records if None), predict the rest;
        the training rows are gathered when the model starts (a copy, with 3 folds or more)."""
        def fit_and_predict() -> np.ndarray:
            learner = learner_cls()
            if fold is None:
                learner.fit(layout.labelled_rows, names.tolist())
                return _class_probabilities(learner, layout.unlabelled_rows, classes)
            learner.fit(layout.training(fold), layout.training(fold, names).tolist())
            return _class_probabilities(learner, layout.rows(fold), classes)
        return fit_and_predict

    steps = [*range(n_folds), *([None] if len(unlabelled) else [])]
    for index, predicted_rows in fit_models([model(fold) for fold in steps], threads=threads):
        fold = steps[index]
        if fold is None:
            probabilities[unlabelled] = predicted_rows
            report(None, len(labelled), len(unlabelled))
            continue
        held_out = layout.records(fold)
        probabilities[held_out] = predicted_rows
        folds[held_out] = fold
        report(fold, len(labelled) - len(held_out), len(held_out))
    predicted = probabilities[labelled].argmax(axis=1)
    right = predicted == truth
    true_positives = np.bincount(truth[right], minlength=len(classes))
    n_predicted = np.bincount(predicted, minlength=len(classes))
    per_label = tuple(
        label_metrics(label, true_positives=int(true_positives[k]),
                       predicted=int(n_predicted[k]), support=int(support[k]))
        for k, label in enumerate(classes)
    )
    accuracy = float(right.mean())
    return LearnerPredictions(
        probabilities=probabilities,
        classes=classes,
        folds=folds,
        n_folds=n_folds,
        n_labelled=len(labelled),
        held_out=HeldOutMetrics(accuracy=accuracy, labels=per_label),
    )

