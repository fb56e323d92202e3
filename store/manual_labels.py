"""Use cases for manual labels: one annotator's label (or span) on one record for one task."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError, InvalidInputError, NotFoundError
from heuristics.tokens import char_span_to_token_span, token_span_to_char_span
from store.id_lists import ids_in
from store.models import Label, LabelingTask, ManualLabel, Project, Record, TaskKind, User
from store.projects import in_project
from store.tasks import find_label
from store.tokenization import get_tokenization


@dataclass(frozen=True)
class SpanInput:
    """A span given either in token offsets or in char offsets (end exclusive)."""

    token_start: int | None = None
    token_end: int | None = None
    char_start: int | None = None
    char_end: int | None = None

    @property
    def has_tokens(self) -> bool:
        return self.token_start is not None or self.token_end is not None

    @property
    def has_chars(self) -> bool:
        return self.char_start is not None or self.char_end is not None


NO_SPAN = SpanInput()


@dataclass(frozen=True)
class ResolvedSpan:
    token_start: int
    token_end: int
    char_start: int
    char_end: int


def get_record(*, session: Session, project: Project, record_id: int) -> Record:
    return in_project(session=session, model=Record, row_id=record_id, project=project,
                      what="record")


@dataclass(frozen=True)
class LabelItem:
    """One label of a bulk request."""

    record: Record
    label_name: str
    annotator: User
    is_gold: bool = False


def records_by_reference(*, session: Session, project: Project,
                         references: list[tuple[int | None, str | None]]) -> list[Record]:
    """The project's records named by (record id, external id) pairs, in order;
    InvalidInputError naming the first item (0-based) that names none or both."""
    ids = {record_id for record_id, _ in references if record_id is not None}
    external = {external_id for _, external_id in references if external_id is not None}
    found = list(session.scalars(select(Record).where(
        Record.project_id == project.id, ids_in(Record.id, ids)))) if ids else []
    by_id = {record.id: record for record in found}
    by_external: dict[str, Record] = {}
    for start in range(0, len(external), 5_000):
        chunk = sorted(external)[start:start + 5_000]
        by_external.update((record.external_id, record) for record in session.scalars(
            select(Record).where(Record.project_id == project.id,
                                 Record.external_id.in_(chunk))))
    records = []
    for index, (record_id, external_id) in enumerate(references):
        if (record_id is None) == (external_id is None):
            raise InvalidInputError(f"item {index}: give record_id or external_id (one)",
                                    field=f"labels[{index}]")
        record = by_id.get(record_id) if record_id is not None else by_external.get(external_id)
        if record is None:
            name = record_id if record_id is not None else repr(external_id)
            raise InvalidInputError(f"item {index}: no record {name} in this project",
                                    field=f"labels[{index}]")
        records.append(record)
    return records


def get_manual_label(*, session: Session, project: Project, manual_label_id: int) -> ManualLabel:
    manual_label = session.scalar(
        select(ManualLabel).join(Record, Record.id == ManualLabel.record_id)
        .where(ManualLabel.id == manual_label_id, Record.project_id == project.id))
    if manual_label is None:
        raise NotFoundError(f"manual label {manual_label_id} does not exist in this project")
    return manual_label


def resolve_span(*, session: Session, task: LabelingTask, record: Record,
                 span: SpanInput) -> ResolvedSpan:
    """Token and char offsets of a span on the task's stored tokens; errors if outside the text."""
    attribute = task.target_attribute
    tokenization = get_tokenization(session=session, record_id=record.id, attribute=attribute)
    starts, ends = tokenization.starts, tokenization.ends
    if span.has_tokens:
        if span.token_start is None or span.token_end is None:
            raise InvalidInputError("a span needs both token_start and token_end",
                                    field="token_end")
        char_start, char_end = token_span_to_char_span(starts, ends, span.token_start,
                                                       span.token_end)
        return ResolvedSpan(span.token_start, span.token_end, char_start, char_end)
    if span.char_start is None or span.char_end is None:
        raise InvalidInputError("extraction labels need a span: token_start/token_end or "
                                "char_start/char_end", field="span")
    text = str(record.data.get(attribute.name) or "")
    token_start, token_end = char_span_to_token_span(
        starts, ends, span.char_start, span.char_end, text_length=len(text))
    return ResolvedSpan(token_start, token_end, starts[token_start], ends[token_end - 1])


def slot_of(task: LabelingTask, label: Label, span: ResolvedSpan | None) -> str:
    """The part of the natural key that tells two labels of one annotator apart."""
    if task.kind is TaskKind.CLASSIFICATION:
        return ""
    if task.kind is TaskKind.MULTILABEL:
        return str(label.id)
    return f"{label.id}:{span.token_start}:{span.token_end}"


