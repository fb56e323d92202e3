"""Cancelling a run while a worker claims one of its chunks: both finish, no deadlock."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.projects import create_project
from services.users import create_user
from store.db import create_db_engine, migrate
from store.models import Run, RunChunk, RunStatus, utcnow
from store.runs import add_chunks, begin_run, cancel_run, create_run


@pytest.fixture
def pg_engine(postgres_url):
    engine = create_db_engine(postgres_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_cancel_waits_for_a_claim_in_flight_instead_of_deadlocking(pg_engine):
    with Session(pg_engine, expire_on_commit=False) as session:
        owner, _ = create_user(session=session, name=f"owner-{utcnow().timestamp()}")
        project = create_project(session=session, name=f"locks-{utcnow().timestamp()}",
                                 description="", owner=owner)
        run = create_run(session=session, project_id=project.id, kind="heuristic")
        begin_run(session=session, run_id=run.id, stale_before=utcnow() - timedelta(hours=1))
        add_chunks(session=session, run=run, item_ids=list(range(10)), chunk_size=5)
        run_id = run.id

    # A worker's claim, half done: its chunk row is locked, the run's row not yet.
    worker = Session(pg_engine)
    worker.execute(update(RunChunk).where(RunChunk.run_id == run_id, RunChunk.position == 0)
                   .values(status=RunStatus.RUNNING, worker="w1"))
    outcome: dict[str, object] = {}

    def cancel() -> None:
        with Session(pg_engine) as api:
            try:
                cancel_run(session=api, run=api.get(Run, run_id))
                outcome["status"] = api.get(Run, run_id).status
            except Exception as error:  # noqa: BLE001 - the test reports it
                outcome["error"] = error

    canceller = threading.Thread(target=cancel)
    canceller.start()
    canceller.join(timeout=1.0)
    assert canceller.is_alive(), "cancel should wait for the chunk the worker holds"
    # The claim goes on to the run's row, as claim_chunk does; with the opposite lock order
    # PostgreSQL aborts one of the two transactions here.
    worker.execute(update(Run).where(Run.id == run_id).values(heartbeat_at=utcnow()))
    worker.commit()
    worker.close()
    canceller.join(timeout=30)

    assert outcome == {"status": RunStatus.CANCELLED}
    with Session(pg_engine) as session:
        statuses = dict(session.execute(select(RunChunk.position, RunChunk.status)
                                        .where(RunChunk.run_id == run_id)).all())
    assert statuses == {0: RunStatus.RUNNING, 1: RunStatus.CANCELLED}
