"""Shared fixtures: a fresh PostgreSQL database per run, SQLite per test, the app, keys.

PostgreSQL is required (``make test`` starts it when it is not running): its absence is a
failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.main import create_app
from config import Settings
from services.users import ensure_admin
from store.db import create_db_engine, migrate, session_factory
from store.models import Base

POSTGRES_SERVER = os.environ.get("HEURIST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
# The shared data sets sit in a "shared" folder beside the checkout or further up.
DATASETS = next((folder / "shared" / "datasets" for folder in Path(__file__).resolve().parents
                 if (folder / "shared" / "datasets").is_dir()),
                Path(__file__).resolve().parents[2] / "shared" / "datasets")


ONE_PROCESS_GROUPS = {"e2e": "e2e", "test_label_studio_sdk.py": "label-studio-sdk"}
"""Tests that share one costly thing (the end-to-end stack and browser; the label-studio-sdk
virtualenv), by a folder or file of theirs: ``make test`` runs the suite in several processes
(pytest-xdist, ``--dist loadgroup``) and keeps each group in one."""


def one_process_group(nodeid: str) -> str | None:
    """The group of :data:`ONE_PROCESS_GROUPS` a test belongs to, by its node id.

    >>> one_process_group("tests/e2e/test_ui.py::test_api_docs_offline[/docs]")
    'e2e'
    >>> one_process_group("tests/store/test_bulk.py::test_x") is None
    True
    """
    parts = nodeid.split("::")[0].split("/")
    return next((ONE_PROCESS_GROUPS[part] for part in parts if part in ONE_PROCESS_GROUPS),
                None)


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadgroup`` by :func:`one_process_group`: pytest-xdist's own groups come from
    ``xdist_group`` marks written into node ids, which pytest 9 no longer lets a plugin
    rewrite, so its scheduler spread every group over all processes."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class OneProcessGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return one_process_group(nodeid) or nodeid

    return OneProcessGroups(config, log)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database created for this test run and dropped after it."""
    name = f"heurist_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is needed at {POSTGRES_SERVER} (run `make test`): {error}")
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{POSTGRES_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    engine = create_db_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


def empty_database(url: str) -> None:
    """Empty every table of the run's PostgreSQL database, for the tests that follow."""
    engine = create_db_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def clean_postgres_url(postgres_url) -> Iterator[str]:
    """The run's PostgreSQL database for a test that writes to it directly (or through a
    server of its own), emptied afterwards so that the tests after it start clean."""
    yield postgres_url
    empty_database(postgres_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    """Each test that uses this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'heurist.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    empty_database(url)


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "var", datasets_dir=DATASETS)


@pytest.fixture
def app(settings):
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture
def admin_key(app, settings) -> str:
    with app.state.sessions() as session:
        return ensure_admin(session=session, key_file=settings.admin_key_file)


@pytest.fixture
def admin(admin_key) -> dict[str, str]:
    """Headers of the admin."""
    return {"Authorization": f"Bearer {admin_key}"}


@pytest.fixture
def make_user(client, admin):
    """``make_user(name)`` -> headers of a new (non-admin) user."""

    def make(name: str) -> dict[str, str]:
        response = client.post("/api/v1/users", json={"name": name}, headers=admin)
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['api_key']}"}

    return make
