"""Statistics of a task's heuristics, recomputed on request."""

from __future__ import annotations

from sqlalchemy.orm import Session

from store import stats
from store.models import LabelingTask


def recompute_stats(*, session: Session, task: LabelingTask) -> list[stats.HeuristicReport]:
    """Recompute the task's statistics from scratch (the incremental state must give the same
    numbers) and return its report; commits."""
    stats.recompute(session=session, task=task)
    session.commit()
    return stats.task_report(session=session, task=task)
