"""Dependencies: database session, current user, project access by role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.schemas import Int32
from store.auth import authenticate, authorize
from store.models import Project, Role, User
from store.settings import Settings
from workers.queue import RunQueue

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`")


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_queue(request: Request) -> RunQueue:
    return request.app.state.queue


SessionDep = Annotated[Session, Depends(get_session)]
QueueDep = Annotated[RunQueue, Depends(get_queue)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_current_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    return authenticate(session=session, key=credentials.credentials if credentials else None)


CurrentUser = Annotated[User, Depends(get_current_user)]


def project_with(minimum: Role):
    """A dependency giving the path's project if the caller holds at least ``minimum``."""

    def dependency(project_id: Int32, session: SessionDep, user: CurrentUser) -> Project:
        return authorize(session=session, user=user, project_id=project_id, minimum=minimum)

    return dependency


ViewableProject = Annotated[Project, Depends(project_with(Role.VIEWER))]
AnnotatableProject = Annotated[Project, Depends(project_with(Role.ANNOTATOR))]
OwnedProject = Annotated[Project, Depends(project_with(Role.OWNER))]
