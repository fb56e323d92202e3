"""Lookup lists of a project: named term lists that its labeling functions read as
``knowledge.<name>`` (:mod:`heuristics.knowledge`); every change counts up ``version``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError, InvalidInputError
from heuristics.knowledge import check_list_name, clean_terms
from store.models import LabelingTask, LookupList, Project, Record, TaskKind
from store.projects import in_project
from store.reference import reference_labels
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
    """The project's lists by name, as the sandbox hands them to labeling functions."""
    return terms_by_name(list_lookup_lists(session=session, project_id=project_id))


def _unique_name(session: Session, project: Project, name: str, own_id: int | None) -> str:
    check_list_name(name)
    other = session.scalar(select(LookupList.id).where(
        LookupList.project_id == project.id, LookupList.name == name))
    if other is not None and other != own_id:
        raise ConflictError(f"a lookup list named {name!r} exists already", field="name")
    return name


def create_lookup_list(*, session: Session, project: Project, name: str,
                       description: str = "", terms: Iterable[str] = ()) -> LookupList:
    """A new list of the project; commits."""
    row = LookupList(project_id=project.id, name=_unique_name(session, project, name, None),
                     description=description, terms=clean_terms(terms), version=1)
    session.add(row)
    session.commit()
    return row


def update_lookup_list(*, session: Session, lookup_list: LookupList, name: str | None = None,
                       description: str | None = None, terms: Iterable[str] | None = None,
                       add: Iterable[str] = (), remove: Iterable[str] = ()) -> LookupList:
    """Rename, describe, replace the terms, or add and remove some (after the replacement,
    in that order); a change of the terms counts up the version. Commits."""
    project = session.get(Project, lookup_list.project_id)
    if name is not None:
        lookup_list.name = _unique_name(session, project, name, lookup_list.id)
    if description is not None:
        lookup_list.description = description
    current = list(lookup_list.terms) if terms is None else clean_terms(terms)
    dropped = set(clean_terms(remove, field="remove"))
    changed = clean_terms([*(t for t in current if t not in dropped),
                           *clean_terms(add, field="add")])
    if changed != lookup_list.terms:
        lookup_list.terms = changed
        lookup_list.version += 1
    session.commit()
    return lookup_list


def delete_lookup_list(*, session: Session, lookup_list: LookupList) -> None:
    session.delete(lookup_list)
    session.commit()


def labelled_terms(*, session: Session, task: LabelingTask, label: str) -> list[str]:
    """The texts of an extraction task's reference spans of ``label``, record by record
    (repeats kept: :func:`update_lookup_list` drops them)."""
    if task.kind is not TaskKind.EXTRACTION:
        raise InvalidInputError(f"task {task.name!r} has no spans: terms come from the spans "
                                "of an extraction task", field="task_id")
    if label not in {item.name for item in task.labels}:
        raise InvalidInputError(f"{label!r} is not a label of {task.name!r}", field="label")
    spans = {rid: found for rid, reference in reference_labels(session=session, task=task).items()
             if (found := [(start, end) for name, start, end in reference if name == label])}
    offsets = stored_offsets(session=session, attribute_id=task.target_attribute_id)
    attribute = task.target_attribute.name
    ids, terms = sorted(spans), []
    for first in range(0, len(ids), BATCH):
        batch = ids[first:first + BATCH]
        texts = dict(session.execute(select(Record.id, Record.data)
                                     .where(Record.id.in_(batch))).all())
        for rid in batch:
            text, (starts, ends) = texts[rid].get(attribute), offsets.get(rid, ((), ()))
            terms += [text[starts[start]:ends[end - 1]] for start, end in spans[rid]
                      if isinstance(text, str) and end <= len(ends)]
    return terms