def add_manual_label(*, session: Session, task: LabelingTask, record: Record, label_name: str,
                     annotator: User, is_gold: bool = False, span: SpanInput = NO_SPAN,
                     row: int | None = None) -> ManualLabel:
    """Store a manual label without committing.

    Classification keeps one label per annotator (and one gold label per record): a new one
    replaces the old. Multi-label and span labels must not repeat.
    """
    label = find_label(task, label_name, row=row)
    resolved = None
    if task.kind is TaskKind.EXTRACTION:
        resolved = resolve_span(session=session, task=task, record=record, span=span)
    elif span.has_tokens or span.has_chars:
        raise InvalidInputError(f"{task.kind.value} labels have no span", field="span", row=row)
    slot = slot_of(task, label, resolved)
    if task.kind is TaskKind.CLASSIFICATION:
        _drop_replaced(session, record=record, task=task, annotator_id=annotator.id,
                       is_gold=is_gold)
    elif session.scalar(select(ManualLabel.id).where(
            ManualLabel.record_id == record.id, ManualLabel.task_id == task.id,
            ManualLabel.annotator_id == annotator.id, ManualLabel.is_gold == is_gold,
            ManualLabel.slot == slot)) is not None:
        raise ConflictError(f"{annotator.name} has this label on record "
                            f"{record.external_id!r} already", field="label", row=row)
    manual_label = ManualLabel(record_id=record.id, task_id=task.id, label=label,
                               annotator=annotator, is_gold=is_gold, slot=slot)
    _set_span(manual_label, resolved)
    session.add(manual_label)
    session.flush()
    return manual_label


def add_manual_labels(*, session: Session, task: LabelingTask,
                      items: list[LabelItem]) -> list[int]:
    """Store many classification or multi-label labels without committing, set-wise: the
    ids of the labels stored, in the items' order.

    The rules of :func:`add_manual_label` hold: a classification label replaces the
    annotator's (or, gold, any) earlier one, a later item an earlier item; a repeated
    multi-label label is a ConflictError. Errors name the first bad item (0-based).
    """
    if task.kind is TaskKind.EXTRACTION:
        raise InvalidInputError("spans are labelled one by one; bulk labels are for "
                                "classification and multi-label tasks", field="task_id")
    label_ids = {label.name: label.id for label in task.labels}
    rows: dict[tuple, dict] = {}
    for index, item in enumerate(items):
        if item.label_name not in label_ids:
            find_label(task, item.label_name, field=f"labels[{index}]")
        label_id = label_ids[item.label_name]
        single = task.kind is TaskKind.CLASSIFICATION
        slot = "" if single else str(label_id)
        annotator = None if single and item.is_gold else item.annotator.id
        key = (item.record.id, annotator, item.is_gold, slot)
        if not single and key in rows:
            raise ConflictError(f"item {index}: the label repeats an earlier item",
                                field=f"labels[{index}]")
        rows.pop(key, None)  # a later classification item replaces an earlier one
        rows[key] = {"record_id": item.record.id, "task_id": task.id, "label_id": label_id,
                     "annotator_id": item.annotator.id, "is_gold": item.is_gold,
                     "slot": slot}
    if task.kind is TaskKind.CLASSIFICATION:
        _drop_replaced_many(session, task, list(rows.values()))
    else:
        _check_no_repeats(session, task, list(rows.values()), items)
    ids: list[int] = []
    values = list(rows.values())
    for start in range(0, len(values), 5_000):
        ids += session.scalars(insert(ManualLabel).returning(
            ManualLabel.id, sort_by_parameter_order=True), values[start:start + 5_000]).all()
    return ids


def _drop_replaced_many(session: Session, task: LabelingTask, rows: list[dict]) -> None:
    """Delete what many classification labels replace, as :func:`_drop_replaced` does."""
    gold = sorted({row["record_id"] for row in rows if row["is_gold"]})
    own: dict[int, set[int]] = defaultdict(set)   # annotator -> records (a plain IN per
    for row in rows:                               # annotator plans far faster than pairs)
        if not row["is_gold"]:
            own[row["annotator_id"]].add(row["record_id"])
    batches = [(True, None, gold)] + [(False, annotator, sorted(records))
                                      for annotator, records in sorted(own.items())]
    for is_gold, annotator, record_ids in batches:
        for start in range(0, len(record_ids), 5_000):
            query = delete(ManualLabel).where(
                ManualLabel.task_id == task.id, ManualLabel.is_gold.is_(is_gold),
                ids_in(ManualLabel.record_id, record_ids[start:start + 5_000]))
            if annotator is not None:
                query = query.where(ManualLabel.annotator_id == annotator)
            session.execute(query)


def _check_no_repeats(session: Session, task: LabelingTask, rows: list[dict],
                      items: list[LabelItem]) -> None:
    """ConflictError naming the first item whose multi-label label is stored already."""
    record_ids = sorted({row["record_id"] for row in rows})
    stored = set()
    for start in range(0, len(record_ids), 5_000):
        stored.update(tuple(row) for row in session.execute(select(
            ManualLabel.record_id, ManualLabel.annotator_id, ManualLabel.is_gold,
            ManualLabel.slot).where(
                ManualLabel.task_id == task.id,
                ids_in(ManualLabel.record_id, record_ids[start:start + 5_000]))))
    for row in rows:
        key = (row["record_id"], row["annotator_id"], row["is_gold"], row["slot"])
        if key in stored:
            index = next(i for i, item in enumerate(items)
                         if (item.record.id, item.annotator.id, item.is_gold) == key[:3]
                         and str(find_label(task, item.label_name).id) == key[3])
            raise ConflictError(f"item {index}: {items[index].annotator.name} has this label "
                                f"on record {items[index].record.external_id!r} already",
                                field=f"labels[{index}]")


