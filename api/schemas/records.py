from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from api.schemas import Int32, Name, UtcDatetime
from store.limits import NAME_MAX
from store.models import ManualLabel, Record

MAX_DROPPED_LISTED = 100


class RecordPublic(BaseModel):
    id: int
    external_id: str
    data: dict[str, Any]


class EditedRecordPublic(RecordPublic):
    revision: int = Field(description=(
        "Edits of its values so far (0: as imported); an edit may name the revision it was "
        "made from."))


EditValues = Annotated[dict[Annotated[str, Field(max_length=NAME_MAX)], Any],
                      Field(min_length=1, max_length=1_000)]
"""Attribute name -> value: what an edit of records' values gives them."""


class RecordEdit(BaseModel):
    """New values of a record's imported attributes (the others stay)."""

    data: EditValues = Field(description=(
        "Attribute name -> new value, converted as an import converts it (null, or an empty "
        "text, clears it). Computed attributes are computed again, not edited."))
    revision: Int32 | None = Field(default=None, description=(
        "The record's revision the values were edited from: 409 when it has another now."))
    dry_run: bool = Field(default=False, description=(
        "What the edit would do, after the same checks, changing nothing."))


class DroppedSpanPublic(BaseModel):
    task: str
    label: str
    text: str
    annotator: str
    is_gold: bool


class EditOutcomePublic(BaseModel):
    changed: list[str] = Field(description=(
        "Attributes whose value changed (none: the edit changed nothing)."))
    spans_moved: int = Field(description=(
        "Manual spans on an edited text that moved with their text (their text unchanged)."))
    spans_dropped: int = Field(description=(
        "Manual spans deleted because their own text changed."))
    dropped_spans: list[DroppedSpanPublic] = Field(description=(
        f"The spans deleted (the first {MAX_DROPPED_LISTED})."))
    computed_again: list[str] = Field(description=(
        "Computed attributes whose values of the edited records are computed again (their "
        "code reads an edited attribute)."))
    embedded_again: list[str] = Field(description=(
        "Embeddings of an edited attribute that embed the edited records again."))
    dry_run: bool


class RecordEditedPublic(EditOutcomePublic):
    record: EditedRecordPublic = Field(description="The record now (as it was, in a dry run).")


class RecordsEditedPublic(EditOutcomePublic):
    matched: int = Field(description="Records the selection holds.")
    edited: int = Field(description=(
        "Records whose values changed (would change, with dry_run); the others had them."))


class RecordRowPublic(RecordPublic):
    references: dict[str, Any] = Field(default_factory=dict, description=(
        "Reference label per classification task (label) and multi-label task (sorted "
        "labels), by task id; tasks where the record has none are left out."))
    comments: int = Field(default=0, description="Comments on the record.")
    open_comments: int = Field(default=0, description="Of them, those not resolved.")


class RecordsPublic(BaseModel):
    data: list[RecordRowPublic]
    count: int | None = Field(description="Records matching in all; null when not counted.")
    count_capped: bool = Field(default=False, description=(
        "The count stopped at its cap: at least that many match."))
    next_after: int | str | None = Field(default=None, description=(
        "Pass as after for the next page; null on the last page."))


class ManualLabelCreate(BaseModel):
    task_id: Int32
    label: Name = Field(description="The label's name.")
    is_gold: bool = False
    annotator: Name | None = Field(
        default=None, description="Label on behalf of this user (project owners only).")
    token_start: Int32 | None = None
    token_end: Int32 | None = Field(default=None, description="Exclusive.")
    char_start: Int32 | None = None
    char_end: Int32 | None = Field(default=None, description="Exclusive.")


BULK_LABELS_MAX = 50_000


class BulkLabelItem(BaseModel):
    record_id: Int32 | None = Field(default=None, description="The record (or external_id).")
    external_id: str | None = Field(default=None, max_length=200,
                                    description="The record's id in the imported file.")
    label: Name = Field(description="The label's name.")
    is_gold: bool = False
    annotator: Name | None = Field(
        default=None, description="Label on behalf of this user (project owners only).")


class BulkLabelsCreate(BaseModel):
    labels: list[BulkLabelItem] = Field(min_length=1, max_length=BULK_LABELS_MAX)


class BulkLabelsPublic(BaseModel):
    task_id: int
    created: int
    ids: list[int] = Field(description=(
        "The ids of the labels stored, in the request's order (an item a later one replaces "
        "is not stored)."))


class ReviewCreate(BaseModel):
    task_id: Int32
    is_gold: bool = False
    annotator: Name | None = Field(
        default=None, description="Review on behalf of this user (project owners only).")


class ReviewPublic(BaseModel):
    record_id: int
    task_id: int
    annotator: str
    is_gold: bool
    created_at: UtcDatetime


class ManualLabelUpdate(BaseModel):
    label: Name | None = None
    is_gold: bool | None = None
    token_start: Int32 | None = None
    token_end: Int32 | None = None
    char_start: Int32 | None = None
    char_end: Int32 | None = None


class ManualLabelPublic(BaseModel):
    id: int
    record_id: int
    task_id: int
    label: str
    annotator: str
    is_gold: bool
    token_start: int | None
    token_end: int | None
    char_start: int | None
    char_end: int | None
    text: str | None = Field(default=None, description="The span's text (extraction).")
    updated_at: UtcDatetime


class TokensPublic(BaseModel):
    attribute: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]


class TaskLabelsPublic(BaseModel):
    task_id: int
    task: str
    reference: Any = Field(description="Gold, else the annotators' majority; null if none.")
    manual_labels: list[ManualLabelPublic]
    reviewed_by: list[str] = Field(default_factory=list, description=(
        "Annotators done with the record for this task (multi-label and extraction); "
        "gold reviews are listed as 'name (gold)'."))


class RecordDetail(EditedRecordPublic):
    tokens: list[TokensPublic]
    tasks: list[TaskLabelsPublic]


def record_public(record: Record) -> RecordPublic:
    return RecordPublic(id=record.id, external_id=record.external_id, data=record.data)


def edited_record_public(record: Record) -> EditedRecordPublic:
    return EditedRecordPublic(id=record.id, external_id=record.external_id, data=record.data,
                              revision=record.revision)


def manual_label_public(manual_label: ManualLabel, text: str | None = None) -> ManualLabelPublic:
    span_text = None
    if text is not None and manual_label.char_start is not None:
        span_text = text[manual_label.char_start:manual_label.char_end]
    return ManualLabelPublic(
        id=manual_label.id, record_id=manual_label.record_id, task_id=manual_label.task_id,
        label=manual_label.label.name, annotator=manual_label.annotator.name,
        is_gold=manual_label.is_gold, token_start=manual_label.token_start,
        token_end=manual_label.token_end, char_start=manual_label.char_start,
        char_end=manual_label.char_end, text=span_text, updated_at=manual_label.updated_at)


def reference_public(reference: object) -> object:
    if isinstance(reference, frozenset):
        return sorted(reference)
    return reference
