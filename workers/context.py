"""Per-process resources of a worker: settings and database sessions (made after fork)."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from store.db import create_db_engine, session_factory
from store.models import utcnow
from store.settings import Settings, get_settings

_sessions: tuple[int, sessionmaker[Session]] | None = None


def settings() -> Settings:
    return get_settings()


def new_session() -> Session:
    """A session on this process's engine (a forked child makes its own)."""
    global _sessions
    if _sessions is None or _sessions[0] != os.getpid():
        engine = create_db_engine(settings().resolved_database_url())
        _sessions = (os.getpid(), session_factory(engine))
    return _sessions[1]()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def stale_before() -> datetime:
    """Heartbeats older than this mean the worker holding the work is gone."""
    return utcnow() - timedelta(seconds=settings().run_stale_after_s)
