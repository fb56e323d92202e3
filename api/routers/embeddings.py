from __future__ import annotations

from fastapi import Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import OwnedProject, QueueDep, SessionDep, SettingsDep, ViewableProject
from api.routing import Router
from api.schemas import Int32
from api.schemas.records import record_public
from api.schemas.runs import (
    EmbeddingCreate,
    EmbeddingCreated,
    EmbeddingModelPublic,
    EmbeddingModelsPublic,
    EmbeddingPublic,
    EmbeddingsPublic,
    RunPublic,
    SimilarPublic,
    SimilarQuery,
    SimilarRecord,
)
from store import embeddings, similarity, vector_cache
from store.manual_labels import get_record
from store.models import Embedding

router = Router(prefix="/projects/{project_id}", tags=["embeddings"])


def embedding_public(embedding: Embedding, session) -> EmbeddingPublic:
    return EmbeddingPublic(
        id=embedding.id, name=embedding.name, attribute=embedding.attribute.name,
        model=embedding.model, level=embedding.level, dims=embedding.dims,
        pca_dims=embedding.pca_dims, state=embedding.state,
        vectors=embeddings.count_vectors(session=session, embedding=embedding))


@router.get("/embedding-models", response_model=EmbeddingModelsPublic)
def list_embedding_models(project: ViewableProject, request: Request) -> EmbeddingModelsPublic:
    """The models an embedding may use here: ``default`` (the bundled MiniLM) and those the
    administrator put in ``HEURIST_MODELS_DIR``, by name."""
    return EmbeddingModelsPublic(data=[
        EmbeddingModelPublic(name=choice.name, description=choice.description)
        for choice in request.app.state.settings.model_catalog().choices()])


@router.get("/embeddings", response_model=EmbeddingsPublic)
def list_embeddings(project: ViewableProject, session: SessionDep) -> EmbeddingsPublic:
    rows = embeddings.list_embeddings(session=session, project=project)
    return EmbeddingsPublic(data=[embedding_public(e, session) for e in rows], count=len(rows))


@router.post("/embeddings", response_model=EmbeddingCreated,
             status_code=status.HTTP_202_ACCEPTED)
def create_embedding(body: EmbeddingCreate, project: OwnedProject, session: SessionDep,
                     queue: QueueDep, request: Request) -> EmbeddingCreated:
    """Define an embedding and queue its run; follow it under /runs or /events."""
    embedding, run = embeddings.create_embedding(
        session=session, project=project, attribute=body.attribute, level=body.level,
        models=request.app.state.settings.model_catalog(), model=body.model, name=body.name,
        pca_dims=body.pca_dims, chunk_size=body.chunk_size)
    queue.enqueue_run(run.id, kind=run.kind)
    return EmbeddingCreated(embedding=embedding_public(embedding, session),
                            run=RunPublic.model_validate(run))


@router.get("/embeddings/{embedding_id}", response_model=EmbeddingPublic)
def read_embedding(embedding_id: Int32, project: ViewableProject,
                   session: SessionDep) -> EmbeddingPublic:
    embedding = embeddings.get_embedding(session=session, project=project,
                                         embedding_id=embedding_id)
    return embedding_public(embedding, session)


@router.delete("/embeddings/{embedding_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_embedding(embedding_id: Int32, project: OwnedProject, session: SessionDep,
                     settings: SettingsDep) -> Response:
    embeddings.delete_embedding(session=session, embedding=embeddings.get_embedding(
        session=session, project=project, embedding_id=embedding_id))
    # This host's files of its vectors (other hosts remove theirs when they next write one;
    # see store.vector_cache).
    vector_cache.forget(folder=settings.vector_cache_dir, embedding_id=embedding_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/records/{record_id}/similar", response_model=SimilarPublic)
def similar_to_record(record_id: Int32, project: ViewableProject, session: SessionDep,
                      request: Request, embedding_id: Int32,
                      k: int = Query(10, ge=1, le=1000)) -> SimilarPublic:
    """The k records most similar to this one (itself excluded), by cosine."""
    record = get_record(session=session, project=project, record_id=record_id)
    embedding = embeddings.get_embedding(session=session, project=project,
                                         embedding_id=embedding_id)
    found = similarity.similar_to_record(session=session, embedding=embedding, record=record,
                                         k=k, cache=request.app.state.vector_indexes)
    return _similar_public(found)


@router.post("/similar", response_model=SimilarPublic)
async def similar_to_text(body: SimilarQuery, project: ViewableProject, session: SessionDep,
                          request: Request) -> SimilarPublic:
    """The k records most similar to a query text, embedded with the embedding's model."""
    embedding = embeddings.get_embedding(session=session, project=project,
                                         embedding_id=body.embedding_id)
    found = await run_in_threadpool(
        similarity.similar_to_text, session=session, embedding=embedding, text=body.text,
        k=body.k, cache=request.app.state.vector_indexes,
        models=request.app.state.settings.model_catalog())
    return _similar_public(found)


def _similar_public(found: similarity.SimilarRecords) -> SimilarPublic:
    return SimilarPublic(exact=found.exact, data=[
        SimilarRecord(record=record_public(record), score=score)
        for record, score in zip(found.records, found.scores, strict=True)])
