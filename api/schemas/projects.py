from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Description, Name, UtcDatetime
from formats.types import AttributeType
from store.models import Role


class ProjectCreate(BaseModel):
    name: Name
    description: Description = ""


class ProjectUpdate(BaseModel):
    name: Name | None = None
    description: Description | None = None


class ProjectPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    created_at: UtcDatetime


class ProjectsPublic(BaseModel):
    data: list[ProjectPublic]
    count: int


class MemberSet(BaseModel):
    user: Name = Field(description="The user's name.")
    role: Role


class MemberPublic(BaseModel):
    user: str
    role: Role


class AttributeCreate(BaseModel):
    name: Name
    data_type: AttributeType


class AttributePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    data_type: AttributeType
    position: int


class ImportPublic(BaseModel):
    records: int
    attributes: list[str] = Field(description="Attributes the import created.")
    manual_labels: int = 0
    task_id: int | None = None
    notes: list[str] = Field(default_factory=list, description=(
        "What was assumed about the file: sniffed delimiter, missing header, quoting, "
        "encoding."))


class ColumnPreview(BaseModel):
    name: str
    type: AttributeType = Field(description="The existing attribute's type, else inferred.")
    existing: bool = Field(description="An attribute of this name exists already.")


class ImportPreviewPublic(BaseModel):
    columns: list[ColumnPreview]
    rows: list[dict] = Field(description="The first rows as read from the file.")
    records: int
    notes: list[str] = Field(default_factory=list, description=(
        "What was assumed about the file, as for the import."))
