"""Engine, sessions and schema migrations.

Examples
--------
>>> engine = create_db_engine("sqlite://")
>>> migrate(engine)
>>> with session_factory(engine)() as session:
...     session.scalar(text("select count(*) from projects"))
0
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from psycopg import errors as pg_errors
from sqlalchemy import Engine, Select, Table, create_engine, event, text
from sqlalchemy.exc import IntegrityError, InvalidatePoolError, OperationalError
from sqlalchemy.orm import Session, configure_mappers, sessionmaker
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

__all__ = ["create_db_engine", "is_lock_timeout", "migrate", "session_factory", "text"]


SQLITE_LOCK_WAIT_S = 30.0
"""How long an SQLite statement waits for another connection's write lock by default."""

POOL_OVERFLOW = 4
"""Connections opened beyond ``pool_size`` for bursts (closed again when returned)."""

PING_IDLE_S = 1.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is handed out
(one round trip); one used more recently is handed out as it is."""

_CHECKED_IN = "heurist_checked_in"


def create_db_engine(url: str, *, lock_wait_s: float | None = None,
                     pool_size: int | None = None, pool_timeout_s: float | None = None
                     ) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    PostgreSQL URLs without a driver use psycopg 3; their connections plan without JIT
    compilation; a pooled connection is pinged only when it was idle longer than
    :data:`PING_IDLE_S` (:func:`ping_when_idle`). ``lock_wait_s`` bounds how long a
    statement waits for a lock another transaction holds before it fails (SQLite's busy
    timeout, ``SQLITE_LOCK_WAIT_S`` by default; PostgreSQL's ``lock_timeout``, no bound by
    default): for work that had better skip a turn than wait, such as heartbeats.
    ``pool_size`` connections are kept (a few more may open for short bursts) and a
    checkout waits at most ``pool_timeout_s`` (SQLAlchemy's defaults when not given).
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    pool = {} if pool_size is None else {"pool_size": pool_size,
                                         "max_overflow": POOL_OVERFLOW}
    if pool_timeout_s is not None:
        pool["pool_timeout"] = pool_timeout_s
    if not url.startswith("sqlite"):
        # no JIT: compiling a plan takes tens of milliseconds, more than a page's query runs
        settings = "-c jit=off"
        if lock_wait_s is not None:
            settings += f" -c lock_timeout={max(1, round(lock_wait_s * 1000))}"
        engine = create_engine(url, connect_args={"options": settings}, **pool)
        ping_when_idle(engine)
        return engine
    if url in ("sqlite://", "sqlite:///:memory:"):
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               poolclass=StaticPool)
    else:
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        wait = SQLITE_LOCK_WAIT_S if lock_wait_s is None else lock_wait_s
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": wait},
                               **pool)
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def ping_when_idle(engine: Engine, idle_s: float = PING_IDLE_S) -> None:
    """Ping a pooled connection on checkout when it was idle longer than ``idle_s``.

    A connection the database closed meanwhile (a restart, an idle timeout, a terminated
    backend) is then replaced before anyone uses it, and every connection pooled before it
    is replaced as it is next checked out, as ``pool_pre_ping`` does; busy connections skip
    the round trip. One that broke within ``idle_s`` fails its statement, which invalidates
    the pool the same way."""
    dialect = engine.dialect

    def checked_in(_dbapi_connection, record) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    def checkout(dbapi_connection, record, _proxy) -> None:
        since = record.info.get(_CHECKED_IN)   # none: a new connection
        if since is None or time.monotonic() - since <= idle_s:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise InvalidatePoolError(str(error)) from error
            raise

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checkout)


def is_lock_timeout(error: OperationalError) -> bool:
    """Whether ``error`` is a lock wait that ran out: SQLite's busy timeout ("database is
    locked"), PostgreSQL's ``lock_timeout`` or a deadlock PostgreSQL broke by aborting this
    transaction; the statement may succeed when tried again."""
    cause = error.orig
    if isinstance(cause, sqlite3.OperationalError):
        return cause.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return isinstance(cause, (pg_errors.LockNotAvailable, pg_errors.DeadlockDetected))


def is_missing_reference(error: IntegrityError) -> bool:
    """Whether ``error`` is a row naming a row that is not there (a foreign key): one
    deleted by another transaction after this one read it."""
    cause = error.orig
    if isinstance(cause, sqlite3.IntegrityError):
        return "FOREIGN KEY" in str(cause)
    return isinstance(cause, pg_errors.ForeignKeyViolation)


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_models() -> None:
    """Set up the ORM's mappings now (SQLAlchemy does it on the first query otherwise:
    tens of milliseconds for whoever makes it)."""
    configure_mappers()


class WriteInReadError(RuntimeError):
    """A statement that is not a read, sent where only reads are allowed."""


READS = ("SELECT", "SHOW")


def reading_engine(engine: Engine) -> Engine:
    """``engine`` (its pool) for work that only reads: each statement runs on its own, with
    no transaction around them. On PostgreSQL that saves a BEGIN and a COMMIT or ROLLBACK,
    two round trips, each time; at its read committed (the default) each statement sees
    what was committed when it started either way. SQLite's driver opens no transaction
    for a read anyway (and switching it costs a statement each time), so its connections
    stay as they are. Anything but a read fails before it is sent
    (:class:`WriteInReadError`): without a transaction it could not be undone.

    >>> reading = reading_engine(create_db_engine("sqlite://"))
    >>> with reading.connect() as connection:
    ...     connection.execute(text("SELECT 1")).scalar()
    1
    >>> with reading.connect() as connection:
    ...     connection.execute(text("CREATE TABLE t (x INTEGER)"))
    Traceback (most recent call last):
    ...
    store.db.WriteInReadError: not a read, where only reads are allowed: CREATE TABLE t (x INTEGER)
    """
    reading = engine.execution_options(**(
        {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}))

    def reads_only(_connection, _cursor, statement: str, *_args) -> None:
        if not statement.lstrip()[:6].upper().startswith(READS):
            raise WriteInReadError(
                f"not a read, where only reads are allowed: {statement[:200]}")

    event.listen(reading, "before_cursor_execute", reads_only)  # this engine's only
    return reading


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that do not expire objects on commit (responses read them afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Apply Alembic migrations up to ``revision`` on ``engine``'s database."""
    with migration_config(engine) as config:
        command.upgrade(config, revision)


