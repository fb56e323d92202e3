"""How far annotators agree with each other: the reliability of a task's manual labels.

A record's labels are only as good as the agreement behind them. For every task kind this
module measures it on the records two annotators or more labelled, and against gold labels:

* **classification** — Krippendorff's alpha (nominal), which takes any number of annotators
  per record and records some annotators never saw; per pair of annotators the share of
  shared records with the same label and Cohen's kappa; per label the share of other
  annotators of a record who gave it when one did; the label pairs annotators split over.
* **multi-label** — binary Krippendorff's alpha over every (record, label) yes/no decision,
  overall and per label; per pair the share of shared records with the same label set and
  Cohen's kappa of the yes/no decisions.
* **extraction** — exact-span F1 between annotators, pooled over pairs and shared records:
  the measure of choice for spans, where the "no span here" decisions kappa would count are
  unbounded (Hripcsak & Rothschild, 2005); per label the same F1.

Readings of alpha follow Krippendorff (2004): at least 0.800 *reliable*, at least 0.667
*tentative* (conclusions drawn with care), below that *unreliable*.

Annotations are given per record as ``{annotator: choice}``: a label name (classification),
a set of label names (multi-label; empty for a record looked at and left unmarked) or a set of
``(label, token_start, token_end)`` spans (extraction). Gold labels are kept apart: they are
what annotators are compared against, not one of them.

Examples
--------
>>> result = classification_agreement(
...     {1: {"ann": "spam", "bob": "spam"}, 2: {"ann": "ham", "bob": "spam"},
...      3: {"ann": "ham", "bob": "ham"}, 4: {"ann": "spam"}},
...     labels=["ham", "spam"])
>>> round(result.value, 3), result.records, result.labelled_records
(0.444, 3, 4)
>>> [(p.a, p.b, p.records, round(p.agreement, 3)) for p in result.pairs]
[('ann', 'bob', 3, 0.667)]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Generic, TypeVar

import numpy as np
from scipy import sparse

__all__ = [
    "ALPHA_RELIABLE",
    "ALPHA_TENTATIVE",
    "Agreement",
    "AnnotatorAgreement",
    "Confusion",
    "LabelAgreement",
    "PairAgreement",
    "alpha_reading",
    "classification_agreement",
    "coincidences",
    "cohen_kappa",
    "krippendorff_alpha",
    "multilabel_agreement",
    "span_agreement",
]

ALPHA_RELIABLE = 0.800
"""Krippendorff's alpha from which labels count as reliable."""
ALPHA_TENTATIVE = 0.667
"""Krippendorff's alpha from which labels allow tentative conclusions only."""
CONFUSIONS_SHOWN = 20
"""The most label pairs :class:`Agreement` lists as confusions."""

Span = tuple[str, int, int]
_C = TypeVar("_C")


@dataclass(frozen=True)
class AnnotatorAgreement:
    """One annotator: records labelled, how many of them another annotator labelled too,
    agreement with the others there (pooled over their pairs) and with gold labels."""

    name: str
    records: int
    shared: int
    agreement: float | None
    gold_records: int
    gold_agreement: float | None


@dataclass(frozen=True)
class PairAgreement:
    """Two annotators (``a`` < ``b``) on the records both labelled: the share that agree (the
    span F1 between them in extraction) and Cohen's kappa (None in extraction, or undefined:
    one label everywhere)."""

    a: str
    b: str
    records: int
    agreement: float | None
    kappa: float | None


@dataclass(frozen=True)
class LabelAgreement:
    """One label on the records two annotators or more labelled: how often it was given
    (spans of it in extraction), the share of the other annotators who gave it too when one
    did (the span F1 of its spans in extraction) and, multi-label only, its binary alpha."""

    label: str
    count: int
    agreement: float | None
    alpha: float | None = None


@dataclass(frozen=True)
class Confusion:
    """Two labels (in the task's order) that annotators of ``count`` records split over."""

    a: str
    b: str
    count: int


@dataclass(frozen=True)
class Agreement:
    """Agreement among a task's annotators; ``value`` is None with a ``note`` saying why."""

    metric: str
    value: float | None
    records: int
    labelled_records: int
    annotators: list[AnnotatorAgreement]
    pairs: list[PairAgreement]
    labels: list[LabelAgreement]
    confusions: list[Confusion]
    note: str | None

    @property
    def reading(self) -> str | None:
        """``reliable``, ``tentative`` or ``unreliable`` for alpha; None for span F1."""
        return alpha_reading(self.value) if self.metric == "krippendorff_alpha" else None


