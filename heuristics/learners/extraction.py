"""Cross-fitting of extraction learners over token embeddings, and their held-out span metrics."""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from heuristics.errors import InvalidInputError
from heuristics.learners.base import LearningExtractor
from heuristics.learners.folds import check_span_labels, fit_models, split_folds, step_reporter
from heuristics.learners.params import fit_params
from heuristics.learners.results import (
    HeldOutSpanMetrics,
    OnFitStep,
    SpanPredictions,
    label_metrics,
)
from heuristics.learners.votes import spans_from_token_predictions
from heuristics.spans import OUTSIDE
from heuristics.validation import check_embeddings

__all__ = ["cross_fit_predict_spans"]

def _check_token_output(
    output: Any, vectors: Sequence[np.ndarray]
) -> tuple[list[list[str]], list[list[float]]]:
    """The (labels, confidences) a learner's predict_proba returned, checked against the input."""
    if not (isinstance(output, tuple | list) and len(output) == 2):
        raise InvalidInputError(
            "predict_proba of an extraction learner must return (labels, confidences)",
            field="output",
        )
    labels, confidences = output
    if len(labels) != len(vectors) or len(confidences) != len(vectors):
        raise InvalidInputError(
            f"predict_proba returned {len(labels)} label and {len(confidences)} confidence "
            f"lists for {len(vectors)} records",
            field="output",
        )
    checked_labels, checked_confidences = [], []
    for row, (names, values, tokens) in enumerate(zip(labels, confidences, vectors, strict=True)):
        names = [str(name) for name in names]
        values = [float(value) for value in values]
        if len(names) != len(tokens) or len(values) != len(tokens):
            raise InvalidInputError(
                f"predict_proba returned {len(names)} labels and {len(values)} confidences "
                f"for {len(tokens)} tokens",
                field="output",
                row=row,
            )
        if not all(0.0 <= value <= 1.0 + 1e-9 for value in values):
            raise InvalidInputError(
                "predict_proba returned confidences outside [0, 1]", field="output", row=row
            )
        checked_labels.append(names)
        checked_confidences.append(values)
    return checked_labels, checked_confidences


def _check_token_reference(
    labels: Sequence[Sequence[str] | None], vectors: Sequence[np.ndarray]
) -> list[list[str] | None]:
    if len(labels) != len(vectors):
        raise InvalidInputError(
            f"got {len(vectors)} records of embeddings but {len(labels)} of labels",
            field="labels",
        )
    reference: list[list[str] | None] = []
    for row, (names, tokens) in enumerate(zip(labels, vectors, strict=True)):
        if names is None:
            reference.append(None)
            continue
        if isinstance(names, str) or len(names) != len(tokens):
            raise InvalidInputError(
                f"record {row} has {len(tokens)} tokens but labels {names!r}",
                field="labels",
                row=row,
            )
        if not all(isinstance(name, str) and name for name in names):
            raise InvalidInputError("token labels must be label names", field="labels", row=row)
        reference.append(list(names))
    return reference


