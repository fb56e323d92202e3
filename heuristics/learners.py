"""Active learners: user classes fitted on manual labels over stored embeddings.

The contract mirrors refinery's. A user writes one class, a subclass of
:class:`LearningClassifier` (one label per record, from record embeddings) or of
:class:`LearningExtractor` (one label per token, from token embeddings), whose ``__init__``
stores a model and whose ``fit`` and ``predict_proba`` are decorated with :func:`params_fit`
(which embedding, how much to train on) and :func:`params_inference` (which predictions become
votes). The decorators only record their arguments; :func:`fit_params` and
:func:`inference_params` read them without running anything.

The driver functions run the class over a project:

* :func:`cross_fit_predict` (classification) and :func:`cross_fit_predict_spans` (extraction)
  fit the class on the manually labelled records and predict every record. Labelled records
  are predicted by models that did not see them (K-fold cross-fitting, K from
  ``train_test_split``, see :func:`folds_for_split`), so the held-out metrics they report,
  and any statistics computed from the predictions, measure generalisation, not memory.
  Unlabelled records are predicted by a model fitted on all labelled records.
* :func:`votes_from_probabilities` and :func:`spans_from_token_predictions` turn kept
  predictions into votes under a ``min_confidence`` (and ``label_names``), so the threshold can
  change without refitting.

Examples
--------
>>> from sklearn.linear_model import LogisticRegression
>>> class SpamLearner(LearningClassifier):
...     def __init__(self):
...         self.model = LogisticRegression()
...
...     @params_fit(embedding_name="text-all-MiniLM-L6-v2", train_test_split=0.5)
...     def fit(self, embeddings, labels):
...         self.fit_model(embeddings, labels)
...
...     @params_inference(min_confidence=0.8, label_names=None)
...     def predict_proba(self, embeddings):
...         return self.predict_proba_model(embeddings)
>>> fit_params(SpamLearner)
FitParams(embedding_name='text-all-MiniLM-L6-v2', train_test_split=0.5)
>>> X = np.array([[0.0, 5.0], [0.5, 5.0], [0.5, 4.0], [5.0, 0.0], [4.0, 0.5], [5.0, 0.5]])
>>> labels = ["ham", "ham", None, "spam", "spam", "spam"]
>>> predictions = cross_fit_predict(SpamLearner, X, labels)
>>> predictions.classes, predictions.n_folds, predictions.held_out.accuracy
(('ham', 'spam'), 2, 1.0)
>>> votes, confidences = votes_from_probabilities(
...     predictions.probabilities, predictions.classes, min_confidence=0.5)
>>> votes
['ham', 'ham', 'ham', 'spam', 'spam', 'spam']
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import numpy as np
from sklearn.model_selection import StratifiedKFold

from heuristics.errors import InvalidInputError
from heuristics.sequence.base import OUTSIDE, check_embeddings

__all__ = [
    "MAX_FOLDS",
    "FitParams",
    "FitStep",
    "HeldOutMetrics",
    "HeldOutSpanMetrics",
    "InferenceParams",
    "LabelMetrics",
    "LearnerPredictions",
    "LearningClassifier",
    "LearningExtractor",
    "NotEnoughLabels",
    "OnFitStep",
    "SpanPredictions",
    "TokenSpan",
    "cross_fit_predict",
    "cross_fit_predict_spans",
    "find_learner_class",
    "fit_params",
    "folds_for_split",
    "inference_params",
    "learner_classes",
    "params_fit",
    "params_inference",
    "spans_from_token_predictions",
    "votes_from_probabilities",
]

MAX_FOLDS = 10
"""The most folds cross-fitting uses, whatever ``train_test_split`` asks for."""

_FIT_ATTRIBUTE = "heurist_fit_params"
_INFERENCE_ATTRIBUTE = "heurist_inference_params"

F = TypeVar("F", bound=Callable[..., Any])


class NotEnoughLabels(InvalidInputError):
    """Too few manual labels to fit a learner and predict labelled records honestly
    (``field`` is ``"labels"``: more labelling, not other code, fixes it)."""

    def __init__(self, message: str, *, field: str | None = "labels",
                 row: int | None = None) -> None:
        super().__init__(message, field=field, row=row)


def check_class_labels(names: Sequence[str]) -> None:
    """Raise NotEnoughLabels unless the labelled records' class names let every fold's model
    train on at least 2 classes: 2 classes with at least 2 labelled records each.

    >>> check_class_labels(["spam"] * 5)
    Traceback (most recent call last):
    ...
    heuristics.learners.NotEnoughLabels: field 'labels': needs labels of at least 2 classes, has 1 (spam: 5)
    >>> check_class_labels(["spam"] * 5 + ["ham"])
    Traceback (most recent call last):
    ...
    heuristics.learners.NotEnoughLabels: field 'labels': needs at least 2 labelled records in each of 2 classes, has (ham: 1, spam: 5)
    """  # noqa: E501
    counts = Counter(names)
    if len(counts) < 2:
        raise NotEnoughLabels(
            f"needs labels of at least 2 classes, has {len(counts)}"
            + (f" ({_counts(names)})" if names else "")
        )
    if sum(1 for count in counts.values() if count >= 2) < 2:
        raise NotEnoughLabels(
            f"needs at least 2 labelled records in each of 2 classes, has ({_counts(names)})"
        )


def check_span_labels(n_labelled: int, n_with_spans: int) -> None:
    """Raise NotEnoughLabels unless at least 2 labelled records have spans.

    >>> check_span_labels(10, 1)
    Traceback (most recent call last):
    ...
    heuristics.learners.NotEnoughLabels: field 'labels': needs spans in at least 2 labelled records, has 1 (10 labelled records)
    """  # noqa: E501
    if n_with_spans < 2:
        raise NotEnoughLabels(f"needs spans in at least 2 labelled records, has {n_with_spans} "
                              f"({n_labelled} labelled records)")


# ----------------------------------------------------------------------------- decorators


@dataclass(frozen=True)
class FitParams:
    """What ``@params_fit`` says about fitting.

    Attributes
    ----------
    embedding_name : str
        The stored embedding the learner is fitted on.
    train_test_split : float
        The share of the labelled records each model is trained on, in (0, 1); sets the number
        of cross-fitting folds (:attr:`n_folds`).
    """

    embedding_name: str
    train_test_split: float = 0.5

    @property
    def n_folds(self) -> int:
        """The number of cross-fitting folds, see :func:`folds_for_split`."""
        return folds_for_split(self.train_test_split)


@dataclass(frozen=True)
class InferenceParams:
    """What ``@params_inference`` says about turning predictions into votes.

    Attributes
    ----------
    min_confidence : float
        Predictions less confident than this, in [0, 1], do not vote.
    label_names : tuple of str or None
        Only these labels vote; None means all.
    """

    min_confidence: float = 0.0
    label_names: tuple[str, ...] | None = None


def _check_fraction(name: str, value: Any, *, low: float, high: float, closed: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise InvalidInputError(f"{name} must be a number, got {value!r}", field=name)
    inside = low <= value <= high if closed else low < value < high
    if not inside:
        bounds = f"[{low:g}, {high:g}]" if closed else f"({low:g}, {high:g})"
        raise InvalidInputError(f"{name} must be in {bounds}, got {value!r}", field=name)
    return float(value)


def params_fit(*, embedding_name: str, train_test_split: float = 0.5) -> Callable[[F], F]:
    """Decorate a learner's ``fit`` with the embedding it uses and its training share.

    The decorated function is returned unchanged, with a :class:`FitParams` attached; read it
    with :func:`fit_params`.

    Parameters
    ----------
    embedding_name : str
        Name of the stored embedding to fit on.
    train_test_split : float, default 0.5
        Share of the labelled records each cross-fitted model is trained on, in (0, 1).

    Returns
    -------
    callable
        The decorator.

    Raises
    ------
    InvalidInputError
        If ``embedding_name`` is not a non-empty string (field ``embedding_name``) or
        ``train_test_split`` is not in (0, 1) (field ``train_test_split``).

    Examples
    --------
    >>> @params_fit(embedding_name="text-all-MiniLM-L6-v2", train_test_split=0.8)
    ... def fit(self, embeddings, labels):
    ...     pass
    >>> fit.heurist_fit_params.n_folds
    5
    >>> params_fit(embedding_name="text", train_test_split=1.0)
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'train_test_split': train_test_split must be in (0, 1), got 1.0
    """  # noqa: E501
    if not isinstance(embedding_name, str) or not embedding_name:
        raise InvalidInputError(
            f"embedding_name must be a non-empty string, got {embedding_name!r}",
            field="embedding_name",
        )
    split = _check_fraction("train_test_split", train_test_split, low=0, high=1, closed=False)
    params = FitParams(embedding_name, split)

    def decorate(function: F) -> F:
        setattr(function, _FIT_ATTRIBUTE, params)
        return function

    return decorate


def params_inference(
    *, min_confidence: float = 0.0, label_names: Sequence[str] | None = None
) -> Callable[[F], F]:
    """Decorate a learner's ``predict_proba`` with the rule that turns predictions into votes.

    The decorated function is returned unchanged, with an :class:`InferenceParams` attached;
    read it with :func:`inference_params`.

    Parameters
    ----------
    min_confidence : float, default 0.0
        Predictions with a lower confidence, in [0, 1], do not vote.
    label_names : sequence of str or None, default None
        Only predictions of these labels vote; None means all.

    Returns
    -------
    callable
        The decorator.

    Raises
    ------
    InvalidInputError
        If ``min_confidence`` is not in [0, 1] (field ``min_confidence``) or ``label_names`` is
        not a list of strings (field ``label_names``).

    Examples
    --------
    >>> @params_inference(min_confidence=0.9, label_names=["spam"])
    ... def predict_proba(self, embeddings):
    ...     pass
    >>> predict_proba.heurist_inference_params
    InferenceParams(min_confidence=0.9, label_names=('spam',))
    >>> params_inference(min_confidence=1.5)
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'min_confidence': min_confidence must be in [0, 1], got 1.5
    """  # noqa: E501
    confidence = _check_fraction("min_confidence", min_confidence, low=0, high=1, closed=True)
    names: tuple[str, ...] | None = None
    if label_names is not None:
        if isinstance(label_names, str) or not all(isinstance(name, str) for name in label_names):
            raise InvalidInputError(
                f"label_names must be a list of label names or None, got {label_names!r}",
                field="label_names",
            )
        names = tuple(label_names)
    params = InferenceParams(confidence, names)

    def decorate(function: F) -> F:
        setattr(function, _INFERENCE_ATTRIBUTE, params)
        return function

    return decorate


def fit_params(learner_cls: type) -> FitParams:
    """The :class:`FitParams` of a learner class's ``@params_fit``, without calling anything.

    Raises
    ------
    InvalidInputError
        If ``fit`` is not decorated with ``@params_fit`` (field ``source``).

    Examples
    --------
    >>> class Learner(LearningClassifier):
    ...     @params_fit(embedding_name="text-all-MiniLM-L6-v2")
    ...     def fit(self, embeddings, labels):
    ...         self.fit_model(embeddings, labels)
    >>> fit_params(Learner).train_test_split
    0.5
    >>> fit_params(LearningClassifier)
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'source': decorate fit with @params_fit(embedding_name=..., train_test_split=...)
    """  # noqa: E501
    params = getattr(getattr(learner_cls, "fit", None), _FIT_ATTRIBUTE, None)
    if not isinstance(params, FitParams):
        raise InvalidInputError(
            "decorate fit with @params_fit(embedding_name=..., train_test_split=...)",
            field="source",
        )
    return params


def inference_params(learner_cls: type) -> InferenceParams:
    """The :class:`InferenceParams` of a learner class's ``@params_inference``.

    A ``predict_proba`` without the decorator gets the defaults: every prediction votes.

    Examples
    --------
    >>> inference_params(LearningClassifier)
    InferenceParams(min_confidence=0.0, label_names=None)
    """
    params = getattr(getattr(learner_cls, "predict_proba", None), _INFERENCE_ATTRIBUTE, None)
    return params if isinstance(params, InferenceParams) else InferenceParams()


def folds_for_split(train_test_split: float) -> int:
    """The number of cross-fitting folds for a training share.

    With K folds every labelled record is held out exactly once and each model trains on
    (K-1)/K of the labelled records. K is the number in 2..:data:`MAX_FOLDS` whose training
    share (K-1)/K is closest to ``train_test_split`` (ties go to fewer folds): 0.5 gives 2
    folds, 0.8 gives 5, 0.9 and above give 10. Shares below 0.5 give 2 folds, because K-fold
    cross-fitting cannot train on less than half.

    Parameters
    ----------
    train_test_split : float
        Share of the labelled records to train each model on, in (0, 1).

    Returns
    -------
    int

    Raises
    ------
    InvalidInputError
        If ``train_test_split`` is not in (0, 1) (field ``train_test_split``).

    Examples
    --------
    >>> [folds_for_split(s) for s in (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.99)]
    [2, 2, 3, 3, 4, 5, 10, 10]
    """
    split = _check_fraction("train_test_split", train_test_split, low=0, high=1, closed=False)
    return min(range(2, MAX_FOLDS + 1), key=lambda k: (abs((k - 1) / k - split), k))


# ----------------------------------------------------------------------------- base classes


class _Learner:
    """Shared by both learner kinds: records the decorators' parameters on the class."""

    heurist_fit_params: FitParams | None = None
    heurist_inference_params: InferenceParams | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.heurist_fit_params = getattr(getattr(cls, "fit", None), _FIT_ATTRIBUTE, None)
        cls.heurist_inference_params = getattr(
            getattr(cls, "predict_proba", None), _INFERENCE_ATTRIBUTE, None
        )


