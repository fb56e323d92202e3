"""A task's annotators: how far they agree, and CROWDLAB's view of their quality."""

from __future__ import annotations

from api.deps import SessionDep, ViewableProject, reads_only
from api.routing import Router
from api.schemas import Int32
from api.schemas.annotators import (
    AgreementPublic,
    AnnotatorAgreementPublic,
    AnnotatorScorePublic,
    AnnotatorsPublic,
    ConfusionPublic,
    DisagreementPublic,
    LabelAgreementPublic,
    PairAgreementPublic,
)
from services import agreement, annotators
from store.tasks import get_task

router = Router(prefix="/projects/{project_id}", tags=["annotators"])


@router.get("/tasks/{task_id}/agreement", response_model=AgreementPublic)
@reads_only
def read_agreement(task_id: Int32, project: ViewableProject, session: SessionDep
                   ) -> AgreementPublic:
    """How far the task's annotators agree (Krippendorff's alpha; span F1 in extraction
    tasks) on the records two of them or more labelled, per pair of annotators, per label
    and against the gold labels. Gold labels are left out of the agreement among them."""
    task = get_task(session=session, project=project, task_id=task_id)
    result = agreement.task_agreement(session=session, task=task)
    return AgreementPublic(
        task_id=task.id, kind=task.kind, metric=result.metric, value=result.value,
        reading=result.reading, records=result.records,
        labelled_records=result.labelled_records, note=result.note,
        annotators=[AnnotatorAgreementPublic(**vars(a)) for a in result.annotators],
        pairs=[PairAgreementPublic(**vars(p)) for p in result.pairs],
        labels=[LabelAgreementPublic(**vars(label)) for label in result.labels],
        confusions=[ConfusionPublic(**vars(c)) for c in result.confusions])


@router.get("/tasks/{task_id}/annotators", response_model=AnnotatorsPublic)
@reads_only
def read_annotators(task_id: Int32, project: ViewableProject, session: SessionDep
                    ) -> AnnotatorsPublic:
    """Each annotator's quality score and the records where annotators disagree, with the
    consensus CROWDLAB (cleanlab) reaches by weighing their labels with the queue's model
    (classification tasks)."""
    task = get_task(session=session, project=project, task_id=task_id)
    report = annotators.annotator_report(session=session, task=task)
    return AnnotatorsPublic(
        task_id=task.id, model=report.model, n_disagreements=report.n_disagreements,
        note=report.note,
        annotators=[AnnotatorScorePublic(**vars(a)) for a in report.annotators],
        disagreements=[DisagreementPublic(
            record_id=d.record.id, external_id=d.record.external_id, annotations=d.annotations,
            reference=d.reference, consensus=d.consensus, consensus_quality=d.consensus_quality)
            for d in report.disagreements])
