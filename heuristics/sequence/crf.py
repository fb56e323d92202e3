"""A linear-chain CRF over token embeddings (CRFsuite, through sklearn-crfsuite).

Each token is described by its standardised embedding (float features ``e0`` .. ``e{dims-1}``),
by the embeddings of its neighbours reduced to a few principal components, and, when the words
are passed as ``tokens=``, by :func:`~heuristics.sequence.features.lexical_features`. The CRF
learns those features' weights per label together with label-to-label transitions, so spans
come out contiguous. A token's confidence is the marginal probability of its predicted label.

Examples
--------
>>> embeddings = [[[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]]
>>> labels = [["PER", "OUTSIDE", "OUTSIDE"], ["OUTSIDE", "PER"]]
>>> tagger = CRFTagger(max_iterations=20).fit(embeddings, labels)
>>> tagger.predict([[[1.0, 0.0], [0.0, 1.0]]])
[['PER', 'OUTSIDE']]
>>> predicted, confidences = tagger.predict_proba([[[1.0, 0.0]]])
>>> predicted, 0.5 < confidences[0][0] <= 1.0
([['PER']], True)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import sklearn_crfsuite
from sklearn.decomposition import PCA
from sklearn.utils.validation import check_is_fitted

from heuristics.errors import InvalidInputError
from heuristics.sequence.base import (
    OUTSIDE,
    BaseTagger,
    check_labels,
    check_tokens,
)
from heuristics.sequence.features import lexical_features
from heuristics.validation import check_embeddings

__all__ = ["CRFTagger"]

Features = list[dict[str, Any]]


def _check_param(
    name: str, value: Any, *, minimum: float, integer: bool, optional: bool = False
) -> None:
    if optional and value is None:
        return
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or value < minimum:
        what = "an integer" if integer else "a number"
        raise InvalidInputError(f"{name} must be {what} >= {minimum}, got {value!r}", field=name)


class CRFTagger(BaseTagger):
    """Conditional random field tagger over token embeddings (sequencelearn's ``CRFTagger``).

    Parameters
    ----------
    c1 : float, default 0.0
        L1 regularisation of the feature weights.
    c2 : float, default 1.0
        L2 regularisation of the feature weights.
    max_iterations : int, default 100
        L-BFGS iterations.
    window : int, default 1
        How many neighbouring tokens on each side add their (reduced) embeddings as features.
    window_components : int or None, default 64
        The neighbours' embeddings are reduced to this many principal components (fitted on
        the training tokens); None keeps them whole (slower, rarely better).
    all_possible_transitions : bool, default True
        Learn weights also for label transitions never seen in training (negative ones, so
        that e.g. impossible orders are penalised).
    num_epochs : int or None, default None
        sequencelearn's name for the number of training rounds: when given, it is used as
        ``max_iterations``.
    learning_rate, momentum, random_seed, batch_size, print_every : optional
        Accepted so that sequencelearn code runs; L-BFGS needs none of them (it has no learning
        rate or batches and is deterministic), so they are ignored.
    verbose : bool, default False
        Print CRFsuite's training log.
    constant_outside : str, default "OUTSIDE"
        The label of tokens outside any span (kept for sequencelearn compatibility; labels
        are learned as given).

    Attributes
    ----------
    classes_ : ndarray of str
        The labels seen in fitting, sorted.
    n_features_in_ : int
        Length of the token vectors.
    mean_, scale_ : ndarray of shape (n_features_in_,)
        Standardisation of the token vectors.
    neighbour_pca_ : PCA or None
        The reduction of the neighbours' vectors (None without reduction or window).
    uses_tokens_ : bool
        Whether lexical features were fitted, so that prediction needs ``tokens`` too.
    model_ : sklearn_crfsuite.CRF
        The fitted CRF.
    """

    def __init__(
        self,
        *,
        c1: float = 0.0,
        c2: float = 1.0,
        max_iterations: int = 100,
        window: int = 1,
        window_components: int | None = 64,
        all_possible_transitions: bool = True,
        num_epochs: int | None = None,
        learning_rate: float | None = None,
        momentum: float | None = None,
        random_seed: int | None = None,
        batch_size: int | None = None,
        print_every: int | None = None,
        verbose: bool = False,
        constant_outside: str = OUTSIDE,
    ) -> None:
        self.c1 = c1
        self.c2 = c2
        self.max_iterations = max_iterations
        self.window = window
        self.window_components = window_components
        self.all_possible_transitions = all_possible_transitions
        self.num_epochs = num_epochs
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.random_seed = random_seed
        self.batch_size = batch_size
        self.print_every = print_every
        self.verbose = verbose
        self.constant_outside = constant_outside

    def _check_params(self) -> None:
        _check_param("c1", self.c1, minimum=0, integer=False)
        _check_param("c2", self.c2, minimum=0, integer=False)
        _check_param("max_iterations", self.max_iterations, minimum=1, integer=True)
        _check_param("num_epochs", self.num_epochs, minimum=1, integer=True, optional=True)
        _check_param("window", self.window, minimum=0, integer=True)
        _check_param(
            "window_components", self.window_components, minimum=1, integer=True, optional=True
        )

    def fit(
        self,
        embeddings: Sequence[Any],
        labels: Sequence[Sequence[str]],
        *,
        tokens: Sequence[Sequence[str]] | None = None,
    ) -> CRFTagger:
        """Learn the CRF from labelled texts.

        Parameters
        ----------
        embeddings : sequence of array-like of shape (n_tokens, dims)
            Per text, one vector per token.
        labels : sequence of sequence of str
            Per text, one label per token; :data:`~heuristics.sequence.OUTSIDE` outside spans.
        tokens : sequence of sequence of str or None, default None
            Per text, its words; when given, lexical features are learned as well and
            prediction needs the words too.

        Returns
        -------
        CRFTagger
            ``self``, fitted.

        Raises
        ------
        InvalidInputError
            If a parameter is out of range, or the inputs do not fit together (see
            :func:`~heuristics.validation.check_embeddings`).
        """
        self._check_params()
        vectors = check_embeddings(embeddings)
        names = check_labels(labels, vectors)
        words = check_tokens(tokens, vectors)
        stacked = np.concatenate(vectors)
        if len(stacked) == 0:
            raise InvalidInputError("no text has a token", field="embeddings")
        self.n_features_in_ = stacked.shape[1]
        self.mean_ = stacked.mean(axis=0)
        scale = stacked.std(axis=0)
        self.scale_ = np.where(scale > 1e-12, scale, 1.0)
        self.neighbour_pca_ = None
        self.neighbour_scale_ = 1.0
        if self.window > 0 and self.window_components is not None:
            n_components = min(self.window_components, self.n_features_in_, len(stacked))
            if n_components < self.n_features_in_:
                pca = PCA(n_components, svd_solver="covariance_eigh")
                pca.fit((stacked - self.mean_) / self.scale_)
                self.neighbour_pca_ = pca
                self.neighbour_scale_ = float(max(np.sqrt(pca.explained_variance_.mean()), 1e-6))
        self.uses_tokens_ = words is not None
        keep = [i for i, v in enumerate(vectors) if len(v)]
        features = [self._features(vectors[i], words[i] if words else None) for i in keep]
        self.model_ = sklearn_crfsuite.CRF(
            algorithm="lbfgs",
            c1=self.c1,
            c2=self.c2,
            max_iterations=self.num_epochs if self.num_epochs is not None else self.max_iterations,
            all_possible_transitions=self.all_possible_transitions,
            verbose=self.verbose,
        )
        self.model_.fit(features, [names[i] for i in keep])
        self.classes_ = np.array(sorted({name for sequence in names for name in sequence}))
        return self

    def _features(self, vectors: np.ndarray, words: list[str] | None) -> Features:
        """CRFsuite features of one text's tokens."""
        standard = (vectors - self.mean_) / self.scale_
        own_keys = [f"e{j}" for j in range(standard.shape[1])]
        features: Features = [dict(zip(own_keys, row, strict=True)) for row in standard.tolist()]
        for token in features:
            token["bias"] = 1.0
        if self.window > 0:
            if self.neighbour_pca_ is not None:
                reduced = self.neighbour_pca_.transform(standard) / self.neighbour_scale_
            else:
                reduced = standard
            rows = reduced.tolist()
            n_tokens = len(rows)
            for k in range(1, self.window + 1):
                before = [f"-{k}:r{j}" for j in range(reduced.shape[1])]
                after = [f"+{k}:r{j}" for j in range(reduced.shape[1])]
                for i, token in enumerate(features):
                    if i - k >= 0:
                        token.update(zip(before, rows[i - k], strict=True))
                    else:
                        token[f"-{k}:BOS"] = 1.0
                    if i + k < n_tokens:
                        token.update(zip(after, rows[i + k], strict=True))
                    else:
                        token[f"+{k}:EOS"] = 1.0
        if words is not None:
            for token, lexical in zip(features, lexical_features(words), strict=True):
                token.update({f"w:{key}": value for key, value in lexical.items()})
        return features

    def _prepare(
        self, embeddings: Sequence[Any], tokens: Sequence[Sequence[str]] | None
    ) -> tuple[list[np.ndarray], list[int], list[Features]]:
        check_is_fitted(self, "model_")
        vectors = check_embeddings(embeddings, dims=self.n_features_in_)
        words = check_tokens(tokens, vectors)
        if self.uses_tokens_ and words is None:
            raise InvalidInputError(
                "this tagger was fitted with tokens=; pass the words to predict as well",
                field="tokens",
            )
        if not self.uses_tokens_ and words is not None:
            raise InvalidInputError(
                "this tagger was fitted without tokens=; predict without them too",
                field="tokens",
            )
        keep = [i for i, v in enumerate(vectors) if len(v)]
        features = [self._features(vectors[i], words[i] if words else None) for i in keep]
        return vectors, keep, features

    def predict_marginals(
        self, embeddings: Sequence[Any], *, tokens: Sequence[Sequence[str]] | None = None
    ) -> list[np.ndarray]:
        """Per text, each token's marginal probability of each label.

        Parameters
        ----------
        embeddings : sequence of array-like of shape (n_tokens, dims)
            Per text, one vector per token.
        tokens : sequence of sequence of str or None, default None
            The words, needed if and only if the tagger was fitted with them.

        Returns
        -------
        list of ndarray of shape (n_tokens, n_classes)
            Columns in the order of ``classes_``.
        """
        vectors, keep, features = self._prepare(embeddings, tokens)
        result = [np.zeros((len(v), len(self.classes_))) for v in vectors]
        for i, marginals in zip(keep, self.model_.predict_marginals(features), strict=True):
            result[i] = np.array(
                [[token.get(c, 0.0) for c in self.classes_] for token in marginals]
            )
        return result

    def predict_proba(
        self, embeddings: Sequence[Any], *, tokens: Sequence[Sequence[str]] | None = None
    ) -> tuple[list[list[str]], list[list[float]]]:
        """The most probable label sequence (Viterbi), and each token's label's marginal.

        Parameters
        ----------
        embeddings : sequence of array-like of shape (n_tokens, dims)
            Per text, one vector per token.
        tokens : sequence of sequence of str or None, default None
            The words, needed if and only if the tagger was fitted with them.

        Returns
        -------
        labels : list of list of str
            Per text, one label per token: the jointly most probable sequence.
        confidences : list of list of float
            Per text, each token's marginal probability of its label in that sequence.
        """
        vectors, keep, features = self._prepare(embeddings, tokens)
        labels: list[list[str]] = [[] for _ in vectors]
        confidences: list[list[float]] = [[] for _ in vectors]
        if features:
            paths = self.model_.predict(features)
            marginals = self.model_.predict_marginals(features)
            for i, path, probabilities in zip(keep, paths, marginals, strict=True):
                labels[i] = [str(label) for label in path]
                confidences[i] = [
                    float(p[label]) for label, p in zip(path, probabilities, strict=True)
                ]
        return labels, confidences

    def predict(
        self, embeddings: Sequence[Any], *, tokens: Sequence[Sequence[str]] | None = None
    ) -> list[list[str]]:
        """The most probable label sequence of each text (Viterbi).

        Returns
        -------
        list of list of str
            Per text, one label per token.
        """
        vectors, keep, features = self._prepare(embeddings, tokens)
        labels: list[list[str]] = [[] for _ in vectors]
        if features:
            for i, path in zip(keep, self.model_.predict(features), strict=True):
                labels[i] = [str(label) for label in path]
        return labels
