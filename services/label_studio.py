"""Label Studio export and import of a project: its labeling configuration, its records as
tasks with the manual labels as annotations (one per annotator, gold ones as
``ground_truth``), the latest weak labels and the heuristics' votes as predictions; and a
Label Studio export read back as manual labels.

Every labeling task is one control named like the task: ``<Choices>`` on the project's main
text (``choice="multiple"`` for multi-label tasks) or ``<Labels>`` on an extraction task's
target. An annotation holds one annotator's labels of one task and names both
(``heurist_annotator``, ``heurist_task``: Label Studio ignores these keys; it assigns the
annotations to the user who imports them). A task's ``meta`` holds the record's
``external_id`` and its reference label per task (spans in characters).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from formats.label_studio import (
    ANNOTATOR_KEY,
    TASK_KEY,
    Control,
    LabelStudioRegion,
    LabelStudioTask,
    choices_result,
    labeling_config,
    read_tasks,
    span_result,
    utf16_to_code_points,
)
from heuristics.errors import HeuristError, InvalidInputError
from heuristics.learners.votes import VoteRule
from heuristics.tokens import char_span_to_token_span
from store import stats
from store.auth import get_or_create_user
from store.events import publish_many
from store.heuristic_lookups import latest_weak_supervision
from store.locks import RECORD_LABELS, lock_keys
from store.manual_labels import SpanInput, manual_labels_of, replace_labels
from store.models import (
    Heuristic,
    LabelingTask,
    ManualLabel,
    Output,
    Project,
    Record,
    Review,
    TaskKind,
    User,
    utcnow,
)
from store.record_subsets import record_batches
from store.records import tasks_of
from store.reference import reference_labels
from store.tasks import count_label_changes, text_attribute_name
from store.tokenization import stored_offsets, tokenize_attribute

KINDS = {TaskKind.CLASSIFICATION: "single", TaskKind.MULTILABEL: "multiple",
         TaskKind.EXTRACTION: "spans"}


def task_controls(*, session: Session, project: Project) -> list[tuple[LabelingTask, Control]]:
    """Each labeling task of the project with its Label Studio control."""
    return [(task, Control(task.name, KINDS[task.kind],
                           text_attribute_name(session=session, task=task),
                           [label.name for label in task.labels],
                           [label.color for label in task.labels]))
            for task in tasks_of(session=session, project=project)]


def label_studio_config(*, session: Session, project: Project) -> str:
    """The labeling configuration (XML) of the project's tasks."""
    controls = [control for _, control in task_controls(session=session, project=project)]
    if not controls:
        raise InvalidInputError("the project has no labeling task to configure")
    return labeling_config(controls)


@dataclass
class _Batch:
    """What one batch of records needs, read once per batch."""

    labels: dict[tuple[int, int], list[ManualLabel]] = field(
        default_factory=lambda: defaultdict(list))
    reviews: dict[tuple[int, int], set[tuple[str, bool]]] = field(
        default_factory=lambda: defaultdict(set))
    references: dict[int, dict] = field(default_factory=dict)
    offsets: dict[int, dict] = field(default_factory=dict)
    predicted: dict[int, dict[int, list[tuple]]] = field(default_factory=dict)
    """Votes of each predicting run (by run id), by record."""


@dataclass(frozen=True)
class _Predictor:
    """A run whose votes become predictions: a weak-supervision run, or a heuristic's
    current run (``votes`` says which of its outputs are votes)."""

    run_id: int
    model_version: str
    votes: VoteRule = VoteRule()


def _predictors(session: Session, task: LabelingTask, *, weak: bool,
                heuristics: bool) -> list[_Predictor]:
    predictors = []
    if weak and (run := latest_weak_supervision(session=session, task=task)) is not None:
        predictors.append(_Predictor(run.id, f"heurist-run-{run.id}"))
    if heuristics:
        current = stats.current_outputs(session=session, task=task)
        filters = current.filters(session)
        names = dict(session.execute(select(Heuristic.id, Heuristic.name).where(
            Heuristic.task_id == task.id)).all())
        predictors += [_Predictor(run_id, f"heurist-run-{run_id} {names[heuristic_id]}",
                                  filters[run_id])
                       for heuristic_id, run_id in zip(current.heuristic_ids, current.run_ids,
                                                       strict=True)]
    return predictors


