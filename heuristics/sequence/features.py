"""Per-token features beyond the embedding: the word's form, and its neighbours' vectors.

:func:`lexical_features` describes each word the way classic CRF taggers do (lowercase form,
affixes, shape, capitalisation, neighbouring words); the uncased embedding models lose exactly
the capitalisation that names are marked by, so these help where the words are at hand.
:func:`with_neighbours` appends the vectors of neighbouring tokens to each token's vector.

Examples
--------
>>> lexical_features(["EU", "rejects"])[0]["shape"]
'X'
>>> with_neighbours(np.array([[1.0], [2.0], [3.0]]), window=1).tolist()
[[1.0, 0.0, 2.0], [2.0, 1.0, 3.0], [3.0, 2.0, 0.0]]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["lexical_features", "word_shape", "with_neighbours"]

_UPPER = re.compile(r"[A-ZÀ-Þ]")
_LOWER = re.compile(r"[a-zß-ÿ]")
_DIGIT = re.compile(r"\d")
_REPEAT = re.compile(r"(.)\1+")


def word_shape(word: str) -> str:
    """The word's letters as X (upper), x (lower), d (digit), runs collapsed.

    Examples
    --------
    >>> word_shape("McDonald's"), word_shape("1996-08-22"), word_shape("EU")
    ("XxXx'x", 'd-d-d', 'X')
    """
    shape = _DIGIT.sub("d", _LOWER.sub("x", _UPPER.sub("X", word)))
    return _REPEAT.sub(r"\1", shape)


def _word_features(word: str, prefix: str) -> dict[str, str | float]:
    lower = word.lower()
    return {
        f"{prefix}lower": lower,
        f"{prefix}suffix3": lower[-3:],
        f"{prefix}suffix2": lower[-2:],
        f"{prefix}prefix2": lower[:2],
        f"{prefix}shape": word_shape(word),
        f"{prefix}title": float(word.istitle()),
        f"{prefix}upper": float(word.isupper()),
        f"{prefix}digit": float(word.isdigit()),
        f"{prefix}has_digit": float(any(c.isdigit() for c in word)),
        f"{prefix}has_hyphen": float("-" in word),
    }


def lexical_features(words: Sequence[str]) -> list[dict[str, str | float]]:
    """CRF features of each word of one text, and of its previous and next word.

    Parameters
    ----------
    words : sequence of str
        The text's tokens.

    Returns
    -------
    list of dict
        One dict per word, in python-crfsuite's format: a string value means the indicator
        ``key=value``, a float is a weighted feature. Keys of the neighbours start with
        ``-1:`` and ``+1:``; the first and last word get ``BOS`` / ``EOS``.

    Examples
    --------
    >>> features = lexical_features(["Peter", "Blackburn"])
    >>> features[0]["lower"], features[0]["title"], features[0]["BOS"], features[0]["+1:lower"]
    ('peter', 1.0, 1.0, 'blackburn')
    >>> "EOS" in features[1], features[1]["-1:shape"]
    (True, 'Xx')
    """
    own = [_word_features(word, "") for word in words]
    features: list[dict[str, str | float]] = []
    for i, word_features in enumerate(own):
        token = dict(word_features)
        if i == 0:
            token["BOS"] = 1.0
        else:
            previous = own[i - 1]
            token.update(
                {
                    "-1:lower": previous["lower"],
                    "-1:shape": previous["shape"],
                    "-1:title": previous["title"],
                }
            )
        if i == len(own) - 1:
            token["EOS"] = 1.0
        else:
            following = own[i + 1]
            token.update(
                {
                    "+1:lower": following["lower"],
                    "+1:shape": following["shape"],
                    "+1:title": following["title"],
                }
            )
        features.append(token)
    return features


def with_neighbours(vectors: np.ndarray, *, window: int) -> np.ndarray:
    """Each token's vector followed by those of the ``window`` tokens before and after it.

    Parameters
    ----------
    vectors : ndarray of shape (n_tokens, dims)
        One text's token vectors.
    window : int
        How many neighbours on each side; positions past the text's ends are zero vectors.

    Returns
    -------
    ndarray of shape (n_tokens, dims * (1 + 2 * window))
        Blocks in the order: the token, then for k = 1..window the k-th previous and the k-th
        next token.

    Examples
    --------
    >>> with_neighbours(np.array([[1.0, 1.0], [2.0, 2.0]]), window=0).shape
    (2, 2)
    >>> with_neighbours(np.zeros((0, 2)), window=2).shape
    (0, 10)
    """
    blocks = [vectors]
    for k in range(1, window + 1):
        previous = np.zeros_like(vectors)
        following = np.zeros_like(vectors)
        if k < len(vectors):
            previous[k:] = vectors[:-k]
            following[:-k] = vectors[k:]
        blocks += [previous, following]
    return np.concatenate(blocks, axis=1)
