"""Several annotators of a classification task: where they disagree, CROWDLAB's consensus
(their labels weighed with the queue's model and with how good each annotator is), and each
annotator's quality score (:func:`heuristics.active.consensus`).

After each refit of the queue's default learner, :func:`settle_disagreements` stores the
consensus of every record whose annotators disagree (and that has no gold label), weighed
with that refit's out-of-sample probabilities; the reference rule takes it for those records
(:func:`heuristics.reference.reference_label`), so the statistics, learners and filters
follow it. :func:`annotator_report` shows the annotators' quality and the disagreements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from heuristics.active import consensus
from heuristics.errors import InvalidInputError
from services.active_queue import (
    QueueModel,
    annotator_matrix,
    queue_model,
    settings_or_default,
)
from store import stats
from store.models import ConsensusLabel, LabelingTask, ManualLabel, Record, TaskKind, User
from store.reference import disputed_records, reference_labels
from store.tasks import count_label_changes

DISAGREEMENTS_SHOWN = 100
"""The most disagreements a report lists (the least certain consensus first)."""


@dataclass(frozen=True)
class AnnotatorScore:
    """One annotator: labels given (gold left out), CROWDLAB's quality score and the share of
    their labels that equal the consensus (None without a model)."""

    name: str
    labels: int
    quality: float | None
    agreement: float | None


@dataclass(frozen=True)
class Disagreement:
    """A record whose annotators gave different labels: each one's label, the task's
    reference label (None: a tie no refit has settled yet) and CROWDLAB's consensus by the
    queue's current model, with its quality score."""

    record: Record
    annotations: dict[str, str]
    reference: str | None
    consensus: str | None
    consensus_quality: float | None


@dataclass(frozen=True)
class AnnotatorReport:
    model: str | None
    annotators: list[AnnotatorScore]
    disagreements: list[Disagreement]
    n_disagreements: int
    note: str | None


def annotator_report(*, session: Session, task: LabelingTask,
                     limit: int = DISAGREEMENTS_SHOWN) -> AnnotatorReport:
    """Each annotator's quality and the task's disagreements, as CROWDLAB reads them.

    Raises
    ------
    InvalidInputError
        For a task that is not a classification task.
    """
    if task.kind is not TaskKind.CLASSIFICATION:
        raise InvalidInputError(f"annotator quality is computed for classification tasks; "
                                f"{task.name!r} is {task.kind.value}", field="task_id")
    record_ids = sorted(set(session.scalars(select(ManualLabel.record_id).where(
        ManualLabel.task_id == task.id, ManualLabel.is_gold.is_(False)))))
    matrix, annotator_ids = annotator_matrix(session, task, record_ids)
    names = dict(session.execute(select(User.id, User.name).where(
        User.id.in_(annotator_ids))).all())
    counts = (~np.isnan(matrix)).sum(axis=0)
    label_names = [label.name for label in task.labels]
    disputed = [row for row in range(len(record_ids))
                if len(set(matrix[row][~np.isnan(matrix[row])].tolist())) > 1]
    model = queue_model(session, task, settings_or_default(session, task))
    scores: list[np.ndarray] | None = None
    settled: dict[int, tuple[int, float]] = {}
    note = None
    if model is None:
        note = ("CROWDLAB weighs the annotators with the queue's model, and the task has none "
                "yet: it comes with the first refit after some labels")
    else:
        weighed = _weighed(model, matrix, record_ids)
        if isinstance(weighed, str):
            note = weighed
        else:
            *scores, settled = weighed
    annotators = [AnnotatorScore(
        name=names[user_id], labels=int(counts[j]),
        quality=None if scores is None or np.isnan(scores[0][j]) else float(scores[0][j]),
        agreement=None if scores is None or np.isnan(scores[1][j]) else float(scores[1][j]))
        for j, user_id in enumerate(annotator_ids)]
    disputed.sort(key=lambda row: (settled.get(row, (0, 2.0))[1], record_ids[row]))
    shown = disputed[:limit]
    references = reference_labels(session=session, task=task,
                                  record_ids=[record_ids[row] for row in shown])
    records = {record.id: record for record in session.scalars(select(Record).where(
        Record.id.in_([record_ids[row] for row in shown])))}
    disagreements = []
    for row in shown:
        rid = record_ids[row]
        given = {names[annotator_ids[j]]: label_names[int(matrix[row, j])]
                 for j in np.flatnonzero(~np.isnan(matrix[row]))}
        label, quality_score = settled.get(row, (None, None))
        disagreements.append(Disagreement(
            record=records[rid], annotations=given,
            reference=references.get(rid),
            consensus=None if label is None else label_names[label],
            consensus_quality=quality_score))
    return AnnotatorReport(model=None if model is None else model.description,
                           annotators=sorted(annotators, key=lambda a: a.name),
                           disagreements=disagreements, n_disagreements=len(disputed),
                           note=note)


