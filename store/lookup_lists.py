"""Lookup lists of a project: named term lists that its labeling functions read as
``knowledge.<name>`` (:mod:`heuristics.knowledge`); every change counts up ``version``.

A list that follows a label of an extraction task catches up with its reference spans when
it is read for use (:func:`refresh`): the texts of new spans join the terms, those no span
holds any more leave them (unless they were there before the spans, or typed since).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError, InvalidInputError
from heuristics.knowledge import (
    MAX_TERM_CHARS,
    MAX_TERMS,
    check_list_name,
    clean_term,
    clean_terms,
    lists_read,
)
from store.heuristic_lookups import functions_reading
from store.models import (
    Heuristic,
    Label,
    LabelingTask,
    LookupList,
    Project,
    Record,
    TaskKind,
)
from store.projects import in_project
from store.reference import reference_labels
from store.tasks import find_label
from store.tokenization import stored_offsets

BATCH = 1_000


def get_lookup_list(*, session: Session, project: Project, list_id: int) -> LookupList:
    return in_project(session=session, model=LookupList, row_id=list_id, project=project,
                      what="lookup list")


def list_lookup_lists(*, session: Session, project_id: int) -> list[LookupList]:
    return list(session.scalars(select(LookupList).where(LookupList.project_id == project_id)
                                .order_by(LookupList.name)))


def versions(*, session: Session, project_id: int) -> dict[str, int]:
    """Each list's version, by name."""
    return dict(session.execute(select(LookupList.name, LookupList.version)
                                .where(LookupList.project_id == project_id)).all())


def terms_by_name(lists: Iterable[LookupList]) -> dict[str, list[str]]:
    """Lists by name, as the sandbox hands them to labeling functions."""
    return {row.name: list(row.terms) for row in lists}


def knowledge(*, session: Session, project_id: int) -> dict[str, list[str]]:
    """The project's lists by name, as the sandbox hands them to labeling functions (those
    that follow a label caught up first, see :func:`refresh`)."""
    refresh(session=session, project_id=project_id)
    return terms_by_name(list_lookup_lists(session=session, project_id=project_id))


def readers(*, session: Session, project_id: int, names: Iterable[str]
            ) -> dict[str, list[Heuristic]]:
    """The labeling functions of the project whose current code reads each list of
    ``names`` (:func:`heuristics.knowledge.lists_read`), by list name."""
    return functions_reading(session=session, project_id=project_id, names=names,
                             reads=lists_read)


def _unique_name(session: Session, project: Project, name: str, own_id: int | None) -> str:
    check_list_name(name)
    other = session.scalar(select(LookupList.id).where(
        LookupList.project_id == project.id, LookupList.name == name))
    if other is not None and other != own_id:
        raise ConflictError(f"a lookup list named {name!r} exists already", field="name")
    return name


def create_lookup_list(*, session: Session, project: Project, name: str,
                       description: str = "", terms: Iterable[str] = (),
                       follows: Label | None = None) -> LookupList:
    """A new list of the project, following ``follows`` if given; commits."""
    row = LookupList(project_id=project.id, name=_unique_name(session, project, name, None),
                     description=description, terms=clean_terms(terms), version=1,
                     label_texts=[], from_labels=[])
    session.add(row)
    if follows is not None:
        _follow(session, row, follows)
        row.version = 1
    session.commit()
    return row


UNCHANGED = object()
"""``follows`` of :func:`update_lookup_list` when the list keeps following what it follows."""


def update_lookup_list(*, session: Session, lookup_list: LookupList, name: str | None = None,
                       description: str | None = None, terms: Iterable[str] | None = None,
                       add: Iterable[str] = (), remove: Iterable[str] = (),
                       follows: Label | None | object = UNCHANGED) -> LookupList:
    """Rename, describe, replace the terms, or add and remove some (after the replacement,
    in that order); a change of the terms counts up the version. ``follows``: a label to
    follow from now on, or None to stop following (the terms stay). Commits."""
    project = session.get(Project, lookup_list.project_id)
    if name is not None:
        lookup_list.name = _unique_name(session, project, name, lookup_list.id)
    if description is not None:
        lookup_list.description = description
    current = list(lookup_list.terms) if terms is None else clean_terms(terms)
    dropped = set(clean_terms(remove, field="remove"))
    typed = clean_terms(add, field="add")
    changed = clean_terms([*(t for t in current if t not in dropped), *typed])
    if changed != lookup_list.terms:
        lookup_list.terms = changed
        lookup_list.version += 1
    kept, typed = set(changed), set(typed)
    lookup_list.from_labels = [term for term in lookup_list.from_labels
                               if term in kept and term not in typed]
    if follows is not UNCHANGED and (
            follows is None or getattr(follows, "id", None) != lookup_list.follows_label_id):
        _unfollow(lookup_list)
        if follows is not None:
            _follow(session, lookup_list, follows)
    session.commit()
    return lookup_list


