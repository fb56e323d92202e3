"""Schemas of exports and imports beyond plain record files: Label Studio and snapshots."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.projects import ProjectPublic


class LabelStudioImportPublic(BaseModel):
    tasks: int = Field(description="Label Studio tasks in the file.")
    annotations: int = Field(description="Annotations stored (cancelled ones are left out).")
    manual_labels: int
    reviews: int = Field(description="Records marked reviewed in multi-label and extraction "
                                     "tasks.")
    annotators: list[str] = Field(description="Annotators the labels were stored for.")


class SnapshotImportPublic(BaseModel):
    project: ProjectPublic
    records: int
    tasks: int
    manual_labels: int
    reviews: int
    heuristics: int
    embeddings: int = Field(description="Embeddings defined; their runs are queued.")
    annotators: list[str]
