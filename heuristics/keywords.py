"""The word that best signals a label in labelled texts: a starting point for a keyword rule.

A word signals a label when most labelled texts that contain it carry that label. Candidates
are scored by a smoothed precision (Laplace: ``(hits + 1) / (texts + 2)``) so that a word seen
twice does not beat one seen twenty times, and must occur in ``min_support`` texts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

WORD = re.compile(r"[^\W\d_]{3,}")
"""Words as counted: three letters or more (digits and punctuation split them)."""


@dataclass(frozen=True)
class Keyword:
    """A word, the label it signals, on how many labelled texts it occurs (``support``) and
    the share of those that carry the label (``precision``)."""

    word: str
    label: str
    support: int
    precision: float


def distinctive_keyword(texts: Sequence[str], labels: Sequence[str], *,
                        min_support: int = 3) -> Keyword | None:
    """The (word, label) pair with the highest smoothed precision among words that occur in
    at least ``min_support`` texts, ties broken by support, then alphabetically; None if no
    word occurs that often. Words are compared in lower case.

    >>> texts = ["check out my channel", "great song", "check out this video",
    ...          "love this song", "subscribe and check out", "song of the year"]
    >>> labels = ["spam", "ham", "spam", "ham", "spam", "ham"]
    >>> distinctive_keyword(texts, labels)
    Keyword(word='check', label='spam', support=3, precision=1.0)
    >>> distinctive_keyword(texts[:2], labels[:2]) is None
    True
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    with_label: Counter[tuple[str, str]] = Counter()
    in_texts: Counter[str] = Counter()
    for text, label in zip(texts, labels, strict=True):
        words = {word.lower() for word in WORD.findall(text)}
        in_texts.update(words)
        with_label.update((word, label) for word in words)
    best: tuple[float, int, str, str] | None = None
    for (word, label), hits in with_label.items():
        support = in_texts[word]
        if support < min_support:
            continue
        key = ((hits + 1) / (support + 2), support, word, label)
        if best is None or (key[0], key[1]) > (best[0], best[1]) or (
                (key[0], key[1]) == (best[0], best[1]) and (word, label) < (best[2], best[3])):
            best = key
    if best is None:
        return None
    _, support, word, label = best
    return Keyword(word=word, label=label, support=support,
                   precision=with_label[word, label] / support)
