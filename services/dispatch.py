"""How use cases hand a run to the workers: the one operation the API and the jobs need.

The workers' queue (``workers.queue.RunQueue``) implements it by sending the run's id to
the broker under the task's name, so callers never import the job code.
"""

from __future__ import annotations

from typing import Protocol


class RunDispatcher(Protocol):
    """Sends a stored run to the workers."""

    def enqueue_run(self, run_id: int, *, kind: str | None = None,
                    recovered: bool = False) -> None:
        """Queue the run with id ``run_id`` of ``kind`` (batch kinds wait apart from
        interactive ones); ``recovered`` runs go first."""
