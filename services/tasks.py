"""Use cases for labeling tasks and their labels; each commits. A change of a task that
exists (its name, settings, guidelines or labels) is announced as a ``task.changed`` event,
so that open pages (a labeling session's guidelines, its label buttons) follow it."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError
from store.events import publish
from store.models import Label, LabelingTask, Project, TaskKind
from store.stats import recompute
from store.tasks import add_label, add_task, check_hotkey_free, find_task

TASK_CHANGED = "task.changed"


def _changed(session: Session, task: LabelingTask) -> None:
    """Announce a change of ``task`` and commit it."""
    publish(session=session, project_id=task.project_id, type=TASK_CHANGED,
            payload={"task_id": task.id})
    session.commit()


def create_task(*, session: Session, project: Project, name: str, kind: TaskKind,
                target_attribute: str | None = None, labels: list[str] = ()) -> LabelingTask:
    """A labeling task; extraction tasks tokenise their text attribute now. Commits."""
    task = add_task(session=session, project=project, name=name, kind=kind,
                    target_attribute=target_attribute, labels=labels)
    session.commit()
    return task


def rename_task(*, session: Session, task: LabelingTask, name: str) -> LabelingTask:
    if name != task.name and find_task(session=session, project=task.project, name=name):
        raise ConflictError(f"a labeling task named {name!r} exists already", field="name")
    task.name = name
    _changed(session, task)
    return task


def set_auto_run(*, session: Session, task: LabelingTask, auto_run: bool) -> LabelingTask:
    """Whether the task's labeling functions run again by themselves when their votes are
    out of date (:func:`services.out_of_date.keep_current`); commits."""
    task.auto_run = auto_run
    _changed(session, task)
    return task


def set_guidelines(*, session: Session, task: LabelingTask, guidelines: str,
                   revision: int | None = None) -> LabelingTask:
    """How to label the task (shown to its annotators); commits. ``revision``: the one of
    the guidelines the text was written on; refused (409) when they have another by now,
    so that two owners saving in turn do not overwrite each other. The same text changes
    nothing.

    The check and the change are one statement: of two saves made on the same revision,
    one wins and the other is refused, whatever their timing."""
    if guidelines == task.guidelines:
        return task
    matches = [LabelingTask.id == task.id]
    if revision is not None:
        matches.append(LabelingTask.guidelines_revision == revision)
    changed = session.execute(
        update(LabelingTask).where(*matches)
        .values(guidelines=guidelines,
                guidelines_revision=LabelingTask.guidelines_revision + 1)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(task)
    if not changed:
        raise ConflictError(
            f"the guidelines were changed by someone else since you opened them (revision "
            f"{task.guidelines_revision} now, yours {revision}): read them again",
            field="guidelines_revision")
    _changed(session, task)
    return task


def delete_task(*, session: Session, task: LabelingTask) -> None:
    session.delete(task)
    session.commit()


def create_label(*, session: Session, task: LabelingTask, name: str, color: str | None = None,
                 hotkey: str | None = None, description: str = "") -> Label:
    """Add a label to ``task``; commits."""
    label = add_label(session=session, task=task, name=name, color=color, hotkey=hotkey)
    label.description = description
    _changed(session, task)
    return label


def update_label(*, session: Session, task: LabelingTask, label: Label, name: str | None,
                 color: str | None, hotkey: str | None, description: str | None = None
                 ) -> Label:
    if name is not None and name != label.name:
        if any(lb.name == name for lb in task.labels):
            raise ConflictError(f"label {name!r} exists already", field="name")
        label.name = name
    if color is not None:
        label.color = color
    if hotkey is not None:
        check_hotkey_free(task, hotkey, ignore=label)
        label.hotkey = hotkey or None
    if description is not None:
        label.description = description
    _changed(session, task)
    return label


def delete_label(*, session: Session, task: LabelingTask, label: Label) -> None:
    """Delete a label, the manual labels and outputs that used it; commits."""
    task.labels.remove(label)
    session.delete(label)
    session.flush()
    recompute(session=session, task=task)
    _changed(session, task)
