"""Locks that serialise writers of the same thing for the rest of a transaction.

PostgreSQL takes a transaction-level advisory lock on the key; SQLite has one writer at a
time, so the transaction takes the database's write lock now (``BEGIN IMMEDIATE``), before
it reads what it is about to change. Either way the lock is released by commit or
rollback, and what the transaction reads after taking it is what the previous holder
committed.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

RECORD_LABELS = 1
"""Key space of the manual labels of one record (key: the record id)."""
REQUEST_KEY = 2
"""Key space of a client's idempotency key."""
ACTIVE_QUEUE = 3
"""Key space of a labelling task's queue: its leases and its default learner's refits."""
STATISTICS = 4
"""Key space of a labelling task's stored statistics and its count of labelling acts (key:
the task id). Taken after a record's labels (:data:`RECORD_LABELS`) and before the task's
row and its queue (:data:`ACTIVE_QUEUE`) by whoever holds several."""


def lock_key(*, session: Session, space: int, key: int | str) -> None:
    """Hold the lock on ``key`` of ``space`` until the session's transaction ends."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                        {"space": space, "key": _int32(key)})
        return
    write_first(session=session)


def write_first(*, session: Session) -> None:
    """On SQLite, take the database's write lock now, before the transaction reads what it
    will change (one writer at a time); nothing on PostgreSQL, whose row locks order the
    writers of the same rows."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite" and not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


def lock_keys(*, session: Session, space: int, keys: list[int]) -> None:
    """Hold the locks on many ``keys`` of ``space`` (taken in ascending order, so two
    holders of overlapping sets cannot deadlock), in one statement on PostgreSQL."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for key in keys[:1]:
            lock_key(session=session, space=space, key=key)
        return
    ordered = sorted({_int32(key) for key in keys})
    session.execute(text("SELECT pg_advisory_xact_lock(:space, k) FROM unnest("
                         "CAST(:keys AS integer[])) WITH ORDINALITY AS u(k, n) ORDER BY n"),
                    {"space": space, "keys": ordered}).all()


def lock_each(*, session: Session, locks: list[tuple[int, int | str]]) -> None:
    """Hold the locks on several (space, key) pairs, taken in the order given (callers keep
    one order, so they cannot deadlock), in one statement on PostgreSQL."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for space, key in locks[:1]:
            lock_key(session=session, space=space, key=key)
        return
    session.execute(text("SELECT pg_advisory_xact_lock(s, k) FROM unnest("
                         "CAST(:spaces AS integer[]), CAST(:keys AS integer[])) "
                         "WITH ORDINALITY AS u(s, k, n) ORDER BY n"),
                    {"spaces": [space for space, _ in locks],
                     "keys": [_int32(key) for _, key in locks]}).all()


def _int32(key: int | str) -> int:
    """A signed 32-bit lock key: ids as they are while they fit, anything else hashed."""
    if isinstance(key, int) and -2**31 <= key < 2**31:
        return key
    digest = hashlib.sha256(str(key).encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)
