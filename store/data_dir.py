"""The data directory and the SQLite database are private to the user running Heurist.

The data directory holds the database, the broker file and the admin key: it is created
(or narrowed to) mode 0700, and an SQLite database file, wherever it lies, to 0600 (SQLite
gives its -wal and -shm files the database file's mode).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from config import Settings

DIR_MODE = 0o700
FILE_MODE = 0o600


def make_private(settings: Settings) -> None:
    """Create the data directory 0700 and the SQLite database file 0600 (empty if new);
    narrow them if they exist with wider modes."""
    settings.data_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(settings.data_dir, DIR_MODE)
    database = sqlite_file(settings.resolved_database_url())
    if database is None:
        return
    database.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.close(os.open(database, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    for path in (database, *(Path(f"{database}{suffix}") for suffix in ("-wal", "-shm"))):
        if path.exists():
            os.chmod(path, FILE_MODE)


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL; None for other databases and in-memory SQLite.

    >>> sqlite_file("sqlite:////srv/heurist/heurist.db")
    PosixPath('/srv/heurist/heurist.db')
    >>> sqlite_file("sqlite://") is None, sqlite_file("postgresql://h/db") is None
    (True, True)
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)
