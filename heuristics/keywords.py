"""The words that best signal a label in labelled texts: a starting point for a keyword rule
or a lookup list.

A word signals a label when most labelled texts that contain it carry that label. Candidates
are scored by a smoothed precision (Laplace: ``(hits + 1) / (texts + 2)``) so that a word seen
twice does not beat one seen twenty times, and must occur in ``min_support`` texts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

WORD = re.compile(r"[^\W\d_]{3,}")
"""Words as counted: three letters or more (digits and punctuation split them)."""
PHRASE_WORD = re.compile(r"\w+")
LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Keyword:
    """A word, the label it signals, on how many labelled texts it occurs (``support``) and
    the share of those that carry the label (``precision``)."""

    word: str
    label: str
    support: int
    precision: float


def label_names(label: str | Collection[str] | None) -> tuple[str, ...]:
    """A text's labels: its one label, each of its labels (multi-label), or none.

    >>> label_names("spam"), label_names(["a", "b"]), label_names(None)
    (('spam',), ('a', 'b'), ())
    """
    return (label,) if isinstance(label, str) else tuple(label or ())


def word_terms(text: str) -> set[str]:
    """The words of a text as :func:`distinctive_keyword` counts them, in lower case."""
    return {word.lower() for word in WORD.findall(text)}


def phrase_key(text: str) -> tuple[str, ...]:
    """The words of a text or term as the template *lookup of* matches a lookup list's
    terms: ``\\w+`` runs, in lower case.

    >>> phrase_key("Check-out  NOW!")
    ('check', 'out', 'now')
    """
    return tuple(PHRASE_WORD.findall(text.lower()))


def _runs(words: Sequence[str], longest: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for n in range(1, longest + 1)
            for i in range(len(words) - n + 1)}


def phrase_terms(text: str, longest: int = 2) -> set[str]:
    """The runs of up to ``longest`` words of a text (:func:`phrase_key`), joined by a space;
    each run holds a letter.

    >>> sorted(phrase_terms("Check out my channel!"))
    ['channel', 'check', 'check out', 'my', 'my channel', 'out', 'out my']
    """
    runs = {" ".join(run) for run in _runs(phrase_key(text), longest)}
    return {run for run in runs if LETTER.search(run)}


def suggested_keywords(ranked: Sequence[Keyword], label: str, *, listed: Iterable[str],
                       base_rate: float, limit: int) -> list[Keyword]:
    """Of ``ranked`` (:func:`ranked_keywords` over :func:`phrase_terms`, best first), the
    terms for ``label`` worth adding to a lookup list that holds ``listed``: those more
    precise than ``base_rate`` (the label's share of the labelled texts), with no listed
    term inside them (the list reaches their texts already) and no shorter run inside them
    as precise (it reaches the same texts and more).

    >>> ranked = ranked_keywords(["check out my channel", "check out my page",
    ...     "check out this", "great song", "my song"], ["spam"] * 3 + ["ham"] * 2,
    ...     terms=phrase_terms, min_support=2)
    >>> [k.word for k in suggested_keywords(ranked, "spam", listed=["Channel", "THIS"],
    ...                                     base_rate=0.6, limit=5)]
    ['check', 'out', 'my']
    """
    held = {phrase_key(term) for term in listed}
    candidates = {phrase_key(k.word): k for k in ranked if k.label == label}
    chosen = []
    for key, keyword in candidates.items():
        inside = _runs(key, len(key) - 1)
        if (keyword.precision <= base_rate or key in held or inside & held
                or any(candidates[run].precision >= keyword.precision
                       for run in inside if run in candidates)):
            continue
        chosen.append(keyword)
        if len(chosen) == limit:
            break
    return chosen


def ranked_keywords(texts: Sequence[str], labels: Sequence[str | Collection[str]], *,
                    terms: Callable[[str], set[str]] = word_terms,
                    min_support: int = 3) -> list[Keyword]:
    """Every (term, label) pair whose term occurs in at least ``min_support`` texts, the
    best first: by smoothed precision, then support, then term and label alphabetically.
    A text's label may be a set of labels (multi-label): the term counts for each.

    >>> ranked_keywords(["free prize", "free time", "prize draw"], ["spam", "ham", "spam"],
    ...                 min_support=2)
    [Keyword(word='prize', label='spam', support=2, precision=1.0), \
Keyword(word='free', label='ham', support=2, precision=0.5), \
Keyword(word='free', label='spam', support=2, precision=0.5)]
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    with_label: Counter[tuple[str, str]] = Counter()
    in_texts: Counter[str] = Counter()
    for text, label in zip(texts, labels, strict=True):
        found = terms(text)
        in_texts.update(found)
        for name in label_names(label):
            with_label.update((term, name) for term in found)
    ranked = sorted(((-(hits + 1) / (in_texts[term] + 2), -in_texts[term], term, label)
                     for (term, label), hits in with_label.items()
                     if in_texts[term] >= min_support))
    return [Keyword(word=term, label=label, support=-support,
                    precision=with_label[term, label] / -support)
            for _, support, term, label in ranked]


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
    ranked = ranked_keywords(texts, labels, min_support=min_support)
    return ranked[0] if ranked else None
