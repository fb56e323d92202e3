from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas import Int32, Name, UtcDatetime
from api.schemas.records import RecordPublic
from store.limits import QUERY_TEXT_MAX, capped
from store.models import EmbeddingLevel, RunStatus


class RunPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    heuristic_id: int | None = None
    status: RunStatus
    progress: float
    done_items: int
    total_items: int
    params: dict[str, Any]
    error: str | None
    metrics: dict[str, Any]
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None

    @field_validator("error")
    @classmethod
    def _capped(cls, text: str | None) -> str | None:
        return capped(text)


class RunDetail(RunPublic):
    logs: str
    waiting_for: str | None = Field(None, description=(
        "A queued run: what it waits for (runs ahead of it in its queue, or a worker)"))

    @field_validator("logs")
    @classmethod
    def _capped_logs(cls, text: str) -> str:
        return capped(text)


class RunsPublic(BaseModel):
    data: list[RunPublic]
    count: int


class EmbeddingCreate(BaseModel):
    attribute: Name = Field(description="A text attribute.")
    level: EmbeddingLevel = EmbeddingLevel.RECORD
    model: str = Field(default="default", max_length=200,
                       description="'default' (bundled all-MiniLM-L6-v2) or the name of a "
                                   "model of GET .../embedding-models")
    name: Name | None = None
    pca_dims: int | None = Field(default=None, ge=2, le=1024,
                                 description="Token level only: reduce to this many dims")
    chunk_size: int | None = Field(default=None, ge=1, le=100_000)


class EmbeddingPublic(BaseModel):
    id: int
    name: str
    attribute: str
    model: str
    level: EmbeddingLevel
    dims: int | None
    pca_dims: int | None
    state: RunStatus
    vectors: int


class EmbeddingsPublic(BaseModel):
    data: list[EmbeddingPublic]
    count: int


class EmbeddingModelPublic(BaseModel):
    name: str
    description: str


class EmbeddingModelsPublic(BaseModel):
    data: list[EmbeddingModelPublic]


class EmbeddingCreated(BaseModel):
    embedding: EmbeddingPublic
    run: RunPublic


class SimilarQuery(BaseModel):
    embedding_id: Int32
    text: str = Field(min_length=1, max_length=QUERY_TEXT_MAX)
    k: int = Field(default=10, ge=1, le=1000)


class SimilarRecord(BaseModel):
    record: RecordPublic
    score: float = Field(description="Cosine similarity.")


class SimilarPublic(BaseModel):
    data: list[SimilarRecord]
    exact: bool = Field(description="False when an approximate (HNSW) index answered.")
