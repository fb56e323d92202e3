from __future__ import annotations

from fastapi import APIRouter

from api.deps import OwnedProject, SessionDep, ViewableProject
from api.schemas import Int32
from api.schemas.stats import HeuristicStatsPublic, LabelStats, TaskStatsPublic
from services import statistics
from store import stats
from store.tasks import get_task

router = APIRouter(prefix="/projects/{project_id}/tasks/{task_id}/stats", tags=["statistics"])


def _report_public(task_id: int, reports: list[stats.HeuristicReport]) -> TaskStatsPublic:
    return TaskStatsPublic(task_id=task_id, data=[
        HeuristicStatsPublic(**{**vars(report), "total": LabelStats(**vars(report.total)),
                                "labels": [LabelStats(**vars(r)) for r in report.labels]})
        for report in reports])


@router.get("", response_model=TaskStatsPublic)
def read_stats(task_id: Int32, project: ViewableProject, session: SessionDep) -> TaskStatsPublic:
    """TP, FP, FN, precision (with a Wilson interval), recall, F1 per heuristic and label
    against the reference labels; coverage, hits, overlaps and conflicts over all records."""
    task = get_task(session=session, project=project, task_id=task_id)
    return _report_public(task_id, stats.task_report(session=session, task=task))


@router.post("/recompute", response_model=TaskStatsPublic)
def recompute_stats(task_id: Int32, project: OwnedProject, session: SessionDep) -> TaskStatsPublic:
    """Recompute from scratch (the incremental state must give the same numbers)."""
    task = get_task(session=session, project=project, task_id=task_id)
    return _report_public(task_id, statistics.recompute_stats(session=session, task=task))
