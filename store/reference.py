"""Reference labels read from the store: gold if set, else the annotators' majority; and the
stored copy of a classification task's references (``reference_labels``) that filters read.

The rule itself lives in ``heuristics.reference``; this module only gathers the votes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from heuristics.reference import (
    Vote,
    reference_label,
    reference_label_set,
    reference_spans,
    row_plurality,
)
from store.db import plain_rows
from store.id_lists import ids_in
from store.models import (
    ConsensusLabel,
    Label,
    LabelingTask,
    ManualLabel,
    ReferenceLabel,
    Review,
    TaskKind,
    User,
)


def _reference(task: LabelingTask, votes: list[Vote]):
    if task.kind is TaskKind.CLASSIFICATION:
        return reference_label(votes)
    if task.kind is TaskKind.MULTILABEL:
        return reference_label_set(votes)
    return reference_spans(votes)


BATCH = 5_000


def _vote(annotator: str, label: str | None, is_gold: bool, token_start: int | None,
          token_end: int | None) -> Vote:
    """One annotator's vote; a span when the label has token bounds."""
    span = (token_start, token_end) if token_start is not None else None
    return Vote(annotator=annotator, label=label, is_gold=bool(is_gold), span=span)


def _rows(session: Session, query, column, record_ids: list[int] | None) -> list[tuple]:
    """Plain driver rows (booleans may be 0/1) of the query, for some records or all."""
    if record_ids is None:
        return [row for rows in plain_rows(session, query) for row in rows]
    ids = list(record_ids)
    return [row for start in range(0, len(ids), BATCH)
            for rows in plain_rows(session, query.where(ids_in(column, ids[start:start + BATCH])))
            for row in rows]


def reference_labels(*, session: Session, task: LabelingTask,
                     record_ids: list[int] | None = None) -> dict:
    """Reference of each record id that has one (records without a reference are left out);
    ``record_ids=None`` means every record of the task. Reads plain rows, no objects.
    Reviews of multi-label and extraction records count as votes without a label."""
    if task.kind is TaskKind.CLASSIFICATION:
        names = {label.id: label.name for label in task.labels}
        plain = (select(ManualLabel.record_id, ManualLabel.label_id, ManualLabel.is_gold)
                 .where(ManualLabel.task_id == task.id))
        rows = np.array(_rows(session, plain, ManualLabel.record_id, record_ids),
                        dtype=np.int64).reshape(-1, 3)
        winners = plurality_label_ids(rows)
        if len(rows) > 1 and session.scalar(select(ConsensusLabel.record_id).where(
                ConsensusLabel.task_id == task.id).limit(1)) is not None:
            winners.update(settled_labels(session=session, task=task,
                                          record_ids=disputed_records(rows)))
        return {rid: names[label_id] for rid, label_id in winners.items()}
    query = (select(ManualLabel.record_id, User.name, Label.name, ManualLabel.is_gold,
                    ManualLabel.token_start, ManualLabel.token_end)
             .join(User, User.id == ManualLabel.annotator_id)
             .join(Label, Label.id == ManualLabel.label_id)
             .where(ManualLabel.task_id == task.id).order_by(ManualLabel.id))
    rows = _rows(session, query, ManualLabel.record_id, record_ids)
    reviews = (select(Review.record_id, User.name, Review.is_gold)
               .join(User, User.id == Review.annotator_id)
               .where(Review.task_id == task.id).order_by(Review.id))
    rows += [(rid, annotator, None, is_gold, None, None) for rid, annotator, is_gold
             in _rows(session, reviews, Review.record_id, record_ids)]
    by_record: dict[int, list[Vote]] = defaultdict(list)
    for record_id, *vote in rows:
        by_record[record_id].append(_vote(*vote))
    references = {rid: _reference(task, votes) for rid, votes in by_record.items()}
    return {rid: ref for rid, ref in references.items() if ref is not None}


def record_reference(task: LabelingTask, manual_labels: list[ManualLabel],
                     reviews: list[Review], settled: str | None = None) -> object:
    """One record's reference in ``task`` from its manual labels and reviews of the task,
    loaded already (oldest first), and its consensus label if one is stored (``settled``):
    what :func:`reference_labels` gives it, without a query."""
    votes = [_vote(ml.annotator.name, ml.label.name, ml.is_gold, ml.token_start, ml.token_end)
             for ml in manual_labels]
    if task.kind is TaskKind.CLASSIFICATION:
        return reference_label(votes, settled=settled)
    votes += [_vote(review.annotator.name, None, review.is_gold, None, None)
              for review in reviews]
    return _reference(task, votes)