def _read_batch(session: Session, controls: list[tuple[LabelingTask, Control]],
                predictors: dict[int, list[_Predictor]], record_ids: list[int]) -> _Batch:
    batch = _Batch()
    for manual_label in manual_labels_of(session=session, record_ids=record_ids):
        batch.labels[manual_label.record_id, manual_label.task_id].append(manual_label)
    for rid, task_id, name, is_gold in session.execute(
            select(Review.record_id, Review.task_id, User.name, Review.is_gold)
            .join(User, User.id == Review.annotator_id)
            .where(Review.record_id.in_(record_ids))):
        batch.reviews[rid, task_id].add((name, bool(is_gold)))
    span = (record_ids[0], record_ids[-1])
    for task, _ in controls:
        batch.references[task.id] = reference_labels(session=session, task=task,
                                                     record_ids=record_ids)
        if task.kind is TaskKind.EXTRACTION:
            batch.offsets[task.id] = stored_offsets(
                session=session, attribute_id=task.target_attribute_id, record_range=span)
    votes = {p.run_id: p.votes for ps in predictors.values() for p in ps}
    for run_id in votes:
        batch.predicted[run_id] = defaultdict(list)
    if votes:
        for run_id, rid, label_id, confidence, start, end in session.execute(
                select(Output.run_id, Output.record_id, Output.label_id, Output.confidence,
                       Output.char_start, Output.char_end)
                .where(Output.run_id.in_(list(votes)), Output.record_id.in_(record_ids))
                .order_by(Output.record_id, Output.token_start, Output.label_id)):
            if votes[run_id].accepts(label_id, confidence):
                batch.predicted[run_id][rid].append((label_id, confidence, start, end))
    return batch


def _plain_reference(task: LabelingTask, reference: object, offsets: tuple | None) -> object:
    if reference is None or task.kind is TaskKind.CLASSIFICATION:
        return reference
    if task.kind is TaskKind.MULTILABEL:
        return sorted(reference)
    starts, ends = offsets or ((), ())
    return [{"label": label, "start": starts[first], "end": ends[last - 1]}
            for label, first, last in sorted(reference, key=lambda s: (s[1], s[2], s[0]))]


def _annotations(task: LabelingTask, control: Control, labels: list[ManualLabel],
                 reviewers: set[tuple[str, bool]], text: str) -> list[dict]:
    """One annotation per annotator (and gold flag) of the record in one task."""
    grouped: dict[tuple[str, bool], list[ManualLabel]] = {key: [] for key in sorted(reviewers)}
    for manual_label in labels:
        grouped.setdefault((manual_label.annotator.name, manual_label.is_gold),
                           []).append(manual_label)
    annotations = []
    for (annotator, is_gold), own in grouped.items():
        if task.kind is TaskKind.EXTRACTION:
            result = [span_result(control, m.label.name, m.char_start, m.char_end, text)
                      for m in sorted(own, key=lambda m: (m.char_start, m.char_end))]
        else:
            result = [choices_result(control, [m.label.name for m in own])] if own else []
        annotations.append({"result": result, "ground_truth": is_gold, "was_cancelled": False,
                            ANNOTATOR_KEY: annotator, TASK_KEY: task.name})
    return annotations


def _prediction(task: LabelingTask, control: Control, model_version: str,
                outputs: list[tuple], text: str) -> dict:
    names = {label.id: label.name for label in task.labels}
    if task.kind is TaskKind.EXTRACTION:
        result = [span_result(control, names[label_id], start, end, text, score=confidence)
                  for label_id, confidence, start, end in outputs]
    else:
        result = [choices_result(control, [names[o[0]] for o in outputs],
                                 score=min(o[1] for o in outputs))]
    return {"model_version": model_version,
            "score": sum(o[1] for o in outputs) / len(outputs), "result": result}


