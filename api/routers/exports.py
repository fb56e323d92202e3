"""Exports of records (CSV, JSONL, Parquet, Label Studio) over the whole project or a
subset, Label Studio's labeling configuration and import, and project snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import Depends, File, Form, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from api.deps import (
    CurrentUser,
    OwnedProject,
    QueueDep,
    SessionDep,
    SessionsDep,
    SettingsDep,
    ViewableProject,
)
from api.downloads import MEDIA_TYPES, attachment
from api.routing import Router
from api.schemas import Int32
from api.schemas.exports import LabelStudioImportPublic, SnapshotImportPublic
from api.schemas.projects import ProjectPublic
from api.schemas.record_search import legacy_conditions, parse_filter
from api.uploads import check_size
from formats import writers
from formats.label_studio import write_tasks
from services import exporting, label_studio, snapshots
from store.embeddings import refresh_embeddings
from store.limits import LABELS_MAX
from store.models import Project
from store.record_subsets import RecordSubset, subset_record_ids

router = Router(tags=["export"])

ExportFormat = Literal["csv", "jsonl", "parquet", "label-studio"]


def export_subset(
    record_ids: Annotated[list[Int32] | None, Query(
        max_length=LABELS_MAX, description="Export only these records")] = None,
    filter: str | None = Query(None, max_length=20_000, description=(
        "The record list's filter as JSON (the body of POST .../records/search's filter)")),
    saved_filter_id: Annotated[Int32 | None, Query(
        description="Only the records of this saved filter")] = None,
    task_id: Int32 | None = None,
    labelled: bool | None = Query(None, description="Has (or has no) manual label in task_id"),
    label: str | None = Query(None, description="Has a manual label of this name in task_id"),
    search: str | None = Query(None, description="Text contained (case-insensitive)"),
    search_attribute: str | None = Query(None, description="Search only this attribute"),
) -> RecordSubset:
    """The records an export covers: the record list's filter (as JSON, a saved filter's or
    the list's simple parameters), and chosen ids."""
    record_filter = parse_filter(filter)
    record_filter.conditions[:0] = legacy_conditions(
        task_id=task_id, labelled=labelled, label=label, search=search,
        search_attribute=search_attribute)
    return RecordSubset(record_ids=record_ids, record_filter=record_filter,
                        saved_filter_id=saved_filter_id)


SubsetDep = Annotated[RecordSubset, Depends(export_subset)]


@router.get("/projects/{project_id}/export", response_class=StreamingResponse)
def export_records(project: ViewableProject, session: SessionDep, sessions: SessionsDep,
                   subset: SubsetDep, format: ExportFormat = "csv",
                   predictions: Literal["weak", "heuristics", "all", "none"] = Query(
                       "weak", description=(
                           "label-studio: as predictions, each task's latest weak labels, "
                           "its heuristics' current votes, all of them or none"))
                   ) -> StreamingResponse:
    """The records (all, or those the filters and ``record_ids`` choose) with their
    reference and manual labels per task, streamed; ``label-studio``: as Label Studio tasks
    with annotations per annotator and weak labels (or heuristics' votes) as predictions."""
    record_ids = subset_record_ids(session=session, project=project, subset=subset)
    project_id = project.id

    def body() -> Iterator[bytes]:
        with sessions() as own_session:
            own = own_session.get(Project, project_id)
            if format == "label-studio":
                yield from write_tasks(label_studio.label_studio_tasks(
                    session=own_session, project=own, record_ids=record_ids,
                    weak=predictions in ("weak", "all"),
                    heuristics=predictions in ("heuristics", "all")))
                return
            columns = exporting.export_columns(session=own_session, project=own)
            rows = exporting.export_rows(session=own_session, project=own,
                                         record_ids=record_ids)
            yield from writers.write_rows(format, columns, rows, types={
                a.name: a.data_type for a in own.attributes})

    if format == "label-studio":
        return StreamingResponse(body(), media_type="application/json", headers={
            "Content-Disposition": attachment(f"{project.name}-label-studio.json")})
    return StreamingResponse(body(), media_type=MEDIA_TYPES[format], headers={
        "Content-Disposition": attachment(f"{project.name}.{format}")})


