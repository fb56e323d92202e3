"""Statistics of a task's heuristics: recomputed on request and after a heuristic's run."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.heuristic_runs import weak_supervision_due
from store import stats
from store.models import Heuristic, LabelingTask, Run


def recompute_stats(*, session: Session, task: LabelingTask) -> list[stats.HeuristicReport]:
    """Recompute the task's statistics from scratch (the incremental state must give the same
    numbers) and return its report; commits."""
    stats.recompute(session=session, task=task)
    session.commit()
    return stats.task_report(session=session, task=task)


def task_stats(*, session: Session, task: LabelingTask) -> list[stats.HeuristicReport]:
    """The task's statistics as stored; counts stored before recall counted abstains as misses
    are recomputed first (and committed: once per task)."""
    reports, outdated = stats.stored_report(session=session, task=task)
    if not outdated:
        return reports
    stats.recompute(session=session, task=task)
    try:
        session.commit()
    except IntegrityError:  # another reader recomputed them at the same time
        session.rollback()
    return stats.task_report(session=session, task=task)


def heuristic_run_succeeded(*, session: Session, run: Run,
                            held: stats.RunHeld | None = None) -> list[Run]:
    """A heuristic's run succeeded: its task's statistics now rest on it (taking what the
    run ``held``, see :func:`store.stats.refresh_after_run`), and a weak supervision that
    follows the task is queued again. Commits; returns the queued runs."""
    heuristic = session.get(Heuristic, run.heuristic_id)
    stats.refresh_after_run(session=session, task=heuristic.task, held=held)
    session.commit()
    return weak_supervision_due(session=session, task=heuristic.task)
