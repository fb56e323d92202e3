"""Taking a test database down to an earlier schema revision."""

from __future__ import annotations

from alembic import command
from sqlalchemy.engine import Engine

from store.db import migration_config


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database of ``engine`` down to ``revision``; ``store.db.migrate`` brings it
    up again."""
    with migration_config(engine) as config:
        command.downgrade(config, revision)