class LearningClassifier(_Learner):
    """Base of classification learners: one label per record from record embeddings.

    A subclass's ``__init__`` stores any scikit-learn classifier with ``predict_proba`` as
    ``self.model`` (``GridSearchCV`` and pipelines included; without one,
    ``LogisticRegression(max_iter=1000)`` is used). Its ``fit(embeddings, labels)`` gets an
    ``(n_records, dims)`` array and one label name per row and usually calls
    :meth:`fit_model`; its ``predict_proba(embeddings)`` returns ``(n_records, n_classes)``
    probabilities, usually those of :meth:`predict_proba_model`. Calling ``self.model.fit``
    and ``self.model.predict_proba`` directly, as refinery's template does, works too.

    Attributes
    ----------
    classes_ : ndarray of str
        The label names seen by :meth:`fit_model`, sorted; the columns of
        :meth:`predict_proba_model`.

    Examples
    --------
    >>> learner = LearningClassifier()
    >>> learner.fit_model(np.array([[0.0], [0.1], [1.0], [0.9]]), ["ham", "ham", "spam", "spam"])
    >>> learner.classes_.tolist(), learner.predict(np.array([[0.95]])).tolist()
    (['ham', 'spam'], ['spam'])
    """

    model: Any

    def fit(self, embeddings: np.ndarray, labels: Sequence[str]) -> None:
        """Fit :attr:`model` (the default when a subclass does not override ``fit``)."""
        self.fit_model(embeddings, labels)

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        """Probabilities of :attr:`model` (the default when a subclass does not override it)."""
        return self.predict_proba_model(embeddings)

    def _model(self) -> Any:
        if getattr(self, "model", None) is None:
            from sklearn.linear_model import LogisticRegression

            self.model = LogisticRegression(max_iter=1000)
        return self.model

    def fit_model(self, embeddings: np.ndarray, labels: Sequence[str]) -> None:
        """Fit ``self.model`` on embeddings and label names.

        The names are encoded as integers 0..n_classes-1 in sorted order before the model
        sees them; ``classes_`` keeps the names.

        Parameters
        ----------
        embeddings : array-like of shape (n_records, dims)
            One vector per record.
        labels : sequence of str
            One label name per record.

        Raises
        ------
        InvalidInputError
            If the shapes do not match, a value is not finite, or a label is not a string.
        """
        X = _check_matrix(embeddings)
        names = list(labels)
        if len(names) != len(X):
            raise InvalidInputError(
                f"got {len(X)} embeddings but {len(names)} labels", field="labels"
            )
        if not all(isinstance(name, str) for name in names):
            raise InvalidInputError("labels must be label names (strings)", field="labels")
        classes = sorted(set(names))
        code = {name: k for k, name in enumerate(classes)}
        self.classes_ = np.array(classes, dtype=str)
        self._model().fit(X, np.fromiter((code[name] for name in names), dtype=np.int64,
                                         count=len(names)))

    def predict_proba_model(self, embeddings: np.ndarray) -> np.ndarray:
        """Probabilities of ``self.model``, one column per entry of ``classes_``.

        Parameters
        ----------
        embeddings : array-like of shape (n_records, dims)
            One vector per record.

        Returns
        -------
        ndarray of shape (n_records, n_classes)
            Rows sum to 1; columns in the order of ``classes_``.

        Raises
        ------
        InvalidInputError
            If :meth:`fit_model` was not called or the model has no ``predict_proba``.
        """
        if not hasattr(self, "classes_"):
            raise InvalidInputError("call fit_model before predict_proba_model", field="source")
        model = self._model()
        if not hasattr(model, "predict_proba"):
            raise InvalidInputError(
                f"{type(model).__name__} has no predict_proba; use a probabilistic classifier "
                "or wrap it in sklearn.calibration.CalibratedClassifierCV",
                field="model",
            )
        probabilities = np.asarray(model.predict_proba(_check_matrix(embeddings)), dtype=float)
        codes = np.asarray(getattr(model, "classes_", np.arange(probabilities.shape[1])))
        result = np.zeros((len(probabilities), len(self.classes_)))
        result[:, codes.astype(int)] = probabilities
        return result

    def predict(self, embeddings: np.ndarray) -> np.ndarray:
        """The most probable label name per record, from ``predict_proba``.

        Returns
        -------
        ndarray of str, shape (n_records,)
        """
        probabilities = np.asarray(self.predict_proba(embeddings))
        return np.asarray(learner_classes(self))[probabilities.argmax(axis=1)]


