"""A learner's stored predictions judged against the reference labels, swept over thresholds.

The rule lives in :mod:`heuristics.threshold_sweep`; this module reads the predictions of a
run and the references of their records, and says which prediction is right.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.threshold_sweep import ThresholdPoint, sweep
from store.heuristic_lookups import current_revision
from store.models import Heuristic, Output, Run, TaskKind
from store.reference import reference_labels
from store.votes import vote_filter


def _agrees(kind: TaskKind, reference, label: str, span: tuple[int | None, int | None]
            ) -> bool | None:
    """Whether one prediction matches its record's reference (None: no reference): the
    label for classification, one of the labels for multi-label, the exact span (label and
    token offsets) for extraction."""
    if reference is None:
        return None
    if kind is TaskKind.CLASSIFICATION:
        return label == reference
    if kind is TaskKind.MULTILABEL:
        return label in reference
    return (label, *span) in reference


def threshold_preview(*, session: Session, heuristic: Heuristic, run: Run,
                      thresholds: Sequence[float]) -> list[ThresholdPoint]:
    """Votes and their precision at each threshold, from the run's stored predictions of
    the labels the heuristic may vote (its ``label_names``)."""
    task = heuristic.task
    allowed = vote_filter(heuristic, current_revision(heuristic)).labels
    names = {label.id: label.name for label in task.labels}
    rows = [row for row in session.execute(
        select(Output.record_id, Output.label_id, Output.confidence, Output.token_start,
               Output.token_end).where(Output.run_id == run.id))
        if allowed is None or row.label_id in allowed]
    references = reference_labels(session=session, task=task,
                                  record_ids=sorted({row.record_id for row in rows}))
    verdicts = [_agrees(task.kind, references.get(row.record_id), names[row.label_id],
                        (row.token_start, row.token_end)) for row in rows]
    return sweep([row.confidence for row in rows], verdicts, thresholds)
