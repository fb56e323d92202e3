"""What a test's code sends to the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import event


@contextmanager
def sent_statements(bind: Any) -> Iterator[list[tuple[str, Any]]]:
    """The (statement, parameters) pairs that ``bind`` (an engine or a connection) sends
    inside the block, in order."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        sent.append((statement, parameters))

    event.listen(bind, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(bind, "before_cursor_execute", keep)


def in_transaction(connection: Any) -> bool:
    """Has the driver of ``connection`` (a SQLAlchemy connection) a transaction open now?"""
    driver = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql":
        return driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    return driver.in_transaction
