from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas import Int32, UtcDatetime
from api.schemas.records import RecordPublic

Strategy = Literal["margin_after_cold_start", "margin", "least_confidence", "entropy",
                   "margin_diverse", "random"]


class StopHintPublic(BaseModel):
    stop: bool = Field(description="Either stopping criterion says labelling can stop.")
    kappas: list[float] = Field(description=(
        "Cohen's kappa between each refit's predictions on the stopping set and the previous."))
    mean_kappa: float | None = Field(description="Mean of the last 3 kappas (stop at 0.99).")
    uncertainty: float = Field(description="Mean 1 - max p over the stopping set (stop < 0.05).")
    message: str


class QueueRecordPublic(BaseModel):
    record: RecordPublic
    score: float = Field(description="The strategy's score; higher = asked first.")
    reason: str = Field(description="Why the record is asked for, in words.")


class NextRecordsPublic(BaseModel):
    task_id: int
    strategy: Strategy
    model: str = Field(description=(
        "What ranked the records: cold start, random sample, the default learner's refit or "
        "the task's chosen learner."))
    data: list[QueueRecordPublic]
    count: int
    lease_expires_at: UtcDatetime = Field(description=(
        "Until then nobody else is offered these records."))
    refit_pending: bool = Field(description="A refit of the default learner is under way.")
    stop: StopHintPublic | None = None
    notes: list[str] = []


class StrategyChoicePublic(BaseModel):
    name: Strategy
    ranks_by: str = Field(description="What the strategy asks for first, in words.")


class QueueSettingsPublic(BaseModel):
    task_id: int
    strategy: Strategy
    ranks_by: str = Field(description="What the task's strategy asks for first, in words.")
    strategies: list[StrategyChoicePublic] = Field(description=(
        "The strategies that rank this kind of task differently (multi-label and span tasks "
        "have fewer than classification tasks), with what each ranks by."))
    batch_size: int
    heuristic_id: int | None = Field(description=(
        "The active learner ranking the queue; null: the task's default learner."))
    refit_run_id: int | None = Field(description="The default learner's refit under way.")
    model_run_id: int | None = Field(description="The default learner's latest refit.")
    stop: StopHintPublic | None = None


class QueueSettingsUpdate(BaseModel):
    strategy: Strategy | None = None
    batch_size: int | None = Field(default=None, ge=1, le=200)
    heuristic_id: Int32 | None = Field(default=None, description=(
        "An active learner of the task to rank the queue with."))
    default_learner: bool = Field(default=False, description=(
        "Rank with the task's default learner again."))


class SimulationCreate(BaseModel):
    strategy: Strategy = "margin_after_cold_start"
    seed_size: int = Field(default=20, ge=1, le=10_000)
    batch_size: int = Field(default=20, ge=1, le=10_000)
    budget: int = Field(default=200, ge=1, le=100_000)
    test_size: float = Field(default=0.2, gt=0, lt=1)
    random_state: int = Field(default=0, ge=0, le=2**31 - 1)