def _drop_replaced(session: Session, *, record: Record, task: LabelingTask, annotator_id: int,
                   is_gold: bool, keep_id: int | None = None) -> None:
    """Delete what a classification label replaces: the annotator's label, or any gold label."""
    replaced = delete(ManualLabel).where(
        ManualLabel.record_id == record.id, ManualLabel.task_id == task.id,
        ManualLabel.is_gold == is_gold, ManualLabel.id != (keep_id or -1))
    if not is_gold:
        replaced = replaced.where(ManualLabel.annotator_id == annotator_id)
    session.execute(replaced)


def _set_span(manual_label: ManualLabel, span: ResolvedSpan | None) -> None:
    manual_label.token_start = span.token_start if span else None
    manual_label.token_end = span.token_end if span else None
    manual_label.char_start = span.char_start if span else None
    manual_label.char_end = span.char_end if span else None


def update_manual_label(*, session: Session, manual_label: ManualLabel, task: LabelingTask,
                        record: Record, label_name: str | None, is_gold: bool | None,
                        span: SpanInput | None) -> ManualLabel:
    """Change the label, gold flag or span of a manual label (no commit)."""
    label = find_label(task, label_name) if label_name is not None else manual_label.label
    resolved = None
    if task.kind is TaskKind.EXTRACTION:
        current = SpanInput(token_start=manual_label.token_start,
                            token_end=manual_label.token_end)
        resolved = resolve_span(session=session, task=task, record=record,
                                span=span if span and (span.has_tokens or span.has_chars)
                                else current)
    elif span is not None and (span.has_tokens or span.has_chars):
        raise InvalidInputError(f"{task.kind.value} labels have no span", field="span")
    gold = manual_label.is_gold if is_gold is None else is_gold
    slot = slot_of(task, label, resolved)
    if task.kind is TaskKind.CLASSIFICATION:
        _drop_replaced(session, record=record, task=task, annotator_id=manual_label.annotator_id,
                       is_gold=gold, keep_id=manual_label.id)
    clash = session.scalar(select(ManualLabel.id).where(
        ManualLabel.record_id == record.id, ManualLabel.task_id == task.id,
        ManualLabel.annotator_id == manual_label.annotator_id, ManualLabel.is_gold == gold,
        ManualLabel.slot == slot, ManualLabel.id != manual_label.id))
    if clash is not None:
        raise ConflictError("the annotator has this label on the record already", field="label")
    manual_label.label = label
    manual_label.is_gold = gold
    manual_label.slot = slot
    _set_span(manual_label, resolved)
    session.flush()
    return manual_label


def manual_labels_of(*, session: Session, record_ids: list[int],
                     task_id: int | None = None) -> list[ManualLabel]:
    """Manual labels of these records (optionally of one task), oldest first."""
    query = select(ManualLabel).where(ManualLabel.record_id.in_(record_ids))
    if task_id is not None:
        query = query.where(ManualLabel.task_id == task_id)
    return list(session.scalars(query.order_by(ManualLabel.id)))


def replace_labels(*, session: Session, task: LabelingTask, annotator: User, is_gold: bool,
                   given: Mapping[Record, set[str]]) -> list[Record]:
    """Make the annotator's labels (gold or not) of each record the label names ``given``
    for it, where they differ; the records changed. A classification task's gold label is
    the record's one gold label, whoever gave it (as :func:`add_manual_labels` has it).
    No commit; the caller holds the records' label locks."""
    if task.kind is TaskKind.EXTRACTION:
        raise InvalidInputError("spans are not replaced by name", field="task_id")
    label_ids = {label.name: label.id for label in task.labels}
    for name in set().union(*given.values()) - set(label_ids):
        find_label(task, name)   # a NotFoundError naming the task's labels
    anyone = is_gold and task.kind is TaskKind.CLASSIFICATION

    def own(record_ids: list[int]) -> list:
        where = [ManualLabel.task_id == task.id, ManualLabel.is_gold.is_(is_gold),
                 ids_in(ManualLabel.record_id, record_ids)]
        return where if anyone else [*where, ManualLabel.annotator_id == annotator.id]

    records = sorted(given, key=lambda record: record.id)
    stored: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(records), 5_000):
        chunk = [record.id for record in records[start:start + 5_000]]
        for record_id, label_id in session.execute(
                select(ManualLabel.record_id, ManualLabel.label_id).where(*own(chunk))):
            stored[record_id].add(label_id)
    changed = [record for record in records
               if stored[record.id] != {label_ids[name] for name in given[record]}]
    for start in range(0, len(changed), 5_000):
        session.execute(delete(ManualLabel).where(
            *own([record.id for record in changed[start:start + 5_000]])))
    add_manual_labels(session=session, task=task, items=[
        LabelItem(record, name, annotator, is_gold)
        for record in changed for name in sorted(given[record])])
    return changed
