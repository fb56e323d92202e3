"""The learner decorators: ``@params_fit`` and ``@params_inference``, and how to read them.

The decorators only record their arguments on the decorated function; :func:`fit_params` and
:func:`inference_params` read them without running anything. ``train_test_split`` sets the
number of cross-fitting folds (:func:`folds_for_split`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from heuristics.errors import InvalidInputError

__all__ = [
    "MAX_FOLDS",
    "FitParams",
    "InferenceParams",
    "check_fraction",
    "fit_params",
    "folds_for_split",
    "inference_params",
    "params_fit",
    "params_inference",
]

MAX_FOLDS = 10
"""The most folds cross-fitting uses, whatever ``train_test_split`` asks for."""

FIT_ATTRIBUTE = "heurist_fit_params"
INFERENCE_ATTRIBUTE = "heurist_inference_params"

F = TypeVar("F", bound=Callable[..., Any])



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

    @classmethod
    def checked(cls, *, embedding_name: Any, train_test_split: Any = 0.5) -> FitParams:
        """The parameters, if valid; InvalidInputError naming the bad field otherwise."""
        if not isinstance(embedding_name, str) or not embedding_name:
            raise InvalidInputError(
                f"embedding_name must be a non-empty string, got {embedding_name!r}",
                field="embedding_name",
            )
        split = check_fraction("train_test_split", train_test_split, low=0, high=1,
                               closed=False)
        return cls(embedding_name, split)


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

    @classmethod
    def checked(cls, *, min_confidence: Any = 0.0, label_names: Any = None) -> InferenceParams:
        """The parameters, if valid; InvalidInputError naming the bad field otherwise."""
        confidence = check_fraction("min_confidence", min_confidence, low=0, high=1,
                                    closed=True)
        if label_names is None:
            return cls(confidence, None)
        if isinstance(label_names, str) or not hasattr(label_names, "__iter__") or not all(
                isinstance(name, str) for name in label_names):
            raise InvalidInputError(
                f"label_names must be a list of label names or None, got {label_names!r}",
                field="label_names",
            )
        return cls(confidence, tuple(label_names))


def check_fraction(name: str, value: Any, *, low: float, high: float, closed: bool) -> float:
    """``value`` as a float, if it is a number in [low, high] (``closed``) or (low, high)."""
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
    params = FitParams.checked(embedding_name=embedding_name, train_test_split=train_test_split)

    def decorate(function: F) -> F:
        setattr(function, FIT_ATTRIBUTE, params)
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
        The decorator; it returns the function it decorates.

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
    params = InferenceParams.checked(min_confidence=min_confidence, label_names=label_names)

    def decorate(function: F) -> F:
        setattr(function, INFERENCE_ATTRIBUTE, params)
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
    >>> from heuristics.learners import LearningClassifier
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
    params = getattr(getattr(learner_cls, "fit", None), FIT_ATTRIBUTE, None)
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
    >>> from heuristics.learners import LearningClassifier
    >>> inference_params(LearningClassifier)
    InferenceParams(min_confidence=0.0, label_names=None)
    """
    params = getattr(getattr(learner_cls, "predict_proba", None), INFERENCE_ATTRIBUTE, None)
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
    split = check_fraction("train_test_split", train_test_split, low=0, high=1, closed=False)
    return min(range(2, MAX_FOLDS + 1), key=lambda k: (abs((k - 1) / k - split), k))


