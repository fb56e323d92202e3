from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Name
from store.limits import DESCRIPTION_MAX, GUIDELINES_MAX, LABELS_MAX, NAME_MAX
from store.models import TaskKind

DESCRIPTION = "What the label means, when to give it (shown beside it as annotators label)."
GUIDELINES = ("How to label the task, as plain text (line breaks kept, links followed): shown "
              "to annotators as they label.")
GUIDELINES_REVISION = "+1 each time the guidelines change (0 as created)."
GUIDELINES_REVISION_GIVEN = ("The revision of the guidelines the new text was written on: 409 "
                             "when they have another by now (someone saved meanwhile); "
                             "without it the text is saved whatever happened meanwhile.")


class LabelCreate(BaseModel):
    name: Name
    color: str | None = Field(default=None, max_length=32)
    hotkey: str | None = Field(default=None, max_length=8)
    description: str = Field(default="", max_length=DESCRIPTION_MAX, description=DESCRIPTION)


class LabelUpdate(BaseModel):
    name: Name | None = None
    color: str | None = Field(default=None, max_length=32)
    hotkey: str | None = Field(default=None, max_length=8)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX,
                                    description=DESCRIPTION)


class LabelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    color: str
    hotkey: str | None
    description: str = Field(description=DESCRIPTION)


class TaskCreate(BaseModel):
    name: Name
    kind: TaskKind
    target_attribute: str | None = Field(
        default=None, max_length=NAME_MAX,
        description="The text attribute of an extraction task.")
    labels: list[Name] = Field(default_factory=list, max_length=LABELS_MAX)


AUTO_RUN = ("Its labeling functions whose votes are out of date run again by themselves after "
            "an import of records, a change of a lookup list, or a save of their code (and "
            "at once when this is turned on); learners keep their own refit rule.")


class TaskUpdate(BaseModel):
    name: Name | None = None
    auto_run: bool | None = Field(None, description=AUTO_RUN)
    guidelines: str | None = Field(None, max_length=GUIDELINES_MAX, description=GUIDELINES)
    guidelines_revision: int | None = Field(None, description=GUIDELINES_REVISION_GIVEN)


class TaskPublic(BaseModel):
    id: int
    name: str
    kind: TaskKind
    target_attribute: str | None
    labels: list[LabelPublic]
    auto_run: bool = Field(description=AUTO_RUN)
    guidelines: str = Field(description=GUIDELINES)
    guidelines_revision: int = Field(description=GUIDELINES_REVISION)


class TasksPublic(BaseModel):
    data: list[TaskPublic]
    count: int
