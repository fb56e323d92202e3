"""Counts of events in the workers, kept in the database (table ``worker_counters``).

Workers are separate processes, often on other machines, that serve no HTTP: an event
each one counts in memory would be lost with the process and out of reach of the one
``/metrics`` endpoint. So a worker adds to a row here, in the transaction that records
the event itself, and the API reads the rows when it is scraped. The counts only grow
(nothing deletes them), as Prometheus counters must; the events counted are rare (a
failure, a retry), so the row updates cost nothing that matters.

Examples
--------
>>> from store.db import create_db_engine, migrate, session_factory
>>> engine = create_db_engine("sqlite://")
>>> migrate(engine)
>>> with session_factory(engine)() as session:
...     count(session=session, name=CHUNK_RETRIES, reason="error")
...     count(session=session, name=CHUNK_RETRIES, reason="error")
...     session.commit()
...     counts(session=session)
{('chunk_retries', 'error'): 2}
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from store.models import WorkerCounter

CHUNK_RETRIES = "chunk_retries"
"""A chunk tried again: after an error (``error``) or because its worker was lost
(``worker_lost``)."""
SANDBOX_FAILURES = "sandbox_failures"
"""User code stopped in a worker's sandbox, by :class:`heuristics.sandbox.SandboxFailure`."""


def count(*, session: Session, name: str, reason: str) -> None:
    """Add one to the counter ``name`` for ``reason`` (no commit: the caller's
    transaction records the event and its count together)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(WorkerCounter).values(name=name, reason=reason, value=1)
    session.execute(statement.on_conflict_do_update(
        index_elements=[WorkerCounter.name, WorkerCounter.reason],
        set_={"value": WorkerCounter.value + 1}))


def counts(*, session: Session) -> dict[tuple[str, str], int]:
    """Every counter: (name, reason) -> value."""
    return {(name, reason): value for name, reason, value in session.execute(
        select(WorkerCounter.name, WorkerCounter.reason, WorkerCounter.value))}