@contextmanager
def migration_config(engine: Engine) -> Iterator[Config]:
    """Alembic's configuration for migrating ``engine``'s database in one transaction.

    On SQLite the foreign keys are off meanwhile: a batch migration rebuilds a table by
    dropping it, and with the keys on, dropping ``projects`` deletes every record of every
    project (the keys cascade). They are checked before the transaction commits."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:   # outside a transaction, or SQLite ignores it
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                yield config
                if sqlite and (broken := connection.exec_driver_sql(
                        "PRAGMA foreign_key_check").fetchall()):
                    raise RuntimeError(f"the migration left {len(broken)} rows whose foreign "
                                       f"keys point nowhere, e.g. {broken[:3]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def plain_rows(session: Session, query: Select, *, batch: int = 10_000
               ) -> Iterator[list[tuple]]:
    """The rows of a select as the database driver returns them, ``batch`` at a time.

    For bulk reads of integers, booleans (0/1 on SQLite), floats and bytes: no row objects
    and no type conversion, several times faster than ``session.execute(query)`` on 100k rows.
    Runs in the session's transaction, so it sees the session's flushed changes.
    """
    result = session.connection().execute(query)
    try:
        while rows := result.cursor.fetchmany(batch):
            yield rows
    finally:
        result.close()


def insert_rows(session: Session, table: Table, columns: Sequence[str],
                rows: Iterable[Sequence[object]]) -> None:
    """Insert many rows of plain values (in ``columns`` order) in the session's transaction.

    PostgreSQL gets one ``COPY``, other databases the driver's ``executemany``: several times
    faster than an ORM or Core insert of 100k rows. No defaults are applied beyond the
    database's own, so give every column that needs a value.
    """
    connection = session.connection()
    driver = connection.connection.driver_connection
    names = ", ".join(table.c[name].name for name in columns)
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({names}) FROM STDIN") as copy:  # noqa: S608 - our names
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    cursor = driver.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})",  # noqa: S608
                           rows)
    finally:
        cursor.close()


def release_connection(session: Session) -> None:
    """End the session's read-only transaction: its connection goes back to the pool and
    the objects it loaded stay usable (sessions do not expire them); the next query takes
    a connection again. For code that reads, then waits (for a thread, for a client)."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("release_connection would commit pending changes")
    session.commit()


GIN_PENDING = text(
    "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
    "WHERE i.indrelid = CAST(:table AS regclass) AND a.amname = 'gin'")


def analyze(session: Session, tables: Sequence[Table]) -> None:
    """Refresh the planner's statistics of ``tables`` after a bulk load committed, in a
    transaction of its own: without them PostgreSQL plans the next queries for the tables
    as they were (empty, say) until autovacuum comes round. On PostgreSQL the rows a GIN
    index still holds in its pending list are merged into it too: every search through
    the index reads that list row by row until then (a 100k-record import left one that
    made a filtered page 4× slower)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    for table in tables:
        session.execute(text(f"ANALYZE {table.name}"))  # noqa: S608 - our names
        if postgresql:
            session.execute(GIN_PENDING, {"table": table.name})
    session.commit()


def database_reachable(engine: Engine) -> bool:
    """The database answers a trivial query (a pool connection, or a new one)."""
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1")).scalar() == 1