def alpha_reading(alpha: float | None) -> str | None:
    """What Krippendorff's alpha allows: ``reliable``, ``tentative`` or ``unreliable``.

    >>> alpha_reading(0.81), alpha_reading(0.7), alpha_reading(0.2), alpha_reading(None)
    ('reliable', 'tentative', 'unreliable', None)
    """
    if alpha is None:
        return None
    if alpha >= ALPHA_RELIABLE:
        return "reliable"
    return "tentative" if alpha >= ALPHA_TENTATIVE else "unreliable"


def coincidences(units: np.ndarray, values: np.ndarray, n_values: int) -> np.ndarray:
    """Krippendorff's coincidence matrix of nominal values: entry ``(c, k)`` sums, over the
    units with two values or more, the ordered pairs of values ``c`` and ``k`` given to the
    unit by different coders, each unit's pairs weighted by ``1 / (m_u - 1)``.

    ``units[i]`` is the unit the ``i``-th value was given to, ``values[i]`` the value
    (``0 <= value < n_values``); a unit with one value is left out.

    >>> coincidences(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 0]), 2)
    array([[0., 1.],
           [1., 2.]])
    """
    units = np.asarray(units, dtype=np.int64)
    values = np.asarray(values, dtype=np.int64)
    if units.size == 0:
        return np.zeros((n_values, n_values))
    _, unit_index, per_unit = np.unique(units, return_inverse=True, return_counts=True)
    counts = sparse.csr_matrix((np.ones(units.size), (unit_index, values)),
                               shape=(per_unit.size, n_values))
    weights = np.where(per_unit >= 2, 1.0 / np.maximum(per_unit - 1, 1), 0.0)
    weighted = sparse.diags(weights) @ counts
    pairs = (counts.T @ weighted).toarray()
    return pairs - np.diag(np.asarray(weighted.sum(axis=0)).ravel())


def _alpha(coincidence: np.ndarray) -> float | None:
    """Nominal alpha of a coincidence matrix; None without two values or without variation."""
    per_value = coincidence.sum(axis=1)
    n = per_value.sum()
    expected = n * n - float(per_value @ per_value)
    if n < 2 or expected <= 1e-9:
        return None
    return float(1.0 - (n - 1) * (n - np.trace(coincidence)) / expected)


def krippendorff_alpha(units: np.ndarray, values: np.ndarray, n_values: int | None = None
                       ) -> float | None:
    """Krippendorff's alpha for nominal values (one entry per value given, as for
    :func:`coincidences`); None when fewer than two values are pairable or all are equal.

    Krippendorff's own example (2011, four coders, twelve units, ``0`` for a missing value
    left out here) gives 0.743:

    >>> table = [[1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
    ...          [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0]]
    >>> units, values = zip(*[(u, v) for row in table for u, v in enumerate(row) if v])
    >>> round(krippendorff_alpha(np.array(units), np.array(values)), 3)
    0.743
    """
    values = np.asarray(values, dtype=np.int64)
    size = n_values if n_values is not None else int(values.max(initial=-1)) + 1
    return _alpha(coincidences(units, values, size))


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa of two coders' values of the same units; None when chance agreement is
    certain (both gave one and the same value everywhere) or without units.

    >>> round(cohen_kappa(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])), 3)
    0.5
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if a.size == 0:
        return None
    size = int(max(a.max(), b.max())) + 1
    chance = float(np.bincount(a, minlength=size) @ np.bincount(b, minlength=size)) / a.size ** 2
    if chance >= 1.0 - 1e-12:
        return None
    return (float(np.mean(a == b)) - chance) / (1.0 - chance)


class _Pooled:
    """A ratio summed over comparisons: agreeing parts over all parts."""

    __slots__ = ("hits", "total")

    def __init__(self) -> None:
        self.hits = 0.0
        self.total = 0.0

    def add(self, hits: float, total: float) -> None:
        self.hits += hits
        self.total += total

    @property
    def ratio(self) -> float | None:
        return self.hits / self.total if self.total else None


@dataclass(frozen=True)
class _Kind(Generic[_C]):
    """What differs between task kinds: how two choices compare (agreeing parts, parts) and
    the pair's kappa over the choices of their shared records."""

    metric: str
    compare: Callable[[_C, _C], tuple[float, float]]
    kappa: Callable[[list[tuple[_C, _C]]], float | None]


def _shared(annotations: Mapping[Hashable, Mapping[str, _C]]
            ) -> Iterator[tuple[str, str, _C, _C]]:
    """Every pair of annotators (names in order) of every record, with their choices."""
    for by_annotator in annotations.values():
        for a, b in combinations(sorted(by_annotator), 2):
            yield a, b, by_annotator[a], by_annotator[b]


