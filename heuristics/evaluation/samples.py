"""How code tried on a few records did against their reference labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from heuristics.errors import InvalidInputError


@dataclass(frozen=True)
class SampleSummary:
    """How code tried on a few records did against their reference labels.

    ``records`` tried, ``hits`` (records it gave a label or span on), ``compared`` (records
    with a reference on which it did not abstain) and ``agreed`` (of those, the ones where
    its result equals the reference exactly).
    """

    records: int
    hits: int
    compared: int
    agreed: int

    @property
    def agreement(self) -> float | None:
        """``agreed / compared``; None when nothing could be compared."""
        return self.agreed / self.compared if self.compared else None


def sample_summary(votes: Sequence[object], references: Sequence[object]) -> SampleSummary:
    """Summarise code tried on a few records.

    Parameters
    ----------
    votes : sequence
        Per record, the code's result in the shape of a reference label: a label name, a
        frozenset of label names (multi-label) or of ``(label, token_start, token_end)``
        spans (extraction); None where it abstained. An empty set is a result (extraction:
        "nothing here") but no hit.
    references : sequence
        Per record, its reference label in the same shape, or None where it has none.

    Returns
    -------
    SampleSummary

    Examples
    --------
    >>> summary = sample_summary(["spam", None, "ham", "spam"], ["spam", "ham", "spam", None])
    >>> summary, summary.agreement
    (SampleSummary(records=4, hits=3, compared=2, agreed=1), 0.5)
    >>> sample_summary([frozenset(), frozenset({("PER", 0, 1)})],
    ...                [frozenset(), frozenset({("PER", 0, 2)})])
    SampleSummary(records=2, hits=1, compared=2, agreed=1)
    """
    if len(votes) != len(references):
        raise InvalidInputError(f"{len(votes)} votes for {len(references)} references",
                                field="references")
    compared = [(vote, reference) for vote, reference in zip(votes, references, strict=True)
                if vote is not None and reference is not None]
    return SampleSummary(records=len(votes),
                         hits=sum(1 for vote in votes if vote is not None and vote != frozenset()),
                         compared=len(compared),
                         agreed=sum(1 for vote, reference in compared if vote == reference))
