"""Exports of a weak-supervision run, streamed in batches: the weakly labelled records
(CSV/JSONL/Parquet rows), Label Studio predictions, CoNLL/IOB for extraction tasks, and the
label matrix for Snorkel.

Weak results per task kind: classification gives one label and its confidence per record;
multi-label a list of labels with a list of confidences; extraction a list of spans (label,
token and character offsets, text, confidence) with the list of their confidences.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from formats.label_studio import Control, choices_result, span_result
from formats.types import AttributeType
from heuristics.aggregation.spans import RecordSpans, token_label_matrix
from heuristics.spans import OUTSIDE, spans_to_iob2
from services.exporting import _plain
from store import stats
from store.models import Heuristic, LabelingTask, Output, Project, Record, TaskKind
from store.record_subsets import record_batches
from store.reference import reference_labels
from store.tokenization import stored_offsets

WHITESPACE = re.compile(r"\s")
WeakOutput = tuple[int, float, int | None, int | None, int | None, int | None]
"""label_id, confidence, token_start, token_end, char_start, char_end."""


def _outputs(session: Session, run_id: int, first: int, last: int
             ) -> dict[int, list[WeakOutput]]:
    """The run's outputs on records ``first..last``, by record, spans by start token."""
    found: dict[int, list[WeakOutput]] = defaultdict(list)
    for rid, *output in session.execute(
            select(Output.record_id, Output.label_id, Output.confidence, Output.token_start,
                   Output.token_end, Output.char_start, Output.char_end)
            .where(Output.run_id == run_id, Output.record_id.between(first, last))
            .order_by(Output.record_id, Output.token_start, Output.label_id)):
        found[rid].append(tuple(output))
    return found


def _span_entry(output: WeakOutput, name: str, text: str | None) -> dict:
    _, confidence, start, end, char_start, char_end = output
    return {"label": name, "token_start": start, "token_end": end, "char_start": char_start,
            "char_end": char_end, "text": text[char_start:char_end] if text else None,
            "confidence": confidence}


def _weak(task: LabelingTask, outputs: list[WeakOutput], text: str | None
          ) -> tuple[object, object]:
    """The weak label and confidence columns of one record."""
    names = {label.id: label.name for label in task.labels}
    if task.kind is TaskKind.CLASSIFICATION:
        return (names[outputs[0][0]], outputs[0][1]) if outputs else (None, None)
    confidences = [output[1] for output in outputs]
    if task.kind is TaskKind.MULTILABEL:
        return [names[output[0]] for output in outputs], confidences
    return [_span_entry(output, names[output[0]], text) for output in outputs], confidences


OWN_COLUMNS = ("external_id", "weak_label", "confidence", "reference")


def own_column_names(project: Project) -> dict[str, str]:
    """The export's own columns, each named as in :data:`OWN_COLUMNS` unless an attribute has
    that name: then ``heurist_`` goes in front (an attribute keeps its name)."""
    taken = {a.name for a in project.attributes}
    names = {}
    for column in OWN_COLUMNS:
        name = column
        while name in taken:
            name = f"heurist_{name}"
        names[column] = name
    return names


def weak_label_columns(project: Project) -> list[str]:
    own = own_column_names(project)
    return [own["external_id"], *(a.name for a in project.attributes), own["weak_label"],
            own["confidence"], own["reference"]]


def weak_label_types(task: LabelingTask) -> dict[str, AttributeType]:
    """Column types of the weak-label export (for Parquet): the attributes' own, text for
    labels (JSON for lists), float confidences in classification tasks."""
    own = own_column_names(task.project)
    types = {a.name: a.data_type for a in task.project.attributes}
    types |= {own[name]: AttributeType.TEXT for name in OWN_COLUMNS}
    if task.kind is TaskKind.CLASSIFICATION:
        types[own["confidence"]] = AttributeType.FLOAT
    return types


def weak_label_rows(*, session: Session, task: LabelingTask, run_id: int) -> Iterator[dict]:
    """Every record with its weak result and confidence from the run (None or empty where the
    run gave none) and its reference label, ``BATCH`` records at a time; keys as in
    :func:`weak_label_columns`."""
    references = reference_labels(session=session, task=task)
    attributes = [a.name for a in task.project.attributes]
    own = own_column_names(task.project)
    target = task.target_attribute.name if task.target_attribute else None
    for records in record_batches(session=session, project=task.project, record_ids=None):
        weak = _outputs(session, run_id, records[0][0], records[-1][0])
        for rid, external_id, data in records:
            label, confidence = _weak(task, weak.get(rid, []), data.get(target))
            yield {own["external_id"]: external_id, **{a: data.get(a) for a in attributes},
                   own["weak_label"]: label, own["confidence"]: confidence,
                   own["reference"]: _plain(references.get(rid))}


def conll_lines(*, session: Session, task: LabelingTask, run_id: int) -> Iterator[bytes]:
    """The extraction task's records as CoNLL/IOB2: one ``token<TAB>tag`` line per token of
    the target attribute, a blank line after each record (records without tokens are left
    out); whitespace inside a token becomes ``_``. Readable by the CoNLL import."""
    names = {label.id: label.name for label in task.labels}
    target = task.target_attribute
    for records in record_batches(session=session, project=task.project, record_ids=None):
        first, last = records[0][0], records[-1][0]
        weak = _outputs(session, run_id, first, last)
        offsets = stored_offsets(session=session, attribute_id=target.id,
                                 record_range=(first, last))
        lines = []
        for rid, _, data in records:
            if not offsets.get(rid, ((),))[0]:
                continue
            starts, ends = offsets[rid]
            text = data.get(target.name) or ""
            tags = spans_to_iob2([(names[o[0]], o[2], o[3]) for o in weak.get(rid, [])],
                                 len(starts))
            lines += [f"{WHITESPACE.sub('_', text[s:e])}\t{tag}\n"
                      for s, e, tag in zip(starts, ends, tags, strict=True)]
            lines.append("\n")
        yield "".join(lines).encode()


