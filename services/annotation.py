"""Use cases of annotators: label, relabel, unlabel, mark reviewed — each keeps the statistics
current.

Each locks the record's labels (:mod:`store.locks`), computes the record's reference before
and after the change, and applies the difference to the statistics of every heuristic of
the task in the same transaction: concurrent changes of one record apply their deltas one
after the other, each from the state the previous one committed, so the statistics stay
equal to a full recompute. The lock also makes a classification label replace the one a
concurrent request of the same annotator just stored. Creating use cases honour an
idempotency key (:mod:`store.idempotency`). Each announces a ``labels.changed`` event
in the same transaction. Given the workers' ``queue``, the creating ones also end the
annotator's queue leases of the records, request the default learner's refit
(:func:`services.active_queue.labelled`) and queue the refits of the task's learners that
are due (:func:`services.heuristic_runs.learner_refits`) in that transaction, and enqueue
those runs once it has committed (never a run whose row is not committed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

from heuristics.errors import NotFoundError
from services import active_queue
from services.dispatch import RunDispatcher
from services.heuristic_runs import learner_refits
from store import idempotency, stats
from store.events import publish, publish_many
from store.idempotency import Answer, IdempotentRequest
from store.locks import RECORD_LABELS, lock_each, lock_keys
from store.manual_labels import (
    NO_SPAN,
    LabelItem,
    SpanInput,
    add_manual_label,
    add_manual_labels,
    update_manual_label,
)
from store.models import LabelingTask, ManualLabel, Record, Review, Run, User
from store.reference import reference_labels
from store.reviews import add_review, remove_review
from store.tasks import count_label_changes

T = TypeVar("T")


def _reference(session: Session, task: LabelingTask, record: Record) -> object:
    return reference_labels(session=session, task=task, record_ids=[record.id]).get(record.id)


def _changing_reference(session: Session, task: LabelingTask, record: Record,
                        change: Callable[[], T], once: IdempotentRequest[T] | None = None,
                        labelled_by: User | None = None, queue: RunDispatcher | None = None
                        ) -> T | Answer:
    """Apply ``change`` and its statistics delta; commits. Under an idempotency key, the
    answer (the first one, if the key was used before: then nothing changes). With
    ``queue``, the record was labelled by ``labelled_by`` (see the module's docstring)."""
    # the request's key first, then the record's labels
    lock_each(session=session, locks=[*([idempotency.lock_of(once)] if once else []),
                                      (RECORD_LABELS, record.id)])
    if once is not None and (first := idempotency.first_answer(session=session,
                                                                request=once)):
        session.commit()
        return first
    before = _reference(session, task, record)
    result = change()
    count_label_changes(session=session, task=task)
    session.flush()
    stats.apply_reference_change(session=session, task=task, record_id=record.id,
                                 before=before, after=_reference(session, task, record))
    publish(session=session, project_id=task.project_id, type="labels.changed",
            payload={"task_id": task.id, "record_id": record.id})
    runs = [] if queue is None else _labelled(session, task, [record.id], [labelled_by.id])
    answer = None if once is None else idempotency.remember(session=session, request=once,
                                                            result=result)
    session.commit()
    _enqueue(queue, runs)
    return result if answer is None else answer


def _labelled(session: Session, task: LabelingTask, record_ids: list[int],
              annotator_ids: list[int]) -> list[Run]:
    """The queue's and the learners' part of new labels, in their transaction: the runs to
    enqueue once it has committed."""
    return [*active_queue.labelled(session=session, task=task, record_ids=record_ids,
                                   annotator_ids=annotator_ids),
            *learner_refits(session=session, task=task)]


def _enqueue(queue: RunDispatcher | None, runs: list[Run]) -> None:
    for run in runs:
        queue.enqueue_run(run.id, kind=run.kind)


def _read_again(session: Session, manual_label: ManualLabel) -> None:
    """Read the label again under the record's lock; NotFoundError if a concurrent request
    deleted it."""
    manual_label_id = manual_label.id
    try:
        session.refresh(manual_label)
    except InvalidRequestError as error:
        raise NotFoundError(f"manual label {manual_label_id} does not exist any more"
                            ) from error


def create_manual_label(*, session: Session, task: LabelingTask, record: Record,
                        label_name: str, annotator: User, is_gold: bool = False,
                        span: SpanInput = NO_SPAN,
                        once: IdempotentRequest[ManualLabel] | None = None,
                        queue: RunDispatcher | None = None) -> ManualLabel | Answer:
    """Label a record (a classification label replaces the annotator's previous one).

    With ``once``, the answer to the request instead of the label (see
    :func:`_changing_reference`).
    """
    return _changing_reference(session, task, record, lambda: add_manual_label(
        session=session, task=task, record=record, label_name=label_name,
        annotator=annotator, is_gold=is_gold, span=span), once, annotator, queue)


def create_manual_labels(*, session: Session, task: LabelingTask, items: list[LabelItem],
                         once: IdempotentRequest[list[int]] | None = None,
                         queue: RunDispatcher | None = None) -> list[int] | Answer:
    """Store many classification or multi-label labels at once, all or nothing: an error
    names the first bad item (0-based); the ids stored. Locks every record, then
    recomputes the task's statistics once; commits."""
    if once is not None:
        idempotency.lock(session=session, request=once)
    record_ids = sorted({item.record.id for item in items})
    lock_keys(session=session, space=RECORD_LABELS, keys=record_ids)
    if once is not None and (first := idempotency.first_answer(session=session,
                                                                request=once)):
        session.commit()
        return first
    created = add_manual_labels(session=session, task=task, items=items)
    count_label_changes(session=session, task=task, n=len(items))
    session.flush()
    stats.recompute(session=session, task=task)
    publish_many(session=session, project_id=task.project_id, type="labels.changed",
                 payloads=[{"task_id": task.id, "record_id": rid} for rid in record_ids])
    runs = [] if queue is None else _labelled(session, task, record_ids,
                                              [item.annotator.id for item in items])
    answer = None if once is None else idempotency.remember(session=session, request=once,
                                                            result=created)
    session.commit()
    _enqueue(queue, runs)
    return created if answer is None else answer


def change_manual_label(*, session: Session, manual_label: ManualLabel, task: LabelingTask,
                        record: Record, label_name: str | None, is_gold: bool | None,
                        span: SpanInput | None) -> ManualLabel:
    def change() -> ManualLabel:
        _read_again(session, manual_label)
        return update_manual_label(session=session, manual_label=manual_label, task=task,
                                   record=record, label_name=label_name, is_gold=is_gold,
                                   span=span)

    return _changing_reference(session, task, record, change)


def delete_manual_label(*, session: Session, manual_label: ManualLabel, task: LabelingTask,
                        record: Record) -> None:
    def change() -> None:
        _read_again(session, manual_label)
        session.delete(manual_label)

    _changing_reference(session, task, record, change)


def mark_reviewed(*, session: Session, task: LabelingTask, record: Record, annotator: User,
                  is_gold: bool = False, once: IdempotentRequest[Review] | None = None,
                  queue: RunDispatcher | None = None) -> Review | Answer:
    """The annotator is done with the record (spans or labels marked or not)."""
    return _changing_reference(session, task, record, lambda: add_review(
        session=session, task=task, record=record, annotator=annotator, is_gold=is_gold),
        once, annotator, queue)


def unmark_reviewed(*, session: Session, task: LabelingTask, record: Record, annotator: User,
                    is_gold: bool = False) -> None:
    _changing_reference(session, task, record, lambda: remove_review(
        session=session, task=task, record=record, annotator=annotator, is_gold=is_gold))
