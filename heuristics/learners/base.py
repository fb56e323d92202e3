"""The learner contract: the base classes users subclass, and finding the one class of a module.

A user writes one class, a subclass of :class:`LearningClassifier` (one label per record, from
record embeddings) or of :class:`LearningExtractor` (one label per token, from token
embeddings), whose ``__init__`` stores a model and whose ``fit`` and ``predict_proba`` are
decorated with :func:`~heuristics.learners.params.params_fit` and
:func:`~heuristics.learners.params.params_inference`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from heuristics.errors import InvalidInputError
from heuristics.learners.params import (
    FIT_ATTRIBUTE,
    INFERENCE_ATTRIBUTE,
    FitParams,
    InferenceParams,
)
from heuristics.validation import check_embedding_matrix

__all__ = [
    "LearningClassifier",
    "LearningExtractor",
    "find_learner_class",
    "learner_classes",
]




class _Learner:
    """Shared by both learner kinds: records the decorators' parameters on the class."""

    heurist_fit_params: FitParams | None = None
    heurist_inference_params: InferenceParams | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.heurist_fit_params = getattr(getattr(cls, "fit", None), FIT_ATTRIBUTE, None)
        cls.heurist_inference_params = getattr(
            getattr(cls, "predict_proba", None), INFERENCE_ATTRIBUTE, None
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
    In a learner run both get read-only arrays (the folds' models share one copy of the
    rows): copy one before changing it in place.

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
        X = check_embedding_matrix(embeddings)
        names = list(labels)
        if len(names) != len(X):
            raise InvalidInputError(
                f"got {len(X)} embeddings but {len(names)} labels", field="labels"
            )
        try:
            distinct = set(names)  # few values: each checked once
        except TypeError:  # an unhashable value is no label name
            distinct = None
        if distinct is None or not all(isinstance(name, str) for name in distinct):
            raise InvalidInputError("labels must be label names (strings)", field="labels")
        classes = sorted(distinct)
        code = {name: k for k, name in enumerate(classes)}
        self.classes_ = np.array(classes, dtype=str)
        self._model().fit(X, np.fromiter(map(code.__getitem__, names), dtype=np.int64,
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
        X = check_embedding_matrix(embeddings)
        probabilities = np.asarray(model.predict_proba(X), dtype=float)
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
        """Fit ``self.model`` on token embeddings and token labels: per record an
        ``(n_tokens, dims)`` array and one label per token, as the model's ``fit`` takes them;
        ``tokens`` (per record, its words) is passed on as ``tokens=`` when given."""
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
