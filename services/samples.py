"""Code tried on a few records, set against the records' reference labels: what each
record's reference is and how the code's results agree with them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from heuristics.evaluation.samples import SampleSummary, sample_summary
from store.models import LabelingTask, TaskKind
from store.reference import reference_labels


def vote_of(task: LabelingTask, rows: list[dict] | None) -> object:
    """A record's output rows in the shape of its reference label (None: abstained or
    failed): a label name, a set of names, or a set of ``(label, token_start, token_end)``."""
    if rows is None:
        return None
    names = {label.id: label.name for label in task.labels}
    if task.kind is TaskKind.EXTRACTION:
        return frozenset((names[r["label_id"]], r["token_start"], r["token_end"]) for r in rows)
    if not rows:
        return None
    if task.kind is TaskKind.MULTILABEL:
        return frozenset(names[r["label_id"]] for r in rows)
    return names[rows[0]["label_id"]]


def summarize_sample(*, session: Session, task: LabelingTask,
                     results: Sequence[tuple[int, list[dict] | None]]
                     ) -> tuple[dict[int, object], SampleSummary]:
    """The reference label of each tried record (by id; absent: none) and the summary of
    the results, ``(record id, output rows or None where the code failed)`` per record."""
    references = reference_labels(session=session, task=task,
                                  record_ids=[record_id for record_id, _ in results])
    return references, sample_summary([vote_of(task, rows) for _, rows in results],
                                      [references.get(record_id) for record_id, _ in results])