def disputed_records(rows: Sequence[tuple[int, int, bool]] | np.ndarray) -> list[int]:
    """The records of a classification task's (record id, label id, is_gold) rows (see
    :func:`plurality_label_ids`) without a gold label whose annotators gave different labels:
    where the reference rule takes a stored consensus.

    >>> disputed_records([(1, 7, False), (1, 8, False), (2, 7, False), (2, 7, False),
    ...                   (3, 7, False), (3, 8, False), (3, 8, True)])
    [1]
    """
    if len(rows) == 0:
        return []
    table = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    gold = table[:, 2].astype(bool)
    # each distinct (record, label) pair as one sorted key; a record whose key comes twice
    # in a row has two labels (ids are below 2**31, so the pair fits an int64)
    records = np.unique((table[~gold, 0] << 32) | table[~gold, 1]) >> 32
    disputed = np.unique(records[1:][records[1:] == records[:-1]])
    return disputed[~np.isin(disputed, table[gold, 0])].tolist()


def settled_labels(*, session: Session, task: LabelingTask, record_ids: list[int]
                   ) -> dict[int, int]:
    """The stored consensus label id (:class:`ConsensusLabel`) of each of these records that
    has one in the task."""
    found: dict[int, int] = {}
    for start in range(0, len(record_ids), BATCH):
        found.update(session.execute(select(ConsensusLabel.record_id, ConsensusLabel.label_id)
                                     .where(ConsensusLabel.task_id == task.id,
                                            ids_in(ConsensusLabel.record_id,
                                                   record_ids[start:start + BATCH]))).all())
    return found


def plurality_label_ids(rows: Sequence[tuple[int, int, bool]] | np.ndarray) -> dict[int, int]:
    """Vectorised :func:`heuristics.reference.reference_label` over the (record id, label id,
    is_gold) rows of a classification task, which hold at most one label per annotator,
    record and gold flag (unique slot), so need no annotator: per record, the plurality of its
    gold labels if it has any, else of its annotators' labels; ties give none."""
    if len(rows) == 0:
        return {}
    table = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    record_ids, labels, gold = table[:, 0], table[:, 1], table[:, 2].astype(bool)
    records, record_index = np.unique(record_ids, return_inverse=True)
    has_gold = np.zeros(len(records), dtype=bool)
    has_gold[record_index[gold]] = True
    counted = gold | ~has_gold[record_index]
    winners, decided = row_plurality(record_index[counted], labels[counted],
                                     n_rows=len(records))
    return dict(zip(records[decided].tolist(), winners[decided].tolist(), strict=True))


def store_references(*, session: Session, task: LabelingTask, references: dict[int, object]
                     ) -> None:
    """Make the stored reference labels of a classification task equal ``references`` (label
    names by record id, from :func:`reference_labels`), writing only the rows that differ;
    other kinds store none. No commit."""
    if task.kind is not TaskKind.CLASSIFICATION:
        return
    ids = {label.name: label.id for label in task.labels}
    wanted = {rid: ids[name] for rid, name in references.items() if name is not None}
    stored = dict(row for rows in plain_rows(
        session, select(ReferenceLabel.record_id, ReferenceLabel.label_id)
        .where(ReferenceLabel.task_id == task.id)) for row in rows)
    gone = [rid for rid in stored if rid not in wanted]
    for start in range(0, len(gone), BATCH):
        session.execute(delete(ReferenceLabel).where(
            ReferenceLabel.task_id == task.id,
            ids_in(ReferenceLabel.record_id, gone[start:start + BATCH])))
    rows = [{"task_id": task.id, "record_id": rid, "label_id": label_id}
            for rid, label_id in wanted.items() if stored.get(rid) != label_id]
    for start in range(0, len(rows), BATCH):
        session.execute(_upsert(session), rows[start:start + BATCH])


def reference_state(*, session: Session, task: LabelingTask) -> tuple:
    """What else a task's references depend on besides its votes: its count of labelling
    acts (every change of a manual label or review counts one, see
    :func:`store.tasks.count_label_changes`) and its labels' ids and names. References read
    after an equal state was read are still the task's references."""
    changes = session.scalar(select(LabelingTask.label_changes)
                             .where(LabelingTask.id == task.id))
    labels = session.execute(select(Label.id, Label.name).where(Label.task_id == task.id)
                             .order_by(Label.id)).all()
    return changes, tuple(tuple(label) for label in labels)


def store_reference(*, session: Session, task: LabelingTask, record_id: int,
                    reference: object) -> None:
    """Store one record's new reference label (a name, or None: no reference) in a
    classification task; other kinds store none. No commit."""
    if task.kind is not TaskKind.CLASSIFICATION:
        return
    if reference is None:
        session.execute(delete(ReferenceLabel).where(ReferenceLabel.task_id == task.id,
                                                     ReferenceLabel.record_id == record_id))
        return
    label_id = next(label.id for label in task.labels if label.name == reference)
    session.execute(_upsert(session), [{"task_id": task.id, "record_id": record_id,
                                        "label_id": label_id}])


def _upsert(session: Session):
    """An insert of reference rows that overwrites a row a concurrent transaction stored
    meanwhile (the last writer's reference stays)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ReferenceLabel)
    return statement.on_conflict_do_update(
        index_elements=[ReferenceLabel.task_id, ReferenceLabel.record_id],
        set_={"label_id": statement.excluded.label_id})
