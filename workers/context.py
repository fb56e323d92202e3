"""Per-process resources of a worker: settings and database sessions (made after fork)."""

from __future__ import annotations

import multiprocessing
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from config import Settings, get_settings
from store.db import create_db_engine, session_factory
from store.models import utcnow

stopping = multiprocessing.Event()
"""Set in a worker's main process once it shuts down; its pool processes, forked after this
module was imported, see it: a chunk in progress is handed back at its next heartbeat."""
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


def heartbeat_interval_s() -> float:
    """How often work in progress beats: three beats fit in the staleness period."""
    return max(0.5, settings().run_stale_after_s / 3)


def sweep_interval_s() -> float:
    """How often a worker looks for lost work: four sweeps in the staleness period."""
    return max(0.5, settings().run_stale_after_s / 4)
