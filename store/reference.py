"""Reference labels read from the store: gold if set, else the annotators' majority.

The rule itself lives in ``heuristics.reference``; this module only gathers the votes.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.reference import Vote, reference_label, reference_label_set, reference_spans
from store.models import Label, LabelingTask, ManualLabel, TaskKind, User


def as_vote(manual_label: ManualLabel) -> Vote:
    span = None
    if manual_label.token_start is not None:
        span = (manual_label.token_start, manual_label.token_end)
    return Vote(annotator=manual_label.annotator.name, label=manual_label.label.name,
                is_gold=manual_label.is_gold, span=span)


def _reference(task: LabelingTask, votes: list[Vote]):
    if task.kind is TaskKind.CLASSIFICATION:
        return reference_label(votes)
    if task.kind is TaskKind.MULTILABEL:
        return reference_label_set(votes)
    return reference_spans(votes)


def reference_of(task: LabelingTask, manual_labels: list[ManualLabel]):
    """The reference of one record: a label name, a set of names, or a set of spans; or None."""
    return _reference(task, [as_vote(ml) for ml in manual_labels])


BATCH = 5_000


def reference_labels(*, session: Session, task: LabelingTask,
                     record_ids: list[int] | None = None) -> dict:
    """Reference of each record id that has one (records without a reference are left out);
    ``record_ids=None`` means every record of the task. Reads plain rows, no objects."""
    query = (select(ManualLabel.record_id, User.name, Label.name, ManualLabel.is_gold,
                    ManualLabel.token_start, ManualLabel.token_end)
             .join(User, User.id == ManualLabel.annotator_id)
             .join(Label, Label.id == ManualLabel.label_id)
             .where(ManualLabel.task_id == task.id).order_by(ManualLabel.id))
    if record_ids is None:
        rows = session.execute(query).all()
    else:
        ids = list(record_ids)
        rows = [row for start in range(0, len(ids), BATCH) for row in session.execute(
            query.where(ManualLabel.record_id.in_(ids[start:start + BATCH])))]
    by_record: dict[int, list[Vote]] = defaultdict(list)
    for record_id, annotator, label, is_gold, token_start, token_end in rows:
        span = (token_start, token_end) if token_start is not None else None
        by_record[record_id].append(Vote(annotator=annotator, label=label, is_gold=is_gold,
                                         span=span))
    references = {rid: _reference(task, votes) for rid, votes in by_record.items()}
    return {rid: ref for rid, ref in references.items() if ref is not None}
