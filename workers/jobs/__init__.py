"""Job kinds: how a run of each kind is prepared, processed chunk by chunk and finished."""

from __future__ import annotations

import importlib
import threading
from typing import Any, Protocol

from sqlalchemy.orm import Session

from store.models import Run


class Heartbeat(Protocol):
    """Given to :meth:`Job.process`: call it between batches (it raises ``RunCancelled`` when
    the run was cancelled); ``cancelled`` is set from a side thread as soon as a
    cancellation is seen, for work that blocks (a sandbox run).

    A chunk that works in stages says how far it is: ``progress`` is the share of the chunk
    done (0..1, it never goes back), ``stage`` a line for the run's logs; both reach the
    project's clients at once (event ``run.progress``). Commits what the session holds."""

    cancelled: threading.Event

    def __call__(self, progress: float | None = None, stage: str | None = None) -> None: ...


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


JOB_MODULES = {"embedding": ("workers.jobs.embedding", "EmbeddingJob"),
               "labeling_function": ("workers.jobs.labeling_function", "LabelingFunctionJob"),
               "active_learner": ("workers.jobs.learner", "LearnerJob"),
               "weak_supervision": ("workers.jobs.weak_supervision", "WeakSupervisionJob"),
               "active_queue": ("workers.jobs.active_queue", "ActiveQueueJob"),
               "simulation": ("workers.jobs.simulation", "SimulationJob"),
               "attribute_calculation": ("workers.jobs.attribute", "AttributeJob")}
"""Run kind -> (module, class); a worker imports a job's module when it first runs one."""


def job_for(kind: str) -> Job:
    module, name = JOB_MODULES[kind]
    return getattr(importlib.import_module(module), name)()
