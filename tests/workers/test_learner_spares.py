"""Which sandbox a learner run gets and how many models it fits at once (the worker's rule,
:func:`workers.jobs.learner._folders`, with real sandboxes)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from config import get_settings
from heuristics.sandbox import Sandbox, SandboxLimits
from tests.heuristics.test_sandbox import SPARE_LEARNER, _inputs
from workers.jobs import learner

CORES = len(os.sched_getaffinity(0))


@pytest.fixture
def worker_settings(tmp_path, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("HEURIST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HEURIST_SANDBOX_LEARNER_THREADS", "0")
    get_settings.cache_clear()
    monkeypatch.setattr(learner, "_spare", None)
    monkeypatch.setattr(learner, "_reserve", None)
    monkeypatch.setattr(learner, "_many_projects", False)
    yield
    for spare in (learner._spare, learner._reserve):
        if spare is not None:
            spare.cleanup()
    get_settings.cache_clear()


def learner_run(project_id: int, *, extraction: bool = False
                ) -> tuple[learner.SpareLearner | None, int]:
    """A run of ``project_id`` as the worker sets it up (a classification learner fitted
    unless ``extraction``): the sandbox it got and the models it fitted at once."""
    with learner._folders(extraction=extraction, project_id=project_id) as (
            inputs, outputs, spare, threads):
        if not extraction:
            _inputs(inputs)
            inputs.chmod(0o755)  # as the worker leaves it
            Sandbox(limits=SandboxLimits(wall_seconds=60)).run_learner(
                SPARE_LEARNER.format(hidden="/nowhere"), task_kind="classification",
                input_dir=inputs, output_dir=outputs, spare=spare, threads=threads)
    return spare, threads


def test_a_projects_runs_share_its_sandbox_and_no_other_project_gets_it(worker_settings):
    first, threads = learner_run(1)
    assert first is not None and threads == CORES, "nothing imports beside a run"
    assert learner._spare is first and first.alive(), "it waits for the project's next run"
    again, _ = learner_run(1)
    assert again is first and first.runs == 2
    assert learner._reserve is None, "one project: no second sandbox"
    other, _ = learner_run(2)
    assert other is not first and not first.alive(), "another project: a fresh sandbox"
    assert learner._spare is other and other.owner == 2
    # extraction fits one model at a time
    assert learner_run(2, extraction=True) == (other, 1)


def test_a_worker_of_several_projects_keeps_a_reserve_for_the_next_switch(worker_settings):
    learner_run(1)
    second, _ = learner_run(2)
    reserve = learner._reserve
    assert reserve is not None and reserve.alive() and reserve.runs == 0
    back, _ = learner_run(1)
    assert back is reserve, "the switch back took the reserve, imported ahead"
    assert not second.alive() and back.owner == 1 and back.runs == 1
    assert learner._reserve is not None and learner._reserve is not reserve


def test_a_spare_that_served_no_run_serves_any_project(worker_settings):
    learner._keep_spare(1)
    waiting = learner._spare
    spare, _ = learner_run(2)
    assert spare is waiting and waiting.owner == 2


def test_without_spares_each_run_gets_a_sandbox_of_its_own(worker_settings, monkeypatch):
    monkeypatch.setenv("HEURIST_SANDBOX_SPARE_LEARNER", "false")
    get_settings.cache_clear()
    assert learner_run(1) == (None, CORES)
    assert learner._spare is None
    assert learner_run(1, extraction=True) == (None, 1)


def test_a_sandbox_started_with_the_worker_serves_its_first_run_of_any_project(
        worker_settings):
    assert learner.start_ahead()
    waiting = learner._spare
    assert waiting.owner is None and learner.start_ahead() and learner._spare is waiting
    deadline = time.monotonic() + 60
    while not waiting.ready():
        assert time.monotonic() < deadline, "the sandbox never finished its imports"
        time.sleep(0.1)
    spare, _ = learner_run(7)
    assert spare is waiting and waiting.owner == 7 and waiting.runs == 1
    folders = waiting.input_dir.parent
    learner.stop_sandboxes()
    assert waiting.process.poll() is not None and not folders.exists()
    assert learner._spare is None


@pytest.mark.parametrize("setting", ["HEURIST_SANDBOX_SPARE_LEARNER_AT_START",
                                     "HEURIST_SANDBOX_SPARE_LEARNER"])
def test_no_sandbox_starts_with_the_worker_where_the_settings_say_so(
        worker_settings, monkeypatch, setting):
    monkeypatch.setenv(setting, "false")
    get_settings.cache_clear()
    assert not learner.start_ahead() and learner._spare is None
