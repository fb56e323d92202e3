"""Writing a record's edited values, and the rows made from the old ones: the stored tokens
of an edited text, the manual spans marked on it, the vectors made of it (embeddings whose
vectors lose a record get a new ``instance``, as after a deletion: caches of their vectors
are keyed on it) and the computed values read from it."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from store.id_lists import ids_in
from store.manual_labels import ResolvedSpan, slot_of
from store.models import (
    Embedding,
    EmbeddingVector,
    LabelingTask,
    ManualLabel,
    Project,
    Record,
    Tokenization,
)
from store.tokenization import store_tokens


def write_values(*, record: Record, values: Mapping[str, object]) -> None:
    """Set the record's ``values`` (by attribute name; the others stay) as its next
    revision. No commit."""
    record.data = {**record.data, **values}
    record.revision += 1


def count_edits(*, session: Session, project_id: int, n: int) -> None:
    """Count ``n`` more edits of the project's records (one atomic update; no commit)."""
    session.execute(update(Project).where(Project.id == project_id)
                    .values(records_edited=Project.records_edited + n)
                    .execution_options(synchronize_session=False))


def forget_values(*, record: Record, names: Collection[str]) -> None:
    """Remove the values ``names`` (computed ones, to be computed again) from the record.
    No commit."""
    record.data = {name: value for name, value in record.data.items() if name not in names}


def store_new_tokens(*, session: Session, attribute_id: int, texts: Mapping[int, str]) -> None:
    """Replace the stored tokens of an attribute of those records (by id) that have them
    stored by the tokens of their new text. No commit."""
    stored = list(session.scalars(select(Tokenization.record_id).where(
        Tokenization.attribute_id == attribute_id, ids_in(Tokenization.record_id, list(texts)))))
    session.execute(delete(Tokenization).where(Tokenization.attribute_id == attribute_id,
                                               ids_in(Tokenization.record_id, stored))
                    .execution_options(synchronize_session=False))
    store_tokens(session=session, attribute_id=attribute_id,
                 texts={record_id: texts[record_id] for record_id in stored})


def spans_on(*, session: Session, task_id: int, record_ids: Collection[int]
             ) -> dict[int, list[ManualLabel]]:
    """The manual spans of an extraction task on the records, by record, in the text's
    order."""
    spans: dict[int, list[ManualLabel]] = {}
    for label in session.scalars(select(ManualLabel).where(
            ManualLabel.task_id == task_id, ids_in(ManualLabel.record_id, list(record_ids)))
            .order_by(ManualLabel.record_id, ManualLabel.char_start, ManualLabel.id)):
        spans.setdefault(label.record_id, []).append(label)
    return spans


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


def drop_vectors(*, session: Session, embedding: Embedding, record_ids: Collection[int]) -> None:
    """Delete the records' vectors in ``embedding`` (its next run makes them again) and
    renew its cache key. No commit."""
    embedding.instance = uuid.uuid4().hex
    session.execute(delete(EmbeddingVector).where(
        EmbeddingVector.embedding_id == embedding.id,
        ids_in(EmbeddingVector.record_id, list(record_ids)))
        .execution_options(synchronize_session=False))