def label_studio_predictions(*, session: Session, task: LabelingTask, run_id: int,
                             model_version: str, text_attribute: str) -> Iterator[bytes]:
    """Label Studio tasks with predictions (``result``, ``score``, ``model_version``) for
    the records the run labelled, as one streamed JSON array: ``choices`` for classification
    and multi-label tasks, ``labels`` regions with character offsets for extraction tasks."""
    names = {label.id: label.name for label in task.labels}
    target = task.target_attribute.name if task.target_attribute else text_attribute
    control = Control(task.name, "spans", target, list(names.values()))
    yield b"["
    first = True
    for records in record_batches(session=session, project=task.project, record_ids=None):
        weak = _outputs(session, run_id, records[0][0], records[-1][0])
        for rid, external_id, data in records:
            if rid not in weak:
                continue
            outputs = weak[rid]
            score = float(np.mean([output[1] for output in outputs]))
            if task.kind is TaskKind.EXTRACTION:
                text = data.get(target) or ""
                result = [span_result(control, names[o[0]], o[4], o[5], text, score=o[1])
                          for o in outputs]
            else:
                result = [choices_result(control, [names[o[0]] for o in outputs])]
            item = {"id": rid, "data": {**data, "external_id": external_id},
                    "predictions": [{"model_version": model_version, "score": score,
                                     "result": result}]}
            yield (b"" if first else b",") + json.dumps(item, ensure_ascii=False).encode()
            first = False
    yield b"]"


def label_matrix_npz(*, session: Session, task: LabelingTask) -> bytes:
    """The task's current label matrix as an .npz, with ``heuristics`` (column names),
    ``labels`` and ``record_ids`` (external ids, row order of the records).

    Classification, as Snorkel takes it: ``L`` (records × heuristics; -1 = abstain, else an
    index into ``labels``). Extraction, per token as skweak works: ``L`` (tokens of all
    records × heuristics; -1 = abstain, 0 = OUTSIDE, ``i`` = ``labels[i]``, whose first entry
    is ``OUTSIDE``), ``offsets`` (record ``r`` owns rows ``offsets[r]:offsets[r + 1]``) and
    ``tokens`` (the token texts). A heuristic votes OUTSIDE on the tokens of a record where
    it tagged something else and abstains in records where it tagged nothing. Multi-label,
    one binary matrix per label as Snorkel is used there: ``L`` (labels × records ×
    heuristics; 1 = voted the label, 0 = voted other labels on the record, -1 = no vote on
    the record)."""
    current = stats.current_outputs(session=session, task=task)
    rows = session.execute(select(Record.id, Record.external_id).where(
        Record.project_id == task.project_id).order_by(Record.id)).all()
    record_ids = np.asarray([rid for rid, _ in rows], dtype=np.int64)
    names = dict(session.execute(select(Heuristic.id, Heuristic.name).where(
        Heuristic.task_id == task.id)).all())
    arrays = {"heuristics": np.array([names[h] for h in current.heuristic_ids]),
              "record_ids": np.array([external for _, external in rows])}
    if task.kind is TaskKind.CLASSIFICATION:
        arrays |= {"L": stats.label_matrix(session=session, task=task, current=current,
                                           record_ids=record_ids),
                   "labels": np.array([label.name for label in task.labels])}
    elif task.kind is TaskKind.MULTILABEL:
        votes, _, _ = stats.multilabel_arrays(stats.filtered_outputs(session, current, None),
                                              {}, task=task, current=current,
                                              record_ids=record_ids)
        fired = votes.any(axis=2)
        arrays |= {"L": np.where(votes, 1, np.where(fired[:, :, None], 0, -1))
                   .transpose(2, 0, 1).astype(np.int8),
                   "labels": np.array([label.name for label in task.labels])}
    else:
        arrays |= _token_label_matrix(session, task, current, record_ids)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _token_label_matrix(session: Session, task: LabelingTask, current: stats.CurrentOutputs,
                        record_ids: np.ndarray) -> dict[str, np.ndarray]:
    labels = [label.name for label in task.labels]
    texts = dict(session.execute(select(Record.id, Record.data).where(
        Record.project_id == task.project_id)).all())
    offsets = stored_offsets(session=session, attribute_id=task.target_attribute_id)
    votes = stats.span_votes(session=session, task=task, current=current)
    nothing = [[] for _ in current.run_ids]
    records = [RecordSpans(len(offsets.get(rid, ((), ()))[0]), votes.get(rid, nothing))
               for rid in record_ids.tolist()]
    matrix, bounds = token_label_matrix(records, labels=labels)
    attribute = task.target_attribute.name
    tokens = [str(texts[rid].get(attribute) or "")[start:end]
              for rid in record_ids.tolist()
              for start, end in zip(*offsets.get(rid, ((), ())), strict=True)]
    return {"L": matrix, "offsets": bounds, "labels": np.array([OUTSIDE, *labels]),
            "tokens": np.array(tokens, dtype=str)}
