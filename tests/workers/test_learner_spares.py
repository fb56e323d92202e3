"""How many models a learner run fits at once, given the spare sandbox waiting for it (the
worker's rule, :func:`workers.jobs.learner._folders`, with real sandboxes)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from config import get_settings
from workers.jobs import learner

CORES = len(os.sched_getaffinity(0))


@pytest.fixture
def worker_settings(tmp_path, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("HEURIST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HEURIST_SANDBOX_LEARNER_THREADS", "0")
    get_settings.cache_clear()
    monkeypatch.setattr(learner, "_spare", None)
    yield
    if learner._spare is not None:
        learner._spare.cleanup()
    get_settings.cache_clear()


def models_at_once(*, extraction: bool = False) -> tuple[int, bool]:
    """What the next run would fit at once, and whether the next spare started with it."""
    with learner._folders(extraction=extraction) as (_, _, _, threads):
        started_beside = learner._spare is not None
    return threads, started_beside


def test_side_by_side_only_where_no_spare_is_importing(worker_settings) -> None:
    # a worker's first run: no spare ready, so one model at a time, the next spare beside
    assert models_at_once() == (1, True)
    spare = learner._spare
    assert not spare.ready()
    deadline = time.monotonic() + 30
    while not spare.ready() and time.monotonic() < deadline:
        time.sleep(0.05)
    # a spaced-out run: its spare is ready, so every core, the next spare after the fits
    assert models_at_once() == (CORES, CORES == 1)
    # extraction: one at a time, whatever is waiting
    learner._keep_spare()
    while not learner._spare.ready() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert models_at_once(extraction=True) == (1, True)


def test_without_spares_nothing_imports_beside(worker_settings, monkeypatch) -> None:
    monkeypatch.setenv("HEURIST_SANDBOX_SPARE_LEARNER", "false")
    get_settings.cache_clear()
    assert models_at_once() == (CORES, False)
    assert models_at_once(extraction=True) == (1, False)
