"""Least confidence over token sequences, for extraction tasks.

The model gives each record a ``(n_tokens, n_labels)`` array of per-token probabilities. A
record's confidence is the product of its tokens' top probabilities; normalised by length (the
geometric mean), long records are not asked first merely for being long. Token-based scoring
uses every token; span-based scoring (as in SeqAL) uses only the tokens of predicted spans, so
a sentence full of confident ``O`` tokens does not hide one shaky entity.

Examples
--------
>>> sure = np.array([[0.99, 0.01], [0.98, 0.02]])
>>> shaky = np.array([[0.99, 0.01], [0.4, 0.6], [0.95, 0.05]])
>>> result = SequenceLeastConfidence().query([sure, shaky], n=1, label_names=["O", "B-PER"])
>>> result.indices.tolist(), result.reasons[0]
([1], 'mean token confidence 0.83 over 3 tokens; least sure token 1 (B-PER at 0.60)')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from heuristics.active.base import ConfidenceBasedQueryStrategy, label_name
from heuristics.errors import InvalidInputError

__all__ = ["SequenceLeastConfidence", "predicted_spans", "sequence_uncertainties"]


def predicted_spans(
    labels: np.ndarray, *, outside_label: int = 0, label_names: Sequence[str] | None = None
) -> list[tuple[int, int]]:
    """Half-open ``(start, end)`` token ranges of the predicted spans.

    A span is a run of tokens not predicted ``outside_label``; with label names a ``B-`` label
    starts a new span and a change of entity type ends one.

    >>> predicted_spans(np.array([0, 1, 2, 0, 1, 1]), label_names=["O", "B-PER", "I-PER"])
    [(1, 3), (4, 5), (5, 6)]
    """
    spans: list[tuple[int, int]] = []
    start = None
    for i, label in enumerate(labels.tolist()):
        if label == outside_label:
            if start is not None:
                spans.append((start, i))
            start = None
        elif (
            start is None
            or label_name(label, label_names).startswith("B-")
            or _entity(label, label_names) != _entity(int(labels[start]), label_names)
        ):
            if start is not None:
                spans.append((start, i))
            start = i
    if start is not None:
        spans.append((start, len(labels)))
    return spans


def _entity(label: int, label_names: Sequence[str] | None) -> str:
    name = label_name(int(label), label_names)
    return name[2:] if name[:2] in ("B-", "I-") else name


class SequenceLeastConfidence(ConfidenceBasedQueryStrategy):
    """Records whose predicted label sequence is least probable.

    Parameters
    ----------
    granularity : {"token", "span"}
        Score over every token, or per predicted span, the record scoring as its least
        confident span (records with no predicted span score 0).
    normalize : bool
        Use the geometric mean of the token confidences instead of their product.
    outside_label : int
        The label index of tokens outside any span (``O``).
    label_names : sequence of str, optional
        The task's labels; with ``B-``/``I-`` names, spans are cut where a ``B-`` label begins
        or the entity type changes.

    Examples
    --------
    >>> labels = ["O", "B-PER", "I-PER"]
    >>> person = np.array([[0.9, 0.05, 0.05], [0.1, 0.5, 0.4], [0.1, 0.2, 0.7], [0.95, 0.03, 0.02]])
    >>> strategy = SequenceLeastConfidence(granularity="span", label_names=labels)
    >>> strategy.query([person], n=1, label_names=labels).reasons
    ['mean confidence 0.59 of the PER span at tokens 1-2']
    """

    def __init__(
        self,
        *,
        granularity: str = "token",
        normalize: bool = True,
        outside_label: int = 0,
        label_names: Sequence[str] | None = None,
    ) -> None:
        self.granularity = granularity
        self.normalize = normalize
        self.outside_label = outside_label
        self.label_names = label_names

    @property
    def ranks_by(self) -> str:
        """The least confident token sequence, or predicted span."""
        return ("least confident predicted span" if self.granularity == "span"
                else "least confident token sequence")

    def _units(self, probabilities: np.ndarray) -> list[tuple[int, int]]:
        """Token ranges scored together: the whole record, or each predicted span."""
        if self.granularity == "token":
            return [(0, len(probabilities))]
        if self.granularity != "span":
            raise InvalidInputError(
                f"unknown granularity {self.granularity!r}", field="granularity"
            )
        labels = np.argmax(probabilities, axis=1)
        return predicted_spans(
            labels, outside_label=self.outside_label, label_names=self.label_names
        )

    def _confidence(self, top: np.ndarray) -> float:
        log_confidence = np.log(np.clip(top, 1e-12, 1.0))
        return float(np.exp(log_confidence.mean() if self.normalize else log_confidence.sum()))

    def _weakest(self, probabilities: np.ndarray) -> tuple[float, tuple[int, int] | None]:
        if probabilities.ndim != 2:
            raise InvalidInputError("token probabilities must be (n_tokens, n_labels) arrays")
        top = probabilities.max(axis=1)
        units = [
            (self._confidence(top[a:b]), (a, b)) for a, b in self._units(probabilities) if b > a
        ]
        return min(units, default=(1.0, None))

    def score(self, probabilities: Sequence[np.ndarray]) -> np.ndarray:
        return np.array([1.0 - self._weakest(tokens)[0] for tokens in probabilities], dtype=float)

    def explain(self, probabilities, score, label_names):
        confidence, unit = self._weakest(probabilities)
        if unit is None:
            return "no predicted spans"
        mean = "mean" if self.normalize else "joint"
        top = probabilities.max(axis=1)
        if self.granularity == "token":
            weakest = int(np.argmin(top))
            label = label_name(int(np.argmax(probabilities[weakest])), label_names)
            return (
                f"{mean} token confidence {confidence:.2f} over {len(top)} tokens;"
                f" least sure token {weakest} ({label} at {top[weakest]:.2f})"
            )
        start, end = unit
        entity = _entity(int(np.argmax(probabilities[start])), label_names)
        return (
            f"{mean} confidence {confidence:.2f} of the {entity} span at tokens {start}-{end - 1}"
        )


def sequence_uncertainties(probabilities: Sequence[np.ndarray]) -> np.ndarray:
    """Each record's uncertainty as the stopping criteria read it: 1 - the top probability of
    its least sure token (0 for a record without tokens). Confident ``O`` tokens, most of any
    text, do not water it down as a mean over tokens would, and a model that is unsure
    whether a token starts an entity counts as unsure even where it predicts none (scoring
    only predicted spans, as the queue's span ranking does, would call it sure).

    >>> sure = np.array([[0.99, 0.01], [0.02, 0.98]])
    >>> shaky = np.array([[0.99, 0.01], [0.4, 0.6], [0.95, 0.05]])
    >>> sequence_uncertainties([sure, shaky, np.zeros((0, 2))]).round(2).tolist()
    [0.02, 0.4, 0.0]
    """
    return np.array([1.0 - float(tokens.max(axis=1).min()) if len(tokens) else 0.0
                     for tokens in probabilities], dtype=float)
