"""Saved record filters of a project: every member reads them, annotators and owners
save, change and delete them."""

from __future__ import annotations

from fastapi import Response, status

from api.deps import AnnotatableProject, CurrentUser, SessionDep, ViewableProject
from api.routing import Router
from api.schemas import Int32
from api.schemas.record_search import (
    SavedFilterCreate,
    SavedFilterPublic,
    SavedFiltersPublic,
    SavedFilterUpdate,
)
from store import saved_filters
from store.models import SavedFilter

router = Router(prefix="/projects/{project_id}/filters", tags=["saved filters"])


def saved_filter_public(saved: SavedFilter) -> SavedFilterPublic:
    resolved = saved_filters.resolve(saved)
    return SavedFilterPublic(
        id=saved.id, name=saved.name, filter=resolved.record_filter, sort=saved.sort,
        seed=saved.seed, created_by=saved.created_by.name if saved.created_by else None,
        updated_at=saved.updated_at)


@router.get("", response_model=SavedFiltersPublic)
def list_saved_filters(project: ViewableProject, session: SessionDep) -> SavedFiltersPublic:
    rows = saved_filters.list_saved_filters(session=session, project=project)
    return SavedFiltersPublic(data=[saved_filter_public(s) for s in rows], count=len(rows))


@router.post("", response_model=SavedFilterPublic, status_code=status.HTTP_201_CREATED)
def create_saved_filter(body: SavedFilterCreate, project: AnnotatableProject,
                        session: SessionDep, user: CurrentUser) -> SavedFilterPublic:
    """Save a filter under a name unique in the project (409 if taken); a filter the record
    list would refuse is refused here the same way."""
    return saved_filter_public(saved_filters.create_saved_filter(
        session=session, project=project, user=user, name=body.name,
        record_filter=body.filter, sort=body.sort, seed=body.seed))


@router.get("/{filter_id}", response_model=SavedFilterPublic)
def read_saved_filter(filter_id: Int32, project: ViewableProject,
                      session: SessionDep) -> SavedFilterPublic:
    return saved_filter_public(saved_filters.get_saved_filter(
        session=session, project=project, filter_id=filter_id))


@router.patch("/{filter_id}", response_model=SavedFilterPublic)
def update_saved_filter(filter_id: Int32, body: SavedFilterUpdate, project: AnnotatableProject,
                        session: SessionDep) -> SavedFilterPublic:
    saved = saved_filters.get_saved_filter(session=session, project=project,
                                           filter_id=filter_id)
    return saved_filter_public(saved_filters.update_saved_filter(
        session=session, saved=saved, name=body.name, record_filter=body.filter,
        sort=body.sort, seed=body.seed))


@router.delete("/{filter_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_saved_filter(filter_id: Int32, project: AnnotatableProject,
                        session: SessionDep) -> Response:
    saved_filters.delete_saved_filter(session=session, saved=saved_filters.get_saved_filter(
        session=session, project=project, filter_id=filter_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
