"""Counts over the outputs of runs, read for a run's metrics and for weighted votes."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import HeuristicStat, Output


def vote_counts(*, session: Session, run_id: int) -> tuple[int, int]:
    """``(outputs, records with an output)`` of the run ``run_id``."""
    outputs, records = session.execute(
        select(func.count(), func.count(func.distinct(Output.record_id)))
        .where(Output.run_id == run_id)).one()
    return outputs or 0, records or 0


def true_and_false_positives(*, session: Session, heuristic_ids: Collection[int],
                             label_indices: Collection[int]
                             ) -> dict[tuple[int, int], tuple[int, int]]:
    """``(tp, fp)`` from the statistics of each (heuristic, stats row) that has them."""
    return {(heuristic_id, label_index): (tp, fp)
            for heuristic_id, label_index, tp, fp in session.execute(
                select(HeuristicStat.heuristic_id, HeuristicStat.label_index,
                       HeuristicStat.tp, HeuristicStat.fp)
                .where(HeuristicStat.heuristic_id.in_(heuristic_ids),
                       HeuristicStat.label_index.in_(label_indices)))}
