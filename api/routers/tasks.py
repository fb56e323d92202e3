from __future__ import annotations

from fastapi import Response, status

from api.deps import OwnedProject, QueueDep, SessionDep, ViewableProject
from api.routing import Router
from api.schemas import Int32
from api.schemas.tasks import (
    LabelCreate,
    LabelPublic,
    LabelUpdate,
    TaskCreate,
    TaskPublic,
    TasksPublic,
    TaskUpdate,
)
from heuristics.errors import InvalidInputError
from services import out_of_date, tasks
from store.models import LabelingTask
from store.records import tasks_of
from store.tasks import get_label, get_task

router = Router(prefix="/projects/{project_id}/tasks", tags=["labeling tasks"])


def task_public(task: LabelingTask) -> TaskPublic:
    return TaskPublic(
        id=task.id, name=task.name, kind=task.kind,
        target_attribute=task.target_attribute.name if task.target_attribute else None,
        labels=[LabelPublic.model_validate(label) for label in task.labels],
        auto_run=task.auto_run, guidelines=task.guidelines,
        guidelines_revision=task.guidelines_revision)


@router.get("", response_model=TasksPublic)
def list_tasks(project: ViewableProject, session: SessionDep) -> TasksPublic:
    rows = tasks_of(session=session, project=project)
    return TasksPublic(data=[task_public(t) for t in rows], count=len(rows))


@router.post("", response_model=TaskPublic, status_code=status.HTTP_201_CREATED)
def create_task(body: TaskCreate, project: OwnedProject, session: SessionDep) -> TaskPublic:
    return task_public(tasks.create_task(
        session=session, project=project, name=body.name, kind=body.kind,
        target_attribute=body.target_attribute, labels=body.labels))


@router.get("/{task_id}", response_model=TaskPublic)
def read_task(task_id: Int32, project: ViewableProject, session: SessionDep) -> TaskPublic:
    return task_public(get_task(session=session, project=project, task_id=task_id))


@router.patch("/{task_id}", response_model=TaskPublic)
def update_task(task_id: Int32, body: TaskUpdate, project: OwnedProject,
                session: SessionDep, queue: QueueDep) -> TaskPublic:
    """Rename the task, give it guidelines, or let its labeling functions run again by
    themselves when their votes are out of date (``auto_run``: those out of date now run at
    once)."""
    task = get_task(session=session, project=project, task_id=task_id)
    if body.guidelines_revision is not None and body.guidelines is None:
        raise InvalidInputError("guidelines_revision goes with guidelines",
                                field="guidelines_revision")
    if body.guidelines is not None:
        tasks.set_guidelines(session=session, task=task, guidelines=body.guidelines,
                             revision=body.guidelines_revision)
    if body.name is not None:
        tasks.rename_task(session=session, task=task, name=body.name)
    if body.auto_run is not None:
        tasks.set_auto_run(session=session, task=task, auto_run=body.auto_run)
        out_of_date.keep_current(session=session, project=project, queue=queue,
                                 task_ids=[task.id])
    return task_public(task)


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_task(task_id: Int32, project: OwnedProject, session: SessionDep) -> Response:
    tasks.delete_task(session=session,
                      task=get_task(session=session, project=project, task_id=task_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{task_id}/labels", response_model=LabelPublic,
             status_code=status.HTTP_201_CREATED)
def create_label(task_id: Int32, body: LabelCreate, project: OwnedProject, session: SessionDep):
    task = get_task(session=session, project=project, task_id=task_id)
    return tasks.create_label(session=session, task=task, name=body.name, color=body.color,
                              hotkey=body.hotkey, description=body.description)


@router.patch("/{task_id}/labels/{label_id}", response_model=LabelPublic)
def update_label(task_id: Int32, label_id: Int32, body: LabelUpdate, project: OwnedProject,
                 session: SessionDep):
    task = get_task(session=session, project=project, task_id=task_id)
    label = get_label(task=task, label_id=label_id)
    return tasks.update_label(session=session, task=task, label=label, name=body.name,
                              color=body.color, hotkey=body.hotkey,
                              description=body.description)


@router.delete("/{task_id}/labels/{label_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_label(task_id: Int32, label_id: Int32, project: OwnedProject,
                 session: SessionDep) -> Response:
    task = get_task(session=session, project=project, task_id=task_id)
    tasks.delete_label(session=session, task=task,
                       label=get_label(task=task, label_id=label_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
