from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Name
from store.limits import LABELS_MAX, NAME_MAX
from store.models import TaskKind


class LabelCreate(BaseModel):
    name: Name
    color: str | None = Field(default=None, max_length=32)
    hotkey: str | None = Field(default=None, max_length=8)


class LabelUpdate(BaseModel):
    name: Name | None = None
    color: str | None = Field(default=None, max_length=32)
    hotkey: str | None = Field(default=None, max_length=8)


class LabelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    color: str
    hotkey: str | None


class TaskCreate(BaseModel):
    name: Name
    kind: TaskKind
    target_attribute: str | None = Field(
        default=None, max_length=NAME_MAX,
        description="The text attribute of an extraction task.")
    labels: list[Name] = Field(default_factory=list, max_length=LABELS_MAX)


class TaskUpdate(BaseModel):
    name: Name | None = None


class TaskPublic(BaseModel):
    id: int
    name: str
    kind: TaskKind
    target_attribute: str | None
    labels: list[LabelPublic]


class TasksPublic(BaseModel):
    data: list[TaskPublic]
    count: int