class LearningExtractor(_Learner):
    """Base of extraction learners: one label per token from token embeddings.

    A subclass's ``__init__`` stores a span tagger as ``self.model``: any object with the
    sequencelearn API, e.g. a :mod:`heuristics.sequence` tagger (without one,
    :class:`~heuristics.sequence.CRFTagger` is used). ``fit(embeddings, labels)`` gets one
    ``(n_tokens, dims)`` array per record and one list of token labels per record
    (:data:`~heuristics.sequence.OUTSIDE` outside spans); ``predict_proba(embeddings)`` returns
    ``(labels, confidences)``, one label and one confidence per token.

    **Lexical features.** When ``fit`` and ``predict_proba`` declare a ``tokens`` parameter
    (``def fit(self, embeddings, labels, tokens)``), they also get the words of each record,
    one string per token; pass them on with ``fit_model(..., tokens=tokens)`` and
    ``predict_proba_model(..., tokens=tokens)`` to a tagger that uses them (the
    :class:`~heuristics.sequence.CRFTagger` adds word-shape, affix and word features). The
    sentence-transformer embeddings are uncased, so this is where capitalisation comes back.

    Attributes
    ----------
    classes_ : ndarray of str
        The token labels seen by :meth:`fit_model`, sorted.

    Examples
    --------
    >>> from heuristics.sequence import NearestNeighborTagger
    >>> learner = LearningExtractor()
    >>> learner.model = NearestNeighborTagger(n_neighbors=1)
    >>> learner.fit_model([np.array([[1.0], [0.0]])], [["CITY", "OUTSIDE"]])
    >>> learner.predict_proba_model([np.array([[0.9]])])
    ([['CITY']], [[1.0]])
    """

    model: Any

    def fit(self, embeddings: list[np.ndarray], labels: list[list[str]]) -> None:
        """Fit :attr:`model` (the default when a subclass does not override ``fit``)."""
        self.fit_model(embeddings, labels)

    def predict_proba(
        self, embeddings: list[np.ndarray]
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Predictions of :attr:`model` (the default when a subclass does not override it)."""
        return self.predict_proba_model(embeddings)

    def _model(self) -> Any:
        if getattr(self, "model", None) is None:
            from heuristics.sequence import CRFTagger

            self.model = CRFTagger()
        return self.model

    def fit_model(self, embeddings: Sequence[Any], labels: Sequence[Sequence[str]],
                  tokens: Sequence[Sequence[str]] | None = None) -> None:
        """Fit ``self.model`` on token embeddings and token labels.

        Parameters
        ----------
        embeddings : sequence of array-like of shape (n_tokens, dims)
            Per record, one vector per token.
        labels : sequence of sequence of str
            Per record, one label per token.
        tokens : sequence of sequence of str, optional
            Per record, its words; passed to the model as ``tokens=`` when given.
        """
        if tokens is None:
            self._model().fit(embeddings, labels)
        else:
            self._model().fit(embeddings, labels, tokens=tokens)
        self.classes_ = np.array(sorted({name for sequence in labels for name in sequence}))

    def predict_proba_model(
        self, embeddings: Sequence[Any], tokens: Sequence[Sequence[str]] | None = None
    ) -> tuple[list[list[str]], list[list[float]]]:
        """Token labels and confidences of ``self.model`` (given ``tokens=`` when not None).

        Returns
        -------
        labels : list of list of str
            Per record, one label per token.
        confidences : list of list of float
            Per record, one confidence per token.
        """
        if tokens is None:
            return self._model().predict_proba(embeddings)
        return self._model().predict_proba(embeddings, tokens=tokens)


def learner_classes(learner: Any) -> tuple[str, ...]:
    """The label names in the order of a fitted classification learner's probabilities.

    Those of :meth:`LearningClassifier.fit_model` if it was used, else the model's own
    ``classes_`` (for code that calls ``self.model.fit`` with label names directly).

    Raises
    ------
    InvalidInputError
        If neither is known (field ``source``).

    Examples
    --------
    >>> learner = LearningClassifier()
    >>> learner.fit_model(np.eye(2), ["b", "a"])
    >>> learner_classes(learner)
    ('a', 'b')
    """
    classes = getattr(learner, "classes_", None)
    if classes is None:
        classes = getattr(getattr(learner, "model", None), "classes_", None)
    if classes is None:
        raise InvalidInputError(
            "the learner's label order is unknown: call self.fit_model(embeddings, labels) in "
            "fit, or fit self.model on the label names",
            field="source",
        )
    return tuple(str(name) for name in classes)


def find_learner_class(namespace: Mapping[str, Any]) -> type:
    """The one learner class a user's module defines.

    Parameters
    ----------
    namespace : mapping
        The module's globals after running its source. Classes count only if they subclass
        :class:`LearningClassifier` or :class:`LearningExtractor` and were defined in this
        module (their ``__module__`` is the namespace's ``__name__``), so imported ones
        (the base classes themselves included) do not.

    Returns
    -------
    type

    Raises
    ------
    InvalidInputError
        If there is not exactly one such class (field ``source``).

    Examples
    --------
    >>> namespace = {"__name__": "heuristic"}
    >>> exec("from heuristics.learners import LearningClassifier\\n"
    ...      "class Spam(LearningClassifier):\\n    pass\\n", namespace)
    >>> find_learner_class(namespace).__name__
    'Spam'
    >>> find_learner_class({"__name__": "heuristic", "LearningClassifier": LearningClassifier})
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'source': define exactly one learner class, a subclass of LearningClassifier or LearningExtractor (found 0)
    """  # noqa: E501
    module = namespace.get("__name__")
    found = [
        value
        for value in namespace.values()
        if isinstance(value, type)
        and issubclass(value, LearningClassifier | LearningExtractor)
        and value not in (LearningClassifier, LearningExtractor)
        and (
            value.__module__ == module if module else not value.__module__.startswith("heuristics")
        )
    ]
    found = list(dict.fromkeys(found))
    if len(found) != 1:
        names = ", ".join(cls.__name__ for cls in found)
        raise InvalidInputError(
            "define exactly one learner class, a subclass of LearningClassifier or "
            f"LearningExtractor (found {len(found)}{': ' + names if names else ''})",
            field="source",
        )
    return found[0]


# ----------------------------------------------------------------------------- results


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
    folds : ndarray of int, shape (n_records,)
        The fold that held each labelled record out; -1 for unlabelled records.
    n_folds : int
        The number of cross-fitting folds used.
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


class TokenSpan(NamedTuple):
    """A predicted span: label, token offsets (end exclusive) and mean token confidence."""

    label: str
    start: int
    end: int
    confidence: float


# ----------------------------------------------------------------------------- helpers


def _check_matrix(embeddings: Any) -> np.ndarray:
    """The embeddings as a 2-d float array; float32 stays float32 (no copy of a large matrix)."""
    try:
        X = np.asarray(embeddings)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(
            "embeddings must be an (n_records, dims) array of numbers", field="embeddings"
        ) from error
    if X.ndim != 2:
        raise InvalidInputError(
            f"embeddings must be an (n_records, dims) array, got shape {X.shape}",
            field="embeddings",
        )
    if not np.isfinite(X).all():
        raise InvalidInputError("embeddings hold NaN or infinite values", field="embeddings")
    return X


def _counts(names: Sequence[str]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in sorted(Counter(names).items()))


def _split(
    keys: Sequence[str], *, n_folds: int, seed: int
) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    """Stratified folds over records by ``keys``; the fold count is capped by sklearn's rule
    that some key must have at least as many records as there are folds."""
    largest = max(Counter(keys).values())
    n_folds = max(2, min(n_folds, largest))
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")
        folds = list(splitter.split(np.zeros((len(keys), 1)), np.asarray(keys)))
    return n_folds, folds


def _label_metrics(label: str, true_positives: int, predicted: int, support: int) -> LabelMetrics:
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return LabelMetrics(label, precision, recall, f1, support)


# ----------------------------------------------------------------------------- classification


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


def _check_reference(labels: Sequence[Any], n_records: int) -> list[str | None]:
    if len(labels) != n_records:
        raise InvalidInputError(
            f"got {n_records} records of embeddings but {len(labels)} labels", field="labels"
        )
    for row, name in enumerate(labels):
        if name is not None and (not isinstance(name, str) or not name):
            raise InvalidInputError(
                f"a label must be a label name or None, got {name!r}", field="labels", row=row
            )
    return list(labels)


def cross_fit_predict(
    learner_cls: type, X: np.ndarray, labels: Sequence[str | None], *, seed: int = 0,
    on_step: OnFitStep | None = None,
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
    heuristics.learners.NotEnoughLabels: field 'labels': needs at least 2 labelled records in each of 2 classes, has (a: 2, b: 1)
    >>> cross_fit_predict(Nearest, X, ["a", "a", None, None]).probabilities
    Traceback (most recent call last):
    ...
    heuristics.learners.NotEnoughLabels: field 'labels': needs labels of at least 2 classes, has 1 (a: 2)
    """  # noqa: E501
    if not (isinstance(learner_cls, type) and issubclass(learner_cls, LearningClassifier)):
        raise InvalidInputError(
            "cross_fit_predict needs a LearningClassifier subclass", field="source"
        )
    params = fit_params(learner_cls)
    X = _check_matrix(X)
    reference = _check_reference(labels, len(X))
    has_label = np.fromiter((name is not None for name in reference), dtype=bool,
                            count=len(reference))
    labelled, unlabelled = np.flatnonzero(has_label), np.flatnonzero(~has_label)
    names = [reference[i] for i in labelled.tolist()]
    check_class_labels(names)
    counts = Counter(names)
    classes = tuple(sorted(counts))
    n_folds, splits = _split(names, n_folds=params.n_folds, seed=seed)
    probabilities = np.zeros((len(X), len(classes)))
    folds = np.full(len(X), -1, dtype=int)
    report = _step_reporter(on_step, n_folds=n_folds, extra=len(unlabelled) > 0)
    for fold, (train, test) in enumerate(splits):
        learner = learner_cls()
        learner.fit(X[labelled[train]], [names[i] for i in train])
        probabilities[labelled[test]] = _class_probabilities(learner, X[labelled[test]], classes)
        folds[labelled[test]] = fold
        report(fold, len(train), len(test))
    if len(unlabelled):
        learner = learner_cls()
        learner.fit(X[labelled], names)
        probabilities[unlabelled] = _class_probabilities(learner, X[unlabelled], classes)
        report(None, len(labelled), len(unlabelled))
    position = {label: k for k, label in enumerate(classes)}
    truth = np.fromiter((position[name] for name in names), dtype=np.int64, count=len(names))
    predicted = probabilities[labelled].argmax(axis=1)
    right = predicted == truth
    true_positives = np.bincount(truth[right], minlength=len(classes))
    n_predicted = np.bincount(predicted, minlength=len(classes))
    per_label = tuple(
        _label_metrics(label, true_positives=int(true_positives[k]),
                       predicted=int(n_predicted[k]), support=counts[label])
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


def _step_reporter(on_step: OnFitStep | None, *, n_folds: int, extra: bool
                   ) -> Callable[[int | None, int, int], None]:
    """A function to call after each model: it numbers the steps and calls ``on_step``."""
    total, done = n_folds + int(extra), 0

    def report(fold: int | None, trained_on: int, predicted: int) -> None:
        nonlocal done
        done += 1
        if on_step is not None:
            on_step(FitStep(done=done, total=total, n_folds=n_folds, fold=fold,
                            trained_on=trained_on, predicted=predicted))

    return report


def votes_from_probabilities(
    probabilities: np.ndarray,
    classes: Sequence[str],
    *,
    min_confidence: float = 0.0,
    label_names: Sequence[str] | None = None,
) -> tuple[list[str | None], np.ndarray]:
    """Each record's vote: its most probable label, if confident enough and wanted.

    Parameters
    ----------
    probabilities : ndarray of shape (n_records, n_classes)
        As in :attr:`LearnerPredictions.probabilities`.
    classes : sequence of str
        The label names of the columns.
    min_confidence : float, default 0.0
        A record votes only if its top probability is at least this (in [0, 1]).
    label_names : sequence of str or None, default None
        If given, only these labels vote; names that are not among ``classes`` never match.

    Returns
    -------
    labels : list of str or None
        Per record, the label it votes for, or None (abstain). A record whose top probability
        is 0 (no prediction at all) always abstains. Ties go to the first class.
    confidences : ndarray of shape (n_records,)
        Per record, its top probability (also where it abstains).

    Raises
    ------
    InvalidInputError
        If the shapes do not match or ``min_confidence`` is not in [0, 1].

    Examples
    --------
    >>> P = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8]])
    >>> votes_from_probabilities(P, ["ham", "spam"], min_confidence=0.7)
    (['ham', None, 'spam'], array([0.9, 0.6, 0.8]))
    >>> votes_from_probabilities(P, ["ham", "spam"], label_names=["spam"])[0]
    [None, 'spam', 'spam']
    """
    threshold = _check_fraction("min_confidence", min_confidence, low=0, high=1, closed=True)
    P = np.asarray(probabilities, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != len(classes):
        raise InvalidInputError(
            f"probabilities of shape {P.shape} do not match {len(classes)} classes",
            field="probabilities",
        )
    if len(P) == 0:
        return [], np.zeros(0)
    best = P.argmax(axis=1)
    confidences = P[np.arange(len(P)), best]
    wanted = None if label_names is None else set(label_names)
    votes: list[str | None] = []
    for index, confidence in zip(best.tolist(), confidences.tolist(), strict=True):
        label = str(classes[index])
        keep = confidence > 0 and confidence >= threshold and (wanted is None or label in wanted)
        votes.append(label if keep else None)
    return votes, confidences


# ----------------------------------------------------------------------------- extraction


def spans_from_token_predictions(
    labels: Sequence[str],
    confidences: Sequence[float],
    *,
    min_confidence: float = 0.0,
    label_names: Sequence[str] | None = None,
    outside: str = OUTSIDE,
) -> list[TokenSpan]:
    """The spans of one record's token predictions.

    Consecutive tokens with the same label other than ``outside`` form one span, whose
    confidence is the mean of its tokens' confidences; a span votes only if that mean is at
    least ``min_confidence`` (and its label is in ``label_names``, if given). Two adjacent
    spans of the same label cannot be told apart in this format and come out as one.

    Parameters
    ----------
    labels : sequence of str
        One label per token.
    confidences : sequence of float
        One confidence per token.
    min_confidence : float, default 0.0
        Spans with a lower mean confidence are dropped (in [0, 1]).
    label_names : sequence of str or None, default None
        If given, only spans of these labels are kept.
    outside : str, default "OUTSIDE"
        The label of tokens outside any span.

    Returns
    -------
    list of TokenSpan
        ``(label, start, end, confidence)`` with token offsets, end exclusive, in order.

    Raises
    ------
    InvalidInputError
        If the two sequences differ in length or ``min_confidence`` is not in [0, 1].

    Examples
    --------
    >>> labels = ["PER", "PER", "OUTSIDE", "LOC", "ORG", "ORG"]
    >>> confidences = [0.9, 0.7, 0.99, 0.4, 0.8, 0.6]
    >>> spans_from_token_predictions(labels, confidences, min_confidence=0.5)
    [TokenSpan(label='PER', start=0, end=2, confidence=0.8), TokenSpan(label='ORG', start=4, end=6, confidence=0.7)]
    """  # noqa: E501
    threshold = _check_fraction("min_confidence", min_confidence, low=0, high=1, closed=True)
    if len(labels) != len(confidences):
        raise InvalidInputError(
            f"got {len(labels)} token labels but {len(confidences)} confidences",
            field="confidences",
        )
    wanted = None if label_names is None else set(label_names)
    spans: list[TokenSpan] = []
    start = 0
    for end in range(1, len(labels) + 1):
        if end < len(labels) and labels[end] == labels[start]:
            continue
        label = labels[start]
        if label != outside and (wanted is None or label in wanted):
            confidence = float(np.mean(confidences[start:end]))
            if confidence >= threshold:
                spans.append(TokenSpan(str(label), start, end, round(confidence, 12)))
        start = end
    return spans


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
    seed : int, default 0
        Seed of the fold assignment.
    on_step : callable, optional
        Called with a :class:`FitStep` after each model has predicted its records.

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
    keys = ["spans" if i in has_spans else "none" for i in labelled]
    n_folds, splits = _split(keys, n_folds=params.n_folds, seed=seed)
    predicted: list[list[str]] = [[] for _ in vectors]
    confidences: list[list[float]] = [[] for _ in vectors]
    folds = np.full(len(vectors), -1, dtype=int)

    words = _check_words(tokens, vectors)

    def call(method: Callable, rows: Sequence[int], *args: Any) -> Any:
        if words is not None and "tokens" in inspect.signature(method).parameters:
            return method([vectors[i] for i in rows], *args, tokens=[words[i] for i in rows])
        return method([vectors[i] for i in rows], *args)

    def fit_and_predict(train: Sequence[int], test: Sequence[int]) -> None:
        learner = learner_cls()
        call(learner.fit, train, [reference[i] for i in train])
        test_vectors = [vectors[i] for i in test]
        names, values = _check_token_output(call(learner.predict_proba, test), test_vectors)
        for i, record_names, record_values in zip(test, names, values, strict=True):
            predicted[i], confidences[i] = record_names, record_values

    unlabelled = [i for i, names in enumerate(reference) if names is None]
    report = _step_reporter(on_step, n_folds=n_folds, extra=bool(unlabelled))
    for fold, (train, test) in enumerate(splits):
        fit_and_predict([labelled[i] for i in train], [labelled[i] for i in test])
        folds[[labelled[i] for i in test]] = fold
        report(fold, len(train), len(test))
    if unlabelled:
        fit_and_predict(labelled, unlabelled)
        report(None, len(labelled), len(unlabelled))
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
    total = _label_metrics(
        "", sum(true_positives.values()), sum(n_predicted.values()), sum(support.values())
    )
    return HeldOutSpanMetrics(
        token_accuracy=correct / tokens if tokens else 0.0,
        precision=total.precision,
        recall=total.recall,
        f1=total.f1,
        labels=tuple(
            _label_metrics(label, true_positives[label], n_predicted[label], support[label])
            for label in labels
        ),
    )
