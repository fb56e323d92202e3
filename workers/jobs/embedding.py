"""Embedding runs: record-level or token-level vectors of a text attribute."""

from __future__ import annotations

import logging
import random
from typing import Any

from sqlalchemy.orm import Session

from heuristics.embeddings import SentenceTransformerEmbedder, TokenPCA
from services import active_queue
from store import embeddings as store
from store import vector_cache
from store.models import Embedding, EmbeddingLevel, Run, RunStatus, as_utc, utcnow
from store.tokenization import tokenize_attribute
from workers.context import settings
from workers.jobs import Heartbeat

log = logging.getLogger(__name__)

PCA_SAMPLE_RECORDS = 500


def embedder_for(embedding: Embedding) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(settings().model_catalog().path_of(embedding.model),
                                       batch_size=settings().embedding_batch_size)


def by_text_length(record_ids: list[int], texts: list[str]) -> list[int]:
    """Record ids ordered by the length of their text, so that batches need little padding.

    >>> by_text_length([1, 2, 3], ["a long text", "hi", "medium"])
    [2, 3, 1]
    """
    order = sorted(range(len(record_ids)), key=lambda i: (len(texts[i]), record_ids[i]))
    return [record_ids[i] for i in order]


class EmbeddingJob:
    kind = store.EMBEDDING_RUN

    def _embedding(self, session: Session, run: Run) -> Embedding:
        return session.get(Embedding, run.params["embedding_id"])

    def prepare(self, session: Session, run: Run) -> list[int]:
        embedding = self._embedding(session, run)
        embedder = embedder_for(embedding)
        embedding.dims = embedder.dims
        embedding.state = RunStatus.RUNNING
        if embedding.level is EmbeddingLevel.TOKEN:
            tokenize_attribute(session=session, attribute=embedding.attribute)
            if embedding.pca_dims and embedding.pca is None:
                embedding.pca = self._fit_pca(session, embedding, embedder).to_bytes()
        session.commit()
        record_ids = store.missing_record_ids(session=session, embedding=embedding)
        return by_text_length(record_ids, store.texts_of(
            session=session, embedding=embedding, record_ids=record_ids))

    def _fit_pca(self, session: Session, embedding: Embedding,
                 embedder: SentenceTransformerEmbedder) -> TokenPCA:
        record_ids = store.missing_record_ids(session=session, embedding=embedding)
        sample = sorted(random.Random(embedding.id).sample(
            record_ids, min(PCA_SAMPLE_RECORDS, len(record_ids))))
        texts = store.texts_of(session=session, embedding=embedding, record_ids=sample)
        offsets = store.token_offsets_of(session=session, embedding=embedding,
                                         record_ids=sample)
        return TokenPCA(embedding.pca_dims).fit(embedder.embed_tokens(texts, offsets))

    def process(self, session: Session, run: Run, item_ids: list[int],
                heartbeat: Heartbeat) -> None:
        embedding = self._embedding(session, run)
        embedder = embedder_for(embedding)
        pca = TokenPCA.from_bytes(embedding.pca) if embedding.pca else None
        batch = settings().embedding_batch_size
        for start in range(0, len(item_ids), batch):
            ids = item_ids[start:start + batch]
            texts = store.texts_of(session=session, embedding=embedding, record_ids=ids)
            if embedding.level is EmbeddingLevel.RECORD:
                vectors = list(embedder.embed_texts(texts))
            else:
                offsets = store.token_offsets_of(session=session, embedding=embedding,
                                                 record_ids=ids)
                vectors = embedder.embed_tokens(texts, offsets)
                if pca is not None:
                    vectors = [pca.transform(v) for v in vectors]
            store.write_vectors(session=session, embedding=embedding, record_ids=ids,
                                vectors=vectors)
            heartbeat()

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        """The run's figures; and this host's file of the record vectors
        (:mod:`store.vector_cache`), written before the run ends so that the learner runs
        and similarity searches that follow read none of them from the database."""
        embedding = self._embedding(session, run)
        embedding.state = RunStatus.SUCCEEDED
        vectors = None
        if embedding.level is EmbeddingLevel.RECORD:
            try:
                ids, _ = vector_cache.record_matrix(session=session, embedding=embedding,
                                                    folder=settings().vector_cache_dir)
                vectors = len(ids)
            except OSError as error:   # (a full disk): the first reader writes it instead
                log.warning("could not keep the vectors of embedding %s as a file: %s",
                            embedding.id, error)
        if vectors is None:
            vectors = store.count_vectors(session=session, embedding=embedding)
        seconds = (utcnow() - as_utc(run.started_at)).total_seconds() if run.started_at else None
        return {"records": run.total_items, "vectors": vectors, "seconds": seconds}

    def succeeded(self, session: Session, run: Run) -> list[Run]:
        """Refits of the queues that fit on this embedding and have labels waiting."""
        embedding = self._embedding(session, run)
        return [] if embedding is None else active_queue.refits_after_embedding(
            session=session, embedding=embedding)

    def failed(self, session: Session, run: Run) -> None:
        embedding = self._embedding(session, run)
        if embedding is not None:
            embedding.state = RunStatus.FAILED
