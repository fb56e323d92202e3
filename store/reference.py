"""Reference labels read from the store: gold if set, else the annotators' majority.

The rule itself lives in ``heuristics.reference``; this module only gathers the votes.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.reference import Vote, reference_label, reference_label_set, reference_spans
from store.manual_labels import manual_labels_of
from store.models import LabelingTask, ManualLabel, TaskKind


def as_vote(manual_label: ManualLabel) -> Vote:
    span = None
    if manual_label.token_start is not None:
        span = (manual_label.token_start, manual_label.token_end)
    return Vote(annotator=manual_label.annotator.name, label=manual_label.label.name,
                is_gold=manual_label.is_gold, span=span)


def reference_of(task: LabelingTask, manual_labels: list[ManualLabel]):
    """The reference of one record: a label name, a set of names, or a set of spans; or None."""
    votes = [as_vote(ml) for ml in manual_labels]
    if task.kind is TaskKind.CLASSIFICATION:
        return reference_label(votes)
    if task.kind is TaskKind.MULTILABEL:
        return reference_label_set(votes)
    return reference_spans(votes)


def reference_labels(*, session: Session, task: LabelingTask,
                     record_ids: list[int] | None = None) -> dict:
    """Reference of each record id that has one (records without a reference are left out);
    ``record_ids=None`` means every record of the task."""
    by_record: dict[int, list[ManualLabel]] = defaultdict(list)
    if record_ids is None:
        labels = session.scalars(select(ManualLabel).where(ManualLabel.task_id == task.id)
                                 .order_by(ManualLabel.id))
    else:
        labels = manual_labels_of(session=session, record_ids=record_ids, task_id=task.id)
    for manual_label in labels:
        by_record[manual_label.record_id].append(manual_label)
    references = {rid: reference_of(task, labels) for rid, labels in by_record.items()}
    return {rid: ref for rid, ref in references.items() if ref is not None}
