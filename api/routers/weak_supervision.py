from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.deps import OwnedProject, QueueDep, SessionDep, ViewableProject
from api.routers.records import MEDIA_TYPES
from api.schemas.runs import RunPublic
from heuristics.errors import NotFoundError
from store import exporting, heuristics
from store.formats import writers
from store.models import LabelingTask
from store.tasks import get_task

router = APIRouter(prefix="/projects/{project_id}/tasks/{task_id}/weak-supervision",
                   tags=["weak supervision"])


class WeakSupervisionCreate(BaseModel):
    method: Literal["auto", "majority", "weighted", "label_model"] = Field(
        "auto", description="auto: best agreement with the reference labels when at least "
                            "30 records have one, else the label model")
    heuristic_ids: list[int] | None = Field(None, description="Default: every heuristic")
    min_confidence: float = Field(0.0, ge=0, le=1)


@router.post("", response_model=RunPublic, status_code=status.HTTP_202_ACCEPTED)
def run_weak_supervision(task_id: int, body: WeakSupervisionCreate, project: OwnedProject,
                         session: SessionDep, queue: QueueDep):
    """Merge the current votes of the task's heuristics into one label per record."""
    task = get_task(session=session, project=project, task_id=task_id)
    run = heuristics.create_weak_supervision_run(
        session=session, task=task, method=body.method, heuristic_ids=body.heuristic_ids,
        min_confidence=body.min_confidence)
    queue.enqueue_run(run.id)
    return run


def _latest(session, project, task_id: int):
    task = get_task(session=session, project=project, task_id=task_id)
    run = heuristics.latest_weak_supervision(session=session, task=task)
    if run is None:
        raise NotFoundError(f"task {task.name!r} has no successful weak-supervision run yet")
    return task, run


@router.get("", response_model=RunPublic)
def read_weak_supervision(task_id: int, project: ViewableProject, session: SessionDep):
    """The latest successful run, with coverage, distribution and agreement in metrics."""
    return _latest(session, project, task_id)[1]


@router.get("/label-matrix", response_class=Response)
def export_label_matrix(task_id: int, project: ViewableProject, session: SessionDep):
    """The current label matrix for Snorkel: .npz with L, heuristics, labels, record_ids."""
    task = get_task(session=session, project=project, task_id=task_id)
    return Response(exporting.label_matrix_npz(session=session, task=task),
                    media_type="application/octet-stream",
                    headers={"Content-Disposition": 'attachment; filename="label_matrix.npz"'})


@router.get("/export", response_class=StreamingResponse)
def export_weak_labels(
    task_id: int, project: ViewableProject, session: SessionDep, request: Request,
    format: Literal["csv", "jsonl", "parquet", "label-studio"] = "csv",
) -> StreamingResponse:
    """Every record with its weak label, confidence and reference label, streamed; or the
    weakly labelled records as Label Studio predictions."""
    task, run = _latest(session, project, task_id)
    if format == "label-studio":
        attribute = next((a.name for a in project.attributes), "text")
        sessions = request.app.state.sessions

        def predictions() -> Iterator[bytes]:
            with sessions() as own:
                yield from exporting.label_studio_predictions(
                    session=own, task=own.get(LabelingTask, task.id), run_id=run.id,
                    model_version=f"heurist-run-{run.id}", text_attribute=attribute)

        return StreamingResponse(predictions(), media_type="application/json")
    sessions, task_key, run_id = request.app.state.sessions, task.id, run.id

    def body() -> Iterator[bytes]:
        with sessions() as own:
            own_task = own.get(LabelingTask, task_key)
            columns = exporting.weak_label_columns(own_task.project)
            rows = exporting.weak_label_rows(session=own, task=own_task, run_id=run_id)
            if format == "csv":
                yield from writers.write_csv(columns, rows)
            elif format == "jsonl":
                yield from writers.write_jsonl(rows)
            else:
                yield from writers.write_parquet(columns, rows)

    filename = f"{project.name}-{task.name}-weak.{format}".replace('"', "")
    return StreamingResponse(body(), media_type=MEDIA_TYPES[format],
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})
