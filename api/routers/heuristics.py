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
    ViewableProject,
)
from api.routing import Router
from api.schemas import Int32
from api.schemas.heuristics import (
    CheckPublic,
    HeuristicCheck,
    HeuristicCreate,
    HeuristicPublic,
    HeuristicRunsPublic,
    HeuristicRunsRequest,
    HeuristicsPublic,
    HeuristicUpdate,
    OutputPublic,
    OutputsPublic,
    RecordOutputs,
    RevisionPublic,
    SampleOutcomePublic,
    SamplePublic,
    SampleRequest,
    SampleSummaryPublic,
    TemplatePublic,
    TemplatesPublic,
    ThresholdPointPublic,
    ThresholdPreviewPublic,
    UnsavedSampleRequest,
    output_public,
)
from api.schemas.records import reference_public
from api.schemas.runs import RunPublic
from heuristics.errors import InvalidInputError
from services import heuristic_runs, out_of_date, samples, templates
from services.sandboxes import sandbox_for, try_on_records
from services.threshold_preview import threshold_preview
from store import heuristic_lookups
from store.models import Heuristic, HeuristicKind, Output
from store.record_detail import attribute_texts
from store.tasks import get_task, text_attribute_name
from store.votes import vote_filter

router = Router(prefix="/projects/{project_id}/heuristics", tags=["heuristics"])


def heuristic_public(heuristic: Heuristic, session,
                     inputs: out_of_date.Inputs | None = None) -> HeuristicPublic:
    """The heuristic as the API shows it; ``inputs``: the project's, where known."""
    revision = heuristic_lookups.current_revision(heuristic)
    run = heuristic_lookups.latest_run(session=session, heuristic=heuristic, status=None)
    inputs = inputs or out_of_date.current_inputs(session=session,
                                                  project_id=heuristic.project_id)
    return HeuristicPublic(
        id=heuristic.id, task_id=heuristic.task_id, kind=heuristic.kind, name=heuristic.name,
        description=heuristic.description,
        revision=RevisionPublic(number=revision.number, source=revision.source,
                                function_name=revision.function_name,
                                settings=revision.settings or {},
                                created_at=revision.created_at),
        min_confidence=heuristic.min_confidence,
        vote_threshold=vote_filter(heuristic, revision).min_confidence
        if heuristic.kind is HeuristicKind.ACTIVE_LEARNER else None,
        auto_refit_every=heuristic.auto_refit_every,
        last_run=RunPublic.model_validate(run) if run else None,
        out_of_date=out_of_date.out_of_date(run=run, heuristic=heuristic, inputs=inputs))


@router.get("", response_model=HeuristicsPublic)
def list_heuristics(project: ViewableProject, session: SessionDep,
                    task_id: Int32 | None = None) -> HeuristicsPublic:
    rows = heuristic_runs.list_heuristics(session=session, project=project, task_id=task_id)
    inputs = out_of_date.current_inputs(session=session, project_id=project.id)
    return HeuristicsPublic(data=[heuristic_public(h, session, inputs) for h in rows],
                            count=len(rows))


@router.post("", response_model=HeuristicPublic, status_code=status.HTTP_201_CREATED)
def create_heuristic(body: HeuristicCreate, project: OwnedProject,
                     session: SessionDep, queue: QueueDep) -> HeuristicPublic:
    """Save a heuristic; a syntax error or a missing function is reported with its line. A
    labeling function of a task that keeps its functions current runs at once."""
    task = get_task(session=session, project=project, task_id=body.task_id)
    heuristic = heuristic_runs.create_heuristic(session=session, task=task, name=body.name,
                                            source=body.source, description=body.description,
                                            kind=body.kind)
    out_of_date.keep_current(session=session, project=project, queue=queue,
                             task_ids=[task.id])
    return heuristic_public(heuristic, session)


@router.post("/check", response_model=CheckPublic)
def check_heuristic(body: HeuristicCheck, project: AnnotatableProject,
                    session: SessionDep) -> CheckPublic:
    """The static check saving does, without saving or running anything: 422 with the
    line (``row``) of a syntax error or a missing function."""
    task = get_task(session=session, project=project, task_id=body.task_id)
    function_name, _ = heuristic_runs.checked_source(body.source, body.kind, task)
    return CheckPublic(function_name=function_name)


@router.get("/{heuristic_id}", response_model=HeuristicPublic)
def read_heuristic(heuristic_id: Int32, project: ViewableProject,
                   session: SessionDep) -> HeuristicPublic:
    return heuristic_public(heuristic_lookups.get_heuristic(session=session, project=project,
                                                     heuristic_id=heuristic_id), session)


