"""Point taggers: each token classified on its own by any scikit-learn classifier.

:class:`PointTagger` wraps a classifier with ``predict_proba``; a token's features are its
embedding, optionally followed by its neighbours' (``window``). The named taggers are those of
sequencelearn's ``point_tagger`` module; like there, keyword arguments go to the classifier:
``TreeTagger(max_depth=5)`` wraps ``DecisionTreeClassifier(max_depth=5)``.

Examples
--------
>>> embeddings = [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.1]]]
>>> labels = [["PER", "OUTSIDE"], ["OUTSIDE", "PER"]]
>>> NearestNeighborTagger(n_neighbors=1).fit(embeddings, labels).predict([[[0.9, 0.0]]])
[['PER']]
>>> tagger = PointTagger(window=1).fit(embeddings, labels)
>>> tagger.predict([[[1.0, 0.0], [0.0, 1.0]]])
[['PER', 'OUTSIDE']]
>>> tagger.predict_marginals([[[1.0, 0.0], [0.0, 1.0]]])[0].shape  # columns: OUTSIDE, PER
(2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import AdaBoostClassifier, RandomForestClassifier
from sklearn.gaussian_process import GaussianProcessClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.validation import check_is_fitted

from heuristics.errors import InvalidInputError
from heuristics.sequence.base import OUTSIDE, BaseTagger, check_labels
from heuristics.sequence.features import with_neighbours
from heuristics.validation import check_embeddings

__all__ = [
    "AdaBoostTagger",
    "AdaTagger",
    "BayesTagger",
    "ForestTagger",
    "GaussianTagger",
    "KNNTagger",
    "LRTagger",
    "LogisticTagger",
    "NaiveBayesTagger",
    "NearestNeighborTagger",
    "PointTagger",
    "SVMTagger",
    "SupportVectorTagger",
    "TreeTagger",
]


class PointTagger(BaseTagger):
    """Tags each token independently with a scikit-learn classifier.

    Parameters
    ----------
    estimator : classifier or None, default None
        Any classifier with ``predict_proba`` (a pipeline or a ``GridSearchCV`` too); it is
        cloned, never fitted in place. None means ``LogisticRegression(max_iter=1000)``.
    window : int, default 0
        How many neighbouring tokens on each side append their embeddings to a token's
        features (zero vectors past a text's ends).
    constant_outside : str, default "OUTSIDE"
        The label of tokens outside any span (kept for sequencelearn compatibility).

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone of ``estimator``.
    classes_ : ndarray of str
        The labels seen in fitting, sorted.
    n_features_in_ : int
        Length of the token vectors (before neighbours are appended).
    """

    def __init__(
        self, estimator: Any = None, *, window: int = 0, constant_outside: str = OUTSIDE
    ) -> None:
        self.estimator = estimator
        self.window = window
        self.constant_outside = constant_outside

    def _make_estimator(self) -> Any:
        if self.estimator is None:
            return LogisticRegression(max_iter=1000)
        return clone(self.estimator)

    def _rows(self, vectors: list[np.ndarray]) -> np.ndarray:
        blocks = [with_neighbours(v, window=self.window) for v in vectors]
        return np.concatenate(blocks) if blocks else np.zeros((0, self.n_features_in_))

    def fit(self, embeddings: Sequence[Any], labels: Sequence[Sequence[str]]) -> PointTagger:
        """Fit the classifier on every token of the labelled texts.

        Parameters
        ----------
        embeddings : sequence of array-like of shape (n_tokens, dims)
            Per text, one vector per token.
        labels : sequence of sequence of str
            Per text, one label per token.

        Returns
        -------
        PointTagger
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            If ``window`` is not an integer >= 0, the inputs do not fit together, or the
            classifier has no ``predict_proba``.
        """
        if isinstance(self.window, bool) or not isinstance(self.window, int) or self.window < 0:
            raise InvalidInputError(
                f"window must be an integer >= 0, got {self.window!r}", field="window"
            )
        vectors = check_embeddings(embeddings)
        names = check_labels(labels, vectors)
        self.n_features_in_ = vectors[0].shape[1]
        rows = self._rows(vectors)
        if len(rows) == 0:
            raise InvalidInputError("no text has a token", field="embeddings")
        estimator = self._make_estimator()
        estimator.fit(rows, np.array([name for sequence in names for name in sequence]))
        if not hasattr(estimator, "predict_proba"):
            raise InvalidInputError(
                f"{type(estimator).__name__} has no predict_proba; use a probabilistic "
                "classifier (e.g. SVC(probability=True)) or wrap it in CalibratedClassifierCV",
                field="estimator",
            )
        self.estimator_ = estimator
        self.classes_ = np.array([str(c) for c in estimator.classes_])
        return self

    def predict_marginals(self, embeddings: Sequence[Any]) -> list[np.ndarray]:
        """Per text, the classifier's probability of each label for each token.

        Returns
        -------
        list of ndarray of shape (n_tokens, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "estimator_")
        vectors = check_embeddings(embeddings, dims=self.n_features_in_)
        rows = self._rows(vectors)
        if len(rows) == 0:
            return [np.zeros((0, len(self.classes_))) for _ in vectors]
        probabilities = np.asarray(self.estimator_.predict_proba(rows), dtype=np.float64)
        return np.split(probabilities, np.cumsum([len(v) for v in vectors])[:-1])


class _NamedPointTagger(PointTagger):
    """A point tagger around one classifier class; keyword arguments configure that class.

    ``get_params`` lists the classifier's arguments beside the tagger's own, so ``clone`` and
    grid searches work as with any estimator.
    """

    estimator_class: ClassVar[type]
    estimator_defaults: ClassVar[dict[str, Any]] = {}

    def __init__(
        self, constant_outside: str = OUTSIDE, *, window: int = 0, **estimator_params: Any
    ) -> None:
        self.constant_outside = constant_outside
        self.window = window
        self.estimator_params = estimator_params

    @property
    def estimator(self) -> Any:  # type: ignore[override]
        """The (unfitted) classifier these arguments describe."""
        return self.estimator_class(**{**self.estimator_defaults, **self.estimator_params})

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The tagger's parameters and the classifier's keyword arguments."""
        return {
            "constant_outside": self.constant_outside,
            "window": self.window,
            **self.estimator_params,
        }

    def set_params(self, **params: Any) -> _NamedPointTagger:
        """Set the tagger's parameters or the classifier's keyword arguments."""
        for name, value in params.items():
            if name in ("constant_outside", "window"):
                setattr(self, name, value)
            else:
                self.estimator_params[name] = value
        return self


class SupportVectorTagger(_NamedPointTagger):
    """Point tagger with ``SVC`` (``probability=True`` unless told otherwise)."""

    estimator_class = SVC
    estimator_defaults: ClassVar[dict[str, Any]] = {"probability": True, "random_state": 0}


class LogisticTagger(_NamedPointTagger):
    """Point tagger with ``LogisticRegression`` (``max_iter=1000`` unless told otherwise)."""

    estimator_class = LogisticRegression
    estimator_defaults: ClassVar[dict[str, Any]] = {"max_iter": 1000}


class NearestNeighborTagger(_NamedPointTagger):
    """Point tagger with ``KNeighborsClassifier``."""

    estimator_class = KNeighborsClassifier


class BayesTagger(_NamedPointTagger):
    """Point tagger with ``GaussianNB``."""

    estimator_class = GaussianNB


class GaussianTagger(_NamedPointTagger):
    """Point tagger with ``GaussianProcessClassifier`` (cubic in the tokens: small data only)."""

    estimator_class = GaussianProcessClassifier


class TreeTagger(_NamedPointTagger):
    """Point tagger with ``DecisionTreeClassifier``."""

    estimator_class = DecisionTreeClassifier


class ForestTagger(_NamedPointTagger):
    """Point tagger with ``RandomForestClassifier``."""

    estimator_class = RandomForestClassifier


class AdaTagger(_NamedPointTagger):
    """Point tagger with ``AdaBoostClassifier``."""

    estimator_class = AdaBoostClassifier


SVMTagger = SupportVectorTagger
LRTagger = LogisticTagger
KNNTagger = NearestNeighborTagger
NaiveBayesTagger = BayesTagger
AdaBoostTagger = AdaTagger
