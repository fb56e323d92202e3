"""Many advisory locks taken in one statement are held until the transaction ends."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.orm import Session

from store.db import create_db_engine, migrate
from store.locks import RECORD_LABELS, lock_keys


@pytest.fixture
def pg_engine(postgres_url):
    engine = create_db_engine(postgres_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_lock_keys_holds_every_key_until_commit(pg_engine, postgres_url):
    other = psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"),
                            autocommit=True)

    def free(key: int) -> bool:
        taken = other.execute("SELECT pg_try_advisory_lock(%s, %s)",
                              (RECORD_LABELS, key)).fetchone()[0]
        if taken:
            other.execute("SELECT pg_advisory_unlock(%s, %s)", (RECORD_LABELS, key))
        return taken

    with Session(pg_engine) as session:
        lock_keys(session=session, space=RECORD_LABELS, keys=[7, 3, 5])
        assert not any(free(key) for key in (3, 5, 7)) and free(4)
        session.commit()
        assert all(free(key) for key in (3, 5, 7))
    other.close()
