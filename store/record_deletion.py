"""Deleting records.

A record's rows go with it: its labels, reviews, tokens, vectors, computed values and queue
leases by their foreign keys; the outputs of the project's runs (kept without a key, see
:class:`store.models.Output`) here. Embeddings whose vectors lose records get a new
``instance``: caches of their vectors are keyed by (id, instance, number of vectors), which
a deletion followed by as many new records would otherwise repeat.

What a run saw (:mod:`store.records_seen`, stamped on every run as it begins) tells the
records imported since from those deleted since: a heuristic is out of date by the first,
and a run that ran while records were deleted drops its outputs on them
(:func:`drop_outputs_of_deleted`).
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from store.id_lists import ids_in
from store.models import Embedding, EmbeddingVector, ManualLabel, Output, Project, Record, Run
from store.records_seen import deleted_since


def labels_on(*, session: Session, record_ids: list[int]) -> dict[int, int]:
    """The number of manual labels on the records, by task id."""
    return dict(session.execute(select(ManualLabel.task_id, func.count())
                                .where(ids_in(ManualLabel.record_id, record_ids))
                                .group_by(ManualLabel.task_id)).all())


def renew_instances(*, session: Session, project_id: int, record_ids: list[int]) -> None:
    """A new ``instance`` for each of the project's embeddings that holds a vector of one
    of the records, which are about to lose them (one statement; no commit)."""
    session.execute(update(Embedding).where(
        Embedding.project_id == project_id,
        exists().where(EmbeddingVector.embedding_id == Embedding.id,
                       ids_in(EmbeddingVector.record_id, record_ids)))
        .values(instance=uuid.uuid4().hex).execution_options(synchronize_session=False))


def delete_records(*, session: Session, project_id: int, record_ids: list[int]) -> int:
    """Delete the project's records ``record_ids`` (ids of other projects are left alone)
    and every row about them; returns how many went. No commit."""
    if not record_ids:
        return 0
    renew_instances(session=session, project_id=project_id, record_ids=record_ids)
    session.execute(delete(Output).where(
        Output.run_id.in_(select(Run.id).where(Run.project_id == project_id)),
        ids_in(Output.record_id, record_ids)).execution_options(synchronize_session=False))
    # what this transaction deleted: a deletion running beside it may have taken some
    gone = session.execute(delete(Record).where(Record.project_id == project_id,
                                                ids_in(Record.id, record_ids))
                           .execution_options(synchronize_session=False)).rowcount
    session.execute(update(Project).where(Project.id == project_id).values(
        record_count=Project.record_count - gone,
        records_deleted=Project.records_deleted + gone)
        .execution_options(synchronize_session=False))
    session.expire_all()
    return gone


def drop_outputs_of_deleted(*, session: Session, run: Run) -> None:
    """Drop ``run``'s outputs on records deleted while it ran (no commit): nothing to do
    unless the project deleted records since the run began."""
    if not deleted_since(session=session, run=run):
        return
    session.execute(delete(Output).where(
        Output.run_id == run.id,
        ~exists().where(Record.id == Output.record_id))
        .execution_options(synchronize_session=False))
