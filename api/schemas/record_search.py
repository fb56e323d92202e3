"""The record list's search body and saved filters (the filter model is
:class:`store.record_filters.RecordFilter`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, ValidationError

from api.schemas import Int32, Name, UtcDatetime
from api.schemas.records import EditValues
from heuristics.errors import InvalidInputError
from store.record_filters import LabelCondition, RecordFilter, SearchCondition

SORT_DESCRIPTION = (
    "id, external_id, created_at, an attribute, weak_confidence:<task id> or random (with "
    "seed); '-' for descending")
CountMode = Literal["exact", "capped", "none"]


class RecordSearch(BaseModel):
    """A page of records: which (``filter``), in what order, from where."""

    filter: RecordFilter = Field(default_factory=RecordFilter)
    sort: str = Field(default="id", max_length=250, description=SORT_DESCRIPTION)
    seed: int = Field(default=0, ge=0, le=2**30, description="The shuffle of sort random.")
    limit: int = Field(default=50, ge=1, le=1000)
    offset: Int32 = Field(default=0, ge=0)
    after: Int32 | Annotated[str, Field(max_length=1000)] | None = Field(default=None, description=(
        "The previous page's next_after: the page starts after it, at the same cost "
        "however deep"))
    count: CountMode = Field(default="exact", description=(
        "exact; capped: at most 10,000 (count_capped says when reached); none: not counted"))


class RecordCount(BaseModel):
    """How many records match ``filter``."""

    filter: RecordFilter = Field(default_factory=RecordFilter)
    count: Literal["exact", "capped"] = Field(default="exact", description=(
        "exact, or capped: at most 10,000 (count_capped says when reached)"))


class RecordCountPublic(BaseModel):
    count: int = Field(description="Records matching in all (at most the cap when capped).")
    count_capped: bool = Field(default=False, description=(
        "The count stopped at its cap: at least that many match."))


class SavedFilterCreate(BaseModel):
    name: Name
    filter: RecordFilter = Field(default_factory=RecordFilter)
    sort: str = Field(default="id", max_length=250, description=SORT_DESCRIPTION)
    seed: int = Field(default=0, ge=0, le=2**30)


class SavedFilterUpdate(BaseModel):
    name: Name | None = None
    filter: RecordFilter | None = None
    sort: str | None = Field(default=None, max_length=250)
    seed: int | None = Field(default=None, ge=0, le=2**30)


class SavedFilterPublic(BaseModel):
    id: int
    name: str
    filter: RecordFilter
    sort: str
    seed: int
    created_by: str | None
    updated_at: UtcDatetime


class SavedFiltersPublic(BaseModel):
    data: list[SavedFilterPublic]
    count: int


def legacy_conditions(*, task_id: int | None, labelled: bool | None, label: str | None,
                      search: str | None, search_attribute: str | None) -> list:
    """The conditions the list's simple query parameters stand for."""
    conditions: list = []
    if (labelled is not None or label) and not task_id:
        raise InvalidInputError("filtering by manual labels needs a task_id", field="task_id")
    if label:
        conditions.append(LabelCondition(kind="manual_label", task_id=task_id, op="is",
                                         label=label))
    elif labelled is not None:
        conditions.append(LabelCondition(kind="manual_label", task_id=task_id,
                                         op="any" if labelled else "none"))
    if search:
        conditions.append(SearchCondition(kind="search", text=search,
                                          attribute=search_attribute or None))
    return conditions


def parse_filter(text: str | None) -> RecordFilter:
    if not text:
        return RecordFilter()
    try:
        return RecordFilter.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInputError(f"filter: {where}: {first['msg']}" if where else
                                f"filter: {first['msg']}", field="filter") from error


class RecordSelection(BaseModel):
    """Records of a bulk action: by id, or those matching a filter (one of the two)."""

    record_ids: list[Int32] | None = Field(default=None, max_length=1_000_000, description=(
        "Ids of the project's records (404 names one that is not)."))
    filter: RecordFilter | None = Field(default=None, description=(
        "Every record matching it (as in POST .../records/search)."))
    expected: int | None = Field(default=None, ge=0, description=(
        "How many records the user was shown: 409 when the selection holds another number "
        "now, and nothing changes."))


class RecordsDelete(RecordSelection):
    """The records to delete."""

    dry_run: bool = Field(default=False, description=(
        "Delete nothing: say what would go (with the same checks), e.g. to ask first."))


class RecordsEdit(RecordSelection):
    """Values to give every record of the selection."""

    data: EditValues = Field(description=(
        "Attribute name -> the value every record gets, converted as an import converts it "
        "(null clears it); imported attributes only."))
    dry_run: bool = Field(default=False, description=(
        "Change nothing: say what would change (with the same checks)."))


class RecordsDeletedPublic(BaseModel):
    deleted: int = Field(description="Records deleted (with dry_run: that would be).")
    manual_labels: int = Field(description="Manual labels that went (would go) with them.")
    record_count: int = Field(description="Records the project has left (has now, with "
                                          "dry_run).")
    dry_run: bool = Field(default=False, description="Nothing was deleted.")