def cross_fit_predict_spans(
    learner_cls: type,
    embeddings: Sequence[Any],
    labels: Sequence[Sequence[str] | None],
    *,
    tokens: Sequence[Sequence[str]] | None = None,
    seed: int = 0,
    on_step: OnFitStep | None = None,
    threads: int = 1,
) -> SpanPredictions:
    """Fit an extraction learner on the labelled records and predict every record honestly.

    As :func:`cross_fit_predict`, over token embeddings: the labelled records are split into
    K folds (K from ``train_test_split``, :func:`folds_for_split`), stratified by whether a
    record has spans, so that every model trains on some spans; each fold is predicted by a
    fresh instance fitted on the other folds, and unlabelled records by one fitted on all
    labelled records. K is capped as in :func:`cross_fit_predict`.

    Parameters
    ----------
    learner_cls : type
        A subclass of :class:`LearningExtractor` with ``@params_fit``.
    embeddings : sequence of array-like of shape (n_tokens, dims)
        Per record of the project, one vector per token.
    labels : sequence of (sequence of str or None)
        Per record, its reference token labels (OUTSIDE outside spans), or None where it has
        no manual labels. A labelled record without spans is all OUTSIDE.
    tokens : sequence of sequence of str, optional
        Per record, its words (one per token), given to the learner's ``fit`` and
        ``predict_proba`` where they declare a ``tokens`` parameter.
    seed, on_step, threads
        As in :func:`~heuristics.learners.classification.cross_fit_predict`.

    Returns
    -------
    SpanPredictions

    Raises
    ------
    NotEnoughLabels
        If fewer than 2 labelled records have spans, or fewer than 2 are labelled.
    InvalidInputError
        If the inputs do not match, the class is not an extraction learner, or its
        ``predict_proba`` returns the wrong shapes.

    Examples
    --------
    >>> from heuristics.learners.params import params_fit
    >>> from heuristics.sequence import NearestNeighborTagger
    >>> class Cities(LearningExtractor):
    ...     def __init__(self):
    ...         self.model = NearestNeighborTagger(n_neighbors=1)
    ...     @params_fit(embedding_name="text-tokens")
    ...     def fit(self, embeddings, labels):
    ...         self.fit_model(embeddings, labels)
    >>> E = [np.array([[1.0], [0.0]]), np.array([[0.0], [0.9]]), np.array([[0.95]])]
    >>> result = cross_fit_predict_spans(Cities, E, [["CITY", "OUTSIDE"], ["OUTSIDE", "CITY"],
    ...                                              None])
    >>> result.labels, result.held_out.f1
    ([['CITY', 'OUTSIDE'], ['OUTSIDE', 'CITY'], ['CITY']], 1.0)
    """
    if not (isinstance(learner_cls, type) and issubclass(learner_cls, LearningExtractor)):
        raise InvalidInputError(
            "cross_fit_predict_spans needs a LearningExtractor subclass", field="source"
        )
    params = fit_params(learner_cls)
    vectors = check_embeddings(embeddings)
    reference = _check_token_reference(labels, vectors)
    labelled = [i for i, names in enumerate(reference) if names is not None]
    with_spans = [i for i in labelled if any(name != OUTSIDE for name in reference[i])]
    check_span_labels(len(labelled), len(with_spans))
    has_spans = set(with_spans)
    strata = np.fromiter((i in has_spans for i in labelled), dtype=np.int64, count=len(labelled))
    n_folds, splits = split_folds(strata, n_folds=params.n_folds, seed=seed)
    predicted: list[list[str]] = [[] for _ in vectors]
    confidences: list[list[float]] = [[] for _ in vectors]
    folds = np.full(len(vectors), -1, dtype=int)

    words = _check_words(tokens, vectors)

    def call(method: Callable, rows: Sequence[int], *args: Any) -> Any:
        if words is not None and "tokens" in inspect.signature(method).parameters:
            return method([vectors[i] for i in rows], *args, tokens=[words[i] for i in rows])
        return method([vectors[i] for i in rows], *args)

    def model(train: Sequence[int], test: Sequence[int]
              ) -> Callable[[], tuple[list[list[str]], list[list[float]]]]:
        def fit_and_predict() -> tuple[list[list[str]], list[list[float]]]:
            learner = learner_cls()
            call(learner.fit, train, [reference[i] for i in train])
            return _check_token_output(call(learner.predict_proba, test),
                                       [vectors[i] for i in test])
        return fit_and_predict

    unlabelled = [i for i, names in enumerate(reference) if names is None]
    report = step_reporter(on_step, n_folds=n_folds, extra=bool(unlabelled))
    steps = [([labelled[i] for i in train], [labelled[i] for i in test], fold)
             for fold, (train, test) in enumerate(splits)]
    if unlabelled:
        steps.append((labelled, unlabelled, None))
    models = [model(train, test) for train, test, _ in steps]
    for index, (names, values) in fit_models(models, threads=threads):
        train, test, fold = steps[index]
        for i, record_names, record_values in zip(test, names, values, strict=True):
            predicted[i], confidences[i] = record_names, record_values
        if fold is not None:
            folds[test] = fold
        report(fold, len(train), len(test))
    return SpanPredictions(
        labels=predicted,
        confidences=confidences,
        folds=folds,
        n_folds=n_folds,
        n_labelled=len(labelled),
        held_out=_span_metrics([reference[i] for i in labelled], [predicted[i] for i in labelled]),
    )


def _check_words(tokens: Sequence[Sequence[str]] | None, vectors: Sequence[np.ndarray]
                 ) -> list[list[str]] | None:
    """The words per record, one per token vector, or None."""
    if tokens is None:
        return None
    words = [list(record) for record in tokens]
    if len(words) != len(vectors) or any(
            len(record) != len(array) for record, array in zip(words, vectors, strict=False)):
        raise InvalidInputError("tokens must hold one word per token vector of every record",
                                field="tokens")
    return words


def _span_metrics(
    reference: Sequence[list[str]], predicted: Sequence[list[str]]
) -> HeldOutSpanMetrics:
    """Token accuracy and exact-span precision, recall and F1 of held-out predictions."""
    tokens = sum(len(names) for names in reference)
    correct = sum(
        p == t
        for ps, ts in zip(predicted, reference, strict=True)
        for p, t in zip(ps, ts, strict=True)
    )
    true_positives: Counter[str] = Counter()
    n_predicted: Counter[str] = Counter()
    support: Counter[str] = Counter()
    for ps, ts in zip(predicted, reference, strict=True):
        found = {s[:3] for s in spans_from_token_predictions(ps, [1.0] * len(ps))}
        wanted = {s[:3] for s in spans_from_token_predictions(ts, [1.0] * len(ts))}
        n_predicted.update(span[0] for span in found)
        support.update(span[0] for span in wanted)
        true_positives.update(span[0] for span in found & wanted)
    labels = sorted({*support, *n_predicted})
    total = label_metrics(
        "", sum(true_positives.values()), sum(n_predicted.values()), sum(support.values())
    )
    return HeldOutSpanMetrics(
        token_accuracy=correct / tokens if tokens else 0.0,
        precision=total.precision,
        recall=total.recall,
        f1=total.f1,
        labels=tuple(
            label_metrics(label, true_positives[label], n_predicted[label], support[label])
            for label in labels
        ),
    )
