from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from fastapi import Response, status
from fastapi.responses import StreamingResponse

from api.deps import OwnedProject, QueueDep, SessionDep, SessionsDep, ViewableProject
from api.downloads import MEDIA_TYPES, attachment
from api.routing import Router
from api.schemas import Int32
from api.schemas.runs import RunPublic
from api.schemas.weak_supervision import WeakSupervisionCreate, WeakSupervisionPublic
from formats import writers
from heuristics.errors import InvalidInputError, NotFoundError
from services import heuristic_runs, weak_exporting
from store import heuristic_lookups
from store.models import LabelingTask, TaskKind
from store.tasks import get_task, text_attribute_name

router = Router(prefix="/projects/{project_id}/tasks/{task_id}/weak-supervision",
                   tags=["weak supervision"])


@router.post("", response_model=RunPublic, status_code=status.HTTP_202_ACCEPTED)
def run_weak_supervision(task_id: Int32, body: WeakSupervisionCreate, project: OwnedProject,
                         session: SessionDep, queue: QueueDep):
    """Merge the current votes of the task's heuristics into one label per record."""
    task = get_task(session=session, project=project, task_id=task_id)
    run = heuristic_runs.create_weak_supervision_run(
        session=session, task=task, method=body.method, heuristic_ids=body.heuristic_ids,
        min_confidence=body.min_confidence, auto_rerun=body.auto_rerun, no_vote=body.no_vote)
    queue.enqueue_run(run.id, kind=run.kind)
    return run


def _latest(session, project, task_id: int):
    task = get_task(session=session, project=project, task_id=task_id)
    run = heuristic_lookups.latest_weak_supervision(session=session, task=task)
    if run is None:
        raise NotFoundError(f"task {task.name!r} has no successful weak-supervision run yet")
    return task, run


@router.get("", response_model=WeakSupervisionPublic)
def read_weak_supervision(task_id: Int32, project: ViewableProject, session: SessionDep):
    """The latest successful run, with coverage, distribution and agreement in metrics, and
    whether it is stale."""
    task, run = _latest(session, project, task_id)
    return WeakSupervisionPublic.model_validate(run).model_copy(update={
        "stale": heuristic_runs.weak_supervision_stale(session=session, task=task, run=run)})


@router.get("/label-matrix", response_class=Response)
def export_label_matrix(task_id: Int32, project: ViewableProject, session: SessionDep):
    """The current label matrix as .npz: ``L``, ``heuristics``, ``labels``, ``record_ids``;
    per record for classification (Snorkel's), per token for extraction (with ``offsets``
    and ``tokens``)."""
    task = get_task(session=session, project=project, task_id=task_id)
    return Response(weak_exporting.label_matrix_npz(session=session, task=task),
                    media_type="application/octet-stream",
                    headers={"Content-Disposition": 'attachment; filename="label_matrix.npz"'})


@router.get("/export", response_class=StreamingResponse)
def export_weak_labels(
    task_id: Int32, project: ViewableProject, session: SessionDep, sessions: SessionsDep,
    format: Literal["csv", "jsonl", "parquet", "label-studio", "conll"] = "csv",
) -> StreamingResponse:
    """Every record with its weak label (label set, spans), confidence and reference label,
    streamed; or the weakly labelled records as Label Studio predictions; or, for extraction
    tasks, every record's tokens with IOB2 tags (``conll``)."""
    task, run = _latest(session, project, task_id)
    task_key, run_id = task.id, run.id
    if format == "conll":
        if task.kind is not TaskKind.EXTRACTION:
            raise InvalidInputError(f"CoNLL export is for extraction tasks; {task.name!r} is "
                                    f"{task.kind.value}", field="format")

        def tagged() -> Iterator[bytes]:
            with sessions() as own:
                yield from weak_exporting.conll_lines(
                    session=own, task=own.get(LabelingTask, task_key), run_id=run_id)

        return StreamingResponse(tagged(), media_type="text/plain; charset=utf-8", headers={
            "Content-Disposition": attachment(f"{project.name}-{task.name}-weak.conll")})
    if format == "label-studio":
        attribute = text_attribute_name(session=session, task=task)

        def predictions() -> Iterator[bytes]:
            with sessions() as own:
                yield from weak_exporting.label_studio_predictions(
                    session=own, task=own.get(LabelingTask, task.id), run_id=run.id,
                    model_version=f"heurist-run-{run.id}", text_attribute=attribute)

        return StreamingResponse(predictions(), media_type="application/json", headers={
            "Content-Disposition": attachment(f"{project.name}-{task.name}-label-studio.json")})

    def body() -> Iterator[bytes]:
        with sessions() as own:
            own_task = own.get(LabelingTask, task_key)
            columns = weak_exporting.weak_label_columns(own_task.project)
            rows = weak_exporting.weak_label_rows(session=own, task=own_task, run_id=run_id)
            yield from writers.write_rows(format, columns, rows,
                                          types=weak_exporting.weak_label_types(own_task))

    return StreamingResponse(body(), media_type=MEDIA_TYPES[format], headers={
        "Content-Disposition": attachment(f"{project.name}-{task.name}-weak.{format}")})

