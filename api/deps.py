"""Dependencies: database session, current user, project access by role.

No dependency keeps a database connection while the request waits for a thread: the
current user is looked up in a session of its own, closed before it returns (a key
presented recently is remembered: then no query and no thread), and the project check
ends its read transaction. Dependencies that only read the app's state run on the event
loop. The request's session takes a connection again
when the route queries, and is closed on the event loop as soon as the request is done.
Routes that only read (:func:`reads_only`) read without a transaction.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.schemas import Int32
from config import Settings
from services.dispatch import RunDispatcher
from store.auth import KnownKeys, authenticate, authorize, remembered_user
from store.db import release_connection
from store.idempotency import Answer
from store.models import Project, Role, User

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`")


READS_ONLY = "heurist_reads_only"


def reads_only(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a route that only reads: its session (the project check's too) reads without a
    transaction (:func:`store.db.reading_engine`), so a page costs no BEGIN and no COMMIT,
    and a statement that would write fails."""
    setattr(endpoint, READS_ONLY, True)
    return endpoint


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session; a route marked :func:`reads_only` gets a reading one."""
    reading = getattr(inspect.unwrap(request.scope.get("endpoint")), READS_ONLY, False)
    session = (request.app.state.reading_sessions if reading else request.app.state.sessions)()
    try:
        yield session
    finally:
        session.close()


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_queue(request: Request) -> RunDispatcher:
    return request.app.state.queue


async def get_sessions(request: Request) -> sessionmaker[Session]:
    """The session factory, for a response that streams after the request's session closed
    (an export, server-sent events): it opens its own sessions as it goes."""
    return request.app.state.sessions


SessionDep = Annotated[Session, Depends(get_session)]
Sessions = sessionmaker[Session]
"""A session factory (for work that opens its own sessions: streams, probes)."""
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", description=(
        "Any unique string (e.g. a UUID) chosen by the client: a retry with the same key "
        "gets the first answer again and stores nothing new."))]
QueueDep = Annotated[RunDispatcher, Depends(get_queue)]
SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_known_keys(request: Request) -> KnownKeys:
    """This process's remembered API keys (:class:`store.auth.KnownKeys`)."""
    return request.app.state.known_keys


KnownKeysDep = Annotated[KnownKeys, Depends(get_known_keys)]


async def get_current_user(
    request: Request, session: SessionDep, known: KnownKeysDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    key = credentials.credentials if credentials else None
    user = remembered_user(key=key, known=known)  # no query: stays on the event loop
    if user is None:
        user = await run_in_threadpool(_look_up_user, request.app.state.sessions, key, known)
    return session.merge(user, load=False)


def _look_up_user(sessions: sessionmaker[Session], key: str | None, known: KnownKeys) -> User:
    with sessions() as own:
        return authenticate(session=own, key=key, known=known)


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
