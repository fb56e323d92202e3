"""A record with its tokens, and per labeling task its manual labels, reviews and reference
label."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from store.manual_labels import manual_labels_of
from store.models import (
    Attribute,
    ConsensusLabel,
    Label,
    LabelingTask,
    ManualLabel,
    Project,
    Record,
    Review,
    Tokenization,
)
from store.records import tokenizations_of
from store.reference import record_reference


@dataclass(frozen=True)
class TaskLabels:
    task: LabelingTask
    reference: object
    manual_labels: list[ManualLabel]
    reviews: list[Review]


@dataclass(frozen=True)
class RecordDetail:
    record: Record
    tokenizations: list[tuple[Attribute, Tokenization]]
    tasks: list[TaskLabels]


def record_detail(*, session: Session, project: Project, record: Record) -> RecordDetail:
    """The record's tokens and, per task, its manual labels, reviews and reference (found
    from the labels, reviews and consensus labels read here, by the rule of
    :mod:`store.reference`)."""
    by_task: dict[int, list[ManualLabel]] = defaultdict(list)
    for manual_label in manual_labels_of(session=session, record_ids=[record.id]):
        by_task[manual_label.task_id].append(manual_label)
    reviews = list(session.scalars(select(Review).where(Review.record_id == record.id)
                                   .order_by(Review.id)))
    # a consensus settles a disagreement only: a record with one label per task has none
    settled = {} if all(len(labels) < 2 for labels in by_task.values()) else dict(
        session.execute(select(ConsensusLabel.task_id, Label.name)
                        .join(Label, Label.id == ConsensusLabel.label_id)
                        .where(ConsensusLabel.record_id == record.id)).all())
    stored = tokenizations_of(session=session, record_id=record.id)
    attributes = {a.id: a for a in project.attributes} if stored else {}
    tokenizations = [(attributes[t.attribute_id], t) for t in stored]
    tasks = []
    for task in session.scalars(select(LabelingTask).where(
            LabelingTask.project_id == project.id).order_by(LabelingTask.id)
            .options(lazyload(LabelingTask.labels))):   # the labels are not needed here
        own_reviews = [r for r in reviews if r.task_id == task.id]
        tasks.append(TaskLabels(
            task=task, manual_labels=by_task.get(task.id, []), reviews=own_reviews,
            reference=record_reference(task, by_task.get(task.id, []), own_reviews,
                                       settled.get(task.id))))
    return RecordDetail(record=record, tokenizations=tokenizations, tasks=tasks)


def attribute_texts(*, session: Session, record_ids: Collection[int], attribute: str
                    ) -> dict[int, str]:
    """Record id to the record's value of ``attribute`` as text ("" when it has none)."""
    rows = session.execute(select(Record.id, Record.data).where(Record.id.in_(record_ids)))
    return {record_id: str(data.get(attribute) or "") for record_id, data in rows}
