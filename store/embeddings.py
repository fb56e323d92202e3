"""Embeddings: definitions, the records they still lack, and their stored vectors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from formats.types import AttributeType
from heuristics.embeddings import vectors_from_bytes, vectors_to_bytes
from heuristics.errors import ConflictError, InvalidInputError
from heuristics.model_catalog import ModelCatalog
from store.db import plain_rows
from store.models import (
    Embedding,
    EmbeddingLevel,
    EmbeddingVector,
    Project,
    Record,
    Run,
    RunStatus,
    Tokenization,
)
from store.projects import find_attribute, in_project
from store.runs import create_run

EMBEDDING_RUN = "embedding"
DEFAULT_MODEL = "all-MiniLM-L6-v2"


def model_label(model: str) -> str:
    """A short name for a model path, used in embedding names.

    >>> model_label("/models/paraphrase-MiniLM-L3-v2/")
    'paraphrase-MiniLM-L3-v2'
    """
    return DEFAULT_MODEL if model == "default" else Path(model.rstrip("/")).name


def create_embedding(*, session: Session, project: Project, attribute: str,
                     level: EmbeddingLevel, models: ModelCatalog, model: str = "default",
                     name: str | None = None, pca_dims: int | None = None,
                     chunk_size: int | None = None) -> tuple[Embedding, Run]:
    """Define an embedding of a text attribute with one of the ``models`` on offer and
    queue the run that computes it; commits."""
    models.path_of(model)  # refuses a model that is not offered
    target = find_attribute(project, attribute)
    if target is None:
        raise InvalidInputError(f"no attribute named {attribute!r}", field="attribute")
    if target.data_type not in (AttributeType.TEXT, AttributeType.CATEGORY):
        raise InvalidInputError(f"attribute {attribute!r} is {target.data_type.value}; only "
                                "text attributes are embedded", field="attribute")
    if pca_dims is not None and level is not EmbeddingLevel.TOKEN:
        raise InvalidInputError("PCA applies to token embeddings only", field="pca_dims")
    suffix = "-token" if level is EmbeddingLevel.TOKEN else ""
    name = name or f"{attribute}-{model_label(model)}{suffix}"
    if session.scalar(select(Embedding.id).where(Embedding.project_id == project.id,
                                                 Embedding.name == name)):
        raise ConflictError(f"an embedding named {name!r} exists already", field="name")
    embedding = Embedding(project_id=project.id, attribute=target, name=name, model=model,
                          level=level, pca_dims=pca_dims, state=RunStatus.QUEUED)
    session.add(embedding)
    session.flush()
    params = {"embedding_id": embedding.id}
    if chunk_size:
        params["chunk_size"] = chunk_size
    run = create_run(session=session, project_id=project.id, kind=EMBEDDING_RUN, params=params)
    return embedding, run


def refresh_embeddings(*, session: Session, project: Project) -> list[Run]:
    """Queue runs that embed records added since each embedding was computed; commits."""
    runs = []
    for embedding in list_embeddings(session=session, project=project):
        if missing_record_ids(session=session, embedding=embedding, limit=1):
            runs.append(create_run(session=session, project_id=project.id, kind=EMBEDDING_RUN,
                                   params={"embedding_id": embedding.id}))
    return runs


def list_embeddings(*, session: Session, project: Project) -> list[Embedding]:
    return list(session.scalars(select(Embedding).where(Embedding.project_id == project.id)
                                .order_by(Embedding.id)))


def get_embedding(*, session: Session, project: Project, embedding_id: int) -> Embedding:
    return in_project(session=session, model=Embedding, row_id=embedding_id, project=project,
                      what="embedding")


def find_embedding(*, session: Session, project_id: int, name: str) -> Embedding | None:
    return session.scalar(select(Embedding).where(Embedding.project_id == project_id,
                                                  Embedding.name == name))


def delete_embedding(*, session: Session, embedding: Embedding) -> None:
    session.delete(embedding)
    session.commit()


def count_vectors(*, session: Session, embedding: Embedding) -> int:
    return session.scalar(select(func.count()).select_from(EmbeddingVector).where(
        EmbeddingVector.embedding_id == embedding.id)) or 0


def missing_record_ids(*, session: Session, embedding: Embedding,
                       limit: int | None = None) -> list[int]:
    """Ids of the project's records that have no vector in ``embedding`` yet, ascending."""
    embedded = select(EmbeddingVector.record_id).where(
        EmbeddingVector.embedding_id == embedding.id)
    query = (select(Record.id).where(Record.project_id == embedding.project_id,
                                     Record.id.not_in(embedded)).order_by(Record.id))
    return list(session.scalars(query.limit(limit) if limit else query))


def records_without_vectors(*, session: Session, embedding: Embedding, n_records: int
                            ) -> list[int]:
    """:func:`missing_record_ids`, answered by a count when the embedding holds ``n_records``
    vectors (the project's record count): vectors exist only for the project's records, one
    per record, so as many vectors as records means none is missing."""
    if count_vectors(session=session, embedding=embedding) == n_records:
        return []
    return missing_record_ids(session=session, embedding=embedding)


