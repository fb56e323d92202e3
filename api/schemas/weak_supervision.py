from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Int32
from api.schemas.runs import RunPublic
from store.limits import LABELS_MAX


class WeakSupervisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["auto", "majority", "weighted", "label_model", "anchored_label_model"] = Field(
        "auto", description="auto: best agreement with the reference labels when at least "
                            "30 records have one, else the label model; its reported "
                            "accuracy is cross-fitted over the reference labels. "
                            "anchored_label_model (classification, extraction): the label "
                            "model fitted on the reference labels too; weighted and it report "
                            "cross-fitted scores")
    heuristic_ids: list[Int32] | None = Field(
        None, max_length=LABELS_MAX,
        description="Default: every heuristic; the run's metrics list those it used")
    min_confidence: float = Field(0.0, ge=0, le=1)
    no_vote: Literal["none", "prior"] = Field(
        "none", description="Records no heuristic voted on: no weak label, or (classification) "
                            "the class prior's most frequent label, with a confidence no higher "
                            "than any label decided by votes; metrics count them in from_prior")
    auto_rerun: bool = Field(False, description="Repeat this run with the same settings "
                             "whenever a heuristic of the task gets a new output or is deleted")


class WeakSupervisionPublic(RunPublic):
    stale: bool = Field(False, description="The heuristics behind this result changed "
                        "since (a new output, another vote threshold, one deleted or newly "
                        "with output): run it again for a current result")
