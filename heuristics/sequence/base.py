"""What every span tagger shares: input checks, the label order, and the sequencelearn API.

A tagger learns one label per token from token embeddings. Input is ragged: one array of shape
``(n_tokens, dims)`` per text (nested lists of floats work too, as in sequencelearn), and one
list of label names per text, where :data:`OUTSIDE` marks tokens outside any span.

Examples
--------
>>> from heuristics.validation import check_embeddings
>>> sequences = check_embeddings([[[0.0, 1.0], [1.0, 0.0]], []])
>>> [s.shape for s in sequences]
[(2, 2), (0, 2)]
>>> check_labels([["PER", "OUTSIDE"], []], sequences)
[['PER', 'OUTSIDE'], []]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from heuristics.errors import InvalidInputError
from heuristics.spans import OUTSIDE

__all__ = [
    "CONSTANT_OUTSIDE",
    "OUTSIDE",
    "BaseTagger",
    "check_labels",
    "check_tokens",
]

CONSTANT_OUTSIDE = OUTSIDE
"""sequencelearn's name of :data:`heuristics.spans.OUTSIDE`."""


def check_labels(
    labels: Sequence[Sequence[str]], embeddings: Sequence[np.ndarray]
) -> list[list[str]]:
    """Per-token label names, one list per text, as long as that text's embeddings.

    Raises
    ------
    InvalidInputError
        If the number of texts or of a text's tokens differs, or a label is not a non-empty
        string (field ``labels``, ``row`` = the text).

    Examples
    --------
    >>> check_labels([["PER"]], [np.zeros((2, 3))])
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: row 0, field 'labels': text 0 has 2 tokens but 1 labels
    """
    if len(labels) != len(embeddings):
        raise InvalidInputError(
            f"got {len(embeddings)} texts of embeddings but {len(labels)} of labels",
            field="labels",
        )
    checked: list[list[str]] = []
    for row, (sequence, vectors) in enumerate(zip(labels, embeddings, strict=True)):
        if isinstance(sequence, str):
            raise InvalidInputError(
                f"text {row} needs a list of labels, one per token, got a string",
                field="labels",
                row=row,
            )
        names = list(sequence)
        if len(names) != len(vectors):
            raise InvalidInputError(
                f"text {row} has {len(vectors)} tokens but {len(names)} labels",
                field="labels",
                row=row,
            )
        for name in names:
            if not isinstance(name, str) or not name:
                raise InvalidInputError(
                    f"labels must be non-empty strings, got {name!r} in text {row}",
                    field="labels",
                    row=row,
                )
        checked.append(names)
    return checked


def check_tokens(
    tokens: Sequence[Sequence[str]] | None, embeddings: Sequence[np.ndarray]
) -> list[list[str]] | None:
    """The words of each text, one per token, or None.

    Raises
    ------
    InvalidInputError
        If the number of texts or of a text's words does not match the embeddings (field
        ``tokens``).

    Examples
    --------
    >>> check_tokens([["EU", "rejects"]], [np.zeros((2, 3))])
    [['EU', 'rejects']]
    """
    if tokens is None:
        return None
    if len(tokens) != len(embeddings):
        raise InvalidInputError(
            f"got {len(embeddings)} texts of embeddings but {len(tokens)} of tokens",
            field="tokens",
        )
    checked = []
    for row, (words, vectors) in enumerate(zip(tokens, embeddings, strict=True)):
        words = [str(word) for word in words]
        if len(words) != len(vectors):
            raise InvalidInputError(
                f"text {row} has {len(vectors)} token vectors but {len(words)} tokens",
                field="tokens",
                row=row,
            )
        checked.append(words)
    return checked


class BaseTagger(BaseEstimator):
    """Base of the span taggers: the sequencelearn ``predict`` / ``predict_proba`` API.

    Subclasses implement ``fit`` (setting ``classes_`` and ``n_features_in_``) and
    :meth:`predict_marginals`; :meth:`predict_proba` labels each token with its most probable
    label, and :meth:`predict` keeps the labels only.

    Attributes
    ----------
    classes_ : ndarray of str
        The labels seen in fitting, sorted; the columns of :meth:`predict_marginals`.
    n_features_in_ : int
        Length of the token vectors.
    """

    constant_outside: str

    @property
    def CONSTANT_OUTSIDE(self) -> str:  # noqa: N802 - sequencelearn's attribute name
        """The OUTSIDE label, under sequencelearn's attribute name."""
        return self.constant_outside

    def predict_marginals(self, embeddings: Sequence[Any], **kwargs: Any) -> list[np.ndarray]:
        """Per text, the probability of each label for each token.

        Returns
        -------
        list of ndarray of shape (n_tokens, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        raise NotImplementedError

    def predict_proba(
        self, embeddings: Sequence[Any], **kwargs: Any
    ) -> tuple[list[list[str]], list[list[float]]]:
        """The most probable label of each token, and its probability.

        Parameters
        ----------
        embeddings : sequence of array-like of shape (n_tokens, dims)
            Per text, one vector per token.

        Returns
        -------
        labels : list of list of str
            Per text, one label per token.
        confidences : list of list of float
            Per text, the probability of each token's label.
        """
        check_is_fitted(self, "classes_")
        labels, confidences = [], []
        for marginals in self.predict_marginals(embeddings, **kwargs):
            best = marginals.argmax(axis=1) if len(marginals) else np.zeros(0, dtype=int)
            labels.append([str(self.classes_[i]) for i in best])
            confidences.append(marginals[np.arange(len(best)), best].tolist())
        return labels, confidences

    def predict(self, embeddings: Sequence[Any], **kwargs: Any) -> list[list[str]]:
        """The label of each token (see :meth:`predict_proba`).

        Returns
        -------
        list of list of str
            Per text, one label per token.
        """
        labels, _ = self.predict_proba(embeddings, **kwargs)
        return labels
