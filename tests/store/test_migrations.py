"""Migrations keep the data: taking a database down and up again through revisions that
rebuild tables others refer to loses no row. On SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.projects import create_project
from services.users import create_user
from store.db import create_db_engine, migrate, migration_config, session_factory
from store.models import Attribute, Project, Record, Run
from store.runs import add_run
from tests.migrations import downgrade

TABLES = (Project, Attribute, Record, Run)


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table.__tablename__: connection.scalar(select(func.count()).select_from(table))
                for table in TABLES}


def test_down_and_up_through_rebuilt_parent_tables_keeps_every_row(engine, session, project):
    add_run(session=session, project_id=project.id, kind="embedding", params={})
    session.commit()
    before = row_counts(engine)
    assert before["records"] > 0 and before["runs"] == 1
    session.close()
    # 0014's downgrade rebuilds `projects` on SQLite (a batch migration): dropping the old
    # table cascaded to every project's attributes, records and runs
    downgrade(engine, "0013")
    assert row_counts(engine) == before
    migrate(engine)
    assert row_counts(engine) == before


def test_a_migration_that_leaves_dangling_keys_on_sqlite_is_rolled_back(tmp_path):
    # PostgreSQL keeps its foreign keys on during migrations: this is SQLite's own check
    engine = create_db_engine(f"sqlite:///{tmp_path / 'heurist.db'}")
    migrate(engine)
    with session_factory(engine)() as session:
        owner, _ = create_user(session=session, name="owner")
        create_project(session=session, name="p", description="", owner=owner)
    with pytest.raises(RuntimeError, match="foreign keys point nowhere"), \
            migration_config(engine) as config:
        config.attributes["connection"].exec_driver_sql("DELETE FROM users")
    with engine.connect() as connection:   # the keys are on again for the app's connections
        assert connection.scalar(select(func.count()).select_from(Project)) == 1
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
