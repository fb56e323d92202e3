"""Deleting a project's records: named by id or chosen by a filter, with everything about
them (labels, reviews, votes, weak labels, tokens, vectors, computed values), the tasks'
statistics and reference labels counted again, and learners put out of date by the labels
that went. Refused while a run of the project is under way: a run reads and writes records
as it goes (what one would still write on a deleted record is dropped as it ends, but the
votes it counted would not be the records left)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError
from services.record_selection import chosen_record_ids, named_in_event
from store import record_deletion, stats
from store.events import publish
from store.locks import write_first
from store.models import LabelingTask, Project
from store.record_filters import RecordFilter
from store.records import record_count
from store.runs import run_under_way
from store.tasks import count_label_changes

RECORDS_DELETED = "records.deleted"
"""The event a deletion publishes: ``{"count": n, "record_ids": [...]}`` (the ids while
they are at most :data:`services.record_selection.IDS_IN_EVENT`)."""


@dataclass(frozen=True)
class Deleted:
    """What a deletion took: ``records``, the ``manual_labels`` on them, and the records
    the project has left (``record_count``)."""

    records: int
    manual_labels: int
    record_count: int


def delete_records(*, session: Session, project: Project, record_ids: list[int] | None = None,
                   record_filter: RecordFilter | None = None, expected: int | None = None,
                   dry_run: bool = False) -> Deleted:
    """Delete the records ``record_ids`` (NotFoundError naming one that is not the
    project's) or those matching ``record_filter`` (one of the two). ``expected``: the
    number the user was shown; ConflictError when the selection now holds another.
    ConflictError while a run of the project is under way. Commits; with ``dry_run``,
    what would go, deleting nothing."""
    write_first(session=session)   # SQLite: the check and the deletion in one transaction
    ids = chosen_record_ids(session=session, project=project, record_ids=record_ids,
                            record_filter=record_filter, expected=expected, action="delete")
    if (running := run_under_way(session=session, project_id=project.id)) is not None:
        raise ConflictError(f"{running} is under way: wait for it to end (or cancel it), "
                            "then delete", field="record_ids")
    labels = record_deletion.labels_on(session=session, record_ids=ids)
    if dry_run:
        session.rollback()
        return Deleted(records=len(ids), manual_labels=sum(labels.values()),
                       record_count=record_count(session=session, project_id=project.id))
    deleted = record_deletion.delete_records(session=session, project_id=project.id,
                                             record_ids=ids)
    tasks = session.scalars(select(LabelingTask).where(LabelingTask.project_id == project.id)
                            .order_by(LabelingTask.id)).all()
    for task in tasks:   # each task's statistics lock, then its row: the one order
        if labels.get(task.id):
            count_label_changes(session=session, task=task, n=labels[task.id])
        stats.recompute(session=session, task=task)
    publish(session=session, project_id=project.id, type=RECORDS_DELETED, payload={
        "count": deleted, **named_in_event(ids)})
    session.commit()
    return Deleted(records=deleted, manual_labels=sum(labels.values()),
                   record_count=record_count(session=session, project_id=project.id))
