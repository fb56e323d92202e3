"""Pooled PostgreSQL connections: pinged only after being idle, replaced when the database
closed them (a restart, a terminated backend) without the caller noticing."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from store.db import PING_IDLE_S, create_db_engine
from tests.conftest import POSTGRES_SERVER


@pytest.fixture
def engine(postgres_url):
    engine = create_db_engine(postgres_url, pool_size=4)
    yield engine
    engine.dispose()


def _pid(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT pg_backend_pid()"))


def _terminate(*pids: int) -> None:
    """End the backends and wait until they are gone."""
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        for pid in pids:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        deadline = time.monotonic() + 5
        while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)",
                            (list(pids),)).fetchone()[0]:
            assert time.monotonic() < deadline, "the backends did not end"
            time.sleep(0.005)


def test_a_connection_killed_while_idle_is_replaced_transparently(engine):
    first = _pid(engine)
    assert _pid(engine) == first, "the pool hands out the same connection again"
    _terminate(first)
    time.sleep(PING_IDLE_S + 0.2)
    replaced = _pid(engine)
    assert replaced != first
    assert _pid(engine) == replaced


def test_a_busy_connection_is_not_pinged_and_its_failure_resets_the_pool(engine):
    """Used within PING_IDLE_S, a connection goes out unpinged: one killed meanwhile fails
    its statement (as without any ping), and that failure replaces the pool's connections,
    so the next request works."""
    first = _pid(engine)
    _terminate(first)
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert _pid(engine) != first


def test_after_every_connection_died_all_requests_succeed(engine):
    """As after a database restart: all pooled connections closed by the server, then a
    burst of concurrent requests once they have been idle."""
    barrier = threading.Barrier(4)

    def hold() -> int:
        with engine.connect() as connection:
            barrier.wait(5)   # four connections open at once
            return connection.scalar(text("SELECT pg_backend_pid()"))

    with ThreadPoolExecutor(4) as pool:
        pids = set(pool.map(lambda _: hold(), range(4)))
    assert len(pids) == 4
    _terminate(*pids)
    time.sleep(PING_IDLE_S + 0.2)

    def query(i: int) -> int:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT :i"), {"i": i})

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(query, range(32))) == list(range(32))
    assert not pids & {_pid(engine) for _ in range(4)}
