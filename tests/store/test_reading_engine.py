"""The reading engine: statements run without a transaction around them, anything but a
read is refused before it is sent, and the pooled connection is transactional again for
whoever takes it next."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from store.db import (
    WriteInReadError,
    create_db_engine,
    migrate,
    reading_engine,
    session_factory,
)
from store.models import User
from tests.sql_log import in_transaction


def test_reads_run_without_a_transaction_and_writes_are_refused(engine):
    reading = session_factory(reading_engine(engine))
    with reading() as session:
        assert session.scalar(select(func.count(User.id))) == 0
        assert not in_transaction(session.connection())
        with pytest.raises(WriteInReadError, match="not a read"):
            session.execute(text("INSERT INTO users (name, is_admin, created_at) "
                                 "VALUES ('mallory', false, CURRENT_TIMESTAMP)"))
        assert session.scalar(select(func.count(User.id))) == 0, "refused before it was sent"
    with session_factory(engine)() as session:  # the same pooled connection, as usual again
        session.add(User(name="alice", is_admin=False))
        session.flush()
        assert in_transaction(session.connection())
        session.rollback()
        assert session.scalar(select(func.count(User.id))) == 0, "the rollback undid it"


def test_a_reading_session_never_sits_idle_in_a_transaction(postgres_url):
    """Between its statements (a request waiting for a thread, for the client) the backend
    holds no snapshot and no lock: PostgreSQL shows it idle, not idle in transaction."""
    engine = create_db_engine(postgres_url)
    migrate(engine)
    try:
        with session_factory(reading_engine(engine))() as session, engine.connect() as other:
            pid = session.scalar(text("SELECT pg_backend_pid()"))
            state = other.scalar(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"),
                                 {"pid": pid})
            assert state == "idle"
    finally:
        engine.dispose()
