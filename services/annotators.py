"""Several annotators of a classification task: where they disagree, CROWDLAB's consensus
(their labels weighed with the queue's model and with how good each annotator is), and each
annotator's quality score (:func:`heuristics.active.consensus`).

The model is the one that ranks the task's queue (its latest refit's out-of-sample
probabilities, :func:`services.active_queue.queue_model`); the task's reference labels stay
what :mod:`heuristics.reference` makes them (gold, else the annotators' plurality): the
report shows where CROWDLAB would settle a disagreement, and on what evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.active import consensus
from heuristics.errors import InvalidInputError
from services.active_queue import (
    QueueModel,
    annotator_matrix,
    queue_model,
    settings_or_default,
)
from store.models import LabelingTask, ManualLabel, Record, TaskKind, User
from store.reference import reference_labels

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
    reference label (None: a tie) and CROWDLAB's consensus with its quality score."""

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
    found = consensus(seen[:, columns], np.asarray(model.probabilities)[
        [row_of[record_ids[row]] for row in kept]])
    quality = np.full(matrix.shape[1], np.nan)
    agreement = np.full(matrix.shape[1], np.nan)
    quality[columns], agreement[columns] = found.annotator_quality, found.annotator_agreement
    settled = {row: (int(label), float(score)) for row, label, score in zip(
        kept, found.labels.tolist(), found.quality.tolist(), strict=True)}
    return quality, agreement, settled
