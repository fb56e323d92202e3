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

from heuristics.errors import ConflictError, InvalidInputError, NotFoundError
from store import record_deletion, stats
from store.events import publish
from store.id_lists import ids_in
from store.locks import write_first
from store.models import LabelingTask, Project, Record
from store.record_filters import RecordFilter, matching_record_ids
from store.records import record_count
from store.runs import run_under_way
from store.tasks import count_label_changes

RECORDS_DELETED = "records.deleted"
"""The event a deletion publishes: ``{"count": n, "record_ids": [...]}`` (the ids while
they are at most :data:`IDS_IN_EVENT`)."""
IDS_IN_EVENT = 1_000


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
    if (record_ids is None) == (record_filter is None):
        raise InvalidInputError("name the records to delete by record_ids or by a filter, "
                                "not both", field="record_ids")
    write_first(session=session)   # SQLite: the check and the deletion in one transaction
    ids = _chosen(session, project, record_ids, record_filter)
    if expected is not None and expected != len(ids):
        raise ConflictError(f"the selection holds {len(ids):,} records now, not "
                            f"{expected:,}: look at it again", field="expected")
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
        "count": deleted, **({"record_ids": ids} if len(ids) <= IDS_IN_EVENT else {})})
    session.commit()
    return Deleted(records=deleted, manual_labels=sum(labels.values()),
                   record_count=record_count(session=session, project_id=project.id))


def _chosen(session: Session, project: Project, record_ids: list[int] | None,
            record_filter: RecordFilter | None) -> list[int]:
    if record_filter is not None:
        return list(session.scalars(matching_record_ids(
            session=session, project=project, record_filter=record_filter)))
    wanted = sorted(set(record_ids or []))
    found = set(session.scalars(select(Record.id).where(Record.project_id == project.id,
                                                        ids_in(Record.id, wanted))))
    if missing := [rid for rid in wanted if rid not in found]:
        raise NotFoundError(f"record {missing[0]} does not exist in this project"
                            + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else ""),
                            field="record_ids")
    return wanted