def _unfollow(lookup_list: LookupList) -> None:
    lookup_list.follows_label = None
    lookup_list.label_texts, lookup_list.from_labels, lookup_list.synced_changes = [], [], None


def _follow(session: Session, lookup_list: LookupList, label: Label) -> None:
    """Follow ``label`` from now on: its reference spans' texts join the terms at once."""
    if label.task.kind is not TaskKind.EXTRACTION:
        raise InvalidInputError(f"task {label.task.name!r} has no spans: a list follows a "
                                "label of an extraction task", field="follows")
    lookup_list.follows_label = label
    session.flush()
    _catch_up(session, lookup_list, label)


def _catch_up(session: Session, lookup_list: LookupList, label: Label) -> None:
    """Bring a following list in step with its label's reference spans; no commit."""
    changes = session.scalar(select(LabelingTask.label_changes)
                             .where(LabelingTask.id == label.task_id))
    texts = {text for text in map(clean_term, labelled_terms(
        session=session, task=label.task, label=label.name))
        if text and len(text) <= MAX_TERM_CHARS}
    before = set(lookup_list.label_texts)
    gone = (before - texts) & set(lookup_list.from_labels)
    terms = [term for term in lookup_list.terms if term not in gone]
    held = set(terms)
    room = max(MAX_TERMS - len(terms), 0)
    added = [text for text in sorted(texts - before) if text not in held][:room]
    lookup_list.label_texts = sorted(texts)
    lookup_list.from_labels = [*(t for t in lookup_list.from_labels if t not in gone), *added]
    lookup_list.synced_changes = changes
    if gone or added:
        lookup_list.terms = [*terms, *added]
        lookup_list.version += 1


def refresh(*, session: Session, project_id: int) -> None:
    """Bring the project's lists that follow a label in step with its reference spans,
    where labels changed since they last caught up (the task's ``label_changes``); commits
    when one changed. Each list is locked while it catches up, so concurrent readers
    apply each change once."""
    behind = session.scalars(
        select(LookupList.id).join(Label, Label.id == LookupList.follows_label_id)
        .join(LabelingTask, LabelingTask.id == Label.task_id)
        .where(LookupList.project_id == project_id,
               (LookupList.synced_changes.is_(None))
               | (LookupList.synced_changes != LabelingTask.label_changes))).all()
    if not behind:
        return
    for row in session.scalars(select(LookupList).where(LookupList.id.in_(behind))
                               .order_by(LookupList.id).with_for_update(of=LookupList)
                               .execution_options(populate_existing=True)).unique():
        if row.follows_label is not None:
            _catch_up(session, row, row.follows_label)
    session.commit()


def delete_lookup_list(*, session: Session, lookup_list: LookupList) -> None:
    session.delete(lookup_list)
    session.commit()


def labelled_terms(*, session: Session, task: LabelingTask, label: str) -> list[str]:
    """The texts of an extraction task's reference spans of ``label``, record by record
    (repeats kept: :func:`update_lookup_list` drops them)."""
    if task.kind is not TaskKind.EXTRACTION:
        raise InvalidInputError(f"task {task.name!r} has no spans: terms come from the spans "
                                "of an extraction task", field="task_id")
    find_label(task, label)
    spans = {rid: found for rid, reference in reference_labels(session=session, task=task).items()
             if (found := [(start, end) for name, start, end in reference if name == label])}
    attribute = task.target_attribute.name
    ids, terms = sorted(spans), []
    for first in range(0, len(ids), BATCH):
        batch = ids[first:first + BATCH]
        texts = dict(session.execute(select(Record.id, Record.data)
                                     .where(Record.id.in_(batch))).all())
        offsets = stored_offsets(session=session, attribute_id=task.target_attribute_id,
                                 record_ids=batch)
        for rid in batch:
            text, (starts, ends) = texts[rid].get(attribute), offsets.get(rid, ((), ()))
            terms += [text[starts[start]:ends[end - 1]] for start, end in spans[rid]
                      if isinstance(text, str) and end <= len(ends)]
    return terms
