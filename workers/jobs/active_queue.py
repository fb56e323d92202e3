"""Refits of a task's default learner for its labelling queue (see ``services.active_queue``):
one item, the task; probabilities and the stopping hint are stored with the run."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services import active_queue
from store.models import Run
from workers.context import settings
from workers.jobs import Heartbeat


class ActiveQueueJob:
    kind = active_queue.REFIT_RUN

    def prepare(self, session: Session, run: Run) -> list[int]:
        return [run.params["task_id"]]

    def process(self, session: Session, run: Run, item_ids: list[int],
                heartbeat: Heartbeat) -> None:
        heartbeat(progress=0.1, stage="fitting the default learner")
        run.metrics = active_queue.refit(session=session, run=run,
                                         vector_folder=settings().vector_cache_dir)

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        return dict(run.metrics or {})

    def failed(self, session: Session, run: Run) -> None:
        active_queue.refit_finished(session=session, run=run, succeeded=False)

    def succeeded(self, session: Session, run: Run) -> list[Run]:
        return active_queue.refit_finished(session=session, run=run, succeeded=True)
