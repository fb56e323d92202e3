"""Settings that are worked out rather than read."""

from __future__ import annotations

import os

from config import Settings


def test_learner_runs_fit_one_model_per_core_of_their_worker_slot(tmp_path) -> None:
    cores = len(os.sched_getaffinity(0))
    assert Settings(data_dir=tmp_path, sandbox_learner_threads=0).learner_threads() == cores
    assert Settings(data_dir=tmp_path, sandbox_learner_threads=0,
                    worker_concurrency=2).learner_threads() == max(1, cores // 2)
    assert Settings(data_dir=tmp_path, sandbox_learner_threads=0,
                    worker_concurrency=cores + 1).learner_threads() == 1
    assert Settings(data_dir=tmp_path, sandbox_learner_threads=3).learner_threads() == 3
