"""Which outputs of a heuristic count as votes (a learner's pass its threshold)."""

from __future__ import annotations

from dataclasses import dataclass

from store.models import Heuristic, HeuristicKind, HeuristicRevision


@dataclass(frozen=True)
class VoteFilter:
    """Which outputs count as votes: confidence at least ``min_confidence``, label allowed."""

    min_confidence: float = 0.0
    label_ids: frozenset[int] | None = None

    def accepts(self, label_id: int, confidence: float) -> bool:
        return confidence >= self.min_confidence and (
            self.label_ids is None or label_id in self.label_ids)


def make_vote_filter(kind: HeuristicKind, *, min_confidence: float | None,
                     settings: dict | None, label_ids: dict[str, int]) -> VoteFilter:
    """A labeling function's outputs are all votes; a learner's pass its threshold (the
    heuristic's override, else its source's ``@params_inference``) and ``label_names``."""
    if kind is not HeuristicKind.ACTIVE_LEARNER:
        return VoteFilter()
    settings = settings or {}
    threshold = min_confidence if min_confidence is not None \
        else settings.get("min_confidence", 0.0)
    names = settings.get("label_names")
    ids = frozenset(label_ids[name] for name in names if name in label_ids) if names else None
    return VoteFilter(min_confidence=float(threshold), label_ids=ids)


def vote_filter(heuristic: Heuristic, revision: HeuristicRevision) -> VoteFilter:
    return make_vote_filter(heuristic.kind, min_confidence=heuristic.min_confidence,
                            settings=revision.settings,
                            label_ids={lb.name: lb.id for lb in heuristic.task.labels})
