"""How the terms of a lookup list fall on the labelled records: where each term occurs and
which reference labels those places carry. A term whose places carry mixed labels is a
noisy one; a term that occurs nowhere is dead weight.

Terms match as the templates *lookup of …* match them:

- in a classification or multi-label task, a term is found in a record when its words
  (``\\w+``, any case) follow one another among the record's words; the unit counted is
  the record, and its reference label(s) are what its places carry;
- in an extraction task, a term is found where its words (split on white space, case
  kept) equal consecutive tokens, the longest term first, no two places overlapping; the
  unit counted is the place, and what it carries is the label of a reference span that
  covers exactly those tokens (or nothing).

>>> counts = RecordTerms(["free", "Win big", "prize"])
>>> counts.add("WIN big now, free!", "spam")
>>> counts.add("free time", "ham")
>>> counts.add("free stuff", None)
>>> [(c.term, c.found, c.labelled, dict(c.labels)) for c in counts.result()]
[('free', 3, 2, {'spam': 1, 'ham': 1}), ('Win big', 1, 1, {'spam': 1}), ('prize', 0, 0, {})]
>>> places = SpanTerms(["New York", "York"])
>>> places.add(["New", "York", "and", "York"], [("LOC", 0, 2)])
>>> [(c.term, c.found, c.labelled, dict(c.labels)) for c in places.result()]
[('New York', 1, 1, {'LOC': 1}), ('York', 1, 1, {})]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from heuristics.keywords import label_names, phrase_key


@dataclass
class TermCount:
    """Where one term was found: ``found`` records (or places, in an extraction task), of
    them ``labelled`` in records with a reference, whose labels ``labels`` counts."""

    term: str
    found: int = 0
    labelled: int = 0
    labels: Counter[str] = field(default_factory=Counter)

    def noisy(self, label: str | None = None) -> bool:
        """Whether some labelled place does not carry ``label`` (None: the commonest)."""
        share = self.agreement(label)
        return share is not None and share < 1

    def agreement(self, label: str | None = None) -> float | None:
        """The share of the labelled places that carry ``label`` (None: the commonest
        label); None when no place is labelled.

        >>> TermCount("free", 5, 4, Counter({"spam": 3, "ham": 1})).agreement()
        0.75
        """
        if not self.labelled:
            return None
        top = self.labels[label] if label is not None else max(self.labels.values(), default=0)
        return top / self.labelled


def worst_first(counts: Iterable[TermCount], label: str | None = None) -> list[TermCount]:
    """Noisy terms first (whose labelled places do not all carry ``label``, or the commonest
    label), the least agreeing first; then those with no labelled place; then those that
    agree. Within each, the most found first.

    >>> agree, noisy, unseen = (TermCount("a", 5, 2, Counter(x=2)), TermCount("b", 3, 4,
    ...     Counter(x=3, y=1)), TermCount("c", 9))
    >>> [c.term for c in worst_first([agree, unseen, noisy])]
    ['b', 'c', 'a']
    """
    def rank(count: TermCount) -> tuple[int, float, int]:
        share = count.agreement(label)
        group = 1 if share is None else 0 if share < 1 else 2
        return group, share or 0.0, -count.found
    return sorted(counts, key=rank)


class _Terms:
    """The terms by the key they are matched by, each term counted once per key."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.counts = {term: TermCount(term) for term in terms}
        self.by_key: dict[tuple[str, ...], list[TermCount]] = defaultdict(list)
        for term, count in self.counts.items():
            if key := self.key(term):
                self.by_key[key].append(count)
        self.longest = max(map(len, self.by_key), default=0)

    @staticmethod
    def key(term: str) -> tuple[str, ...]:
        raise NotImplementedError

    def result(self) -> list[TermCount]:
        """Every term's counts, in the order the terms were given."""
        return list(self.counts.values())


class RecordTerms(_Terms):
    """Counts records of a classification or multi-label task per term."""

    key = staticmethod(phrase_key)

    def add(self, text: str, reference: str | Sequence[str] | None) -> None:
        """Count a record: its text and its reference label(s) (None: not labelled)."""
        words = phrase_key(text)
        found = {id(count): count
                 for n in range(1, min(self.longest, len(words)) + 1)
                 for i in range(len(words) - n + 1)
                 for count in self.by_key.get(tuple(words[i:i + n]), ())}
        labels = label_names(reference)
        for count in found.values():
            count.found += 1
            if reference is not None:
                count.labelled += 1
                count.labels.update(labels)


class SpanTerms(_Terms):
    """Counts the places of an extraction task's terms among the tokens of its records."""

    @staticmethod
    def key(term: str) -> tuple[str, ...]:
        return tuple(term.split())

    def add(self, tokens: Sequence[str],
            reference: Iterable[tuple[str, int, int]] | None) -> None:
        """Count a record: its tokens' texts and its reference spans ``(label, start, end)``,
        token offsets, end excluded (None: not labelled)."""
        spans = {(start, end): label for label, start, end in reference or ()}
        i = 0
        while i < len(tokens):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                if counts := self.by_key.get(tuple(tokens[i:i + n])):
                    for count in counts:
                        count.found += 1
                        if reference is not None:
                            count.labelled += 1
                            if label := spans.get((i, i + n)):
                                count.labels[label] += 1
                    i += n
                    break
            else:
                i += 1
