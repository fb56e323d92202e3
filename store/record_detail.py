"""A record with its tokens, and per labeling task its manual labels, reviews and reference
label."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.manual_labels import manual_labels_of
from store.models import (
    Attribute,
    LabelingTask,
    ManualLabel,
    Project,
    Record,
    Review,
    Tokenization,
)
from store.records import tasks_of, tokenizations_of
from store.reference import reference_labels


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
    by_task: dict[int, list[ManualLabel]] = defaultdict(list)
    for manual_label in manual_labels_of(session=session, record_ids=[record.id]):
        by_task[manual_label.task_id].append(manual_label)
    reviews = list(session.scalars(select(Review).where(Review.record_id == record.id)
                                   .order_by(Review.id)))
    attributes = {a.id: a for a in project.attributes}
    tokenizations = [(attributes[t.attribute_id], t)
                     for t in tokenizations_of(session=session, record_id=record.id)]
    tasks = [
        TaskLabels(task=task, manual_labels=by_task.get(task.id, []),
                   reviews=[r for r in reviews if r.task_id == task.id],
                   reference=reference_labels(session=session, task=task,
                                              record_ids=[record.id]).get(record.id))
        for task in tasks_of(session=session, project=project)
    ]
    return RecordDetail(record=record, tokenizations=tokenizations, tasks=tasks)


def attribute_texts(*, session: Session, record_ids: Collection[int], attribute: str
                    ) -> dict[int, str]:
    """Record id to the record's value of ``attribute`` as text ("" when it has none)."""
    rows = session.execute(select(Record.id, Record.data).where(Record.id.in_(record_ids)))
    return {record_id: str(data.get(attribute) or "") for record_id, data in rows}
