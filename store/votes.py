"""Which outputs of a heuristic count as votes: the core's :class:`VoteRule` over label ids
(a labeling function's outputs all pass; a learner's pass its threshold)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from heuristics.learners.votes import VoteRule
from store.models import Heuristic, HeuristicKind, HeuristicRevision, Output


def make_vote_filter(kind: HeuristicKind, *, min_confidence: float | None,
                     settings: dict | None, label_ids: dict[str, int]) -> VoteRule:
    """A labeling function's outputs are all votes; a learner's pass its threshold (the
    heuristic's override, else its source's ``@params_inference``) and ``label_names``."""
    if kind is not HeuristicKind.ACTIVE_LEARNER:
        return VoteRule()
    settings = settings or {}
    threshold = min_confidence if min_confidence is not None \
        else settings.get("min_confidence", 0.0)
    names = settings.get("label_names")
    ids = frozenset(label_ids[name] for name in names if name in label_ids) if names else None
    return VoteRule(min_confidence=float(threshold), labels=ids)


def vote_filter(heuristic: Heuristic, revision: HeuristicRevision) -> VoteRule:
    return make_vote_filter(heuristic.kind, min_confidence=heuristic.min_confidence,
                            settings=revision.settings,
                            label_ids={lb.name: lb.id for lb in heuristic.task.labels})


def accepted_by(rule: VoteRule) -> ColumnElement:
    """The outputs ``rule`` accepts as votes, as SQL: :meth:`VoteRule.accepts` on the
    ``outputs`` table (whose labels are label ids)."""
    clause = and_(Output.confidence > 0, Output.confidence >= rule.min_confidence)
    if rule.labels is not None:
        clause = and_(clause, Output.label_id.in_(sorted(rule.labels)))
    return clause
