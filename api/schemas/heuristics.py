from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas import Description, Int32, Name, Source, UtcDatetime
from api.schemas.runs import RunPublic
from store.limits import LABELS_MAX
from store.models import HeuristicKind, Output


class HeuristicCreate(BaseModel):
    task_id: Int32
    name: Name
    description: Description = ""
    source: Source
    kind: HeuristicKind = HeuristicKind.LABELING_FUNCTION


class HeuristicCheck(BaseModel):
    task_id: Int32
    source: Source
    kind: HeuristicKind = HeuristicKind.LABELING_FUNCTION


class CheckPublic(BaseModel):
    function_name: str = Field(description="The entry point found (function or class)")


class HeuristicUpdate(BaseModel):
    name: Name | None = None
    description: Description | None = None
    source: Source | None = Field(default=None,
                                  description="A changed source makes a new revision")
    min_confidence: float | None = Field(
        default=None, ge=0, le=1, description="Learners: vote threshold, no refit needed; "
                                               "null goes back to the source's")
    auto_refit_every: Int32 | None = Field(
        default=None, ge=0, description="Learners: refit after this many new manual labels "
                                        "(0 = off)")


class RevisionPublic(BaseModel):
    number: int
    source: str
    function_name: str
    settings: dict[str, Any] = Field(description="Learners: embedding, split, threshold")
    created_at: UtcDatetime


class HeuristicPublic(BaseModel):
    id: int
    task_id: int
    kind: HeuristicKind
    name: str
    description: str
    revision: RevisionPublic
    min_confidence: float | None = Field(description="A learner's vote threshold set here, "
                                         "overriding its source's (None: the source's)")
    vote_threshold: float | None = Field(None, description="The threshold in force for a "
                                         "learner's votes (this one's or its source's)")
    auto_refit_every: int | None
    last_run: RunPublic | None = Field(description="Newest run of the current revision")
    out_of_date: list[str] = Field(description=(
        "Why its votes are out of date (empty when they are current or a run is under way): "
        "its current revision has not run or its latest run failed, records were added or "
        "a lookup list its run read changed since, or (a learner) its task's manual labels "
        "changed since its fit."))


class HeuristicRunsRequest(BaseModel):
    task_id: Int32
    heuristic_ids: list[Int32] | None = Field(default=None, max_length=1000, description=(
        "Heuristics of the task to consider (default: all of them)."))
    only_out_of_date: bool = Field(default=True, description=(
        "Run only those whose votes are out of date (see `out_of_date`); else every one "
        "not running already."))


class HeuristicRunsPublic(BaseModel):
    data: list[RunPublic]
    count: int


class HeuristicsPublic(BaseModel):
    data: list[HeuristicPublic]
    count: int


class SampleRequest(BaseModel):
    source: Source | None = Field(default=None, description="Unsaved code to try instead")
    record_ids: list[Int32] | None = Field(default=None, max_length=LABELS_MAX)
    n: int | None = Field(default=None, ge=1, le=1000, description="Random records to try")


class UnsavedSampleRequest(SampleRequest):
    """A labeling function never saved, tried on records of its task."""

    task_id: Int32
    source: Source = Field(description="The labeling function's code")


class OutputPublic(BaseModel):
    label: str
    confidence: float = 1.0
    token_start: int | None = None
    token_end: int | None = None
    char_start: int | None = None
    char_end: int | None = None
    text: str | None = None
    vote: bool = Field(True, description="Counts as a vote: a learner's prediction at or "
                       "above its threshold and in its label_names; every output of a "
                       "labeling function")


class SampleOutcomePublic(BaseModel):
    record_id: int
    external_id: str
    text: str | None = Field(None, description="The text the task labels")
    outputs: list[OutputPublic] = Field(description="Empty when the code abstained")
    reference: Any = Field(None, description=(
        "The record's reference label as in the record's detail: a label, labels "
        "(multi-label) or [label, token_start, token_end] spans; null if none"))
    error: str | None = None
    line: int | None = None


class SampleSummaryPublic(BaseModel):
    records: int
    hits: int = Field(description="Records the code gave a label or span on")
    compared: int = Field(description="Records with a reference label on which the code "
                                      "did not abstain (nor fail)")
    agreed: int = Field(description="Of those, records where the result equals the "
                                    "reference exactly")
    agreement: float | None = Field(description="agreed / compared")


class SamplePublic(BaseModel):
    results: list[SampleOutcomePublic]
    summary: SampleSummaryPublic
    logs: str
    seconds: float


class RecordOutputs(BaseModel):
    record_id: int
    outputs: list[OutputPublic]


class OutputsPublic(BaseModel):
    run_id: int | None
    revision: int | None
    data: list[RecordOutputs]


class ThresholdPointPublic(BaseModel):
    """What one vote threshold keeps: votes, those whose record has a reference, those that
    agree with it, and their precision (null when none can be judged)."""

    threshold: float
    votes: int
    judged: int
    correct: int
    precision: float | None


class ThresholdPreviewPublic(BaseModel):
    run_id: int | None
    points: list[ThresholdPointPublic]


class TemplatePublic(BaseModel):
    kind: str
    name: str
    source: str


class TemplatesPublic(BaseModel):
    data: list[TemplatePublic]


class HeuristicVote(OutputPublic):
    heuristic_id: int
    heuristic: str


class RecordVotesPublic(BaseModel):
    votes: list[HeuristicVote] = Field(description=(
        "Every heuristic's current output on the record (a learner's predictions below its "
        "threshold too, with vote false)."))
    weak_labels: list[OutputPublic] = Field(description=(
        "The latest weak-supervision run's label (or labels, or spans) of the record."))
    weak_run_id: int | None


def output_public(output: Output, labels: dict[int, str], text: str | None,
                  vote: bool = True) -> OutputPublic:
    """An output as the API shows it: its label's name and, for a span, the text it covers."""
    span_text = text[output.char_start:output.char_end] \
        if text is not None and output.char_start is not None else None
    return OutputPublic(label=labels[output.label_id], confidence=output.confidence,
                        token_start=output.token_start, token_end=output.token_end,
                        char_start=output.char_start, char_end=output.char_end, text=span_text,
                        vote=vote)


class Reader(BaseModel):
    """A labeling function whose current code reads a lookup list or an attribute."""

    id: int
    name: str
    task_id: int
