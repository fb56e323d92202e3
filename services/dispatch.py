"""How use cases hand a run to the workers: the one operation the API and the jobs need.

The workers' queue (``workers.queue.RunQueue``) implements it by sending the run's id to
the broker under the task's name, so callers never import the job code.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from store import runs
from store.embeddings import EMBEDDING_RUN
from store.models import Run, RunStatus
from store.runs import SIMULATION_RUN

BATCH_KINDS = frozenset({EMBEDDING_RUN, SIMULATION_RUN})
"""Runs of these kinds are long batch work and wait apart from interactive runs (labeling
functions, learner refits, weak supervision), which workers take in turn with them."""


class RunDispatcher(Protocol):
    """Sends a stored run to the workers."""

    def enqueue_run(self, run_id: int, *, kind: str | None = None,
                    recovered: bool = False) -> None:
        """Queue the run with id ``run_id`` of ``kind`` (batch kinds wait apart from
        interactive ones); ``recovered`` runs go first."""


def waiting_for(*, session: Session, run: Run) -> str | None:
    """What a queued run waits for: the runs ahead of it in its queue (of every project:
    only their number), else a free worker; None for a run that is not queued."""
    if run.status is not RunStatus.QUEUED:
        return None
    batch = run.kind in BATCH_KINDS
    ahead = runs.runs_ahead(session=session, run=run, kinds=BATCH_KINDS, of_kinds=batch)
    if ahead:
        return (f"{ahead} run{'s' if ahead > 1 else ''} ahead of it in the "
                f"{'batch' if batch else 'interactive'} queue")
    return "a free worker (all are busy, or none is running)"
