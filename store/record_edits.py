"""Writing a record's edited values, and the rows made from the old ones: the stored tokens
of an edited text, the manual spans marked on it, the vectors made of it (embeddings whose
vectors lose a record get a new ``instance``, as after a deletion: caches of their vectors
are keyed on it) and the computed values read from it."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from store.manual_labels import ResolvedSpan, slot_of
from store.models import (
    Attribute,
    Embedding,
    EmbeddingVector,
    LabelingTask,
    ManualLabel,
    Project,
    Record,
    Tokenization,
)
from store.tokenization import store_tokens


def write_values(*, session: Session, record: Record, values: Mapping[str, object]) -> None:
    """Set the record's ``values`` (by attribute name; the others stay), count an edit of
    the record and of its project. No commit."""
    record.data = {**record.data, **values}
    record.revision += 1
    session.execute(update(Project).where(Project.id == record.project_id)
                    .values(records_edited=Project.records_edited + 1)
                    .execution_options(synchronize_session=False))


def forget_values(*, session: Session, record: Record, names: Collection[str]) -> None:
    """Remove the values ``names`` (computed ones, to be computed again) from the record.
    No commit."""
    record.data = {name: value for name, value in record.data.items() if name not in names}


def tokenized(*, session: Session, record_id: int, attribute_ids: Collection[int]) -> set[int]:
    """Those of ``attribute_ids`` whose tokens the record has stored."""
    return set(session.scalars(select(Tokenization.attribute_id).where(
        Tokenization.record_id == record_id,
        Tokenization.attribute_id.in_(list(attribute_ids)))))


def store_new_tokens(*, session: Session, record_id: int, attribute_id: int, text: str) -> None:
    """Replace the record's stored tokens of an attribute by those of its new ``text``.
    No commit."""
    session.execute(delete(Tokenization).where(Tokenization.record_id == record_id,
                                               Tokenization.attribute_id == attribute_id))
    store_tokens(session=session, attribute_id=attribute_id, texts={record_id: text})


def spans_on(*, session: Session, task_id: int, record_id: int) -> list[ManualLabel]:
    """The manual spans of an extraction task on the record, in the text's order."""
    return list(session.scalars(select(ManualLabel).where(
        ManualLabel.task_id == task_id, ManualLabel.record_id == record_id)
        .order_by(ManualLabel.char_start, ManualLabel.id)))


def move_spans(*, session: Session, task: LabelingTask,
               moves: list[tuple[ManualLabel, ResolvedSpan]]) -> None:
    """Give each span its new offsets (and so its new slot). Two steps, since a span may
    move to where another one was: every moving span's slot is first one no span has.
    No commit."""
    for label, _ in moves:
        label.slot = f"~{label.id}"
    session.flush()
    for label, span in moves:
        label.token_start, label.token_end = span.token_start, span.token_end
        label.char_start, label.char_end = span.char_start, span.char_end
        label.slot = slot_of(task, label.label, span)
    session.flush()


def drop_spans(*, session: Session, labels: Collection[ManualLabel]) -> None:
    for label in labels:
        session.delete(label)
    session.flush()


def embeddings_of(*, session: Session, project_id: int, attribute_ids: Collection[int]
                  ) -> list[Embedding]:
    """The project's embeddings made of any of the attributes."""
    return list(session.scalars(select(Embedding).where(
        Embedding.project_id == project_id,
        Embedding.attribute_id.in_(list(attribute_ids))).order_by(Embedding.id)))


def drop_vectors(*, session: Session, record_id: int, embeddings: Collection[Embedding]) -> None:
    """Delete the record's vectors in ``embeddings`` (their next run makes them again) and
    renew those embeddings' cache key. No commit."""
    if not embeddings:
        return
    ids = [e.id for e in embeddings]
    for embedding in embeddings:
        embedding.instance = uuid.uuid4().hex
    session.execute(delete(EmbeddingVector).where(
        EmbeddingVector.record_id == record_id,
        EmbeddingVector.embedding_id.in_(ids))
        .execution_options(synchronize_session=False))


def computed_attributes(*, session: Session, project_id: int) -> list[Attribute]:
    return list(session.scalars(select(Attribute).where(
        Attribute.project_id == project_id, Attribute.source.is_not(None))
        .order_by(Attribute.position, Attribute.id)))
