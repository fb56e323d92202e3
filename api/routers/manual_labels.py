from __future__ import annotations

from fastapi import Request, Response, status

from api.deps import (
    AnnotatableProject,
    CurrentUser,
    IdempotencyKey,
    QueueDep,
    SessionDep,
    answered,
)
from api.routing import Router
from api.schemas import Int32
from api.schemas.records import (
    BulkLabelsCreate,
    BulkLabelsPublic,
    ManualLabelCreate,
    ManualLabelPublic,
    ManualLabelUpdate,
    ReviewCreate,
    ReviewPublic,
    manual_label_public,
)
from services import annotation
from store import manual_labels
from store.auth import authorize_labelling, get_or_create_user
from store.idempotency import Answer, IdempotentRequest
from store.manual_labels import LabelItem, SpanInput
from store.models import LabelingTask, ManualLabel, Record
from store.tasks import get_task

router = Router(prefix="/projects/{project_id}", tags=["manual labels"])


def _once(request: Request, user, key: str | None, body, answer_of) -> IdempotentRequest | None:
    """The request under the client's idempotency key, if it sent one."""
    if key is None:
        return None
    return IdempotentRequest(
        user_id=user.id, key=key, answer_of=lambda result: Answer(
            status.HTTP_201_CREATED, answer_of(result).model_dump(mode="json")),
        request=f"{request.method} {request.url.path} {body.model_dump_json()}")


def _public(manual_label: ManualLabel, task: LabelingTask, record: Record) -> ManualLabelPublic:
    text = None
    if task.target_attribute is not None:
        text = str(record.data.get(task.target_attribute.name) or "")
    return manual_label_public(manual_label, text)


@router.post("/records/{record_id}/labels", response_model=ManualLabelPublic,
             status_code=status.HTTP_201_CREATED)
def create_manual_label(record_id: Int32, body: ManualLabelCreate, project: AnnotatableProject,
                        session: SessionDep, user: CurrentUser, queue: QueueDep,
                        request: Request, idempotency_key: IdempotencyKey = None):
    """Label a record. In a classification task a new label replaces the annotator's old one
    (concurrent labels of one annotator too: the last one stays)."""
    annotator = _annotator(session, project, user, body.annotator, body.is_gold)
    record = manual_labels.get_record(session=session, project=project, record_id=record_id)
    task = get_task(session=session, project=project, task_id=body.task_id)
    span = SpanInput(token_start=body.token_start, token_end=body.token_end,
                     char_start=body.char_start, char_end=body.char_end)
    created = annotation.create_manual_label(
        session=session, task=task, record=record, label_name=body.label, annotator=annotator,
        is_gold=body.is_gold, span=span, queue=queue, once=_once(
            request, user, idempotency_key, body, lambda ml: _public(ml, task, record)))
    if isinstance(created, Answer):
        return answered(created)
    return _public(created, task, record)


@router.post("/tasks/{task_id}/labels/bulk", response_model=BulkLabelsPublic,
             status_code=status.HTTP_201_CREATED)
def create_manual_labels(task_id: Int32, body: BulkLabelsCreate, project: AnnotatableProject,
                         session: SessionDep, user: CurrentUser, queue: QueueDep,
                         request: Request, idempotency_key: IdempotencyKey = None):
    """Many classification or multi-label labels in one request, all or nothing: a 422
    names the first bad item (``labels[i]``). Each item names its record by ``record_id``
    or ``external_id``; as for single labels, a classification label replaces the
    annotator's old one."""
    task = get_task(session=session, project=project, task_id=task_id)
    records = manual_labels.records_by_reference(
        session=session, project=project,
        references=[(item.record_id, item.external_id) for item in body.labels])
    annotators = {}
    items = []
    for item, record in zip(body.labels, records, strict=True):
        key = (item.annotator, item.is_gold)
        if key not in annotators:
            annotators[key] = _annotator(session, project, user, item.annotator, item.is_gold)
        items.append(LabelItem(record=record, label_name=item.label,
                               annotator=annotators[key], is_gold=item.is_gold))

    def public(ids: list[int]) -> BulkLabelsPublic:
        return BulkLabelsPublic(task_id=task.id, created=len(ids), ids=ids)

    created = annotation.create_manual_labels(
        session=session, task=task, items=items, queue=queue,
        once=_once(request, user, idempotency_key, body, public))
    if isinstance(created, Answer):
        return answered(created)
    return public(created)