@router.patch("/{heuristic_id}", response_model=HeuristicPublic)
def update_heuristic(heuristic_id: Int32, body: HeuristicUpdate, project: OwnedProject,
                     session: SessionDep, queue: QueueDep) -> HeuristicPublic:
    """Rename, describe, edit the source (a new revision), or change a learner's vote
    threshold (its votes change at once: statistics, and a weak supervision that follows
    the task runs again) or auto-refit interval."""
    heuristic = heuristic_lookups.get_heuristic(session=session, project=project,
                                         heuristic_id=heuristic_id)
    threshold = "min_confidence" in body.model_fields_set
    heuristic_runs.update_heuristic(session=session, heuristic=heuristic, name=body.name,
                                description=body.description, source=body.source,
                                min_confidence=body.min_confidence,
                                auto_refit_every=body.auto_refit_every,
                                source_threshold=threshold and body.min_confidence is None)
    if threshold:
        for run in heuristic_runs.weak_supervision_due(session=session, task=heuristic.task):
            queue.enqueue_run(run.id, kind=run.kind)
    if body.source is not None:
        out_of_date.keep_current(session=session, project=project, queue=queue,
                                 task_ids=[heuristic.task_id])
    return heuristic_public(heuristic, session)


@router.delete("/{heuristic_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_heuristic(heuristic_id: Int32, project: OwnedProject, session: SessionDep,
                     queue: QueueDep) -> Response:
    heuristic = heuristic_lookups.get_heuristic(session=session, project=project,
                                             heuristic_id=heuristic_id)
    for run in heuristic_runs.delete_heuristic(session=session, heuristic=heuristic):
        queue.enqueue_run(run.id, kind=run.kind)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{heuristic_id}/revisions", response_model=list[RevisionPublic])
def list_revisions(heuristic_id: Int32, project: ViewableProject, session: SessionDep):
    heuristic = heuristic_lookups.get_heuristic(session=session, project=project,
                                         heuristic_id=heuristic_id)
    return [RevisionPublic(number=r.number, source=r.source, function_name=r.function_name,
                           settings=r.settings or {}, created_at=r.created_at)
            for r in heuristic.revisions]


@router.get("/templates/{task_id}", response_model=TemplatesPublic)
def read_templates(task_id: Int32, project: ViewableProject, session: SessionDep):
    """Starter code for the task: a labeling function and a learner over its embeddings."""
    task = get_task(session=session, project=project, task_id=task_id)
    return TemplatesPublic(data=[TemplatePublic(kind=kind, name=name, source=source)
                                 for kind, name, source in templates.for_task(
                                     session=session, task=task)])


@router.post("/{heuristic_id}/runs", response_model=RunPublic,
             status_code=status.HTTP_202_ACCEPTED)
def run_heuristic(heuristic_id: Int32, project: OwnedProject, session: SessionDep,
                  queue: QueueDep):
    """Run the current revision on every record, in the workers."""
    heuristic = heuristic_lookups.get_heuristic(session=session, project=project,
                                         heuristic_id=heuristic_id)
    run = heuristic_runs.create_heuristic_run(session=session, heuristic=heuristic)
    queue.enqueue_run(run.id, kind=run.kind)
    return run


@router.post("/runs", response_model=HeuristicRunsPublic,
             status_code=status.HTTP_202_ACCEPTED)
def run_heuristics(body: HeuristicRunsRequest, project: OwnedProject, session: SessionDep,
                   queue: QueueDep) -> HeuristicRunsPublic:
    """Run the task's heuristics whose votes are out of date (``out_of_date``), or each of
    them not running already, in the workers: the runs queued (none if all are current)."""
    task = get_task(session=session, project=project, task_id=body.task_id)
    runs = out_of_date.run_out_of_date(session=session, project=project, task=task,
                                       heuristic_ids=body.heuristic_ids,
                                       everything=not body.only_out_of_date)
    for run in runs:
        queue.enqueue_run(run.id, kind=run.kind)
    return HeuristicRunsPublic(data=[RunPublic.model_validate(run) for run in runs],
                               count=len(runs))


@router.post("/sample", response_model=SamplePublic)
async def try_unsaved(body: UnsavedSampleRequest, project: AnnotatableProject,
                      session: SessionDep, user: CurrentUser, request: Request) -> SamplePublic:
    """Try code never saved (a labeling function of ``task_id``) on a few records, as
    ``POST .../heuristics/{id}/sample`` does for a saved one; stores nothing."""
    task = get_task(session=session, project=project, task_id=body.task_id)
    return await _try_on_sample(task, body.source, body, project, session, user, request)


@router.post("/{heuristic_id}/sample", response_model=SamplePublic)
async def try_heuristic(heuristic_id: Int32, body: SampleRequest, project: AnnotatableProject,
                        session: SessionDep, user: CurrentUser,
                        request: Request) -> SamplePublic:
    """Run the heuristic (or unsaved ``source``) on a few records of the project in the
    sandbox; stores nothing. Outputs, printed logs and errors come back at once. Annotators
    and owners only; a user runs at most ``HEURIST_SANDBOX_REQUESTS_PER_USER`` at once (429
    with Retry-After beyond)."""
    heuristic = heuristic_lookups.get_heuristic(session=session, project=project,
                                         heuristic_id=heuristic_id)
    if heuristic.kind is HeuristicKind.ACTIVE_LEARNER:
        raise InvalidInputError("an active learner cannot be tried on a few records: it fits "
                                "on all the task's labels; start a run (POST .../runs) and "
                                "read its held-out metrics", field="kind")
    source = body.source or heuristic_lookups.current_revision(heuristic).source
    return await _try_on_sample(heuristic.task, source, body, project, session, user, request)