def _agreement(kind: _Kind[_C], annotations: Mapping[Hashable, Mapping[str, _C]],
               gold: Mapping[Hashable, _C], *, value: float | None,
               labels: list[LabelAgreement], confusions: list[Confusion]) -> Agreement:
    """The parts every kind shares: annotators, pairs, records, the note."""
    pair_choices: dict[tuple[str, str], list[tuple[_C, _C]]] = defaultdict(list)
    pair_pooled: dict[tuple[str, str], _Pooled] = defaultdict(_Pooled)
    for a, b, choice_a, choice_b in _shared(annotations):
        pair_pooled[a, b].add(*kind.compare(choice_a, choice_b))
        pair_choices[a, b].append((choice_a, choice_b))
    pooled: dict[str, _Pooled] = defaultdict(_Pooled)   # each annotator's, over their pairs
    for (a, b), pool in pair_pooled.items():
        pooled[a].add(pool.hits, pool.total)
        pooled[b].add(pool.hits, pool.total)
    records: Counter[str] = Counter()
    shared: Counter[str] = Counter()
    against_gold: dict[str, _Pooled] = defaultdict(_Pooled)
    gold_records: Counter[str] = Counter()
    for record, by_annotator in annotations.items():
        for name, choice in by_annotator.items():
            records[name] += 1
            shared[name] += len(by_annotator) > 1
            if record in gold:
                gold_records[name] += 1
                against_gold[name].add(*kind.compare(choice, gold[record]))
    if kind.metric == "span_f1":   # every pair's spans together: the pooled F1
        every = _Pooled()
        for pool in pair_pooled.values():
            every.add(pool.hits, pool.total)
        value = every.ratio
    pairable = sum(len(by_annotator) > 1 for by_annotator in annotations.values())
    return Agreement(
        metric=kind.metric, value=value, records=pairable,
        labelled_records=sum(bool(by_annotator) for by_annotator in annotations.values()),
        annotators=[AnnotatorAgreement(
            name=name, records=records[name], shared=shared[name],
            agreement=pooled[name].ratio if shared[name] else None,
            gold_records=gold_records[name],
            gold_agreement=against_gold[name].ratio if gold_records[name] else None)
            for name in sorted(records)],
        pairs=[PairAgreement(a=a, b=b, records=len(choices),
                             agreement=pair_pooled[a, b].ratio, kappa=kind.kappa(choices))
               for (a, b), choices in sorted(pair_choices.items())],
        labels=labels, confusions=confusions,
        note=_note(kind.metric, value, pairable))


def _note(metric: str, value: float | None, pairable: int) -> str | None:
    if value is not None:
        return None
    if pairable == 0:
        return "No record has labels of two annotators yet."
    if metric == "span_f1":
        return "No annotator marked a span on the records two annotators labelled."
    return ("Every annotator gave the same answer everywhere: their agreement cannot be told "
            "from chance.")


def _label_indices(labels: Sequence[str]) -> dict[str, int]:
    return {label: index for index, label in enumerate(labels)}


def _pairable(annotations: Mapping[Hashable, Mapping[str, _C]]
              ) -> list[Mapping[str, _C]]:
    return [by_annotator for by_annotator in annotations.values() if len(by_annotator) > 1]


def _units_of(pairable: list[Mapping[str, _C]]) -> np.ndarray:
    """The unit (index into ``pairable``) of each choice, in the order of their values."""
    return np.repeat(np.arange(len(pairable)), [len(by) for by in pairable])


def classification_agreement(annotations: Mapping[Hashable, Mapping[str, str]], *,
                             labels: Sequence[str],
                             gold: Mapping[Hashable, str] | None = None) -> Agreement:
    """Agreement of a classification task's annotators: one label per annotator and record.

    ``labels`` are the task's labels in order; a label outside them is a ``KeyError``.

    >>> result = classification_agreement(
    ...     {1: {"ann": "a", "bob": "a", "cid": "b"}, 2: {"ann": "b", "bob": "b"}},
    ...     labels=["a", "b"], gold={1: "a"})
    >>> [(x.name, x.shared, round(x.agreement, 2), x.gold_agreement) for x in result.annotators]
    [('ann', 2, 0.67, 1.0), ('bob', 2, 0.67, 1.0), ('cid', 1, 0.0, 0.0)]
    >>> [(c.a, c.b, c.count) for c in result.confusions]
    [('a', 'b', 1)]
    """
    index = _label_indices(labels)
    pairable = _pairable(annotations)
    values = np.array([index[label] for by in pairable for label in by.values()],
                      dtype=np.int64)
    coincidence = coincidences(_units_of(pairable), values, len(labels))
    given = coincidence.sum(axis=1)
    per_label = [LabelAgreement(label=label, count=int(round(given[i])),
                                agreement=float(coincidence[i, i] / given[i]) if given[i] else None)
                 for i, label in enumerate(labels)]
    splits: Counter[tuple[int, int]] = Counter(
        pair for by_annotator in pairable
        for pair in combinations(sorted({index[label] for label in by_annotator.values()}), 2))
    confusions = [Confusion(a=labels[a], b=labels[b], count=count)
                  for (a, b), count in sorted(splits.items(), key=lambda item: (-item[1], item[0]))
                  [:CONFUSIONS_SHOWN]]

    def kappa(choices: list[tuple[str, str]]) -> float | None:
        return cohen_kappa(np.array([index[a] for a, _ in choices]),
                           np.array([index[b] for _, b in choices]))

    kind = _Kind[str](metric="krippendorff_alpha",
                      compare=lambda a, b: (float(a == b), 1.0), kappa=kappa)
    return _agreement(kind, annotations, gold or {}, value=_alpha(coincidence),
                      labels=per_label, confusions=confusions)