def label_studio_tasks(*, session: Session, project: Project,
                       record_ids: Sequence[int] | None = None, weak: bool = True,
                       heuristics: bool = False) -> Iterator[dict]:
    """The records (every one, or those of ``record_ids``) as Label Studio tasks, in id
    order: attributes as ``data``, manual labels as annotations, and as predictions each
    task's latest successful weak-supervision run (``weak``; ``model_version``
    ``heurist-run-<id>``) and its heuristics' current votes (``heuristics``;
    ``heurist-run-<id> <name>``), ``score`` the mean confidence, each result its own."""
    controls = task_controls(session=session, project=project)
    predictors = {task.id: _predictors(session, task, weak=weak, heuristics=heuristics)
                  for task, _ in controls}
    attributes = [a.name for a in project.attributes]
    for rows in record_batches(session=session, project=project, record_ids=record_ids):
        batch = _read_batch(session, controls, predictors, [row[0] for row in rows])
        for rid, external_id, data in rows:
            annotations, predicted, references = [], [], {}
            for task, control in controls:
                text = str(data.get(control.attribute) or "")
                annotations += _annotations(task, control, batch.labels.get((rid, task.id), []),
                                            batch.reviews.get((rid, task.id), set()), text)
                references[task.name] = _plain_reference(
                    task, batch.references[task.id].get(rid),
                    batch.offsets.get(task.id, {}).get(rid))
                for predictor in predictors[task.id]:
                    if outputs := batch.predicted[predictor.run_id].get(rid):
                        predicted.append(_prediction(task, control, predictor.model_version,
                                                     outputs, text))
            yield {"data": {name: data.get(name) for name in attributes},
                   "meta": {"external_id": external_id, "reference": references},
                   "annotations": annotations, "predictions": predicted}


@dataclass
class LabelStudioImport:
    """What an import of a Label Studio export stored."""

    tasks: int = 0
    annotations: int = 0
    manual_labels: int = 0
    reviews: int = 0
    annotators: list[str] = field(default_factory=list)


def _records(session: Session, project: Project, tasks: list[LabelStudioTask],
             id_field: str) -> list[Record]:
    """The project's record of each Label Studio task, found by ``id_field`` in its meta or
    data (an integer id in the file counts as its text)."""
    wanted = []
    for task in tasks:
        value = task.meta.get(id_field, task.data.get(id_field))
        if value is None or isinstance(value, bool | dict | list):
            raise InvalidInputError(f"task {task.number}: no {id_field!r} in its meta or data "
                                    "to find its record by", field="id_field")
        wanted.append(str(value))
    found: dict[str, Record] = {}
    unique = sorted(set(wanted))
    for start in range(0, len(unique), 5_000):
        found.update((record.external_id, record) for record in session.scalars(
            select(Record).where(Record.project_id == project.id,
                                 Record.external_id.in_(unique[start:start + 5_000]))))
    for task, external_id in zip(tasks, wanted, strict=True):
        if external_id not in found:
            raise InvalidInputError(f"task {task.number}: no record {external_id!r} in this "
                                    "project", field="id_field")
    return [found[external_id] for external_id in wanted]


def _span(region: LabelStudioRegion, text: str, number: int) -> SpanInput:
    """The region's character offsets, checked against its text; offsets of older Label
    Studio versions (UTF-16 code units) are converted."""
    start, end = region.start, region.end
    if region.text is not None and text[start:end] != region.text:
        converted = utf16_to_code_points(text, start, end)
        if converted is None or text[converted[0]:converted[1]] != region.text:
            raise InvalidInputError(
                f"task {number}: the span {start}..{end} of {region.control!r} reads "
                f"{text[start:end]!r}, not {region.text!r}", field="value.text")
        start, end = converted
    if end > len(text):
        raise InvalidInputError(f"task {number}: the span {start}..{end} of "
                                f"{region.control!r} ends after the text ({len(text)} "
                                "characters)", field="value.end")
    return SpanInput(char_start=start, char_end=end)


