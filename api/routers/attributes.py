"""A project's attributes: those its imports made, and those computed by code."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

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
from api.schemas.heuristics import Reader
from api.schemas.projects import (
    AttributeCreate,
    AttributePublic,
    AttributeSamplePublic,
    AttributeSampleRequest,
    AttributeValuePublic,
    AttributeValuesPublic,
    ComputedAttributeCreate,
    ComputedAttributeUpdate,
    ValueCountPublic,
)
from api.schemas.runs import RunPublic
from services import computed_attributes, heuristic_runs, projects
from services.sandboxes import sandbox_for
from store.attribute_values import value_counts
from store.limits import VALUES_MAX
from store.models import Attribute

router = Router(prefix="/projects/{project_id}/attributes", tags=["attributes"])


def attribute_public(attribute: Attribute, session, readers: list | None = None
                     ) -> AttributePublic:
    run = computed_attributes.latest_run(session=session, attribute=attribute)
    if readers is None:
        readers = computed_attributes.readers(session=session, project_id=attribute.project_id,
                                              names=[attribute.name])[attribute.name]
    return AttributePublic(id=attribute.id, name=attribute.name,
                           data_type=attribute.data_type, position=attribute.position,
                           computed=attribute.source is not None, source=attribute.source,
                           run=RunPublic.model_validate(run) if run is not None else None,
                           read_by=[Reader(id=h.id, name=h.name, task_id=h.task_id)
                                    for h in readers])


@router.get("", response_model=list[AttributePublic])
def list_attributes(project: ViewableProject, session: SessionDep) -> list[AttributePublic]:
    """The project's attributes in their order; a computed one with its code and latest
    run."""
    readers = computed_attributes.readers(session=session, project_id=project.id,
                                          names=[a.name for a in project.attributes])
    return [attribute_public(a, session, readers[a.name]) for a in project.attributes]


@router.post("", response_model=AttributePublic, status_code=status.HTTP_201_CREATED)
def create_attribute(body: AttributeCreate, project: OwnedProject, session: SessionDep,
                     settings: SettingsDep) -> AttributePublic:
    """An attribute that imports fill (records have no value for it until then)."""
    return attribute_public(projects.create_attribute(
        session=session, project=project, name=body.name, data_type=body.data_type,
        max_attributes=settings.max_attributes), session)


@router.post("/computed", response_model=AttributePublic,
             status_code=status.HTTP_201_CREATED)
def create_computed_attribute(body: ComputedAttributeCreate, project: OwnedProject,
                              session: SessionDep, settings: SettingsDep,
                              queue: QueueDep) -> AttributePublic:
    """An attribute computed by ``source`` (``def ac(record): return ...``, its value for
    the record, or None) over every record, by the workers in the sandbox: its run starts
    at once (``run``); records imported later get their values when they arrive."""
    return attribute_public(computed_attributes.create_computed_attribute(
        session=session, project=project, name=body.name, data_type=body.data_type,
        source=body.source, queue=queue, max_attributes=settings.max_attributes), session)


@router.post("/sample", response_model=AttributeSamplePublic)
async def try_attribute_code(body: AttributeSampleRequest, project: AnnotatableProject,
                             session: SessionDep, user: CurrentUser,
                             request: Request) -> AttributeSamplePublic:
    """Run computed-attribute code on the chosen or ``n`` random records in the sandbox;
    stores nothing. Each record's value (as ``data_type`` stores it) or error, and what the
    code printed."""
    settings = request.app.state.settings
    record_ids = body.record_ids or heuristic_runs.random_record_ids(
        session=session, project=project, n=body.n or settings.sample_size)
    with request.app.state.sandbox_slots.hold(user_id=user.id):
        outcomes, logs, seconds = await run_in_threadpool(
            lambda: computed_attributes.compute(
                session=session, sandbox=sandbox_for(settings, sample=True), project=project,
                source=body.source, data_type=body.data_type, name="value",
                record_ids=record_ids))
    return AttributeSamplePublic(logs=logs, seconds=seconds, results=[
        AttributeValuePublic(record_id=o.record.record_id, external_id=o.record.external_id,
                             value=o.value, error=o.error, line=o.line) for o in outcomes])


@router.get("/{attribute_id}", response_model=AttributePublic)
def read_attribute(attribute_id: Int32, project: ViewableProject,
                   session: SessionDep) -> AttributePublic:
    return attribute_public(computed_attributes.get_attribute(
        session=session, project=project, attribute_id=attribute_id), session)


@router.get("/{attribute_id}/values", response_model=AttributeValuesPublic)
def attribute_values(attribute_id: Int32, project: ViewableProject, session: SessionDep,
                     limit: Annotated[int, Query(ge=1, le=VALUES_MAX)] = 100,
                     search: Annotated[str | None, Query(max_length=200)] = None
                     ) -> AttributeValuesPublic:
    """The attribute's values in the project's records, the most frequent first, with how
    many records hold each: what a filter or a form offers for a category. ``search`` keeps
    the values that contain it (ignoring case)."""
    attribute = computed_attributes.get_attribute(session=session, project=project,
                                                  attribute_id=attribute_id)
    counts = value_counts(session=session, attribute=attribute, limit=limit, search=search)
    return AttributeValuesPublic(
        attribute=attribute.name, distinct=counts.distinct, records=counts.records,
        complete=counts.complete,
        values=[ValueCountPublic(value=v.value, count=v.count) for v in counts.values])


@router.patch("/{attribute_id}", response_model=AttributePublic)
def update_attribute(attribute_id: Int32, body: ComputedAttributeUpdate, project: OwnedProject,
                     session: SessionDep, queue: QueueDep) -> AttributePublic:
    """New code for a computed attribute: a run under way is cancelled, and the new code
    computes every record's value again."""
    attribute = computed_attributes.get_attribute(session=session, project=project,
                                                  attribute_id=attribute_id)
    return attribute_public(computed_attributes.update_source(
        session=session, attribute=attribute, source=body.source, queue=queue), session)


@router.post("/{attribute_id}/runs", response_model=AttributePublic,
             status_code=status.HTTP_202_ACCEPTED)
def compute_again(attribute_id: Int32, project: OwnedProject, session: SessionDep,
                  queue: QueueDep) -> AttributePublic:
    """Compute a computed attribute's values again (409 while a run is under way)."""
    attribute = computed_attributes.get_attribute(session=session, project=project,
                                                  attribute_id=attribute_id)
    return attribute_public(computed_attributes.run_again(
        session=session, attribute=attribute, queue=queue), session)


@router.delete("/{attribute_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_attribute(attribute_id: Int32, project: OwnedProject, session: SessionDep) -> Response:
    """Delete an attribute, imported or computed, and its value in every record (409 while
    a task labels its spans or an embedding is made of it)."""
    attribute = computed_attributes.get_attribute(session=session, project=project,
                                                  attribute_id=attribute_id)
    computed_attributes.delete_attribute(session=session, attribute=attribute)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
