from __future__ import annotations

from pydantic import BaseModel, Field


class LabelStats(BaseModel):
    label: str | None = Field(description="null for the total row")
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    precision_low: float | None = Field(description="Wilson 95% interval of the precision")
    precision_high: float | None
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
