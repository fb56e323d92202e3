"""Similarity search over a project's stored record vectors, with a per-process index cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import InvalidInputError
from heuristics.model_catalog import ModelCatalog
from heuristics.similarity import CosineIndex
from store import vector_cache
from store.embeddings import count_vectors
from store.models import Embedding, Record


@dataclass(frozen=True)
class SimilarRecords:
    records: list[Record]
    scores: list[float]
    exact: bool


@dataclass(frozen=True)
class _Entry:
    record_ids: np.ndarray
    matrix: np.ndarray
    index: CosineIndex


class IndexCache:
    """Fitted indexes by embedding, rebuilt when its vectors change; keeps a few. With
    ``folder``, the vectors are read from the embedding's file there
    (:mod:`store.vector_cache`), written first if missing."""

    def __init__(self, *, size: int = 4, folder: Path | None = None) -> None:
        self.size, self.folder = size, folder
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, embedding: Embedding) -> _Entry:
        # An embedding's vectors only grow (see store.vector_cache): its instance and their
        # number name their state.
        key = (embedding.id, embedding.instance, count_vectors(session=session,
                                                                embedding=embedding))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        record_ids, matrix = vector_cache.read_record_matrix(
            session=session, embedding=embedding, folder=self.folder)
        if not len(record_ids):
            raise InvalidInputError(f"embedding {embedding.name!r} has no vectors yet",
                                    field="embedding_id")
        entry = _Entry(record_ids=record_ids, matrix=matrix, index=CosineIndex().fit(matrix))
        with self._lock:
            for stale in [k for k in self._entries if k[0] == embedding.id]:
                del self._entries[stale]
            self._entries[key] = entry
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry


def _answer(session: Session, entry: _Entry, vector: np.ndarray, k: int,
            exclude: int | None) -> SimilarRecords:
    found = entry.index.query(vector, k=k, exclude=exclude)
    ids = [int(entry.record_ids[i]) for i in found.indices]
    records = {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(ids)))}
    return SimilarRecords(records=[records[i] for i in ids],
                          scores=[float(s) for s in found.scores],
                          exact=entry.index.exact)


def similar_to_record(*, session: Session, embedding: Embedding, record: Record, k: int,
                      cache: IndexCache) -> SimilarRecords:
    """The ``k`` records closest to ``record`` (itself excluded)."""
    entry = cache.get(session, embedding)
    position = np.searchsorted(entry.record_ids, record.id)
    if position >= len(entry.record_ids) or entry.record_ids[position] != record.id:
        raise InvalidInputError(f"record {record.id} has no vector in {embedding.name!r} yet",
                                field="record_id")
    return _answer(session, entry, entry.matrix[position], k, exclude=int(position))


def similar_to_text(*, session: Session, embedding: Embedding, text: str, k: int,
                    cache: IndexCache, models: ModelCatalog) -> SimilarRecords:
    """The ``k`` records closest to ``text`` embedded with the embedding's model."""
    from heuristics.embeddings import SentenceTransformerEmbedder

    path = models.path_of(embedding.model)
    vector = SentenceTransformerEmbedder(path).embed_texts([text])[0]
    return _answer(session, cache.get(session, embedding), vector, k, exclude=None)