def texts_of(*, session: Session, embedding: Embedding, record_ids: Sequence[int]) -> list[str]:
    """The embedded attribute's text of each record, in the order of ``record_ids``."""
    name = embedding.attribute.name
    rows = dict(session.execute(select(Record.id, Record.data).where(
        Record.id.in_(record_ids))).all())
    return [str(rows[rid].get(name) or "") for rid in record_ids]


def texts_by_record(*, session: Session, embedding: Embedding,
                    record_ids: np.ndarray) -> list[str]:
    """The embedded attribute's text of each of ``record_ids`` (sorted ascending, as
    :func:`record_vectors` returns them), read in one pass over the project's records."""
    value = Record.data[embedding.attribute.name].as_string()
    query = (select(Record.id, value).where(Record.project_id == embedding.project_id)
             .order_by(Record.id))
    wanted = np.asarray(record_ids, dtype=np.int64)
    texts: list[str] = [""] * len(wanted)
    for rows in plain_rows(session, query):
        ids = np.fromiter((rid for rid, _ in rows), dtype=np.int64, count=len(rows))
        at = np.searchsorted(wanted, ids)
        for (_, text), where, rid in zip(rows, at.tolist(), ids.tolist(), strict=True):
            if where < len(wanted) and wanted[where] == rid:
                texts[where] = "" if text is None else str(text)
    return texts


def token_offsets_of(*, session: Session, embedding: Embedding,
                     record_ids: Sequence[int]) -> list[tuple[list[int], list[int]]]:
    """Stored token offsets (starts, ends) of each record, in the order of ``record_ids``."""
    rows = {rid: (starts, ends) for rid, starts, ends in session.execute(
        select(Tokenization.record_id, Tokenization.starts, Tokenization.ends).where(
            Tokenization.attribute_id == embedding.attribute_id,
            Tokenization.record_id.in_(record_ids)))}
    return [rows[rid] for rid in record_ids]


def write_vectors(*, session: Session, embedding: Embedding, record_ids: Sequence[int],
                  vectors: Sequence[np.ndarray]) -> None:
    """Replace the vectors of these records (safe to repeat); no commit."""
    session.execute(delete(EmbeddingVector).where(
        EmbeddingVector.embedding_id == embedding.id,
        EmbeddingVector.record_id.in_(record_ids)))
    session.execute(insert(EmbeddingVector), [
        {"embedding_id": embedding.id, "record_id": rid,
         "vector": vectors_to_bytes(vector),
         "n_tokens": vector.shape[0] if vector.ndim == 2 else None}
        for rid, vector in zip(record_ids, vectors, strict=True)])


def record_vectors(*, session: Session, embedding: Embedding, path: Path | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """All record-level vectors: (record_ids, matrix of shape (n_records, dims)).

    With ``path`` the matrix is written there as a ``.npy`` file while it is read, and the
    returned matrix is a memory map of that file: no second copy of a large embedding.
    """
    if embedding.level is not EmbeddingLevel.RECORD:
        raise InvalidInputError(f"embedding {embedding.name!r} is token-level",
                                field="embedding_id")
    where = EmbeddingVector.embedding_id == embedding.id
    n_rows = session.scalar(select(func.count()).select_from(EmbeddingVector).where(where))
    n_bytes = session.scalar(select(func.length(EmbeddingVector.vector)).where(where).limit(1))
    shape = (n_rows, n_bytes // 4 if n_bytes else embedding.dims or 0)
    ids = np.empty(n_rows, dtype=np.int64)
    matrix = (np.empty(shape, dtype=np.float32) if path is None else
              np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=shape))
    query = (select(EmbeddingVector.record_id, EmbeddingVector.vector).where(where)
             .order_by(EmbeddingVector.record_id).limit(n_rows))
    start = 0
    for rows in plain_rows(session, query, batch=2_000):
        end = start + len(rows)
        ids[start:end] = [rid for rid, _ in rows]
        matrix[start:end] = vectors_from_bytes(b"".join([vector for _, vector in rows]),
                                               shape[1], copy=False)
        start = end
    # No flush of the map: a reader of the file (the learner sandbox) sees its pages in the
    # page cache at once; forcing them to disk first cost 0.07 s per 100k vectors.
    # Vectors deleted since the count (another transaction): fewer rows than the shape.
    return ids[:start], matrix[:start]


def vectors_of(*, session: Session, embedding: Embedding,
               record_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """Stored vectors of some records: (dims,) or (n_tokens, dims) arrays by record id."""
    rows = session.execute(select(EmbeddingVector.record_id, EmbeddingVector.vector).where(
        EmbeddingVector.embedding_id == embedding.id,
        EmbeddingVector.record_id.in_(record_ids))).all()
    dims = embedding.pca_dims or embedding.dims
    token_level = embedding.level is EmbeddingLevel.TOKEN
    out = {}
    for rid, vector in rows:
        array = vectors_from_bytes(vector, dims or len(vector) // 4)
        out[rid] = array if token_level else array.reshape(-1)
    return out
