"""Lookup lists of a project: every member reads them, owners (who write the heuristics
that read them) create, change and delete them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response, status

from api.deps import OwnedProject, QueueDep, SessionDep, ViewableProject
from api.routing import Router
from api.schemas import Int32, Name
from api.schemas.lookup_lists import (
    LabelledTerms,
    LabelRef,
    LookupListCreate,
    LookupListPublic,
    LookupListsPublic,
    LookupListSummary,
    LookupListUpdate,
    SuggestionPublic,
    SuggestionsPublic,
    TermCountPublic,
    TermStatisticsPublic,
)
from services import out_of_date, term_stats
from store import lookup_lists
from store.models import Heuristic, Label, LookupList, Project
from store.tasks import find_label, get_task

router = Router(prefix="/projects/{project_id}/lookup-lists", tags=["lookup lists"])


def _summary(row: LookupList, readers: list[Heuristic]) -> dict:
    label = row.follows_label
    return {"id": row.id, "name": row.name, "description": row.description,
            "n_terms": len(row.terms), "version": row.version,
            "follows": label and {"task_id": label.task_id, "task_name": label.task.name,
                                  "label": label.name},
            "n_from_labels": len(row.from_labels) if label else 0,
            "read_by": [{"id": h.id, "name": h.name, "task_id": h.task_id} for h in readers],
            "updated_at": row.updated_at}


def _label(session: SessionDep, project: Project, ref: LabelRef | None) -> Label | None:
    if ref is None:
        return None
    return find_label(get_task(session=session, project=project, task_id=ref.task_id),
                      ref.label, field="follows")


def lookup_list_public(row: LookupList, session: SessionDep) -> LookupListPublic:
    readers = lookup_lists.readers(session=session, project_id=row.project_id, names=[row.name])
    return LookupListPublic(**_summary(row, readers[row.name]), terms=list(row.terms))


@router.get("", response_model=LookupListsPublic)
def list_lookup_lists(project: ViewableProject, session: SessionDep) -> LookupListsPublic:
    """The project's lists without their terms (names, term counts, versions); those
    that follow a label caught up with its spans first."""
    lookup_lists.refresh(session=session, project_id=project.id)
    rows = lookup_lists.list_lookup_lists(session=session, project_id=project.id)
    readers = lookup_lists.readers(session=session, project_id=project.id,
                                   names=[r.name for r in rows])
    return LookupListsPublic(data=[LookupListSummary(**_summary(r, readers[r.name]))
                                   for r in rows], count=len(rows))


@router.post("", response_model=LookupListPublic, status_code=status.HTTP_201_CREATED)
def create_lookup_list(body: LookupListCreate, project: OwnedProject,
                       session: SessionDep) -> LookupListPublic:
    """A new list under a name unique in the project (409 if taken) that is a Python
    identifier (422 otherwise), following a label of an extraction task if asked."""
    return lookup_list_public(lookup_lists.create_lookup_list(
        session=session, project=project, name=body.name, description=body.description,
        terms=body.terms, follows=_label(session, project, body.follows)), session)


@router.get("/{list_id}", response_model=LookupListPublic)
def read_lookup_list(list_id: Int32, project: ViewableProject,
                     session: SessionDep) -> LookupListPublic:
    lookup_lists.refresh(session=session, project_id=project.id)
    return lookup_list_public(lookup_lists.get_lookup_list(session=session, project=project,
                                                           list_id=list_id), session)


@router.patch("/{list_id}", response_model=LookupListPublic)
def update_lookup_list(list_id: Int32, body: LookupListUpdate, project: OwnedProject,
                       session: SessionDep, queue: QueueDep) -> LookupListPublic:
    """Rename, describe, replace the terms (``terms``), or add and remove some, follow a
    label or stop; runs that start afterwards read the new terms."""
    lookup_lists.refresh(session=session, project_id=project.id)
    row = lookup_lists.get_lookup_list(session=session, project=project, list_id=list_id)
    follows = (_label(session, project, body.follows) if "follows" in body.model_fields_set
               else lookup_lists.UNCHANGED)
    before = row.version
    return _changed(lookup_lists.update_lookup_list(
        session=session, lookup_list=row, name=body.name, description=body.description,
        terms=body.terms, add=body.add, remove=body.remove, follows=follows), before,
        project, session, queue)


def _changed(row: LookupList, version: int, project: Project, session: SessionDep,
             queue: QueueDep) -> LookupListPublic:
    """The list after a change; if its terms changed (from ``version``), the labeling
    functions kept current by themselves run again."""
    if row.version != version:
        out_of_date.keep_current(session=session, project=project, queue=queue)
    return lookup_list_public(row, session)


@router.post("/{list_id}/labelled-terms", response_model=LookupListPublic)
def add_labelled_terms(list_id: Int32, body: LabelledTerms, project: OwnedProject,
                       session: SessionDep, queue: QueueDep) -> LookupListPublic:
    """Add the texts of an extraction task's reference spans of one label (a gazetteer
    grows with the annotations); terms the list holds already are not repeated."""
    row = lookup_lists.get_lookup_list(session=session, project=project, list_id=list_id)
    task = get_task(session=session, project=project, task_id=body.task_id)
    before = row.version
    return _changed(lookup_lists.update_lookup_list(
        session=session, lookup_list=row,
        add=lookup_lists.labelled_terms(session=session, task=task, label=body.label)),
        before, project, session, queue)


@router.get("/{list_id}/term-stats", response_model=TermStatisticsPublic)
def read_term_statistics(list_id: Int32, project: ViewableProject, session: SessionDep,
                         task_id: Int32 | None = None) -> TermStatisticsPublic:
    """Where each term occurs and which reference labels of the task (by default the one
    whose label the list follows, else the project's first) it meets there."""
    row = lookup_lists.get_lookup_list(session=session, project=project, list_id=list_id)
    task = term_stats.default_task(session=session, project=project, lookup_list=row,
                                   task_id=task_id)
    found = term_stats.term_statistics(session=session, project=project, lookup_list=row,
                                       task=task)
    return TermStatisticsPublic(
        task_id=task.id, task_name=task.name, unit=found.unit, attribute=found.attribute,
        labelled=found.labelled, follows=found.follows,
        terms=[TermCountPublic(term=c.term, found=c.found, labelled=c.labelled,
                               labels=dict(c.labels), agreement=c.agreement(found.follows),
                               noisy=c.noisy(found.follows)) for c in found.terms])


@router.get("/{list_id}/suggestions", response_model=SuggestionsPublic)
def read_term_suggestions(list_id: Int32, label: Name, project: ViewableProject,
                          session: SessionDep, task_id: Int32 | None = None,
                          limit: Annotated[int, Query(ge=1, le=200)] = 20
                          ) -> SuggestionsPublic:
    """Terms the list lacks that signal ``label`` of a classification or multi-label task
    (by default the project's first) among its labelled records, the best first."""
    row = lookup_lists.get_lookup_list(session=session, project=project, list_id=list_id)
    task = term_stats.default_task(session=session, project=project, lookup_list=row,
                                   task_id=task_id)
    found = term_stats.term_suggestions(session=session, project=project, lookup_list=row,
                                        task=task, label=label, limit=limit)
    return SuggestionsPublic(
        task_id=task.id, task_name=task.name, label=label, attribute=found.attribute,
        labelled=found.labelled,
        data=[SuggestionPublic(term=s.term, support=s.support, precision=s.precision,
                               found=s.found) for s in found.terms])


@router.delete("/{list_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_lookup_list(list_id: Int32, project: OwnedProject, session: SessionDep) -> Response:
    lookup_lists.delete_lookup_list(session=session, lookup_list=lookup_lists.get_lookup_list(
        session=session, project=project, list_id=list_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
