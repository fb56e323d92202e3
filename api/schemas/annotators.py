"""Annotators of a task: CROWDLAB's quality scores and disagreements, and agreement among
them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from store.models import TaskKind


class AnnotatorScorePublic(BaseModel):
    name: str
    labels: int = Field(description="Labels the annotator gave in the task (gold left out).")
    quality: float | None = Field(description=(
        "CROWDLAB's quality score of the annotator, in [0, 1]; null until the queue has a "
        "model and a record has labels of two annotators."))
    agreement: float | None = Field(description=(
        "Share of the annotator's labels that equal CROWDLAB's consensus label."))


class DisagreementPublic(BaseModel):
    record_id: int
    external_id: str | None
    annotations: dict[str, str] = Field(description="Each annotator's label of the record.")
    reference: str | None = Field(description=(
        "The task's reference label: the consensus the latest refit settled on, else the "
        "annotators' plurality; null: a tie no refit has settled yet."))
    consensus: str | None = Field(description=(
        "CROWDLAB's consensus label (the annotators weighed with the queue's model and "
        "with their quality); null without a model."))
    consensus_quality: float | None = Field(description="CROWDLAB's confidence in it, [0, 1].")


class AnnotatorsPublic(BaseModel):
    task_id: int
    model: str | None = Field(description="The model CROWDLAB weighs the labels with: the one "
                                          "ranking the task's queue.")
    annotators: list[AnnotatorScorePublic]
    disagreements: list[DisagreementPublic] = Field(description=(
        "Records whose annotators gave different labels, the least certain consensus first "
        "(at most 100)."))
    n_disagreements: int = Field(description="All records whose annotators disagree.")
    note: str | None = Field(description="Why there are no quality scores yet, if there are "
                                         "none.")


class AnnotatorAgreementPublic(BaseModel):
    name: str
    records: int = Field(description="Records the annotator labelled (gold left out).")
    shared: int = Field(description="Of them, records another annotator labelled too.")
    agreement: float | None = Field(description=(
        "Agreement with the other annotators on the shared records, pooled over their pairs "
        "(as the pairs' `agreement`); null without a shared record."))
    gold_records: int = Field(description="Records the annotator labelled that have a gold "
                                          "label.")
    gold_agreement: float | None = Field(description=(
        "Agreement with the gold labels on those records (the same measure); null without "
        "one."))


class PairAgreementPublic(BaseModel):
    a: str = Field(description="One annotator (the first by name).")
    b: str = Field(description="The other.")
    records: int = Field(description="Records both labelled.")
    agreement: float | None = Field(description=(
        "Classification: the share of them with the same label; multi-label: with the same "
        "set of labels; extraction: the exact-span F1 between the two."))
    kappa: float | None = Field(description=(
        "Cohen's kappa (classification: of the labels; multi-label: of the yes/no decision "
        "per record and label); null in extraction, or when undefined (one label "
        "everywhere)."))


class LabelAgreementPublic(BaseModel):
    label: str
    count: int = Field(description=(
        "Times the label was given on records two annotators or more labelled (extraction: "
        "its spans there)."))
    agreement: float | None = Field(description=(
        "When one annotator gave the label, the share of the record's other annotators who "
        "gave it too (extraction: the exact-span F1 of its spans between annotators)."))
    alpha: float | None = Field(description=(
        "Multi-label: Krippendorff's alpha of the label's yes/no decisions; else null."))


class ConfusionPublic(BaseModel):
    a: str = Field(description="A label (the first in the task's order).")
    b: str = Field(description="Another label.")
    count: int = Field(description="Records whose annotators split over the two.")


class AgreementPublic(BaseModel):
    task_id: int
    kind: TaskKind
    metric: Literal["krippendorff_alpha", "span_f1"] = Field(description=(
        "Classification and multi-label: Krippendorff's alpha (nominal; multi-label: over "
        "every yes/no decision per record and label); extraction: exact-span F1 between "
        "annotators, pooled over pairs."))
    value: float | None = Field(description=(
        "The agreement, on the records two annotators or more labelled (gold labels left "
        "out); null with a note when it cannot be told."))
    reading: Literal["reliable", "tentative", "unreliable"] | None = Field(description=(
        "For alpha, Krippendorff's reading: reliable from 0.800, tentative from 0.667, "
        "unreliable below; null for span F1."))
    records: int = Field(description="Records labelled by two annotators or more.")
    labelled_records: int = Field(description="Records labelled by one annotator or more.")
    annotators: list[AnnotatorAgreementPublic]
    pairs: list[PairAgreementPublic] = Field(description="Every pair of annotators who "
                                                         "labelled a record both.")
    labels: list[LabelAgreementPublic] = Field(description="Per label, in the task's order.")
    confusions: list[ConfusionPublic] = Field(description=(
        "Classification: the label pairs annotators split records over, the most frequent "
        "first (at most 20); empty otherwise."))
    note: str | None = Field(description="Why there is no value, when there is none.")
