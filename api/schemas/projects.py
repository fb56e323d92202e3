from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Description, Int32, Name, UtcDatetime
from api.schemas.heuristics import Reader
from api.schemas.runs import RunPublic
from formats.types import AttributeType
from store.limits import SOURCE_MAX, VALUES_MAX
from store.models import Role

AttributeSource = Annotated[str, Field(min_length=1, max_length=SOURCE_MAX,
                                       description="Python: `def ac(record): ...`")]


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
    computed: bool = Field(default=False, description="Values computed by ``source``")
    source: str | None = Field(default=None, description="A computed attribute's code")
    run: RunPublic | None = Field(default=None,
                                  description="A computed attribute's latest run")
    read_by: list[Reader] = Field(default_factory=list, description=(
        "The labeling functions whose current code names the attribute (in the attributes "
        "list and an attribute's own answer)"))


class ValueCountPublic(BaseModel):
    value: str | int | float | bool = Field(description="As stored (text and categories as "
                                                        "strings)")
    count: int = Field(description="Records holding the value")


class AttributeValuesPublic(BaseModel):
    attribute: str
    values: list[ValueCountPublic] = Field(description=(
        f"The most frequent first (ties by value), at most `limit` (at most {VALUES_MAX:,})"))
    distinct: int = Field(description="Values there are in all (those matching `search`)")
    records: int = Field(description="Records holding one of them (null is no value)")
    complete: bool = Field(description="`values` lists every one")


class ComputedAttributeCreate(BaseModel):
    """An attribute whose values ``source`` computes from each record's other attributes."""

    name: Name
    data_type: AttributeType
    source: AttributeSource


class ComputedAttributeUpdate(BaseModel):
    source: AttributeSource


class AttributeSampleRequest(BaseModel):
    """Computed-attribute code, saved or not, tried on a few records; stores nothing."""

    source: AttributeSource
    data_type: AttributeType = AttributeType.TEXT
    record_ids: list[Int32] | None = Field(default=None, max_length=1000)
    n: int | None = Field(default=None, ge=1, le=1000, description="Random records to try")


class AttributeValuePublic(BaseModel):
    record_id: int
    external_id: str
    value: str | bool | int | float | None = None
    error: str | None = None
    line: int | None = None


class AttributeSamplePublic(BaseModel):
    results: list[AttributeValuePublic]
    logs: str
    seconds: float


class ImportPublic(BaseModel):
    records: int = Field(description="Records the import added.")
    attributes: list[str] = Field(description="Attributes the import created.")
    manual_labels: int = 0
    task_id: int | None = None
    updated: int = Field(default=0, description=(
        "Records the project had whose values the file changed (existing: update)."))
    unchanged: int = Field(default=0, description=(
        "Rows naming records the project had that were skipped or changed nothing."))
    relabelled: int = Field(default=0, description=(
        "Records the project had whose labels by the label column's annotator the file "
        "replaced (existing: update; a row with no label value leaves them alone)."))
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
