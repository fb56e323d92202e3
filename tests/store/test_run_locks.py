"""Locks of runs and chunks: cancelling a run while a worker claims one of its chunks, and a
side thread's heartbeat while the work it keeps alive writes: no deadlock, no wait."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from services.projects import create_project
from services.users import create_user
from store.db import create_db_engine, migrate
from store.models import Run, RunChunk, RunStatus, utcnow
from store.runs import add_chunks, begin_run, cancel_run, create_run, touch
from tests.beside import Beside
from tests.conftest import empty_database


@pytest.fixture
def pg_engine(postgres_url):
    """The test run's PostgreSQL database, emptied after the test (the tests that follow
    expect no users, for instance)."""
    engine = create_db_engine(postgres_url)
    migrate(engine)
    yield engine
    engine.dispose()
    empty_database(postgres_url)


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

    def cancel(api) -> RunStatus:
        cancel_run(session=api, run=api.get(Run, run_id))
        return api.get(Run, run_id).status

    canceller = Beside(pg_engine, cancel)
    assert canceller.waits(), "cancel should wait for the chunk the worker holds"
    # The claim goes on to the run's row, as claim_chunk does; with the opposite lock order
    # PostgreSQL aborts one of the two transactions here.
    worker.execute(update(Run).where(Run.id == run_id).values(heartbeat_at=utcnow()))
    worker.commit()
    worker.close()
    assert canceller.ended() == {"returned": RunStatus.CANCELLED}
    with Session(pg_engine) as session:
        statuses = dict(session.execute(select(RunChunk.position, RunChunk.status)
                                        .where(RunChunk.run_id == run_id)).all())
    assert statuses == {0: RunStatus.RUNNING, 1: RunStatus.CANCELLED}


def held_chunk(engine) -> tuple[int, int]:
    """(run id, chunk id) of a running run's chunk."""
    with Session(engine, expire_on_commit=False) as session:
        owner, _ = create_user(session=session, name=f"owner-{utcnow().timestamp()}")
        project = create_project(session=session, name=f"beats-{utcnow().timestamp()}",
                                 description="", owner=owner)
        run = create_run(session=session, project_id=project.id, kind="heuristic")
        begin_run(session=session, run_id=run.id, stale_before=utcnow() - timedelta(hours=1))
        [chunk] = add_chunks(session=session, run=run, item_ids=list(range(5)), chunk_size=5)
        return run.id, chunk.id


@pytest.mark.parametrize("work_holds", ["chunk", "run"])
def test_a_side_beat_never_waits_for_the_work_it_keeps_alive(pg_engine, work_holds):
    run_id, chunk_id = held_chunk(pg_engine)
    # The work's transaction holds one of the two rows (its heartbeat locks the chunk;
    # a job that appends to the run's logs writes the run) and goes on to the other.
    work = Session(pg_engine)
    if work_holds == "chunk":
        work.execute(select(RunChunk.id).where(RunChunk.id == chunk_id).with_for_update())
    else:
        work.execute(update(Run).where(Run.id == run_id).values(logs="working"))
    outcome: dict[str, object] = {}

    def beat() -> None:
        with Session(pg_engine) as side:
            try:
                touch(session=side, run_id=run_id, chunk_id=chunk_id, nowait=True)
                outcome["beat"] = "touched"
            except OperationalError as error:
                outcome["beat"] = type(error.orig).__name__

    beater = threading.Thread(target=beat)
    beater.start()
    beater.join(timeout=5)
    assert not beater.is_alive(), "the beat waited for the work's lock"
    assert outcome == {"beat": "LockNotAvailable"}
    # the work takes the other row and beats itself: nothing stands in its way
    assert touch(session=work, run_id=run_id, chunk_id=chunk_id) is RunStatus.RUNNING
    work.close()
    with Session(pg_engine) as side:   # with the work committed, a beat gets through
        assert touch(session=side, run_id=run_id, chunk_id=chunk_id,
                     nowait=True) is RunStatus.RUNNING
