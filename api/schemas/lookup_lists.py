"""Lookup lists: a project's named term lists, read by labeling functions as ``knowledge``."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from api.schemas import Description, Int32, Name, UtcDatetime
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


class Reader(BaseModel):
    """A labeling function whose current code reads the list."""

    id: int
    name: str
    task_id: int


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