def _weighed(model: QueueModel, matrix: np.ndarray, record_ids: list[int]
             ) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[int, float]]] | str:
    """CROWDLAB over the labelled records the model scored: each annotator's quality and
    agreement with the consensus (NaN for one without such a record), and each matrix row's
    consensus label and its quality; or why it cannot weigh them."""
    row_of = {rid: i for i, rid in enumerate(model.record_ids.tolist())}
    kept = [row for row, rid in enumerate(record_ids) if rid in row_of]
    seen = matrix[kept]
    if (~np.isnan(seen)).sum(axis=1).max(initial=0) < 2:
        return "no record has labels of two annotators yet: nothing to weigh them by"
    columns = ~np.isnan(seen).all(axis=0)
    try:
        found = consensus(seen[:, columns], np.asarray(model.probabilities)[
            [row_of[record_ids[row]] for row in kept]])
    except (ValueError, InvalidInputError) as error:   # cleanlab's own checks
        return f"CROWDLAB could not weigh these labels: {error}"
    quality = np.full(matrix.shape[1], np.nan)
    agreement = np.full(matrix.shape[1], np.nan)
    quality[columns], agreement[columns] = found.annotator_quality, found.annotator_agreement
    settled = {row: (int(label), float(score)) for row, label, score in zip(
        kept, found.labels.tolist(), found.quality.tolist(), strict=True)}
    return quality, agreement, settled


def settle_disagreements(*, session: Session, task: LabelingTask, record_ids: np.ndarray,
                         probabilities: np.ndarray) -> dict[str, int]:
    """Store CROWDLAB's consensus of each record of the classification task whose annotators
    disagree and that has no gold label, weighed with these out-of-sample probabilities of
    ``record_ids`` (a refit's), in place of the task's earlier ones; the statistics follow
    every reference that changes with it. No commit. Counts: records disputed, settled
    (those the probabilities cover), and whose reference changed with it (each counts as a
    labelling act, :func:`store.tasks.count_label_changes`)."""
    rows = session.execute(select(ManualLabel.record_id, ManualLabel.annotator_id,
                                  ManualLabel.label_id, ManualLabel.is_gold).where(
        ManualLabel.task_id == task.id)).all()   # read once: disputes and the matrix
    disputed = disputed_records([(rid, label, gold) for rid, _, label, gold in rows])
    annotated = [(rid, annotator, label) for rid, annotator, label, gold in rows if not gold]
    labelled = sorted({rid for rid, _, _ in annotated})
    matrix, _ = annotator_matrix(session, task, labelled, rows=annotated)
    weighed = _weighed(QueueModel("refit", record_ids, probabilities, None), matrix, labelled)
    label_ids = [label.id for label in task.labels]
    row_of = {rid: row for row, rid in enumerate(labelled)}
    found = {} if isinstance(weighed, str) else weighed[2]
    settled = {rid: found[row_of[rid]] for rid in disputed if row_of[rid] in found}
    before = dict(session.execute(select(ConsensusLabel.record_id, ConsensusLabel.label_id)
                                  .where(ConsensusLabel.task_id == task.id)).all())
    changed = sorted(rid for rid in set(before) | set(settled)
                     if before.get(rid) != (label_ids[settled[rid][0]] if rid in settled
                                            else None))
    old = reference_labels(session=session, task=task, record_ids=changed)
    session.execute(delete(ConsensusLabel).where(ConsensusLabel.task_id == task.id))
    if settled:
        session.execute(insert(ConsensusLabel), [
            {"task_id": task.id, "record_id": rid, "label_id": label_ids[label],
             "quality": quality} for rid, (label, quality) in settled.items()])
    new = reference_labels(session=session, task=task, record_ids=changed)
    moved = [rid for rid in changed if old.get(rid) != new.get(rid)]
    for rid in moved:
        stats.apply_reference_change(session=session, task=task, record_id=rid,
                                     before=old.get(rid), after=new.get(rid))
    if moved:   # references changed: what was read before them is out of date
        count_label_changes(session=session, task=task, n=len(moved))
    return {"disputed": len(disputed), "settled": len(settled), "references": len(moved)}

