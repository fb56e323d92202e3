"""Counts over the outputs of runs, read for a run's metrics and for weighted votes, and the
removal of outputs that no longer count.

Only a heuristic's current run (:func:`store.stats.current_runs`) and a task's current weak
supervision run are ever read; the outputs of every other finished run (superseded, failed,
cancelled) are dead rows that would pile up with each refit of a learner (100k rows per run
on 100k records) and slow every later write of outputs. The workers delete them
(:func:`superseded_runs`, :func:`delete_outputs`).
"""

from __future__ import annotations

import time
from collections.abc import Collection

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from store.heuristic_lookups import current_weak_supervision_runs
from store.models import HeuristicStat, Output, Run, RunStatus
from store.stats import current_runs

FINISHED = tuple(status for status in RunStatus if status.finished)
DELETE_BATCH = 10_000
"""Outputs deleted per transaction: short enough not to hold SQLite's write lock long."""


def vote_counts(*, session: Session, run_id: int) -> tuple[int, int]:
    """``(outputs, records with an output)`` of the run ``run_id``."""
    outputs, records = session.execute(
        select(func.count(), func.count(func.distinct(Output.record_id)))
        .where(Output.run_id == run_id)).one()
    return outputs or 0, records or 0


def true_and_false_positives(*, session: Session, heuristic_ids: Collection[int],
                             label_indices: Collection[int]
                             ) -> dict[tuple[int, int], tuple[int, int]]:
    """``(tp, fp)`` from the statistics of each (heuristic, stats row) that has them."""
    return {(heuristic_id, label_index): (tp, fp)
            for heuristic_id, label_index, tp, fp in session.execute(
                select(HeuristicStat.heuristic_id, HeuristicStat.label_index,
                       HeuristicStat.tp, HeuristicStat.fp)
                .where(HeuristicStat.heuristic_id.in_(heuristic_ids),
                       HeuristicStat.label_index.in_(label_indices)))}


def superseded_runs(*, session: Session) -> list[int]:
    """The finished runs that still hold outputs although none of them is current: older
    runs of a heuristic (or of a revision since replaced), failed and cancelled ones, and
    older weak supervision runs of a task. Runs in progress are never among them."""
    # Finished runs first, what is current second: a run that succeeds in between is not
    # among the first, and a run once superseded stays so.
    holding = session.scalars(select(Run.id).where(
        Run.status.in_(FINISHED), exists().where(Output.run_id == Run.id)).order_by(Run.id)
    ).all()
    keep = {run_id for _, run_id in session.execute(current_runs())}
    keep |= current_weak_supervision_runs(session=session)
    return [run_id for run_id in holding if run_id not in keep]


def delete_outputs(*, session: Session, run_id: int, batch: int | None = None,
                   until: float | None = None) -> int:
    """Delete the run's outputs, ``batch`` rows (default :data:`DELETE_BATCH`) per
    committed transaction, until none is left or ``time.monotonic()`` passes ``until``;
    how many."""
    return _delete_batches(session=session, run_id=run_id, batch=batch, until=until)[0]


def _delete_batches(*, session: Session, run_id: int, batch: int | None,
                    until: float | None) -> tuple[int, bool]:
    """:func:`delete_outputs`, and whether the run holds none any more."""
    batch = batch or DELETE_BATCH
    deleted = 0
    while True:
        rows = session.execute(delete(Output).where(Output.id.in_(
            select(Output.id).where(Output.run_id == run_id).limit(batch)))).rowcount
        session.commit()
        deleted += rows
        if rows < batch:
            return deleted, True
        if until is not None and time.monotonic() >= until:
            return deleted, False


def delete_superseded(*, session: Session, until: float | None = None) -> tuple[int, bool]:
    """Delete the outputs of :func:`superseded_runs` (see :func:`delete_outputs`): how many
    rows, and whether ``until`` came before the last of them (so that some are left; a sweep
    that ends past ``until`` with nothing left says so)."""
    deleted = 0
    superseded = superseded_runs(session=session)
    session.commit()   # the reads end here: each batch below is a write transaction alone
    for position, run_id in enumerate(superseded):
        if position and until is not None and time.monotonic() >= until:
            return deleted, True
        count, emptied = _delete_batches(session=session, run_id=run_id, batch=None,
                                         until=until)
        deleted += count
        if not emptied:
            return deleted, True
    return deleted, False
