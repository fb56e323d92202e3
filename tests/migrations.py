"""Taking a test database down to an earlier schema revision."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from store.db import MIGRATIONS_DIR


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database of ``engine`` down to ``revision``; ``store.db.migrate`` brings it
    up again."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