async def _try_on_sample(task, source: str, body: SampleRequest, project, session, user,
                         request: Request) -> SamplePublic:
    """``source`` run in the sandbox on the chosen or ``n`` random records, with each
    record's text, outputs and reference label, and the summary against the references."""
    settings = request.app.state.settings
    record_ids = body.record_ids or heuristic_runs.random_record_ids(
        session=session, project=project, n=body.n or settings.sample_size)
    with request.app.state.sandbox_slots.hold(user_id=user.id):
        outcomes, logs, seconds = await run_in_threadpool(
            try_on_records, session, sandbox_for(settings, sample=True), task, source,
            record_ids)
    labels = {label.id: label.name for label in task.labels}
    attribute = text_attribute_name(session=session, task=task)
    references, summary = samples.summarize_sample(session=session, task=task, results=[
        (o.record.record_id, None if o.error else o.rows) for o in outcomes])
    results = []
    for outcome in outcomes:
        text = outcome.record.payload["data"].get(attribute)
        text = None if text is None else str(text)
        results.append(SampleOutcomePublic(
            record_id=outcome.record.record_id, external_id=outcome.record.external_id,
            text=text, error=outcome.error, line=outcome.line,
            reference=reference_public(references.get(outcome.record.record_id)),
            outputs=[output_public(Output(**row), labels, text) for row in outcome.rows]))
    return SamplePublic(results=results, logs=logs, seconds=seconds, summary=SampleSummaryPublic(
        records=summary.records, hits=summary.hits, compared=summary.compared,
        agreed=summary.agreed, agreement=summary.agreement))


PREVIEW_THRESHOLDS = [step / 100 for step in range(101)]


@router.get("/{heuristic_id}/threshold-preview", response_model=ThresholdPreviewPublic)
def preview_threshold(heuristic_id: Int32, project: ViewableProject,
                      session: SessionDep) -> ThresholdPreviewPublic:
    """A learner's votes and their precision against the reference labels at every vote
    threshold from 0 to 1 (steps of 0.01), from its latest run's stored predictions: what
    moving ``min_confidence`` would give, without refitting."""
    heuristic = heuristic_lookups.get_heuristic(session=session, project=project,
                                         heuristic_id=heuristic_id)
    run = heuristic_lookups.latest_run(session=session, heuristic=heuristic)
    if run is None:
        return ThresholdPreviewPublic(run_id=None, points=[])
    points = threshold_preview(session=session, heuristic=heuristic, run=run,
                               thresholds=PREVIEW_THRESHOLDS)
    return ThresholdPreviewPublic(run_id=run.id, points=[
        ThresholdPointPublic(threshold=p.threshold, votes=p.votes, judged=p.judged,
                             correct=p.correct, precision=p.precision) for p in points])


@router.get("/{heuristic_id}/outputs", response_model=OutputsPublic)
def read_outputs(heuristic_id: Int32, project: ViewableProject, session: SessionDep,
                 offset: Annotated[Int32, Query(ge=0)] = 0,
                 limit: int = Query(100, ge=1, le=5000)) -> OutputsPublic:
    """Outputs of the latest successful run of the current revision, by record: every
    prediction of a learner, each saying whether it counts as a vote; span texts for
    extraction tasks."""
    heuristic = heuristic_lookups.get_heuristic(session=session, project=project,
                                         heuristic_id=heuristic_id)
    run = heuristic_lookups.latest_run(session=session, heuristic=heuristic)
    if run is None:
        return OutputsPublic(run_id=None, revision=None, data=[])
    labels = {label.id: label.name for label in heuristic.task.labels}
    revision = heuristic_lookups.current_revision(heuristic)
    votes = vote_filter(heuristic, revision)
    outputs = heuristic_runs.outputs_of(session=session, run=run, offset=offset, limit=limit)
    target = heuristic.task.target_attribute
    texts = attribute_texts(session=session, record_ids={o.record_id for o in outputs},
                            attribute=target.name) if target is not None and outputs else {}
    by_record: dict[int, list[OutputPublic]] = {}
    for output in outputs:
        by_record.setdefault(output.record_id, []).append(output_public(
            output, labels, texts.get(output.record_id),
            votes.accepts(output.label_id, output.confidence)))
    return OutputsPublic(run_id=run.id, revision=revision.number,
                         data=[RecordOutputs(record_id=rid, outputs=outs)
                               for rid, outs in by_record.items()])
