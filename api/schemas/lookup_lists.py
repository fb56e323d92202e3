"""Lookup lists: a project's named term lists, read by labeling functions as ``knowledge``."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from api.schemas import Description, Int32, Name, UtcDatetime
from api.schemas.heuristics import Reader
from heuristics.knowledge import MAX_NAME_CHARS, MAX_TERM_CHARS, MAX_TERMS

ListName = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS, description=(
    "A Python identifier: labeling functions read the list as `knowledge.<name>` "
    "(`from knowledge import <name>`)."))]
Term = Annotated[str, Field(max_length=MAX_TERM_CHARS)]
TermList = Annotated[list[Term], Field(max_length=MAX_TERMS)]


class LabelRef(BaseModel):
    task_id: Int32 = Field(description="An extraction task of the project.")
    label: Name = Field(description="One of its labels.")


FOLLOWS = ("The list follows this label: the texts of its reference spans join the terms as "
           "annotations come, and leave when no span holds them any more (terms typed stay).")


class LookupListCreate(BaseModel):
    name: ListName
    description: Description = ""
    terms: TermList = Field(default_factory=list, description=(
        "Stripped of surrounding spaces; empty terms and repeats are dropped."))
    follows: LabelRef | None = Field(default=None, description=FOLLOWS)


class LookupListUpdate(BaseModel):
    name: ListName | None = None
    description: Description | None = None
    terms: TermList | None = Field(default=None, description="Replace every term.")
    add: TermList = Field(default_factory=list, description="Terms to add at the end.")
    remove: TermList = Field(default_factory=list, description="Terms to remove.")
    follows: LabelRef | None = Field(default=None, description=(
        f"{FOLLOWS} `null` stops following (the terms stay); left out, nothing changes."))


class LabelledTerms(LabelRef):
    """The label whose reference spans' texts are added once."""


class Follows(BaseModel):
    task_id: int
    task_name: str
    label: str


class LookupListSummary(BaseModel):
    id: int
    name: str
    description: str
    n_terms: int
    version: int = Field(description="Counts the changes of the terms.")
    follows: Follows | None = Field(description=FOLLOWS)
    n_from_labels: int = Field(description="Terms the list holds because spans of the label "
                                           "it follows hold them.")
    read_by: list[Reader] = Field(description=(
        "The labeling functions whose current code reads the list (imports it from "
        "`knowledge` or reads `knowledge.<name>`; every list, for code that could read any)."))
    updated_at: UtcDatetime


class LookupListPublic(LookupListSummary):
    terms: list[str]


class LookupListsPublic(BaseModel):
    data: list[LookupListSummary]
    count: int


class TermCountPublic(BaseModel):
    term: str
    found: int = Field(description="Records that hold the term (places, in an extraction task).")
    labelled: int = Field(description="Of those, the ones in records with a reference label.")
    labels: dict[str, int] = Field(description=(
        "The reference labels they carry, by name: the records' labels, or the labels of "
        "reference spans that cover exactly the place; a labelled place without any counts "
        "in `labelled` only."))
    agreement: float | None = Field(description=(
        "The share of the labelled ones that carry the followed label (the commonest label, "
        "if the list follows none of this task); null when none is labelled."))
    noisy: bool = Field(description="Whether the agreement is below 1.")


class TermStatisticsPublic(BaseModel):
    """Where the list's terms occur in the project's records, against one task's reference
    labels: a term whose labelled records (or places) carry mixed labels is noisy, a term
    found nowhere is dead. Terms match as the templates *lookup of …* match them: whole
    words in any case (classification, multi-label); whole tokens, case kept, the longest
    term first (extraction)."""

    task_id: int
    task_name: str
    unit: str = Field(description="What `found` counts: `records` or `places` (extraction).")
    attribute: str = Field(description="The text attribute searched.")
    labelled: int = Field(description="The task's records with a reference label.")
    follows: str | None = Field(description="The label the list follows, in this task.")
    terms: list[TermCountPublic] = Field(description=(
        "Every term, the worst first: the noisy ones (the least agreement first), then "
        "those with no labelled place, then the rest; each group by `found`, most first."))


class SuggestionPublic(BaseModel):
    term: str = Field(description="Words in lower case, as the template *lookup of* matches.")
    support: int = Field(description="Labelled records that hold it.")
    precision: float = Field(description="The share of those that carry the label.")
    found: int = Field(description="The project's records that hold it, labelled or not.")


class SuggestionsPublic(BaseModel):
    """Words and word pairs the list lacks that signal a label among the task's labelled
    records, the best first (by precision smoothed as `(hits + 1) / (support + 2)`, then
    support); each held by at least three labelled records, more precise than the label's
    share of them, with no listed term and no word as precise inside it."""

    task_id: int
    task_name: str
    label: str
    attribute: str = Field(description="The text attribute read.")
    labelled: int = Field(description="The task's records with a reference label.")
    data: list[SuggestionPublic]