@router.get("/projects/{project_id}/export/label-studio-config", response_class=Response,
            responses={200: {"content": {"application/xml": {}}}})
def label_studio_config(project: ViewableProject, session: SessionDep) -> Response:
    """Label Studio's labeling configuration (XML) for the project's tasks, to create the
    Label Studio project that the ``label-studio`` export is imported into."""
    return Response(label_studio.label_studio_config(session=session, project=project),
                    media_type="application/xml")


@router.post("/projects/{project_id}/records/import-label-studio",
             response_model=LabelStudioImportPublic, status_code=status.HTTP_201_CREATED)
def import_label_studio(
    project: OwnedProject, session: SessionDep, user: CurrentUser, settings: SettingsDep,
    file: Annotated[UploadFile, File(description="A Label Studio JSON export")],
    id_field: Annotated[str, Form(description=(
        "Key of a task's meta or data that holds the record's external id"))] = "external_id",
) -> LabelStudioImportPublic:
    """Annotations of a Label Studio export as manual labels, all or nothing: each result's
    ``from_name`` names a task; an annotation replaces its annotator's labels of the record
    (``completed_by``: the email, or ``label-studio-<id>``; absent: you); ``ground_truth``
    annotations are gold. Predictions are not read."""
    check_size(file, settings.max_upload_bytes)
    result = label_studio.import_label_studio(session=session, project=project,
                                              stream=file.file, default_annotator=user,
                                              id_field=id_field)
    return LabelStudioImportPublic(tasks=result.tasks, annotations=result.annotations,
                                   manual_labels=result.manual_labels, reviews=result.reviews,
                                   annotators=result.annotators)


@router.get("/projects/{project_id}/snapshot", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}}})
def export_snapshot(project: OwnedProject, sessions: SessionsDep) -> StreamingResponse:
    """The whole project as one ZIP archive: records with their tokens, attributes, tasks
    and labels, manual labels and reviews with annotators, heuristics with every revision,
    embeddings' definitions. ``POST /projects/import-snapshot`` makes a project of it."""
    project_id = project.id

    def body() -> Iterator[bytes]:
        with sessions() as own:
            yield from snapshots.export_snapshot(session=own, project=own.get(Project,
                                                                                project_id))

    return StreamingResponse(body(), media_type="application/zip", headers={
        "Content-Disposition": attachment(f"{project.name}.heurist.zip")})


@router.post("/projects/import-snapshot", response_model=SnapshotImportPublic,
             status_code=status.HTTP_201_CREATED)
def import_snapshot(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, queue: QueueDep,
    file: Annotated[UploadFile, File(description="A project snapshot (.heurist.zip)")],
    name: Annotated[str | None, Form(max_length=200, description=(
        "Name of the new project (default: the snapshot's)"))] = None,
) -> SnapshotImportPublic:
    """A new project, owned by you, with everything a snapshot holds; all or nothing. Its
    embeddings are computed again (runs queued); heuristics give outputs when run."""
    check_size(file, settings.max_upload_bytes)
    result = snapshots.import_snapshot(session=session, stream=file.file, owner=user,
                                       name=name or None,
                                       max_attributes=settings.max_attributes)
    for run in refresh_embeddings(session=session, project=result.project):
        queue.enqueue_run(run.id, kind=run.kind)
    return SnapshotImportPublic(
        project=ProjectPublic.model_validate(result.project), records=result.records,
        tasks=result.tasks, manual_labels=result.manual_labels, reviews=result.reviews,
        heuristics=result.heuristics, embeddings=result.embeddings,
        annotators=result.annotators)
