"""Dependencies: database session, current user, project access by role.

No dependency keeps a database connection while the request waits for a thread: the
current user is looked up in a session of its own, closed before it returns, and the
project check ends its read transaction. The request's session takes a connection again
when the route queries, and is closed on the event loop as soon as the request is done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.schemas import Int32
from store.auth import authenticate, authorize
from store.db import release_connection
from store.idempotency import Answer
from store.models import Project, Role, User
from store.settings import Settings
from workers.queue import RunQueue

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`")


async def get_session(request: Request) -> AsyncIterator[Session]:
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_queue(request: Request) -> RunQueue:
    return request.app.state.queue


SessionDep = Annotated[Session, Depends(get_session)]
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", description=(
        "Any unique string (e.g. a UUID) chosen by the client: a retry with the same key "
        "gets the first answer again and stores nothing new."))]
QueueDep = Annotated[RunQueue, Depends(get_queue)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_current_user(
    request: Request, session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    with request.app.state.sessions() as own:
        user = authenticate(session=own, key=credentials.credentials if credentials else None)
    return session.merge(user, load=False)


CurrentUser = Annotated[User, Depends(get_current_user)]


def answered(answer: Answer) -> JSONResponse:
    """An answer under an idempotency key goes out as it was stored (first time or not)."""
    return JSONResponse(answer.body, status_code=answer.status_code)


def project_with(minimum: Role):
    """A dependency giving the path's project if the caller holds at least ``minimum``."""

    def dependency(project_id: Int32, session: SessionDep, user: CurrentUser) -> Project:
        project = authorize(session=session, user=user, project_id=project_id,
                            minimum=minimum)
        release_connection(session)
        return project

    return dependency


ViewableProject = Annotated[Project, Depends(project_with(Role.VIEWER))]
AnnotatableProject = Annotated[Project, Depends(project_with(Role.ANNOTATOR))]
OwnedProject = Annotated[Project, Depends(project_with(Role.OWNER))]