def _check_region(task: LabelingTask, region: LabelStudioRegion, number: int) -> None:
    if region.is_span != (task.kind is TaskKind.EXTRACTION):
        wanted = "spans (labels)" if task.kind is TaskKind.EXTRACTION else "choices"
        raise InvalidInputError(f"task {number}: {region.control!r} is a {task.kind.value} "
                                f"task and takes {wanted}", field="type")
    known = {label.name for label in task.labels}
    for label in region.labels:
        if label not in known:
            raise InvalidInputError(f"task {number}: {label!r} is not a label of "
                                    f"{task.name!r} (labels: {', '.join(sorted(known))})",
                                    field="value")


def _annotation_items(task: LabelingTask, regions: list[LabelStudioRegion], text: str,
                      number: int) -> list[tuple[str, SpanInput]]:
    """(label, span) pairs of one annotation in one task."""
    for region in regions:
        _check_region(task, region, number)
    if task.kind is TaskKind.EXTRACTION:
        return [(label, _span(region, text, number))
                for region in regions for label in region.labels]
    names = [label for region in regions for label in region.labels]
    if task.kind is TaskKind.CLASSIFICATION and len(names) > 1:
        raise InvalidInputError(f"task {number}: the classification task {task.name!r} takes "
                                f"one choice per annotation, not {names}",
                                field="value.choices")
    return [(name, SpanInput()) for name in dict.fromkeys(names)]


def import_label_studio(*, session: Session, project: Project, stream: BinaryIO,
                        default_annotator: User,
                        id_field: str = "external_id") -> LabelStudioImport:
    """Store the annotations of a Label Studio export as manual labels; commits, all or
    nothing.

    Each task's record is found by ``id_field`` in the task's ``meta`` or ``data``; each
    result's ``from_name`` names a labeling task of the project. An annotation's labels
    replace what its annotator (``heurist_annotator``, else ``completed_by``: the email, or
    ``label-studio-<id>``; else ``default_annotator``) had on the record in that task, gold
    ones (``ground_truth``) the gold labels. In multi-label and extraction tasks the
    annotation also marks the record reviewed (an empty one: reviewed, nothing to mark).
    Cancelled annotations and predictions are left out.
    """
    tasks = read_tasks(stream)
    by_name = {task.name: task for task in tasks_of(session=session, project=project)}
    records = _records(session, project, tasks, id_field)
    lock_keys(session=session, space=RECORD_LABELS,
              keys=sorted({record.id for record in records}))
    result = LabelStudioImport(tasks=len(tasks))
    users: dict[str, User] = {}
    plan: dict[tuple[str, str, bool], dict[int, tuple[int, Record, list]]] = defaultdict(dict)
    for ls_task, record in zip(tasks, records, strict=True):
        for annotation in ls_task.annotations:
            regions: dict[str, list[LabelStudioRegion]] = defaultdict(list)
            for region in annotation.regions:
                if region.control not in by_name:
                    raise InvalidInputError(
                        f"task {ls_task.number}: {region.control!r} is not a labeling task of "
                        f"this project (tasks: {', '.join(sorted(by_name)) or 'none'})",
                        field="from_name")
                regions[region.control].append(region)
            if not regions:
                regions = {name: [] for name in by_name
                           if by_name[name].kind is not TaskKind.CLASSIFICATION
                           and annotation.task in (None, name)}
            name = annotation.annotator or default_annotator.name
            for control, own in regions.items():
                task = by_name[control]
                target = task.target_attribute.name if task.target_attribute else None
                items = _annotation_items(task, own, str(record.data.get(target) or ""),
                                          ls_task.number)
                # a later annotation of the same annotator replaces an earlier one
                plan[control, name, annotation.ground_truth][record.id] = (
                    ls_task.number, record, items)
            result.annotations += 1
    for name in sorted({name for _, name, _ in plan}):
        users[name] = get_or_create_user(session=session, name=name)
    touched: dict[int, set[int]] = defaultdict(set)
    for (control, name, is_gold), chosen in plan.items():
        task = by_name[control]
        _replace(session, task, users[name], is_gold, chosen, result)
        touched[task.id] |= set(chosen)
    _finish(session, by_name, touched, result, users)
    return result


