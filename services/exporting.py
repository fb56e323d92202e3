"""Export of records with their manual labels and reference labels, streamed in batches.

Exports of weak-supervision results are in :mod:`services.weak_exporting`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from sqlalchemy.orm import Session

from store.manual_labels import manual_labels_of
from store.models import LabelingTask, ManualLabel, Project
from store.record_subsets import record_batches
from store.records import tasks_of
from store.reference import reference_labels

BATCH = 2_000


def export_columns(*, session: Session, project: Project) -> list[str]:
    """Column names of an export: id, attributes, then per task its reference and votes."""
    columns = ["external_id", *(a.name for a in project.attributes)]
    for task in tasks_of(session=session, project=project):
        columns += [f"{task.name}__reference", f"{task.name}__manual_labels"]
    return columns


def _plain(reference) -> object:
    if isinstance(reference, frozenset):
        return sorted(reference)
    return reference


def _manual_label_entry(manual_label: ManualLabel) -> dict:
    entry = {"label": manual_label.label.name, "annotator": manual_label.annotator.name,
             "gold": manual_label.is_gold}
    if manual_label.token_start is not None:
        entry |= {"token_start": manual_label.token_start, "token_end": manual_label.token_end,
                  "char_start": manual_label.char_start, "char_end": manual_label.char_end}
    return entry


def export_rows(*, session: Session, project: Project,
                record_ids: Sequence[int] | None = None) -> Iterator[dict]:
    """Rows of ``export_columns`` for every record (or those of ``record_ids``), in record
    id order, read ``BATCH`` records at a time."""
    tasks: list[LabelingTask] = tasks_of(session=session, project=project)
    attributes = [a.name for a in project.attributes]
    for records in record_batches(session=session, project=project, record_ids=record_ids):
        ids = [rid for rid, _, _ in records]
        labels: dict[tuple[int, int], list[ManualLabel]] = defaultdict(list)
        for manual_label in manual_labels_of(session=session, record_ids=ids):
            labels[manual_label.record_id, manual_label.task_id].append(manual_label)
        references = {task.id: reference_labels(session=session, task=task, record_ids=ids)
                      for task in tasks}
        for rid, external_id, data in records:
            row = {"external_id": external_id}
            row |= {name: data.get(name) for name in attributes}
            for task in tasks:
                votes = labels.get((rid, task.id), [])
                row[f"{task.name}__reference"] = _plain(references[task.id].get(rid))
                row[f"{task.name}__manual_labels"] = [_manual_label_entry(v) for v in votes]
            yield row
