"""Job kinds: how a run of each kind is prepared, processed chunk by chunk and finished."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session

from store.models import Run

Heartbeat = Callable[[], None]


class Job(Protocol):
    """What the execution engine needs from a job kind. Every method must be idempotent."""

    kind: str

    def prepare(self, session: Session, run: Run) -> list[int]:
        """Check the inputs and return the ids of the items to process, in order."""

    def process(self, session: Session, run: Run, item_ids: list[int],
                heartbeat: Heartbeat) -> None:
        """Process one chunk and write its outputs (replacing any earlier ones); no commit.

        Call ``heartbeat()`` between batches: it raises ``RunCancelled`` on cancellation.
        """

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        """Finalising writes once every chunk succeeded; returns the run's metrics."""

    def failed(self, session: Session, run: Run) -> None:
        """Bring the job's own objects to a failed state (no commit)."""

    def succeeded(self, session: Session, run: Run) -> list[Run]:
        """Follow-up work once the run counts as succeeded (e.g. statistics); commits.
        Returns the follow-up runs it queued, for the engine to enqueue."""


def job_for(kind: str) -> Job:
    from workers.jobs.embedding import EmbeddingJob
    from workers.jobs.labeling_function import LabelingFunctionJob
    from workers.jobs.learner import LearnerJob
    from workers.jobs.weak_supervision import WeakSupervisionJob

    jobs: dict[str, Job] = {EmbeddingJob.kind: EmbeddingJob(),
                            LabelingFunctionJob.kind: LabelingFunctionJob(),
                            LearnerJob.kind: LearnerJob(),
                            WeakSupervisionJob.kind: WeakSupervisionJob()}
    return jobs[kind]
