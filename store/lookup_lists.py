"""Lookup lists of a project: named term lists that its labeling functions read as
``knowledge.<name>`` (:mod:`heuristics.knowledge`); every change counts up ``version``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError
from heuristics.knowledge import check_list_name, clean_terms
from store.models import LookupList, Project
from store.projects import in_project


def get_lookup_list(*, session: Session, project: Project, list_id: int) -> LookupList:
    return in_project(session=session, model=LookupList, row_id=list_id, project=project,
                      what="lookup list")


def list_lookup_lists(*, session: Session, project_id: int) -> list[LookupList]:
    return list(session.scalars(select(LookupList).where(LookupList.project_id == project_id)
                                .order_by(LookupList.name)))


def knowledge(*, session: Session, project_id: int) -> dict[str, list[str]]:
    """The project's lists by name, as the sandbox hands them to labeling functions."""
    return {row.name: list(row.terms)
            for row in list_lookup_lists(session=session, project_id=project_id)}


def _unique_name(session: Session, project: Project, name: str, own_id: int | None) -> str:
    check_list_name(name)
    other = session.scalar(select(LookupList.id).where(
        LookupList.project_id == project.id, LookupList.name == name))
    if other is not None and other != own_id:
        raise ConflictError(f"a lookup list named {name!r} exists already", field="name")
    return name


def create_lookup_list(*, session: Session, project: Project, name: str,
                       description: str = "", terms: Iterable[str] = ()) -> LookupList:
    """A new list of the project; commits."""
    row = LookupList(project_id=project.id, name=_unique_name(session, project, name, None),
                     description=description, terms=clean_terms(terms), version=1)
    session.add(row)
    session.commit()
    return row


def update_lookup_list(*, session: Session, lookup_list: LookupList, name: str | None = None,
                       description: str | None = None, terms: Iterable[str] | None = None,
                       add: Iterable[str] = (), remove: Iterable[str] = ()) -> LookupList:
    """Rename, describe, replace the terms, or add and remove some (after the replacement,
    in that order); a change of the terms counts up the version. Commits."""
    project = session.get(Project, lookup_list.project_id)
    if name is not None:
        lookup_list.name = _unique_name(session, project, name, lookup_list.id)
    if description is not None:
        lookup_list.description = description
    current = list(lookup_list.terms) if terms is None else clean_terms(terms)
    dropped = set(clean_terms(remove, field="remove"))
    changed = clean_terms([*(t for t in current if t not in dropped),
                           *clean_terms(add, field="add")])
    if changed != lookup_list.terms:
        lookup_list.terms = changed
        lookup_list.version += 1
    session.commit()
    return lookup_list


def delete_lookup_list(*, session: Session, lookup_list: LookupList) -> None:
    session.delete(lookup_list)
    session.commit()
