"""Per-process resources of a worker: settings and database sessions (made after fork)."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from store.db import create_db_engine, session_factory
from store.models import utcnow
from store.settings import Settings, get_settings

_sessions: dict[float | None, tuple[int, sessionmaker[Session]]] = {}


def settings() -> Settings:
    return get_settings()


def new_session(*, lock_wait_s: float | None = None) -> Session:
    """A session on this process's engine (a forked child makes its own); with
    ``lock_wait_s``, on an engine whose statements wait at most that long for a lock
    (:func:`store.db.create_db_engine`)."""
    made = _sessions.get(lock_wait_s)
    if made is None or made[0] != os.getpid():
        engine = create_db_engine(settings().resolved_database_url(), lock_wait_s=lock_wait_s)
        made = _sessions[lock_wait_s] = (os.getpid(), session_factory(engine))
    return made[1]()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def stale_before() -> datetime:
    """Heartbeats older than this mean the worker holding the work is gone."""
    return utcnow() - timedelta(seconds=settings().run_stale_after_s)