@router.patch("/manual-labels/{manual_label_id}", response_model=ManualLabelPublic)
def update_manual_label(manual_label_id: Int32, body: ManualLabelUpdate,
                        project: AnnotatableProject, session: SessionDep,
                        user: CurrentUser) -> ManualLabelPublic:
    manual_label = manual_labels.get_manual_label(session=session, project=project,
                                                  manual_label_id=manual_label_id)
    authorize_labelling(session=session, user=user, project=project,
                        annotator_id=manual_label.annotator_id,
                        is_gold=bool(body.is_gold or manual_label.is_gold))
    span = SpanInput(token_start=body.token_start, token_end=body.token_end,
                     char_start=body.char_start, char_end=body.char_end)
    task = get_task(session=session, project=project, task_id=manual_label.task_id)
    record = manual_labels.get_record(session=session, project=project,
                                      record_id=manual_label.record_id)
    updated = annotation.change_manual_label(
        session=session, manual_label=manual_label, task=task, record=record,
        label_name=body.label, is_gold=body.is_gold, span=span)
    return _public(updated, task, record)


@router.delete("/manual-labels/{manual_label_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_manual_label(manual_label_id: Int32, project: AnnotatableProject, session: SessionDep,
                        user: CurrentUser) -> Response:
    manual_label = manual_labels.get_manual_label(session=session, project=project,
                                                  manual_label_id=manual_label_id)
    authorize_labelling(session=session, user=user, project=project,
                        annotator_id=manual_label.annotator_id, is_gold=manual_label.is_gold)
    annotation.delete_manual_label(
        session=session, manual_label=manual_label,
        task=get_task(session=session, project=project, task_id=manual_label.task_id),
        record=manual_labels.get_record(session=session, project=project,
                                        record_id=manual_label.record_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _annotator(session, project, user, name: str | None, is_gold: bool):
    """The annotator a request labels for: the caller, or (owners only) the named user."""
    annotator = user
    if name is not None and name != user.name:
        authorize_labelling(session=session, user=user, project=project, annotator_id=-1,
                            is_gold=is_gold)
        annotator = get_or_create_user(session=session, name=name)
    authorize_labelling(session=session, user=user, project=project,
                        annotator_id=annotator.id, is_gold=is_gold)
    return annotator


@router.post("/records/{record_id}/reviews", response_model=ReviewPublic,
             status_code=status.HTTP_201_CREATED)
def mark_reviewed(record_id: Int32, body: ReviewCreate, project: AnnotatableProject,
                  session: SessionDep, user: CurrentUser, queue: QueueDep, request: Request,
                  idempotency_key: IdempotencyKey = None):
    """Mark a multi-label or extraction record as done by the annotator, with or without
    labels or spans: a reviewed record without any is a record with nothing to mark."""
    annotator = _annotator(session, project, user, body.annotator, body.is_gold)
    record = manual_labels.get_record(session=session, project=project, record_id=record_id)
    task = get_task(session=session, project=project, task_id=body.task_id)

    def public(review) -> ReviewPublic:
        return ReviewPublic(record_id=record.id, task_id=task.id, annotator=annotator.name,
                            is_gold=review.is_gold, created_at=review.created_at)

    review = annotation.mark_reviewed(session=session, task=task, record=record,
                                     annotator=annotator, is_gold=body.is_gold, queue=queue,
                                     once=_once(request, user, idempotency_key, body, public))
    if isinstance(review, Answer):
        return answered(review)
    return public(review)


@router.delete("/records/{record_id}/reviews/{task_id}",
               status_code=status.HTTP_204_NO_CONTENT)
def unmark_reviewed(record_id: Int32, task_id: Int32, project: AnnotatableProject,
                    session: SessionDep, user: CurrentUser, annotator: str | None = None,
                    is_gold: bool = False) -> Response:
    """Take back a review (the caller's, or the named annotator's for owners)."""
    reviewer = _annotator(session, project, user, annotator, is_gold)
    annotation.unmark_reviewed(
        session=session, task=get_task(session=session, project=project, task_id=task_id),
        record=manual_labels.get_record(session=session, project=project, record_id=record_id),
        annotator=reviewer, is_gold=is_gold)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
