"""A task's labelling queue (what to label next), its settings, and simulations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response, status

from api.deps import (
    AnnotatableProject,
    CurrentUser,
    OwnedProject,
    QueueDep,
    SessionDep,
    SettingsDep,
    ViewableProject,
)
from api.routing import Router
from api.schemas import Int32
from api.schemas.active_learning import (
    NextRecordsPublic,
    QueueRecordPublic,
    QueueSettingsPublic,
    QueueSettingsUpdate,
    SimulationCreate,
    Strategy,
)
from api.schemas.records import RecordPublic
from api.schemas.runs import RunPublic
from services import active_queue, simulation
from store.tasks import get_task

router = Router(prefix="/projects/{project_id}", tags=["active learning"])


@router.get("/tasks/{task_id}/next", response_model=NextRecordsPublic)
def next_records(task_id: Int32, project: AnnotatableProject, session: SessionDep,
                 user: CurrentUser, settings: SettingsDep,
                 n: Annotated[int | None, Query(ge=1, le=200)] = None,
                 strategy: Strategy | None = None, relabel: bool = False
                 ) -> NextRecordsPublic:
    """The records you should label next (default: the task's batch size and strategy),
    each with its score and the reason. They are leased to you for a while: nobody else is
    offered them until you label them, ask again or the lease runs out. Records you
    labelled come back only with ``relabel=true``."""
    task = get_task(session=session, project=project, task_id=task_id)
    batch = active_queue.next_records(session=session, task=task, annotator=user, n=n,
                                      strategy=strategy, relabel=relabel,
                                      lease_s=settings.queue_lease_s,
                                      vector_folder=settings.vector_cache_dir)
    return NextRecordsPublic(
        task_id=task.id, strategy=batch.strategy, model=batch.model, count=len(batch.items),
        data=[QueueRecordPublic(record=RecordPublic.model_validate(item.record,
                                                                   from_attributes=True),
                                score=item.score, reason=item.reason) for item in batch.items],
        lease_expires_at=batch.lease_expires_at, refit_pending=batch.refit_pending,
        stop=batch.stop, notes=batch.notes)


@router.get("/tasks/{task_id}/active-learning", response_model=QueueSettingsPublic)
def read_queue_settings(task_id: Int32, project: ViewableProject, session: SessionDep
                        ) -> QueueSettingsPublic:
    """The task's queue settings, its model's latest refit and the stopping hint."""
    task = get_task(session=session, project=project, task_id=task_id)
    return QueueSettingsPublic(task_id=task.id,
                               **active_queue.queue_state(session=session, task=task))


@router.patch("/tasks/{task_id}/active-learning", response_model=QueueSettingsPublic)
def update_queue_settings(task_id: Int32, body: QueueSettingsUpdate, project: OwnedProject,
                          session: SessionDep, queue: QueueDep) -> QueueSettingsPublic:
    """Change the strategy, the batch size or the learner ranking the queue."""
    task = get_task(session=session, project=project, task_id=task_id)
    active_queue.update_settings(session=session, task=task, strategy=body.strategy,
                                 batch_size=body.batch_size, heuristic_id=body.heuristic_id,
                                 default_learner=body.default_learner)
    if body.default_learner and (run := active_queue.request_refit(session=session, task=task)):
        queue.enqueue_run(run.id, kind=run.kind)
    return QueueSettingsPublic(task_id=task.id,
                               **active_queue.queue_state(session=session, task=task))


@router.post("/tasks/{task_id}/simulations", response_model=RunPublic,
             status_code=status.HTTP_202_ACCEPTED)
def create_simulation(task_id: Int32, body: SimulationCreate, project: OwnedProject,
                      session: SessionDep, queue: QueueDep):
    """Replay the task's reference labels: the strategy against random sampling from the
    same seed set, scored on a held-out part. The run's metrics hold the learning curves;
    ``learning_curve.json`` and ``learning_curve.png`` are downloads of the run."""
    task = get_task(session=session, project=project, task_id=task_id)
    run = simulation.create_simulation(session=session, task=task, **body.model_dump())
    queue.enqueue_run(run.id, kind=run.kind)
    return run


@router.get("/runs/{run_id}/artifacts/{name}", response_class=Response,
            responses={200: {"content": {"image/png": {}, "application/json": {}}}})
def read_run_artifact(run_id: Int32, project: ViewableProject, session: SessionDep,
                      name: Annotated[str, Path(max_length=64)]) -> Response:
    """A run's downloadable file (a simulation's ``learning_curve.json`` or ``.png``)."""
    data, media_type = simulation.run_artifact(session=session, project=project,
                                               run_id=run_id, name=name)
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="run-{run_id}-{name}"'})
