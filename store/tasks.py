"""Labeling tasks and their labels: queries, and additions without a commit."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from formats.types import AttributeType
from heuristics.errors import ConflictError, InvalidInputError, NotFoundError
from store.limits import NAME_MAX
from store.locks import STATISTICS, lock_key
from store.models import Label, LabelingTask, Project, TaskKind
from store.projects import find_attribute, in_project, main_text_attribute
from store.tokenization import tokenize_attribute

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777",
           "#4d7c0f", "#9333ea", "#ea580c")


def add_task(*, session: Session, project: Project, name: str, kind: TaskKind,
             target_attribute: str | None = None, labels: list[str] = ()) -> LabelingTask:
    """As ``create_task`` without the commit (for use cases that own a larger transaction)."""
    if session.scalar(select(LabelingTask.id).where(
            LabelingTask.project_id == project.id, LabelingTask.name == name)) is not None:
        raise ConflictError(f"a labeling task named {name!r} exists already", field="name")
    attribute = None
    if kind is TaskKind.EXTRACTION:
        if target_attribute is None:
            raise InvalidInputError("extraction tasks need a target text attribute",
                                    field="target_attribute")
        attribute = find_attribute(project, target_attribute)
        if attribute is None:
            raise InvalidInputError(f"no attribute named {target_attribute!r}",
                                    field="target_attribute")
        if attribute.data_type is not AttributeType.TEXT:
            raise InvalidInputError(
                f"attribute {target_attribute!r} is {attribute.data_type.value}, not text",
                field="target_attribute")
    elif target_attribute is not None:
        raise InvalidInputError(f"{kind.value} tasks label whole records: leave "
                                "target_attribute empty", field="target_attribute")
    task = LabelingTask(project_id=project.id, name=name, kind=kind, target_attribute=attribute)
    session.add(task)
    session.flush()
    for label in labels:
        add_label(session=session, task=task, name=label)
    if attribute is not None:
        tokenize_attribute(session=session, attribute=attribute)
    return task


def get_task(*, session: Session, project: Project, task_id: int) -> LabelingTask:
    """The task ``task_id`` of ``project`` with its labels, in one query."""
    return in_project(session=session, model=LabelingTask, row_id=task_id, project=project,
                      what="labeling task", options=[joinedload(LabelingTask.labels)])


def find_task(*, session: Session, project: Project, name: str) -> LabelingTask | None:
    return session.scalar(select(LabelingTask).where(
        LabelingTask.project_id == project.id, LabelingTask.name == name))


def add_label(*, session: Session, task: LabelingTask, name: str, color: str | None = None,
              hotkey: str | None = None) -> Label:
    """Add a label to ``task`` (no commit)."""
    name = name.strip()
    if not name:
        raise InvalidInputError("label names must not be empty", field="name")
    if len(name) > NAME_MAX:
        raise InvalidInputError(f"label names have at most {NAME_MAX} characters; this one "
                                f"has {len(name)}", field="name")
    if any(label.name == name for label in task.labels):
        raise ConflictError(f"label {name!r} exists already in task {task.name!r}",
                            field="name")
    check_hotkey_free(task, hotkey)
    label = Label(name=name, color=color or PALETTE[len(task.labels) % len(PALETTE)],
                  hotkey=hotkey)
    task.labels.append(label)
    session.flush()
    return label


def check_hotkey_free(task: LabelingTask, hotkey: str | None, *,
                       ignore: Label | None = None) -> None:
    if hotkey and any(lb.hotkey == hotkey and lb is not ignore for lb in task.labels):
        raise ConflictError(f"hotkey {hotkey!r} is taken in task {task.name!r}", field="hotkey")


def get_label(*, task: LabelingTask, label_id: int) -> Label:
    label = next((lb for lb in task.labels if lb.id == label_id), None)
    if label is None:
        raise NotFoundError(f"label {label_id} does not exist in task {task.name!r}")
    return label


def find_label(task: LabelingTask, name: str, *, field: str = "label",
               row: int | None = None) -> Label:
    """The task's label called ``name``; InvalidInputError naming the known labels if unknown."""
    label = next((lb for lb in task.labels if lb.name == name), None)
    if label is None:
        known = ", ".join(repr(lb.name) for lb in task.labels) or "none yet"
        raise InvalidInputError(
            f"unknown label {name!r} for task {task.name!r} (labels: {known})",
            field=field, row=row)
    return label


def count_label_changes(*, session: Session, task: LabelingTask, n: int = 1) -> None:
    """Add ``n`` labelling acts to the task's count (one atomic update; no commit). Takes the
    task's statistics lock first: labels change the count and the statistics together, and
    every writer takes the two in this order (the lock, then the task's row) — a worker
    settling disagreements writes the statistics, then the count."""
    lock_key(session=session, space=STATISTICS, key=task.id)
    session.execute(update(LabelingTask).where(LabelingTask.id == task.id)
                    .values(label_changes=LabelingTask.label_changes + n))


def text_attribute_name(*, session: Session, task: LabelingTask) -> str:
    """The attribute a task's labels are about: an extraction task's target, else the
    project's main text (:func:`store.projects.main_text_attribute`); ``"text"`` if there is
    none."""
    attribute = task.target_attribute if task.kind is TaskKind.EXTRACTION else \
        main_text_attribute(session=session, project=task.project)
    return attribute.name if attribute is not None else "text"
