"""The SQL form of the vote rule accepts exactly the outputs the core's rule accepts."""

from __future__ import annotations

import itertools

from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from heuristics.learners.votes import VoteRule
from store.models import Output
from store.votes import accepted_by

CONFIDENCES = [0.0, 0.2, 0.5, 0.79, 0.8, 1.0]
LABELS = [1, 2, 3]


def test_accepted_by_is_vote_rule_accepts_in_sql():
    engine = create_engine("sqlite://")
    Output.__table__.create(engine)
    rows = [{"id": i, "run_id": 1, "record_id": i, "label_id": label, "confidence": confidence}
            for i, (label, confidence) in enumerate(itertools.product(LABELS, CONFIDENCES))]
    with Session(engine) as session:
        session.execute(insert(Output), rows)
        for threshold, labels in itertools.product([0.0, 0.5, 0.8, 1.0],
                                                   [None, frozenset({2}), frozenset({1, 3})]):
            rule = VoteRule(min_confidence=threshold, labels=labels)
            in_sql = set(session.scalars(select(Output.id).where(accepted_by(rule))))
            in_python = {row["id"] for row in rows
                         if rule.accepts(row["label_id"], row["confidence"])}
            assert in_sql == in_python, (threshold, labels)
    engine.dispose()
