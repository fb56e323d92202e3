"""Heuristics and their runs as stored: the lookups queries and use cases share."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.models import (
    Heuristic,
    HeuristicKind,
    HeuristicRevision,
    LabelingTask,
    Project,
    Run,
    RunStatus,
)
from store.projects import in_project

LABELING_FUNCTION_RUN = "labeling_function"
ACTIVE_LEARNER_RUN = "active_learner"
WEAK_SUPERVISION_RUN = "weak_supervision"


def current_revision(heuristic: Heuristic) -> HeuristicRevision:
    return heuristic.revisions[-1]


def functions_reading(*, session: Session, project_id: int, names: Iterable[str],
                      reads: Callable[[str, list[str]], list[str]]
                      ) -> dict[str, list[Heuristic]]:
    """The labeling functions of the project whose current code reads each of ``names``
    (lookup lists, attributes), by name, in the order of their names; ``reads(source,
    names)``: the names a code reads."""
    names = list(names)
    found: dict[str, list[Heuristic]] = {name: [] for name in names}
    for heuristic in session.scalars(select(Heuristic).where(
            Heuristic.project_id == project_id,
            Heuristic.kind == HeuristicKind.LABELING_FUNCTION)
            .options(selectinload(Heuristic.revisions)).order_by(Heuristic.name)):
        for name in reads(current_revision(heuristic).source, names):
            found[name].append(heuristic)
    return found


def get_heuristic(*, session: Session, project: Project, heuristic_id: int) -> Heuristic:
    return in_project(session=session, model=Heuristic, row_id=heuristic_id, project=project,
                      what="heuristic")


def latest_run(*, session: Session, heuristic: Heuristic,
               status: RunStatus | None = RunStatus.SUCCEEDED) -> Run | None:
    """The newest run of the heuristic's current revision (succeeded ones by default)."""
    query = select(Run).where(Run.heuristic_id == heuristic.id,
                              Run.revision_id == current_revision(heuristic).id)
    if status is not None:
        query = query.where(Run.status == status)
    return session.scalar(query.order_by(Run.id.desc()).limit(1))


def latest_weak_supervision(*, session: Session, task: LabelingTask,
                            status: RunStatus | None = RunStatus.SUCCEEDED) -> Run | None:
    """The task's newest weak-supervision run (of any status with ``status=None``)."""
    query = select(Run).where(Run.kind == WEAK_SUPERVISION_RUN,
                              Run.project_id == task.project_id)
    if status is not None:
        query = query.where(Run.status == status)
    runs = session.scalars(query.order_by(Run.id.desc()))
    return next((run for run in runs if run.params.get("task_id") == task.id), None)


def current_weak_supervision_runs(*, session: Session) -> set[int]:
    """The ids of every task's current weak labels: of each task, the run
    :func:`latest_weak_supervision` gives."""
    current: dict[int, int] = {}
    for run_id, params in session.execute(
            select(Run.id, Run.params).where(Run.kind == WEAK_SUPERVISION_RUN,
                                             Run.status == RunStatus.SUCCEEDED)
            .order_by(Run.id.desc())):
        current.setdefault(params.get("task_id"), run_id)
    return set(current.values())
