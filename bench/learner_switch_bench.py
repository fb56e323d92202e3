"""Learner runs of two projects taking turns on one worker: with and without its reserve.

Run: ``.venv/bin/python bench/learner_switch_bench.py [--runs 8] [--gap 2] [--records N]``.

A worker's learner sandbox serves the runs of one project (:mod:`workers.jobs.learner`); a
run of another project cannot use it and needs a sandbox that has served nothing. Once the
worker has run learners of two projects it keeps one such sandbox in reserve, imported
ahead. Here two projects' runs alternate, ``--gap`` seconds apart, through the worker's own
choice of sandbox (``_folders``) and the sandbox's learner run on the same
``--records`` x 384 vectors (no database: what the choice changes is the sandbox). Each
run is timed from the choice to the end of its fit; printed per run and as the median from
the third run on, with the reserve and without it (the worker's rule with
``_keep_reserve`` switched off), in the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from learner_bench import MODELS, learner_source, vectors


def alternate(X: np.ndarray, y: np.ndarray, *, runs: int, gap_s: float, reserve: bool
              ) -> list[float]:
    """Seconds of each run, projects 1 and 2 taking turns."""
    from config import get_settings
    from services.sandboxes import sandbox_for
    from workers.jobs import learner

    learner._spare = learner._reserve = None
    learner._many_projects = False
    keep_reserve = learner._keep_reserve
    if not reserve:
        learner._keep_reserve = lambda: None
    folder = Path(tempfile.mkdtemp())
    np.save(folder / "embeddings.npy", X)
    labels = json.dumps([["ham", "spam"][k] for k in y.tolist()])
    source = learner_source(MODELS["LogisticRegression"])
    seconds = []
    try:
        for run in range(runs):
            start = time.perf_counter()
            with learner._folders(extraction=False, project_id=1 + run % 2) as (
                    inputs, outputs, spare, threads):
                os.link(folder / "embeddings.npy", inputs / "embeddings.npy")
                (inputs / "labels.json").write_text(labels)
                for path in (inputs, *inputs.iterdir()):
                    path.chmod(0o755 if path.is_dir() else 0o644)
                sandbox_for(get_settings()).run_learner(
                    source, task_kind="classification", input_dir=inputs,
                    output_dir=outputs, spare=spare, threads=threads)
            seconds.append(time.perf_counter() - start)
            time.sleep(gap_s)
    finally:
        learner._keep_reserve = keep_reserve
        for sandbox in (learner._spare, learner._reserve):
            if sandbox is not None:
                sandbox.cleanup()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--gap", type=float, default=2.0, metavar="SECONDS")
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    os.environ["HEURIST_DATA_DIR"] = tempfile.mkdtemp()
    X, y = vectors(args.records)
    print(f"{args.records:,} x 384 vectors, LogisticRegression, projects 1 and 2 taking "
          f"turns, {args.gap:g} s apart")
    medians = {}
    for reserve in (True, False):
        seconds = alternate(X, y, runs=args.runs, gap_s=args.gap, reserve=reserve)
        medians[reserve] = statistics.median(seconds[2:])
        print(f"{'with the reserve' if reserve else 'without it':>17}: "
              + ", ".join(f"{s:.2f}" for s in seconds)
              + f" s; median from the third run {medians[reserve]:.2f} s")
    print(f"without / with: {medians[False] / medians[True]:.2f}x")


if __name__ == "__main__":
    main()
