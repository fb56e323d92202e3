from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from store.models import TaskKind


class LabelCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    color: str | None = Field(default=None, max_length=32)
    hotkey: str | None = Field(default=None, max_length=8)


class LabelUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    color: str | None = Field(default=None, max_length=32)
    hotkey: str | None = Field(default=None, max_length=8)


class LabelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    color: str
    hotkey: str | None


class TaskCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: TaskKind
    target_attribute: str | None = Field(
        default=None, description="The text attribute of an extraction task.")
    labels: list[str] = Field(default_factory=list)


class TaskUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)


class TaskPublic(BaseModel):
    id: int
    name: str
    kind: TaskKind
    target_attribute: str | None
    labels: list[LabelPublic]


class TasksPublic(BaseModel):
    data: list[TaskPublic]
    count: int
