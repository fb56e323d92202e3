"""The embedded broker (kombu's SQLAlchemy transport on a SQLite file) returns its database
connections: a worker's sweeper asks it for the waiting messages every few seconds, and the
API and workers send through it for as long as they run."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from config import Settings
from workers.broker import EmbeddedChannel
from workers.celery_app import make_celery
from workers.queue import RunQueue


@pytest.fixture
def embedded_queue(tmp_path: Path):
    (tmp_path / "var").mkdir()
    settings = Settings(data_dir=tmp_path / "var", database_url=None, broker_url=None)
    queue = RunQueue(make_celery(settings))
    yield queue
    queue.celery.pool.force_close_all()


def _checked_out() -> int:
    return sum(engine.pool.checkedout() for engine, _ in EmbeddedChannel._engines.values())


def test_counting_waiting_messages_returns_the_connections(embedded_queue: RunQueue):
    """Each count opens a channel whose session read the queue; closing the channel must
    end that session. Without the garbage collector's help: a process that allocates
    little (an idle worker) may not collect for minutes, and the pool holds 15 at most."""
    gc.disable()
    try:
        for _ in range(20):
            assert embedded_queue.waiting(timeout_s=5) == 0
        assert _checked_out() == 0
    finally:
        gc.enable()


def test_sending_and_counting_leave_no_connection_behind(embedded_queue: RunQueue):
    gc.disable()
    try:
        for run_id in range(30):
            embedded_queue.enqueue_run(run_id, kind="labeling_function")
        assert embedded_queue.waiting(timeout_s=5) == 30
        assert _checked_out() <= 1   # the producer pool's one channel may keep its session
    finally:
        gc.enable()


def test_a_forked_process_opens_its_own_connections(embedded_queue: RunQueue):
    """A worker's pool process forked after the parent used the broker (a replacement for
    one that died) must not use the parent's SQLite connections."""
    assert embedded_queue.waiting(timeout_s=5) == 0
    engine = next(engine for engine, _ in EmbeddedChannel._engines.values())
    assert engine.pool.checkedin() >= 1   # the parent's, pooled
    child = os.fork()
    if child == 0:   # the child: an empty pool, then its own connection works
        code = 0 if engine.pool.checkedin() == 0 else 1
        if code == 0:
            code = 0 if embedded_queue.waiting(timeout_s=5) == 0 else 2
        os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert embedded_queue.waiting(timeout_s=5) == 0   # the parent's still work
