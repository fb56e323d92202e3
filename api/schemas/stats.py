from __future__ import annotations

from pydantic import BaseModel, Field


class LabelStats(BaseModel):
    label: str | None = Field(description="null for the total row")
    tp: int
    fp: int
    fn: int = Field(description="Records whose reference is the label that the heuristic did "
                                "not vote it on, abstains included")
    precision: float | None
    recall: float | None = Field(description=(
        "Share of the records whose reference is the label that the heuristic votes it on: "
        "tp / (tp + fn)"))
    f1: float | None
    precision_low: float | None = Field(description="Wilson 95% interval of the precision")
    precision_high: float | None
    recall_where_voting: float | None = Field(None, description=(
        "Recall over the records the heuristic votes on only (its abstains left out); for "
        "extraction, which has no abstain per token, the recall itself"))
    span_tp: int = Field(0, description="Extraction: exact-span counts (tp/fp/fn above are "
                                        "per token)")
    span_fp: int = 0
    span_fn: int = 0


class HeuristicStatsPublic(BaseModel):
    heuristic_id: int
    name: str
    kind: str
    revision: int
    run_id: int
    n_reference: int = Field(description="Records with a reference label the counts rest on")
    coverage: float | None
    hits: int
    overlaps: float | None
    conflicts: float | None
    total: LabelStats
    labels: list[LabelStats]


class TaskStatsPublic(BaseModel):
    task_id: int
    data: list[HeuristicStatsPublic]
    records: int | None = Field(None, description=(
        "With a filter: the records the statistics were counted on"))