def _replace(session: Session, task: LabelingTask, annotator: User, is_gold: bool,
             chosen: dict[int, tuple[int, Record, list[tuple[str, SpanInput]]]],
             result: LabelStudioImport) -> None:
    """Replace the annotator's labels of the chosen records in the task (record id to the
    Label Studio task number, the record and its (label, span) pairs); no commit."""
    record_ids = sorted(chosen)
    if task.kind is TaskKind.EXTRACTION:
        for start in range(0, len(record_ids), 5_000):
            session.execute(delete(ManualLabel).where(
                ManualLabel.task_id == task.id, ManualLabel.annotator_id == annotator.id,
                ManualLabel.is_gold == is_gold,
                ManualLabel.record_id.in_(record_ids[start:start + 5_000])))
        spans = _span_rows(session, task, annotator, is_gold, chosen)
        for start in range(0, len(spans), 5_000):
            session.execute(insert(ManualLabel), spans[start:start + 5_000])
    else:
        replace_labels(session=session, task=task, annotator=annotator, is_gold=is_gold,
                       given={record: {label for label, _ in items}
                              for _, record, items in chosen.values()})
    result.manual_labels += sum(len(items) for _, _, items in chosen.values())
    if task.kind is not TaskKind.CLASSIFICATION:
        reviewed = {rid for start in range(0, len(record_ids), 5_000)
                    for rid in session.scalars(select(Review.record_id).where(
                        Review.task_id == task.id, Review.annotator_id == annotator.id,
                        Review.is_gold == is_gold,
                        Review.record_id.in_(record_ids[start:start + 5_000])))}
        missing = [rid for rid in record_ids if rid not in reviewed]
        if missing:
            session.execute(insert(Review), [
                {"record_id": rid, "task_id": task.id, "annotator_id": annotator.id,
                 "is_gold": is_gold, "created_at": utcnow()} for rid in missing])
        result.reviews += len(record_ids)


def _span_rows(session: Session, task: LabelingTask, annotator: User, is_gold: bool,
               chosen: dict[int, tuple[int, Record, list[tuple[str, SpanInput]]]]
               ) -> list[dict]:
    """Manual-label rows of the chosen spans, snapped to the stored tokens (a span that
    repeats another of the annotator's in the record is stored once)."""
    attribute = task.target_attribute
    tokenize_attribute(session=session, attribute=attribute, record_ids=list(chosen))
    offsets = stored_offsets(session=session, attribute_id=attribute.id,
                             record_range=(min(chosen), max(chosen)))
    label_ids = {label.name: label.id for label in task.labels}
    rows: dict[tuple[int, str], dict] = {}
    for record_id, (number, record, items) in chosen.items():
        starts, ends = offsets.get(record_id, ([], []))
        text_length = len(str(record.data.get(attribute.name) or ""))
        for label, span in items:
            try:
                first, last = char_span_to_token_span(starts, ends, span.char_start,
                                                      span.char_end, text_length=text_length)
            except HeuristError as error:
                raise type(error)(f"task {number}: {error.message}", field=error.field
                                  ) from error
            slot = f"{label_ids[label]}:{first}:{last}"
            rows[record_id, slot] = {
                "record_id": record_id, "task_id": task.id, "label_id": label_ids[label],
                "annotator_id": annotator.id, "is_gold": is_gold, "slot": slot,
                "token_start": first, "token_end": last, "char_start": starts[first],
                "char_end": ends[last - 1]}
    return list(rows.values())


def _finish(session: Session, by_name: dict[str, LabelingTask], touched: dict[int, set[int]],
            result: LabelStudioImport, users: dict[str, User]) -> None:
    for task in by_name.values():
        if task.id not in touched:
            continue
        count_label_changes(session=session, task=task, n=len(touched[task.id]))
        session.flush()
        stats.recompute(session=session, task=task)
        publish_many(session=session, project_id=task.project_id, type="labels.changed",
                     payloads=[{"task_id": task.id, "record_id": rid}
                               for rid in sorted(touched[task.id])])
    result.annotators = sorted(users)
    session.commit()
