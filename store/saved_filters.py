"""Saved record filters: a project's named filters and sorts, reused by the data browser and
resolvable to the filter model wherever records are chosen (exports, statistics)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError
from store.models import Project, SavedFilter, User
from store.projects import in_project
from store.record_filters import RecordFilter, RecordSort, filter_clause


@dataclass(frozen=True)
class ResolvedFilter:
    """A saved filter as the record list takes it."""

    record_filter: RecordFilter
    sort: RecordSort


def resolve(saved: SavedFilter) -> ResolvedFilter:
    """The filter model and sort of a saved filter."""
    return ResolvedFilter(record_filter=RecordFilter.model_validate(saved.record_filter),
                          sort=RecordSort.parse(saved.sort, seed=saved.seed))


def resolve_saved_filter(*, session: Session, project: Project, filter_id: int
                         ) -> ResolvedFilter:
    """The filter and sort saved as ``filter_id`` in the project (404 if it is not there)."""
    return resolve(get_saved_filter(session=session, project=project, filter_id=filter_id))


def get_saved_filter(*, session: Session, project: Project, filter_id: int) -> SavedFilter:
    return in_project(session=session, model=SavedFilter, row_id=filter_id, project=project,
                      what="saved filter")


def list_saved_filters(*, session: Session, project: Project) -> list[SavedFilter]:
    return list(session.scalars(select(SavedFilter).where(SavedFilter.project_id == project.id)
                                .order_by(SavedFilter.name, SavedFilter.id)))


def _check(session: Session, project: Project, record_filter: RecordFilter, sort: str,
           seed: int) -> None:
    """Refuses a filter or sort the record list would refuse (unknown task, label, ...)."""
    filter_clause(session=session, project=project, record_filter=record_filter,
                  field="filter")
    RecordSort.parse(sort, seed=seed)


def _unique_name(session: Session, project: Project, name: str, own_id: int | None) -> None:
    other = session.scalar(select(SavedFilter.id).where(
        SavedFilter.project_id == project.id, SavedFilter.name == name))
    if other is not None and other != own_id:
        raise ConflictError(f"a saved filter named {name!r} exists already", field="name")


def create_saved_filter(*, session: Session, project: Project, user: User, name: str,
                        record_filter: RecordFilter, sort: str = "id",
                        seed: int = 0) -> SavedFilter:
    """Save a named filter of the project; commits."""
    _check(session, project, record_filter, sort, seed)
    _unique_name(session, project, name, None)
    saved = SavedFilter(project_id=project.id, name=name, sort=sort, seed=seed,
                        record_filter=record_filter.model_dump(mode="json", exclude_none=True),
                        created_by_id=user.id)
    session.add(saved)
    session.commit()
    return saved


def update_saved_filter(*, session: Session, saved: SavedFilter, name: str | None = None,
                        record_filter: RecordFilter | None = None, sort: str | None = None,
                        seed: int | None = None) -> SavedFilter:
    """Rename or change a saved filter (what is given); commits."""
    project = session.get(Project, saved.project_id)
    given_filter = record_filter or RecordFilter.model_validate(saved.record_filter)
    _check(session, project, given_filter, sort or saved.sort,
           saved.seed if seed is None else seed)
    if name is not None:
        _unique_name(session, project, name, saved.id)
        saved.name = name
    if record_filter is not None:
        saved.record_filter = record_filter.model_dump(mode="json", exclude_none=True)
    if sort is not None:
        saved.sort = sort
    if seed is not None:
        saved.seed = seed
    session.commit()
    return saved


def delete_saved_filter(*, session: Session, saved: SavedFilter) -> None:
    session.delete(saved)
    session.commit()