def multilabel_agreement(annotations: Mapping[Hashable, Mapping[str, frozenset[str]]], *,
                         labels: Sequence[str],
                         gold: Mapping[Hashable, frozenset[str]] | None = None) -> Agreement:
    """Agreement of a multi-label task's annotators: each one's set of labels per record
    (empty: looked at, nothing chosen), read as a yes or no per label.

    >>> result = multilabel_agreement(
    ...     {1: {"ann": frozenset({"x"}), "bob": frozenset({"x", "y"})},
    ...      2: {"ann": frozenset(), "bob": frozenset()}}, labels=["x", "y"])
    >>> round(result.value, 3), [(p.a, p.b, p.agreement) for p in result.pairs]
    (0.533, [('ann', 'bob', 0.5)])
    >>> [(x.label, x.count, x.agreement) for x in result.labels]
    [('x', 2, 1.0), ('y', 1, 0.0)]
    """
    pairable = _pairable(annotations)
    index = _label_indices(labels)
    sizes = [len(choice) for by in pairable for choice in by.values()]
    given = np.zeros((len(sizes), len(labels)), dtype=np.int64)   # a choice's yes per label
    given[np.repeat(np.arange(len(sizes)), sizes),
          [index[label] for by in pairable for choice in by.values() for label in choice]] = 1
    units = _units_of(pairable)
    per_label: list[LabelAgreement] = []
    overall = np.zeros((2, 2))
    for column, label in enumerate(labels):
        coincidence = coincidences(units, given[:, column], 2)
        overall += coincidence
        yes = coincidence[1].sum()
        per_label.append(LabelAgreement(
            label=label, count=int(round(yes)),
            agreement=float(coincidence[1, 1] / yes) if yes else None, alpha=_alpha(coincidence)))

    def kappa(choices: list[tuple[frozenset[str], frozenset[str]]]) -> float | None:
        return cohen_kappa(np.array([label in a for a, _ in choices for label in labels]),
                           np.array([label in b for _, b in choices for label in labels]))

    kind = _Kind[frozenset[str]](metric="krippendorff_alpha",
                                 compare=lambda a, b: (float(a == b), 1.0), kappa=kappa)
    return _agreement(kind, annotations, gold or {}, value=_alpha(overall),
                      labels=per_label, confusions=[])


def _span_overlap(a: frozenset[Span], b: frozenset[Span]) -> tuple[float, float]:
    """Twice the spans both marked, and the spans each marked: F1's numerator and
    denominator."""
    return 2.0 * len(a & b), float(len(a) + len(b))


def span_agreement(annotations: Mapping[Hashable, Mapping[str, frozenset[Span]]], *,
                   labels: Sequence[str],
                   gold: Mapping[Hashable, frozenset[Span]] | None = None) -> Agreement:
    """Agreement of an extraction task's annotators: exact-span F1 between each pair on the
    records both annotated (an empty set: looked at, nothing marked), pooled.

    >>> result = span_agreement(
    ...     {1: {"ann": frozenset({("PER", 0, 2), ("LOC", 4, 5)}),
    ...          "bob": frozenset({("PER", 0, 2)})}}, labels=["PER", "LOC"])
    >>> round(result.value, 3), [(x.label, x.count, x.agreement) for x in result.labels]
    (0.667, [('PER', 2, 1.0), ('LOC', 1, 0.0)])
    """
    common: Counter[str] = Counter()
    marked: Counter[str] = Counter()
    for _, _, a, b in _shared(annotations):
        common.update(span[0] for span in a & b)
        marked.update(span[0] for span in a)
        marked.update(span[0] for span in b)
    count = Counter(span[0] for by in _pairable(annotations) for spans in by.values()
                    for span in spans)
    per_label = [LabelAgreement(label=label, count=count[label],
                                agreement=2 * common[label] / marked[label]
                                if marked[label] else None)
                 for label in labels]
    kind = _Kind[frozenset[Span]](metric="span_f1", compare=_span_overlap,
                                  kappa=lambda choices: None)
    return _agreement(kind, annotations, gold or {}, value=None, labels=per_label,
                      confusions=[])
