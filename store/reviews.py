"""Reviews: an annotator marks a multi-label or extraction record as done, with or without
labels or spans, so that "looked and found nothing" is recorded (see ``heuristics.reference``).
No commits here; :mod:`services.annotation` wraps these with the statistics update."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import InvalidInputError, NotFoundError
from store.models import LabelingTask, Record, Review, TaskKind, User


def _check_task(task: LabelingTask) -> None:
    if task.kind is TaskKind.CLASSIFICATION:
        raise InvalidInputError(f"records of the classification task {task.name!r} are "
                                "reviewed by labelling them", field="task_id")


def find_review(*, session: Session, task: LabelingTask, record: Record, annotator: User,
                is_gold: bool) -> Review | None:
    return session.scalar(select(Review).where(
        Review.task_id == task.id, Review.record_id == record.id,
        Review.annotator_id == annotator.id, Review.is_gold == is_gold))


def add_review(*, session: Session, task: LabelingTask, record: Record, annotator: User,
               is_gold: bool = False) -> Review:
    """The annotator's review of the record (created once; repeating returns it)."""
    _check_task(task)
    review = find_review(session=session, task=task, record=record, annotator=annotator,
                         is_gold=is_gold)
    if review is None:
        review = Review(task_id=task.id, record_id=record.id, annotator_id=annotator.id,
                        is_gold=is_gold)
        session.add(review)
        session.flush()
    return review


def remove_review(*, session: Session, task: LabelingTask, record: Record, annotator: User,
                  is_gold: bool = False) -> None:
    review = find_review(session=session, task=task, record=record, annotator=annotator,
                         is_gold=is_gold)
    if review is None:
        raise NotFoundError(f"{annotator.name!r} has no review of record {record.id} "
                            f"for task {task.name!r}")
    session.delete(review)
