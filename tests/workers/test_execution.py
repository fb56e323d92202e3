"""The execution engine's heartbeat, in this process, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select, update

from config import get_settings
from services.heuristic_runs import create_heuristic, create_heuristic_run
from services.importing import import_records
from services.projects import create_project
from services.tasks import create_task
from services.users import create_user
from store import outputs, runs
from store.db import session_factory
from store.events import KEEP_FOR
from store.models import Event, Output, Record, Run, RunStatus, TaskKind, utcnow
from workers import context, execution


@pytest.fixture
def worker_context(database_url, engine, tmp_path, monkeypatch) -> Iterator[None]:
    """This process's worker settings point at the test database; a beat every 0.5 s."""
    monkeypatch.setenv("HEURIST_DATABASE_URL", database_url)
    monkeypatch.setenv("HEURIST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HEURIST_RUN_STALE_AFTER_S", "1.5")
    monkeypatch.setattr(context, "_sessions", {})
    get_settings.cache_clear()
    yield
    for _, sessions in context._sessions.values():
        sessions.kw["bind"].dispose()
    get_settings.cache_clear()


def test_a_heartbeat_never_waits_for_the_work_it_keeps_alive(worker_context, engine, caplog):
    sessions = session_factory(engine)
    with sessions() as session:
        user, _ = create_user(session=session, name="worker")
        project = create_project(session=session, name="p", description="", owner=user)
        run_id = runs.create_run(session=session, project_id=project.id, kind="bench").id
    long_ago = utcnow() - timedelta(hours=1)

    def beaten_since_long_ago() -> bool:
        with sessions() as reader:
            beat = reader.scalar(select(Run.heartbeat_at).where(Run.id == run_id))
        return beat.replace(tzinfo=UTC) > long_ago

    with sessions() as session, execution.keep_alive(run_id):
        # The work holds the run's row in an open transaction for longer than a beat waits
        # for it (HEARTBEAT_LOCK_WAIT_S): those beats are skipped, the thread lives on.
        session.execute(update(Run).where(Run.id == run_id)
                        .values(logs="not committed", heartbeat_at=long_ago))
        time.sleep(2.5)
        session.commit()
        assert f"heartbeat of run {run_id} skipped" in caplog.text
        deadline = time.monotonic() + 3
        while not beaten_since_long_ago():
            assert time.monotonic() < deadline, "no beat after the skipped ones"
            time.sleep(0.1)
        # Leaving the block with the row held joins the thread without a deadlock (it was
        # SQLite's 30 s busy timeout, and no end on PostgreSQL).
        session.execute(update(Run).where(Run.id == run_id).values(logs="again"))
        time.sleep(0.7)
        leaving = time.monotonic()
    assert time.monotonic() - leaving < execution.HEARTBEAT_LOCK_WAIT_S + 1.0


def test_an_unexpected_error_names_no_host_path():
    import json
    import sys

    import numpy as np

    from heuristics.sandbox.hostpaths import PACKAGE_ROOT

    described = []
    for fail in (lambda: json.loads("{"), lambda: np.load("/nonexistent.npy"), lambda: 1 / 0):
        try:
            fail()
        except Exception as error:  # noqa: BLE001 - described below
            described.append(execution._describe(error))
    assert "(decoder.py:" in described[0]
    assert "npyio" in described[1] and "(numpy/" not in described[1]
    assert described[2].startswith("ZeroDivisionError: division by zero "
                                   "(tests/workers/test_execution.py:")
    for text in described:
        assert str(PACKAGE_ROOT) not in text and sys.prefix not in text
        assert sys.base_prefix not in text


def test_the_sweeper_prunes_old_events_at_most_once_per_period(worker_context, engine,
                                                               monkeypatch):
    monkeypatch.setattr(execution, "_events_pruned_at", [])
    sessions = session_factory(engine)

    def add_event(age: timedelta) -> None:
        with sessions() as session:
            session.add(Event(project_id=project_id, type="run.progress", payload={},
                              created_at=utcnow() - age))
            session.commit()

    with sessions() as session:
        user, _ = create_user(session=session, name="sweeper")
        project_id = create_project(session=session, name="p", description="", owner=user).id
    add_event(KEEP_FOR + timedelta(hours=1))
    add_event(timedelta(hours=1))
    assert execution.prune_events() == 1
    with sessions() as session:
        ages = [utcnow() - created.replace(tzinfo=UTC) for created in session.scalars(
            select(Event.created_at).where(Event.project_id == project_id))]
    assert len(ages) == 1 and ages[0] < KEEP_FOR
    add_event(KEEP_FOR * 2)
    assert execution.prune_events() is None, "pruned again within the period"
    monkeypatch.setattr(execution, "EVENTS_PRUNE_EVERY_S", 0.0)
    assert execution.prune_events() == 1


def test_the_sweeper_deletes_superseded_outputs_at_most_once_per_period(worker_context, engine,
                                                                       monkeypatch):
    monkeypatch.setattr(execution, "_outputs_pruned_at", [])
    sessions = session_factory(engine)
    with sessions() as session:
        user, _ = create_user(session=session, name="sweeper")
        project = create_project(session=session, name="p", description="", owner=user)
        import_records(session=session, project=project, fmt="csv",
                       open_stream=lambda: io.BytesIO(b"text\nfirst\nsecond\n"))
        task = create_task(session=session, project=project, name="t",
                           kind=TaskKind.CLASSIFICATION, labels=["a", "b"])
        heuristic = create_heuristic(session=session, task=task, name="h",
                                     source="def lf(record):\n    return 'a'\n")
        record_ids = session.scalars(select(Record.id)).all()

    def succeeded_run() -> int:
        with sessions() as session:
            run = create_heuristic_run(session=session, heuristic=session.merge(heuristic))
            run.status = RunStatus.SUCCEEDED
            session.add_all(Output(run_id=run.id, record_id=rid, label_id=task.labels[0].id)
                            for rid in record_ids)
            session.commit()
            return run.id

    def outputs_by_run() -> dict[int, int]:
        with sessions() as session:
            return dict(session.execute(select(Output.run_id, func.count())
                                        .group_by(Output.run_id)).all())

    succeeded_run()
    current = succeeded_run()
    assert execution.prune_outputs() == 2
    assert outputs_by_run() == {current: 2}
    newest = succeeded_run()
    assert execution.prune_outputs() is None, "pruned again within the period"
    monkeypatch.setattr(execution, "OUTPUTS_PRUNE_EVERY_S", 0.0)
    assert execution.prune_outputs() == 2
    assert outputs_by_run() == {newest: 2}
    # a backlog is worked off a slice at a time, and the next sweep goes on with it
    monkeypatch.setattr(execution, "OUTPUTS_PRUNE_EVERY_S", 3600.0)
    monkeypatch.setattr(execution, "OUTPUTS_PRUNE_BUDGET_S", 0.0)
    monkeypatch.setattr(outputs, "DELETE_BATCH", 1)
    monkeypatch.setattr(execution, "_outputs_pruned_at", [])
    last = succeeded_run()
    assert [execution.prune_outputs() for _ in range(3)] == [1, 1, 0]
    assert outputs_by_run() == {last: 2}
    assert execution.prune_outputs() is None, "nothing left: not due within the period"
