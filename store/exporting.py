"""Export of records with their manual labels and reference labels, streamed in batches."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from store import stats
from store.manual_labels import manual_labels_of
from store.models import Heuristic, LabelingTask, ManualLabel, Output, Project, Record
from store.records import tasks_of
from store.reference import reference_labels, reference_of

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


def export_rows(*, session: Session, project: Project) -> Iterator[dict]:
    """Rows of ``export_columns``, in record id order, read ``BATCH`` records at a time."""
    tasks: list[LabelingTask] = tasks_of(session=session, project=project)
    attributes = [a.name for a in project.attributes]
    last_id = 0
    while True:
        records = list(session.scalars(
            select(Record).where(Record.project_id == project.id, Record.id > last_id)
            .order_by(Record.id).limit(BATCH)))
        if not records:
            return
        last_id = records[-1].id
        labels: dict[tuple[int, int], list[ManualLabel]] = defaultdict(list)
        for manual_label in manual_labels_of(session=session,
                                             record_ids=[r.id for r in records]):
            labels[manual_label.record_id, manual_label.task_id].append(manual_label)
        for record in records:
            row = {"external_id": record.external_id}
            row |= {name: record.data.get(name) for name in attributes}
            for task in tasks:
                votes = labels.get((record.id, task.id), [])
                row[f"{task.name}__reference"] = _plain(reference_of(task, votes)) if votes \
                    else None
                row[f"{task.name}__manual_labels"] = [_manual_label_entry(v) for v in votes]
            yield row


def weak_label_columns(project: Project) -> list[str]:
    return ["external_id", *(a.name for a in project.attributes), "weak_label", "confidence",
            "reference"]


def weak_label_rows(*, session: Session, task: LabelingTask, run_id: int) -> Iterator[dict]:
    """Every record with its weak label and confidence from the run (None where the run gave
    none) and its reference label, ``BATCH`` records at a time."""
    names = {label.id: label.name for label in task.labels}
    references = reference_labels(session=session, task=task)
    attributes = [a.name for a in task.project.attributes]
    last_id = 0
    while True:
        records = session.execute(
            select(Record.id, Record.external_id, Record.data)
            .where(Record.project_id == task.project_id, Record.id > last_id)
            .order_by(Record.id).limit(BATCH)).all()
        if not records:
            return
        last_id = records[-1][0]
        weak = {rid: (label_id, confidence) for rid, label_id, confidence in session.execute(
            select(Output.record_id, Output.label_id, Output.confidence).where(
                Output.run_id == run_id, Output.record_id.between(records[0][0], last_id)))}
        for rid, external_id, data in records:
            label_id, confidence = weak.get(rid, (None, None))
            yield {"external_id": external_id, **{a: data.get(a) for a in attributes},
                   "weak_label": names.get(label_id), "confidence": confidence,
                   "reference": _plain(references.get(rid))}


def label_matrix_npz(*, session: Session, task: LabelingTask) -> bytes:
    """The task's label matrix as Snorkel takes it: an .npz with ``L`` (int, -1 = abstain,
    labels as indices into ``labels``), ``heuristics`` (column names), ``labels`` and
    ``record_ids`` (external ids, row order)."""
    current = stats.current_outputs(session=session, task=task)
    rows = session.execute(select(Record.id, Record.external_id).where(
        Record.project_id == task.project_id).order_by(Record.id)).all()
    record_ids = np.asarray([rid for rid, _ in rows], dtype=np.int64)
    matrix = stats.label_matrix(session=session, task=task, current=current,
                                record_ids=record_ids)
    names = dict(session.execute(select(Heuristic.id, Heuristic.name).where(
        Heuristic.task_id == task.id)).all())
    buffer = io.BytesIO()
    np.savez(buffer, L=matrix, heuristics=np.array([names[h] for h in current.heuristic_ids]),
             labels=np.array([label.name for label in task.labels]),
             record_ids=np.array([external for _, external in rows]))
    return buffer.getvalue()


def label_studio_predictions(*, session: Session, task: LabelingTask, run_id: int,
                             model_version: str, text_attribute: str) -> Iterator[bytes]:
    """Label Studio tasks with predictions (``result``, ``score``, ``model_version``) for
    the records the run labelled, as one streamed JSON array."""
    names = {label.id: label.name for label in task.labels}
    yield b"["
    first = True
    for record_id, data, external_id, label_id, confidence in session.execute(
            select(Record.id, Record.data, Record.external_id, Output.label_id,
                   Output.confidence).join(Output, Output.record_id == Record.id)
            .where(Output.run_id == run_id).order_by(Record.id)):
        item = {"id": record_id, "data": {**data, "external_id": external_id},
                "predictions": [{"model_version": model_version, "score": confidence,
                                 "result": [{"from_name": task.name, "to_name": text_attribute,
                                             "type": "choices",
                                             "value": {"choices": [names[label_id]]}}]}]}
        yield (b"" if first else b",") + json.dumps(item, ensure_ascii=False).encode()
        first = False
    yield b"]"
