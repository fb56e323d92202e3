"""Editing a record's values: its imported attributes, converted as an import converts them.

What was made of the old values follows. The manual spans marked on an edited text move
with their text when none of its characters changed (:class:`heuristics.text_edits.TextEdit`)
and the tokens still bound them; the others are deleted (the task's reference and
statistics follow, and learners see the label changes). The text's stored tokens are made
again; its vectors are deleted and the embeddings' next runs make them again; the computed
attributes whose code reads an edited value are computed again for the record. Every
heuristic's votes on the record are out of date ("1 record edit since its run"), so tasks
that keep their functions current run them again (:func:`follow_up`).

Refused while a run of the project is under way (it may be reading the old values), and,
when the edit names the revision it was made from, when the record was edited since.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from formats.types import AttributeType, convert_value
from heuristics.attribute_reads import attributes_read
from heuristics.errors import ConflictError, InvalidInputError
from heuristics.text_edits import TextEdit
from heuristics.tokens import token_offsets, tokenize
from services import computed_attributes, out_of_date
from services.dispatch import RunDispatcher
from services.record_selection import chosen_record_ids, named_in_event
from store import record_edits, stats
from store.embeddings import refresh_embeddings
from store.events import publish, publish_many
from store.id_lists import ids_in
from store.locks import RECORD_LABELS, lock_keys, write_first
from store.manual_labels import ResolvedSpan, get_record
from store.models import Attribute, LabelingTask, ManualLabel, Project, Record, TaskKind
from store.record_filters import RecordFilter
from store.reference import reference_labels
from store.runs import run_under_way
from store.tasks import count_label_changes

RECORDS_EDITED = "records.edited"
"""The event an edit publishes: ``{"count": n, "attributes": [...], "record_ids": [...]}``
(the ids while they are at most :data:`services.record_selection.IDS_IN_EVENT`)."""


@dataclass(frozen=True)
class DroppedSpan:
    """A manual span an edit deletes: its own text changed."""

    task: str
    label: str
    text: str
    annotator: str
    is_gold: bool


@dataclass(frozen=True)
class Edited:
    """What an edit did (or, in a dry run, would do): the records whose values changed
    (``record_ids``), the attributes that changed in any of them, the manual spans that
    moved with their text and those deleted, the computed attributes computed again for
    those records and the embeddings that embed them again. ``record``: the record, for
    an edit of one."""

    record: Record | None = None
    matched: int = 0
    """Records the edit was asked for (one, for an edit of one)."""
    record_ids: list[int] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    spans_moved: int = 0
    dropped_spans: list[DroppedSpan] = field(default_factory=list)
    computed_again: list[str] = field(default_factory=list)
    embedded_again: list[str] = field(default_factory=list)


@dataclass
class _SpanPlan:
    task: LabelingTask
    record_id: int
    moves: list[tuple[ManualLabel, ResolvedSpan]]
    drops: list[ManualLabel]


APPLIED_ONE_BY_ONE = 20
"""Up to this many records with spans changed in a task, their statistics take each one's
change (cost: the task's heuristics, per record); more are counted again at once."""


def edit_record(*, session: Session, project: Project, record_id: int,
                values: Mapping[str, object], revision: int | None = None,
                dry_run: bool = False) -> Edited:
    """Set the record's ``values`` (imported attributes by name). ``revision``: the one the
    edit was made from (ConflictError when the record has another now). ConflictError
    while a run of the project is under way; InvalidInputError naming the attribute that
    is unknown, computed, or given a value of another type. Commits, unless nothing
    changes or ``dry_run``; then the caller's :func:`follow_up` queues what follows."""
    write_first(session=session)
    lock_keys(session=session, space=RECORD_LABELS, keys=[record_id])  # labels' writers too
    record = get_record(session=session, project=project, record_id=record_id)
    session.refresh(record)
    if revision is not None and revision != record.revision:
        raise ConflictError(f"record {record.id} was edited since you opened it (revision "
                            f"{record.revision} now): look at it again", field="revision")
    attributes = {a.name: a for a in project.attributes}
    edited = edit_values(session=session, project=project, records=[record],
                         values={record.id: _converted(attributes, values)}, dry_run=dry_run)
    _settle(session, edited, dry_run)
    return replace(edited, record=record, matched=1)


def edit_records(*, session: Session, project: Project, values: Mapping[str, object],
                 record_ids: list[int] | None = None, record_filter: RecordFilter | None = None,
                 expected: int | None = None, dry_run: bool = False) -> Edited:
    """Give every record named by ``record_ids`` or matching ``record_filter`` the same
    ``values`` (imported attributes by name), as :func:`edit_record` gives one record its
    values; ``expected``: the number the user was shown (ConflictError when the selection
    holds another now). Commits, unless nothing changes or ``dry_run``; then the caller's
    :func:`follow_up` queues what follows."""
    write_first(session=session)
    ids = chosen_record_ids(session=session, project=project, record_ids=record_ids,
                            record_filter=record_filter, expected=expected, action="edit")
    converted = _converted({a.name: a for a in project.attributes}, values)
    records = list(session.scalars(select(Record).where(Record.project_id == project.id,
                                                        ids_in(Record.id, ids))))
    edited = edit_values(session=session, project=project, records=records,
                         values={record.id: converted for record in records}, dry_run=dry_run)
    _settle(session, edited, dry_run)
    return replace(edited, matched=len(ids))


def _settle(session: Session, edited: Edited, dry_run: bool) -> None:
    """Commit an edit that changed something; a dry run or an edit of nothing, undone."""
    if dry_run or not edited.changed:
        session.rollback()
    else:
        session.commit()


def edit_values(*, session: Session, project: Project, records: list[Record],
                values: Mapping[int, Mapping[str, object]], dry_run: bool = False,
                action: str = "edit") -> Edited:
    """Set each record's ``values`` (by record id: imported attributes by name, converted
    already), with everything that follows (see the module's docstring), in the caller's
    transaction (no commit): the records' labels locked first. ConflictError while a run
    of the project is under way, unless nothing changes (``action``: what the user does,
    for its message)."""
    lock_keys(session=session, space=RECORD_LABELS, keys=sorted(r.id for r in records))
    by_id = {record.id: record for record in records}
    new = {rid: changes for rid, given in values.items()
           if (changes := {name: value for name, value in given.items()
                           if by_id[rid].data.get(name) != value})}
    if not new:
        return Edited()
    if (running := run_under_way(session=session, project_id=project.id)) is not None:
        raise ConflictError(f"{running} is under way: wait for it to end (or cancel it), "
                            f"then {action}", field="data")
    attributes = {a.name: a for a in project.attributes}
    changed = sorted({name for changes in new.values() for name in changes})
    spans = [plan for task in project.tasks
             if task.kind is TaskKind.EXTRACTION and task.target_attribute is not None
             and task.target_attribute.name in changed
             for plan in _follow_spans(session, task, by_id, new)]
    computed = {a.name: reads for a in computed_attributes.computed_attributes(
                    session=session, project=project)
                if (reads := set(attributes_read(a.source or "", changed)))
                and computed_attributes.computes_new_records(session=session, attribute=a)}
    embeddings = record_edits.embeddings_of(
        session=session, project_id=project.id,
        attribute_ids=[attributes[name].id for name in changed])
    edited = Edited(
        record_ids=sorted(new), changed=changed, spans_moved=sum(len(p.moves) for p in spans),
        dropped_spans=[DroppedSpan(task=p.task.name, label=label.label.name,
                                   text=str(by_id[p.record_id].data.get(
                                       p.task.target_attribute.name) or "")[
                                       label.char_start:label.char_end],
                                   annotator=label.annotator.name, is_gold=label.is_gold)
                       for p in spans for label in p.drops],
        computed_again=sorted(computed), embedded_again=[e.name for e in embeddings])
    if dry_run:
        return edited
    for rid, changes in new.items():
        record_edits.write_values(record=by_id[rid], values=changes)
        record_edits.forget_values(record=by_id[rid], names=[
            name for name, reads in computed.items() if reads & set(changes)])
    record_edits.count_edits(session=session, project_id=project.id, n=len(new))
    for name in changed:
        if attributes[name].data_type is AttributeType.TEXT:
            record_edits.store_new_tokens(
                session=session, attribute_id=attributes[name].id,
                texts={rid: str(changes[name] or "") for rid, changes in new.items()
                       if name in changes})
    _apply(session, spans)
    for embedding in embeddings:
        record_edits.drop_vectors(session=session, embedding=embedding, record_ids=[
            rid for rid, changes in new.items() if embedding.attribute.name in changes])
    publish(session=session, project_id=project.id, type=RECORDS_EDITED, payload={
        "count": len(new), "attributes": changed, **named_in_event(edited.record_ids)})
    return edited


def follow_up(*, session: Session, project: Project, edited: Edited,
              queue: RunDispatcher) -> None:
    """After an edit: compute its computed attributes again for the record, embed it again,
    and run the functions of the tasks that keep them current. Commits."""
    for attribute in computed_attributes.computed_attributes(session=session, project=project):
        if attribute.name in edited.computed_again:
            computed_attributes.compute_missing(session=session, attribute=attribute,
                                                queue=queue)
    if edited.embedded_again:
        for run in refresh_embeddings(session=session, project=project):
            queue.enqueue_run(run.id, kind=run.kind)
    if edited.changed:
        out_of_date.keep_current(session=session, project=project, queue=queue)


def _converted(attributes: Mapping[str, Attribute], values: Mapping[str, object]
               ) -> dict[str, object]:
    """The values as their attributes store them; InvalidInputError naming the first one
    that cannot be edited."""
    if not values:
        raise InvalidInputError("name at least one attribute to edit", field="data")
    converted = {}
    for name, value in values.items():
        attribute = attributes.get(name)
        if attribute is None:
            raise InvalidInputError(f"the project has no attribute {name!r}", field=name)
        if attribute.source is not None:
            raise InvalidInputError(f"{name!r} is a computed attribute: its values come from "
                                    "its code", field=name)
        converted[name] = convert_value(value, attribute.data_type, row=None, field=name)
    return converted


def _follow_spans(session: Session, task: LabelingTask, records: Mapping[int, Record],
                  new: Mapping[int, Mapping[str, object]]) -> list[_SpanPlan]:
    """Where the task's manual spans go in the records' new texts: spans whose text is
    unchanged and still bounded by tokens move there; the others are dropped."""
    name = task.target_attribute.name
    edited = [rid for rid, changes in new.items() if name in changes]
    plans = []
    for rid, labels in record_edits.spans_on(session=session, task_id=task.id,
                                             record_ids=edited).items():
        new_text = str(new[rid][name] or "")
        edit = TextEdit(str(records[rid].data.get(name) or ""), new_text)
        starts, ends = token_offsets(tokenize(new_text))
        first, last = {s: i for i, s in enumerate(starts)}, {e: i for i, e in enumerate(ends)}
        plan = _SpanPlan(task=task, record_id=rid, moves=[], drops=[])
        for label in labels:
            where = edit.span(label.char_start, label.char_end)
            if where is None or where[0] not in first or where[1] not in last:
                plan.drops.append(label)
                continue
            span = ResolvedSpan(first[where[0]], last[where[1]] + 1, *where)
            if span != ResolvedSpan(label.token_start, label.token_end, label.char_start,
                                    label.char_end):
                plan.moves.append((label, span))
        if plan.moves or plan.drops:
            plans.append(plan)
    return plans


def _apply(session: Session, plans: list[_SpanPlan]) -> None:
    """Move and drop the spans, with each task's label count, references and statistics,
    and a ``labels.changed`` event per record."""
    for task in {plan.task.id: plan.task for plan in plans}.values():
        mine = [plan for plan in plans if plan.task.id == task.id]
        one_by_one = len(mine) <= APPLIED_ONE_BY_ONE
        before = reference_labels(session=session, task=task,
                                  record_ids=[p.record_id for p in mine]) if one_by_one else {}
        for plan in mine:
            record_edits.move_spans(session=session, task=task, moves=plan.moves)
            record_edits.drop_spans(session=session, labels=plan.drops)
        count_label_changes(session=session, task=task,
                            n=sum(len(p.moves) + len(p.drops) for p in mine))
        if one_by_one:
            after = reference_labels(session=session, task=task,
                                     record_ids=[p.record_id for p in mine])
            for plan in mine:
                stats.apply_reference_change(session=session, task=task,
                                             record_id=plan.record_id,
                                             before=before.get(plan.record_id),
                                             after=after.get(plan.record_id))
        else:
            stats.recompute(session=session, task=task)
        publish_many(session=session, project_id=task.project_id, type="labels.changed",
                     payloads=[{"task_id": task.id, "record_id": p.record_id} for p in mine])
