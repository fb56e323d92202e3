"""Refits of a task's default learner for its labelling queue (see ``services.active_queue``):
one item, the task; probabilities and the stopping hint are stored with the run, and for a
classification task the consensus of its disagreements (``services.annotators``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services import active_queue, annotators
from store.models import LabelingTask, Run, TaskKind
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
        task = session.get(LabelingTask, run.params["task_id"])
        if run.metrics.get("fitted") and task.kind is TaskKind.CLASSIFICATION:
            heartbeat(progress=0.8, stage="settling disagreements by CROWDLAB")
            found = active_queue.run_artifacts(session, run.id)
            settled = annotators.settle_disagreements(
                session=session, task=task, record_ids=found["record_ids"],
                probabilities=found["probabilities"].astype(float))
            run.metrics = {**run.metrics, "consensus": settled}
            # The refit's own settlements are no labels that arrived while it fitted: they
            # queue no refit after it (which would settle again, and so on while a weak
            # model's consensus keeps flipping); the next label does.
            run.params = {**run.params,
                          "label_changes": run.params["label_changes"] + settled["references"]}

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        return dict(run.metrics or {})

    def failed(self, session: Session, run: Run) -> None:
        active_queue.refit_finished(session=session, run=run, succeeded=False)

    def succeeded(self, session: Session, run: Run) -> list[Run]:
        return active_queue.refit_finished(session=session, run=run, succeeded=True)
