from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.deps import OwnedProject, SessionDep, ViewableProject
from api.routing import Router
from api.schemas import Int32
from api.schemas.record_search import parse_filter
from api.schemas.stats import HeuristicStatsPublic, LabelStats, TaskStatsPublic
from services import statistics
from store import stats
from store.record_subsets import RecordSubset, subset_record_ids
from store.tasks import get_task

router = Router(prefix="/projects/{project_id}/tasks/{task_id}/stats", tags=["statistics"])


def _report_public(task_id: int, reports: list[stats.HeuristicReport]) -> TaskStatsPublic:
    return TaskStatsPublic(task_id=task_id, data=[
        HeuristicStatsPublic(**{**vars(report), "total": LabelStats(**vars(report.total)),
                                "labels": [LabelStats(**vars(r)) for r in report.labels]})
        for report in reports])


@router.get("", response_model=TaskStatsPublic)
def read_stats(task_id: Int32, project: ViewableProject, session: SessionDep,
               filter: Annotated[str | None, Query(max_length=20_000, description=(
                   "Only the records matching the record list's filter (JSON)"))] = None,
               saved_filter_id: Annotated[Int32 | None, Query(
                   description="Only the records of this saved filter")] = None,
               ) -> TaskStatsPublic:
    """TP, FP, FN, precision (with a Wilson interval), recall, F1 per heuristic and label
    against the reference labels (recall: the share of the records whose reference is the
    label that the heuristic votes it on; abstains are misses); coverage, hits, overlaps and
    conflicts over all records, or, with ``filter`` or ``saved_filter_id``, over the records
    they match (counted the same way, on request)."""
    task = get_task(session=session, project=project, task_id=task_id)
    subset = RecordSubset(record_filter=parse_filter(filter), saved_filter_id=saved_filter_id)
    if subset.everything:
        return _report_public(task_id, statistics.task_stats(session=session, task=task))
    record_ids = subset_record_ids(session=session, project=project, subset=subset) or []
    report = _report_public(task_id, stats.subset_report(session=session, task=task,
                                                         record_ids=record_ids))
    report.records = len(record_ids)
    return report


@router.post("/recompute", response_model=TaskStatsPublic)
def recompute_stats(task_id: Int32, project: OwnedProject, session: SessionDep) -> TaskStatsPublic:
    """Recompute from scratch (the incremental state must give the same numbers)."""
    task = get_task(session=session, project=project, task_id=task_id)
    return _report_public(task_id, statistics.recompute_stats(session=session, task=task))
