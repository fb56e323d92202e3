"""Queries over records: their tokens, tasks and ids (filtered lists: ``record_filters``)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.db import plain_rows
from store.models import LabelingTask, Project, Record, Tokenization


def tokenizations_of(*, session: Session, record_id: int) -> list[Tokenization]:
    return list(session.scalars(select(Tokenization).where(Tokenization.record_id == record_id)))


def tasks_of(*, session: Session, project: Project) -> list[LabelingTask]:
    return list(session.scalars(
        select(LabelingTask).where(LabelingTask.project_id == project.id)
        .order_by(LabelingTask.id)))


def record_ids_of(*, session: Session, project_id: int) -> list[int]:
    """The ids of every record of a project, ascending (read as plain rows: fast at 100k)."""
    query = select(Record.id).where(Record.project_id == project_id).order_by(Record.id)
    return [rid for rows in plain_rows(session, query) for rid, in rows]


def records_added(*, session: Session, project_id: int, n: int) -> None:
    """Count ``n`` records just inserted into the project, in the inserting transaction (the
    one rule that keeps ``Project.record_count`` equal to the records stored)."""
    if n:
        session.execute(update(Project).where(Project.id == project_id)
                        .values(record_count=Project.record_count + n)
                        .execution_options(synchronize_session=False))


def record_count(*, session: Session, project_id: int) -> int:
    """The number of the project's records, read from the count kept on insert."""
    return session.scalar(select(Project.record_count).where(Project.id == project_id)) or 0
