"""Agreement among a task's annotators, read from its manual labels and reviews.

The measures live in :mod:`heuristics.evaluation.agreement`; this module gathers each
annotator's choice per record (gold labels apart, as what annotators are compared against).
In multi-label and extraction tasks an annotator's review of a record with nothing marked is
a choice too: the empty set.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.evaluation.agreement import (
    Agreement,
    classification_agreement,
    multilabel_agreement,
    span_agreement,
)
from store.db import plain_rows
from store.models import LabelingTask, ManualLabel, Review, TaskKind, User

Choices = dict[int, dict[str, object]]


def task_agreement(*, session: Session, task: LabelingTask) -> Agreement:
    """How far the task's annotators agree, on every record two of them or more labelled,
    and how far each one agrees with the gold labels."""
    label_names = {label.id: label.name for label in task.labels}
    labels = [label.name for label in task.labels]
    rows = [row for rows in plain_rows(session, select(
        ManualLabel.record_id, ManualLabel.annotator_id, ManualLabel.label_id,
        ManualLabel.is_gold, ManualLabel.token_start, ManualLabel.token_end)
        .where(ManualLabel.task_id == task.id)) for row in rows]
    reviews = [] if task.kind is TaskKind.CLASSIFICATION else [
        row for rows in plain_rows(session, select(Review.record_id, Review.annotator_id,
                                                   Review.is_gold)
                                   .where(Review.task_id == task.id)) for row in rows]
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(
        {row[1] for row in rows} | {row[1] for row in reviews}))).all())
    annotations: Choices = defaultdict(dict)
    gold: dict[int, object] = {}
    if task.kind is TaskKind.CLASSIFICATION:
        for record_id, annotator_id, label_id, is_gold, _, _ in rows:
            if is_gold:
                gold[record_id] = label_names[label_id]
            else:
                annotations[record_id][names[annotator_id]] = label_names[label_id]
        return classification_agreement(annotations, labels=labels, gold=gold)
    sets: dict[int, dict[str, set]] = {}
    gold_sets: dict[int, set] = {}

    def chosen(record_id: int, annotator_id: int, is_gold: bool) -> set:
        """The set of choices of the record's annotator (or its gold set), made empty."""
        if is_gold:
            return gold_sets.setdefault(record_id, set())
        return sets.setdefault(record_id, {}).setdefault(names[annotator_id], set())

    spans = task.kind is TaskKind.EXTRACTION
    for record_id, annotator_id, label_id, is_gold, start, end in rows:
        name = label_names[label_id]
        chosen(record_id, annotator_id, is_gold).add((name, start, end) if spans else name)
    for record_id, annotator_id, is_gold in reviews:   # looked at: a choice, maybe empty
        chosen(record_id, annotator_id, is_gold)
    frozen = {rid: {name: frozenset(chosen) for name, chosen in by.items()}
              for rid, by in sets.items()}
    frozen_gold = {rid: frozenset(chosen) for rid, chosen in gold_sets.items()}
    measure = span_agreement if spans else multilabel_agreement
    return measure(frozen, labels=labels, gold=frozen_gold)
