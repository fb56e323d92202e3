"""Use cases of annotators: label, relabel, unlabel, mark reviewed — each keeps the statistics
current.

Each computes the record's reference before and after the change, applies the difference
to the statistics of every heuristic of the task and announces a ``labels.changed`` event,
in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from store import stats
from store.events import publish
from store.manual_labels import (
    NO_SPAN,
    SpanInput,
    add_manual_label,
    update_manual_label,
)
from store.models import LabelingTask, ManualLabel, Record, Review, User
from store.reference import reference_labels
from store.reviews import add_review, remove_review
from store.tasks import count_label_changes

T = TypeVar("T")


def _reference(session: Session, task: LabelingTask, record: Record) -> object:
    return reference_labels(session=session, task=task, record_ids=[record.id]).get(record.id)


def _changing_reference(session: Session, task: LabelingTask, record: Record,
                        change: Callable[[], T]) -> T:
    before = _reference(session, task, record)
    result = change()
    count_label_changes(session=session, task=task)
    session.flush()
    stats.apply_reference_change(session=session, task=task, record_id=record.id,
                                 before=before, after=_reference(session, task, record))
    publish(session=session, project_id=task.project_id, type="labels.changed",
            payload={"task_id": task.id, "record_id": record.id})
    session.commit()
    return result


def create_manual_label(*, session: Session, task: LabelingTask, record: Record,
                        label_name: str, annotator: User, is_gold: bool = False,
                        span: SpanInput = NO_SPAN) -> ManualLabel:
    """Label a record (a classification label replaces the annotator's previous one)."""
    return _changing_reference(session, task, record, lambda: add_manual_label(
        session=session, task=task, record=record, label_name=label_name,
        annotator=annotator, is_gold=is_gold, span=span))


def change_manual_label(*, session: Session, manual_label: ManualLabel, task: LabelingTask,
                        record: Record, label_name: str | None, is_gold: bool | None,
                        span: SpanInput | None) -> ManualLabel:
    return _changing_reference(session, task, record, lambda: update_manual_label(
        session=session, manual_label=manual_label, task=task, record=record,
        label_name=label_name, is_gold=is_gold, span=span))


def delete_manual_label(*, session: Session, manual_label: ManualLabel, task: LabelingTask,
                        record: Record) -> None:
    _changing_reference(session, task, record, lambda: session.delete(manual_label))


def mark_reviewed(*, session: Session, task: LabelingTask, record: Record, annotator: User,
                  is_gold: bool = False) -> Review:
    """The annotator is done with the record (spans or labels marked or not)."""
    return _changing_reference(session, task, record, lambda: add_review(
        session=session, task=task, record=record, annotator=annotator, is_gold=is_gold))


def unmark_reviewed(*, session: Session, task: LabelingTask, record: Record, annotator: User,
                    is_gold: bool = False) -> None:
    _changing_reference(session, task, record, lambda: remove_review(
        session=session, task=task, record=record, annotator=annotator, is_gold=is_gold))
