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


class LookupListCreate(BaseModel):
    name: ListName
    description: Description = ""
    terms: TermList = Field(default_factory=list, description=(
        "Stripped of surrounding spaces; empty terms and repeats are dropped."))


class LookupListUpdate(BaseModel):
    name: ListName | None = None
    description: Description | None = None
    terms: TermList | None = Field(default=None, description="Replace every term.")
    add: TermList = Field(default_factory=list, description="Terms to add at the end.")
    remove: TermList = Field(default_factory=list, description="Terms to remove.")


class LabelledTerms(BaseModel):
    task_id: Int32 = Field(description="An extraction task of the project.")
    label: Name = Field(description="Its label whose reference spans become terms.")


class LookupListSummary(BaseModel):
    id: int
    name: str
    description: str
    n_terms: int
    version: int = Field(description="Counts the changes of the terms.")
    updated_at: UtcDatetime


class LookupListPublic(LookupListSummary):
    terms: list[str]


class LookupListsPublic(BaseModel):
    data: list[LookupListSummary]
    count: int
