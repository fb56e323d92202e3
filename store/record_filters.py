"""The record list's filter model and the SQL it becomes: conditions on labels, votes, weak
labels, disagreements, annotators and attribute values, all combined with AND; sorts by id,
attribute, weak-label confidence or a seeded random order; keyset paging for every sort.

The model (:class:`RecordFilter`, :class:`RecordSort`) is defined here once; the API's query
parameters, its search body and saved filters all become it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from formats.types import AttributeType
from heuristics.errors import InvalidInputError
from heuristics.learners.votes import VoteRule
from store.comments import state_clause
from store.heuristic_lookups import get_heuristic, latest_run, latest_weak_supervision
from store.id_lists import ids_in
from store.limits import NAME_MAX
from store.models import (
    Attribute,
    Comment,
    HeuristicRevision,
    Label,
    LabelingTask,
    ManualLabel,
    Output,
    Project,
    Record,
    ReferenceLabel,
    TaskKind,
    User,
)
from store.projects import find_attribute
from store.record_indexes import text_lookup, value_lookup
from store.records import record_count
from store.reference import reference_labels
from store.stats import current_outputs
from store.tasks import get_task
from store.votes import accepted_by, vote_filter

INT32_MAX = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=INT32_MAX)]
LabelName = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]


class LabelCondition(BaseModel):
    """A task's manual labels (any annotator's) or its reference label: ``any`` label,
    ``none``, or ``is`` the label ``label``."""

    kind: Literal["manual_label", "reference_label"]
    task_id: Id
    op: Literal["any", "none", "is"] = "is"
    label: LabelName | None = None


class VoteCondition(BaseModel):
    """A heuristic's current vote: ``votes`` (the label ``label``, or any) or ``abstains``."""

    kind: Literal["vote"]
    heuristic_id: Id
    op: Literal["votes", "abstains"] = "votes"
    label: LabelName | None = None


class WeakLabelCondition(BaseModel):
    """The task's weak label (newest weak-supervision result): ``any``, ``none`` or ``is``
    ``label``; with ``any``/``is``, its confidence within ``min_confidence``..``max_confidence``."""

    kind: Literal["weak_label"]
    task_id: Id
    op: Literal["any", "none", "is"] = "any"
    label: LabelName | None = None
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    max_confidence: float | None = Field(default=None, ge=0, le=1)


class DisagreementCondition(BaseModel):
    """Records where, for a classification task, the reference and the weak label differ
    (``manual_weak``), a heuristic's vote differs from the reference (``heuristic_reference``),
    two heuristics vote different labels (``heuristics``) or annotators gave different
    labels (``annotators``, gold labels left aside)."""

    kind: Literal["disagreement"]
    task_id: Id
    between: Literal["manual_weak", "heuristic_reference", "heuristics", "annotators"]


class AnnotatorCondition(BaseModel):
    """Labelled (or not) by the user named ``user``, in ``task_id`` or any task."""

    kind: Literal["annotator"]
    user: LabelName
    task_id: Id | None = None
    op: Literal["labelled", "not_labelled"] = "labelled"


class AttributeCondition(BaseModel):
    """An attribute's value: ``contains`` text (case-insensitive), ``equals`` a value, or
    within ``min``..``max`` (numbers; either end may be left out)."""

    kind: Literal["attribute"]
    name: LabelName
    op: Literal["contains", "equals", "between"] = "equals"
    value: str | float | bool | None = None
    min: float | None = None
    max: float | None = None


class GoldCondition(BaseModel):
    """Has a gold label (in ``task_id``, or in any task)."""

    kind: Literal["gold"]
    task_id: Id | None = None


class SearchCondition(BaseModel):
    """Text contained (case-insensitive) in ``attribute``, or in any text attribute or the id."""

    kind: Literal["search"]
    text: str = Field(min_length=1, max_length=1000)
    attribute: LabelName | None = None


class CommentCondition(BaseModel):
    """Has a comment: an ``open`` one, a ``resolved`` one, or ``any``."""

    kind: Literal["comment"]
    state: Literal["open", "resolved", "any"] = "open"


Condition = Annotated[
    LabelCondition | VoteCondition | WeakLabelCondition | DisagreementCondition
    | AnnotatorCondition | AttributeCondition | GoldCondition | SearchCondition
    | CommentCondition,
    Field(discriminator="kind")]


class RecordFilter(BaseModel):
    """Which records: every condition holds (AND); no conditions, every record."""

    conditions: list[Condition] = Field(default_factory=list, max_length=50)


class RecordSort(BaseModel):
    """The order: ``id``, ``external_id``, ``created_at``, an attribute's name,
    ``weak_confidence`` (of ``task_id``'s weak label; records without one last) or ``random``
    (a fixed shuffle per ``seed``); ``descending`` reverses it. Ties go by record id."""

    by: str = Field(default="id", min_length=1, max_length=NAME_MAX + 20)
    descending: bool = False
    task_id: Id | None = None
    seed: int = Field(default=0, ge=0, le=2**30)

    @classmethod
    def parse(cls, sort: str, *, seed: int = 0, field: str = "sort") -> RecordSort:
        """The sort a query parameter names: ``-`` for descending, ``weak_confidence:<task
        id>`` for the weak-label confidence, ``random`` with ``seed``."""
        by, descending = sort.removeprefix("-"), sort.startswith("-")
        task_id = None
        if by.startswith("weak_confidence:"):
            by, _, task = by.partition(":")
            if not task.isdigit() or not 1 <= int(task) <= INT32_MAX:
                raise InvalidInputError("weak_confidence sorts name their task: "
                                        "weak_confidence:<task id>", field=field)
            task_id = int(task)
        try:
            return cls(by=by, descending=descending, task_id=task_id, seed=seed)
        except ValidationError as error:
            raise InvalidInputError(f"invalid sort: {error.errors()[0]['msg']}",
                                    field=field) from error


LISTED = (Record.id, Record.external_id, Record.data)
"""The columns of :class:`ListedRecord`."""


class ListedRecord(NamedTuple):
    """What a page gives of each record: plain values, not ORM objects (a page is only
    shown)."""

    id: int
    external_id: str
    data: dict[str, Any]


@dataclass(frozen=True)
class RecordPage:
    """One page of records with their reference labels; ``count`` when asked for (capped
    ones say so), and the cursor of the next page (``None`` after the last one)."""

    records: list[ListedRecord]
    references: dict[int, dict[str, object]]
    """Reference labels by record id: per classification and multi-label task (task id as
    text) the label, or the sorted labels; records without one are left out."""
    comments: dict[int, tuple[int, int]]
    """Open and all comments by record id; records without a comment are left out."""
    count: int | None
    count_capped: bool
    next_after: int | str | None


# --- conditions --------------------------------------------------------------------------

def _label_id(task: LabelingTask, name: str | None, field: str) -> int:
    if name is None:
        raise InvalidInputError("this condition needs a label", field=field)
    for label in task.labels:
        if label.name == name:
            return label.id
    known = ", ".join(label.name for label in task.labels)
    raise InvalidInputError(f"task {task.name!r} has no label {name!r} (labels: {known})",
                            field=field)


def _classification(task: LabelingTask, what: str, field: str) -> None:
    if task.kind is not TaskKind.CLASSIFICATION:
        raise InvalidInputError(f"{what} filters apply to classification tasks; {task.name!r} "
                                f"is {task.kind.value}", field=field)


def _votes_of(run_id: int, vote: VoteRule) -> ColumnElement:
    """The outputs of a run that count as votes."""
    return and_(Output.run_id == run_id, accepted_by(vote))


def _current_votes(session: Session, task: LabelingTask) -> ColumnElement | None:
    """The votes of the task's heuristics' current outputs (None: no heuristic has one)."""
    current = current_outputs(session=session, task=task)
    if not current.run_ids:
        return None
    filters = current.filters(session)
    return or_(*(_votes_of(run_id, filters[run_id]) for run_id in current.run_ids))


def _weak_run_id(session: Session, task: LabelingTask) -> int | None:
    run = latest_weak_supervision(session=session, task=task)
    return run.id if run is not None else None


class _Builder:
    """Turns conditions into SQL clauses over ``Record`` for one project."""

    def __init__(self, session: Session, project: Project) -> None:
        self.session, self.project = session, project

    def task(self, task_id: int) -> LabelingTask:
        return get_task(session=self.session, project=self.project, task_id=task_id)

    def clause(self, condition: Any, field: str) -> ColumnElement:
        method = getattr(self, "_" + condition.kind)
        return method(condition, field)

    def _manual_label(self, condition: LabelCondition, field: str) -> ColumnElement:
        task = self.task(condition.task_id)
        labelled = exists().where(ManualLabel.record_id == Record.id,
                                  ManualLabel.task_id == task.id)
        if condition.op == "none":
            return ~labelled
        if condition.op == "is":
            labelled = labelled.where(
                ManualLabel.label_id == _label_id(task, condition.label, f"{field}.label"))
        return labelled

    def _reference_label(self, condition: LabelCondition, field: str) -> ColumnElement:
        task = self.task(condition.task_id)
        _classification(task, "reference label", f"{field}.task_id")
        reference = exists().where(ReferenceLabel.record_id == Record.id,
                                   ReferenceLabel.task_id == task.id)
        if condition.op == "none":
            return ~reference
        if condition.op == "is":
            reference = reference.where(ReferenceLabel.label_id == _label_id(
                task, condition.label, f"{field}.label"))
        return reference

    def _vote(self, condition: VoteCondition, field: str) -> ColumnElement:
        heuristic = get_heuristic(session=self.session, project=self.project,
                                  heuristic_id=condition.heuristic_id)
        run = latest_run(session=self.session, heuristic=heuristic)
        if condition.label is not None:
            label_id = _label_id(heuristic.task, condition.label, f"{field}.label")
        if run is None:
            return false() if condition.op == "votes" else true()
        revision = self.session.get(HeuristicRevision, run.revision_id)
        votes = exists().where(Output.record_id == Record.id,
                               _votes_of(run.id, vote_filter(heuristic, revision)))
        if condition.op == "abstains":
            return ~votes
        if condition.label is not None:
            votes = votes.where(Output.label_id == label_id)
        return votes

    def _weak_label(self, condition: WeakLabelCondition, field: str) -> ColumnElement:
        task = self.task(condition.task_id)
        label_id = _label_id(task, condition.label, f"{field}.label") \
            if condition.op == "is" else None
        run_id = _weak_run_id(self.session, task)
        if run_id is None:
            return true() if condition.op == "none" else false()
        weak = exists().where(Output.record_id == Record.id, Output.run_id == run_id)
        if condition.op == "none":
            return ~weak
        if label_id is not None:
            weak = weak.where(Output.label_id == label_id)
        if condition.min_confidence is not None:
            weak = weak.where(Output.confidence >= condition.min_confidence)
        if condition.max_confidence is not None:
            weak = weak.where(Output.confidence <= condition.max_confidence)
        return weak

    def _disagreement(self, condition: DisagreementCondition, field: str) -> ColumnElement:
        task = self.task(condition.task_id)
        _classification(task, "disagreement", f"{field}.task_id")
        if condition.between == "annotators":
            return Record.id.in_(
                select(ManualLabel.record_id)
                .where(ManualLabel.task_id == task.id, ManualLabel.is_gold == false())
                .group_by(ManualLabel.record_id)
                .having(func.count(ManualLabel.label_id.distinct()) > 1))
        if condition.between == "heuristics":
            votes = _current_votes(self.session, task)
            if votes is None:
                return false()
            return Record.id.in_(
                select(Output.record_id).where(votes).group_by(Output.record_id)
                .having(func.count(Output.label_id.distinct()) > 1))
        if condition.between == "manual_weak":
            run_id = _weak_run_id(self.session, task)
            if run_id is None:
                return false()
            other = Output.run_id == run_id
        else:
            other = _current_votes(self.session, task)
            if other is None:
                return false()
        return exists().where(ReferenceLabel.record_id == Record.id,
                              ReferenceLabel.task_id == task.id,
                              Output.record_id == Record.id, other,
                              Output.label_id != ReferenceLabel.label_id)

    def _annotator(self, condition: AnnotatorCondition, field: str) -> ColumnElement:
        user_id = self.session.scalar(select(User.id).where(User.name == condition.user))
        if user_id is None:
            raise InvalidInputError(f"no user named {condition.user!r}", field=f"{field}.user")
        labelled = exists().where(ManualLabel.record_id == Record.id,
                                  ManualLabel.annotator_id == user_id)
        if condition.task_id is not None:
            task = self.task(condition.task_id)
            labelled = labelled.where(ManualLabel.task_id == task.id)
        return labelled if condition.op == "labelled" else ~labelled

    def _attribute(self, condition: AttributeCondition, field: str) -> ColumnElement:
        attribute = self.attribute(condition.name, f"{field}.name")
        value = Record.data[attribute.name]
        numeric = attribute.data_type in (AttributeType.INTEGER, AttributeType.FLOAT)
        if condition.op == "contains":
            if condition.value is None or condition.value == "":
                raise InvalidInputError("contains needs a value", field=f"{field}.value")
            searched = str(condition.value)
            contains = value.as_string().ilike(like_pattern(searched), escape="\\")
            if attribute.data_type not in (AttributeType.TEXT, AttributeType.CATEGORY):
                return contains
            return self._indexed(contains, text_lookup(self.session, like_pattern(searched),
                                                       searched))
        if condition.op == "between":
            if not numeric:
                raise InvalidInputError(f"{attribute.name!r} is {attribute.data_type.value}: "
                                        f"ranges are for numbers", field=f"{field}.op")
            if condition.min is None and condition.max is None:
                raise InvalidInputError("between needs min, max or both", field=f"{field}.min")
            clauses = [value.as_float() >= condition.min] if condition.min is not None else []
            if condition.max is not None:
                clauses.append(value.as_float() <= condition.max)
            return and_(*clauses)
        return self._equals(attribute, condition.value, f"{field}.value")

    def _equals(self, attribute: Attribute, given: object, field: str) -> ColumnElement:
        """Equality as stored: numbers by value, booleans, and text (text and category
        values are stored as strings)."""
        value = Record.data[attribute.name]
        if given is None:
            raise InvalidInputError("equals needs a value", field=field)
        stored: str | float | bool
        try:
            if attribute.data_type in (AttributeType.INTEGER, AttributeType.FLOAT):
                stored = float(given)
                equal = value.as_float() == stored
        except ValueError as error:
            raise InvalidInputError(f"{attribute.name!r} holds numbers, not {given!r}",
                                    field=field) from error
        if attribute.data_type is AttributeType.BOOLEAN:
            if isinstance(given, str) and given.lower() not in ("true", "false"):
                raise InvalidInputError(f"{attribute.name!r} holds true or false, not "
                                        f"{given!r}", field=field)
            stored = given.lower() == "true" if isinstance(given, str) else bool(given)
            equal = value.as_boolean() == stored
        elif attribute.data_type in (AttributeType.TEXT, AttributeType.CATEGORY):
            stored = str(given)
            equal = value.as_string() == stored
        return self._indexed(equal, value_lookup(self.session, attribute.name, stored))

    @staticmethod
    def _indexed(exact: ColumnElement, lookup: ColumnElement | None) -> ColumnElement:
        """``exact``, with the index lookup that implies it first where there is one."""
        return exact if lookup is None else and_(lookup, exact)

    def _gold(self, condition: GoldCondition, field: str) -> ColumnElement:
        gold = exists().where(ManualLabel.record_id == Record.id, ManualLabel.is_gold == true())
        if condition.task_id is not None:
            task = self.task(condition.task_id)
            gold = gold.where(ManualLabel.task_id == task.id)
        return gold

    def _comment(self, condition: CommentCondition, field: str) -> ColumnElement:
        commented = exists().where(Comment.record_id == Record.id)
        state = state_clause("all" if condition.state == "any" else condition.state)
        return commented if state is None else commented.where(state)

    def _search(self, condition: SearchCondition, field: str) -> ColumnElement:
        if condition.attribute:
            names = [self.attribute(condition.attribute, f"{field}.attribute").name]
        else:
            names = [a.name for a in self.project.attributes
                     if a.data_type in (AttributeType.TEXT, AttributeType.CATEGORY)]
        pattern = like_pattern(condition.text)
        clauses = [Record.data[name].as_string().ilike(pattern, escape="\\") for name in names]
        clauses.append(Record.external_id.ilike(pattern, escape="\\"))
        strings = all(find_attribute(self.project, name).data_type in (
            AttributeType.TEXT, AttributeType.CATEGORY) for name in names)
        lookup = text_lookup(self.session, pattern, condition.text) if strings else None
        return self._indexed(or_(*clauses), lookup)

    def attribute(self, name: str, field: str) -> Attribute:
        attribute = find_attribute(self.project, name)
        if attribute is None:
            known = ", ".join(a.name for a in self.project.attributes)
            raise InvalidInputError(f"no attribute named {name!r} (attributes: {known})",
                                    field=field)
        return attribute


def like_pattern(text: str) -> str:
    r"""An ILIKE pattern matching ``text`` literally anywhere (``%``, ``_``, ``\`` escaped).

    >>> like_pattern("50%_off")
    '%50\\%\\_off%'
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filter_clause(*, session: Session, project: Project, record_filter: RecordFilter,
                  field: str = "filter") -> ColumnElement:
    """The SQL condition of a filter over ``Record`` (the project's records only)."""
    builder = _Builder(session, project)
    clauses = [builder.clause(condition, f"{field}.conditions[{i}]")
               for i, condition in enumerate(record_filter.conditions)]
    return and_(Record.project_id == project.id, *clauses)


# --- sorts and paging --------------------------------------------------------------------

RANDOM_PRIME = 2_147_483_647
RANDOM_MULTIPLIER = 1_103_515_245


def _random_key(seed: int) -> ColumnElement:
    """A shuffle of record ids fixed by ``seed``: ((id·a + seed) mod p)² mod p (64-bit safe
    on every database, different per seed, ties broken by id)."""
    def number(value: int) -> ColumnElement:
        return literal(value, BigInteger)

    mixed = (cast(Record.id, BigInteger) * number(RANDOM_MULTIPLIER) + number(seed)) \
        % number(RANDOM_PRIME)
    return (mixed * mixed + number(seed)) % number(RANDOM_PRIME)


@dataclass(frozen=True)
class _SortKey:
    expression: ColumnElement
    nullable: bool
    weak_run_id: int | None = None
    """The weak-supervision run whose confidence (one per record) the key is: its pages
    come from :func:`_weak_page`."""


def _sort_key(session: Session, project: Project, sort: RecordSort) -> _SortKey:
    if sort.by in ("id", "external_id", "created_at"):
        return _SortKey(getattr(Record, sort.by), nullable=False)
    if sort.by == "random":
        return _SortKey(_random_key(sort.seed), nullable=False)
    if sort.by == "weak_confidence":
        if sort.task_id is None:
            raise InvalidInputError("weak_confidence sorts need the task: "
                                    "weak_confidence:<task id>", field="sort")
        task = _Builder(session, project).task(sort.task_id)
        run_id = _weak_run_id(session, task) or -1
        if task.kind is TaskKind.CLASSIFICATION:  # one weak label per record
            return _SortKey(Output.confidence, nullable=True, weak_run_id=run_id)
        confidence = (select(func.max(Output.confidence))
                      .where(Output.record_id == Record.id, Output.run_id == run_id)
                      .correlate(Record).scalar_subquery())
        return _SortKey(confidence, nullable=True)
    attribute = find_attribute(project, sort.by)
    if attribute is None:
        raise InvalidInputError(f"cannot sort by {sort.by!r}: no such attribute", field="sort")
    value = Record.data[attribute.name]
    column = {
        AttributeType.INTEGER: value.as_float(), AttributeType.FLOAT: value.as_float(),
        AttributeType.BOOLEAN: value.as_boolean(),
    }.get(attribute.data_type, value.as_string())
    return _SortKey(column, nullable=True)


def encode_cursor(value: object, record_id: int) -> str:
    """The opaque ``after`` of a page that ends with a record whose sort value is ``value``.

    >>> decode_cursor(encode_cursor("spam", 7))
    ('spam', 7)
    """
    text = json.dumps([value, record_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[object, int]:
    """The sort value and record id an ``after`` cursor holds; 422 for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, record_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(record_id, int) or isinstance(value, list | dict):
            raise ValueError(cursor)
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise InvalidInputError("'after' is not a cursor of this list: pass the previous "
                                "page's next_after", field="after") from error
    return value, record_id


def _after(key: _SortKey, descending: bool, value: object, record_id: int,
           ids: ColumnElement) -> ColumnElement:
    """Records after (value, record_id) in the order: nulls last, ties by ascending id."""
    expression = key.expression
    if value is None:
        return and_(expression.is_(None), ids > record_id)
    bound = literal(value, expression.type)
    beyond = expression < bound if descending else expression > bound
    later = or_(beyond, and_(expression == bound, ids > record_id))
    return or_(later, expression.is_(None)) if key.nullable else later


def _ordering(key: _SortKey, descending: bool) -> list[ColumnElement]:
    expression = key.expression
    order = [expression.is_(None).asc()] if key.nullable else []
    order.append(expression.desc() if descending else expression.asc())
    return order


COUNT_CAP = 10_000


def search_records(*, session: Session, project: Project, record_filter: RecordFilter,
                   sort: RecordSort, limit: int = 50, offset: int = 0,
                   after: int | str | None = None,
                   count: Literal["exact", "capped", "none"] = "exact") -> RecordPage:
    """One page of the project's records that match the filter, in the sort's order.

    ``after`` is the previous page's ``next_after``: the page starts right after that
    record whatever the sort (keyset paging, the same cost however deep). ``count``:
    ``exact``, ``capped`` (at most :data:`COUNT_CAP`, ``count_capped`` when reached) or
    ``none`` (no counting at all).
    """
    where = filter_clause(session=session, project=project, record_filter=record_filter)
    key = _sort_key(session, project, sort)
    if after is not None and sort.by == "created_at":
        raise InvalidInputError("'after' pages every sort but created_at: use offset",
                                field="after")
    if sort.by == "id":
        listed = _listed(session, project, _id_page(where, sort.descending, after=after,
                                                    offset=offset, limit=limit))
        records = sorted(listed.records.values(), key=lambda record: record.id,
                         reverse=sort.descending)
        rows = [(record.id, record.id) for record in records]
    else:
        if key.weak_run_id is not None:
            rows = _weak_page(session, where, key.weak_run_id, sort.descending, after=after,
                              offset=offset, limit=limit,
                              all_rated=_all_rated(record_filter, sort.task_id))
        else:
            rows = _page(session, where, key, sort, after=after, offset=offset, limit=limit)
        listed = _listed(session, project, select(*LISTED).where(
            ids_in(Record.id, [rid for rid, _ in rows])))
        records = [listed.records[rid] for rid, _ in rows]
    next_after: int | str | None = None
    if len(rows) == limit and sort.by != "created_at":
        next_after = rows[-1][0] if sort.by == "id" else encode_cursor(rows[-1][1], rows[-1][0])
    total, capped = _count(session, project, record_filter, where, count,
                           every=listed.record_count)
    return RecordPage(records=records, references=listed.references,
                      comments=listed.comments,
                      count=total, count_capped=capped, next_after=next_after)


def count_records(*, session: Session, project: Project, record_filter: RecordFilter,
                  count: Literal["exact", "capped"] = "exact") -> tuple[int, bool]:
    """How many of the project's records match the filter, and whether the count stopped
    at :data:`COUNT_CAP` (``capped``: at least that many match)."""
    where = filter_clause(session=session, project=project, record_filter=record_filter)
    total, capped = _count(session, project, record_filter, where, count)
    return total or 0, capped


def _id_page(where: ColumnElement, descending: bool, *, after: int | str | None, offset: int,
             limit: int) -> Select:
    """The query of a page in id order, the records read with it: the primary key's index
    gives them in order, so nothing is sorted."""
    query = select(*LISTED).where(where)
    if after is not None:
        record_id = after if isinstance(after, int) else _int_cursor(after)
        query = query.where(Record.id < record_id if descending else Record.id > record_id)
    order = Record.id.desc() if descending else Record.id.asc()
    return query.order_by(order).offset(offset).limit(limit)


def _page(session: Session, where: ColumnElement, key: _SortKey, sort: RecordSort, *,
          after: int | str | None, offset: int, limit: int) -> list[tuple[int, object]]:
    """The page's (record id, sort value) pairs in any order but the id's: ids and sort
    keys first (a narrow sort); the records themselves are read by id afterwards."""
    query = select(Record.id, key.expression.label("sort_key")).where(where)
    if after is not None:
        value, record_id = decode_cursor(str(after))
        query = query.where(_after(key, sort.descending, value, record_id, Record.id))
    order = [*_ordering(key, sort.descending), Record.id.asc()]
    return [tuple(row) for row in
            session.execute(query.order_by(*order).offset(offset).limit(limit))]


def _all_rated(record_filter: RecordFilter, task_id: int | None) -> bool:
    """Does the filter keep only records with a weak label of ``task_id``?"""
    return any(isinstance(c, WeakLabelCondition) and c.task_id == task_id and c.op != "none"
               for c in record_filter.conditions)


def _weak_page(session: Session, where: ColumnElement, run_id: int, descending: bool, *,
               after: int | str | None, offset: int, limit: int, all_rated: bool
               ) -> list[tuple[int, object]]:
    """A page in the order of the weak labels' confidences of a classification task (one
    per record), records without one last by id.

    The records with a weak label are read in the order of the index on (run, confidence,
    record), joined to the filter, until the page is full (a few index entries per record
    shown, however many match); those without one only once that part is exhausted.
    """
    weak = aliased(Output)
    confidence = weak.confidence
    rows: list[tuple[int, object]] = []
    unrated_after = None
    if after is not None:
        value, record_id = decode_cursor(str(after))
        if value is None:
            unrated_after = record_id
        elif not isinstance(value, int | float) or isinstance(value, bool):
            raise InvalidInputError("'after' is not a cursor of this list: pass the previous "
                                    "page's next_after", field="after")
    if unrated_after is None:
        rated = select(weak.record_id, confidence).join(Record, Record.id == weak.record_id) \
            .where(weak.run_id == run_id, weak.weak, where)
        if after is not None:
            bound = literal(float(value))
            ahead = confidence < bound if descending else confidence > bound
            rated = rated.where(  # the first clause bounds the index scan
                confidence <= bound if descending else confidence >= bound,
                or_(ahead, and_(confidence == bound, weak.record_id > record_id)))
        order = [confidence.desc() if descending else confidence.asc(), weak.record_id.asc()]
        rows = [tuple(row) for row in
                session.execute(rated.order_by(*order).offset(offset).limit(limit))]
        if len(rows) == limit or all_rated:
            return rows
        if offset and not rows:  # the offset reaches past the rated records
            offset -= session.scalar(select(func.count()).select_from(rated.subquery())) or 0
        offset = 0 if rows else offset
    unrated = select(Record.id, null()).where(
        where, ~exists().where(Output.run_id == run_id, Output.record_id == Record.id))
    if unrated_after is not None:
        unrated = unrated.where(Record.id > unrated_after)
    rows += [tuple(row) for row in session.execute(
        unrated.order_by(Record.id).offset(offset).limit(limit - len(rows)))]
    return rows


def _int_cursor(after: str) -> int:
    if not after.isdigit():
        raise InvalidInputError("'after' of an id sort is a record id", field="after")
    return int(after)


def _count(session: Session, project: Project, record_filter: RecordFilter,
           where: ColumnElement, how: str, *, every: int | None = None
           ) -> tuple[int | None, bool]:
    """``every``: the project's record count, when already read."""
    if how == "none":
        return None, False
    if not record_filter.conditions:  # every record of the project: the count kept on insert
        total = record_count(session=session, project_id=project.id) if every is None \
            else every
        return (min(total, COUNT_CAP), total > COUNT_CAP) if how == "capped" \
            else (total, False)
    if how == "exact":
        return session.scalar(select(func.count(Record.id)).where(where)) or 0, False
    first = select(literal(1).label("one")).select_from(Record).where(where) \
        .limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(first)) or 0
    return min(total, COUNT_CAP), total > COUNT_CAP


def matching_record_ids(*, session: Session, project: Project, record_filter: RecordFilter
                        ) -> Select:
    """The ids of the project's records that match the filter, as a query (for exports,
    statistics over a subset, labeling sessions)."""
    return select(Record.id).where(filter_clause(session=session, project=project,
                                                 record_filter=record_filter))


@dataclass(frozen=True)
class _Listed:
    records: dict[int, ListedRecord]
    references: dict[int, dict[str, object]]
    comments: dict[int, tuple[int, int]]
    record_count: int


def _listed(session: Session, project: Project, page: Select) -> _Listed:
    """The records ``page`` selects (a query of :data:`LISTED`) by id, their reference
    labels (see :attr:`RecordPage.references`: classification tasks' as stored, multi-label
    tasks' from their votes), their open and all comments, and the project's record count.

    One round trip: the records joined to their stored references (a row per reference,
    one without) with their comment counts, then the project's row, once per multi-label
    task (once with none).
    """
    listed = page.subquery()
    on_record = Comment.record_id == listed.c.id
    open_comments = select(func.count()).where(on_record, Comment.resolved_at.is_(None))
    all_comments = select(func.count()).where(on_record)
    stored = select(*listed.c, ReferenceLabel.task_id, Label.name, null(),
                    open_comments.scalar_subquery(), all_comments.scalar_subquery()) \
        .select_from(listed) \
        .outerjoin(ReferenceLabel, ReferenceLabel.record_id == listed.c.id) \
        .outerjoin(Label, Label.id == ReferenceLabel.label_id)
    project_row = select(null(), null(), null(), LabelingTask.id, null(), Project.record_count,
                         null(), null()) \
        .select_from(Project) \
        .outerjoin(LabelingTask, and_(LabelingTask.project_id == Project.id,
                                      LabelingTask.kind == TaskKind.MULTILABEL)) \
        .where(Project.id == project.id)
    records: dict[int, ListedRecord] = {}
    references: dict[int, dict[str, object]] = {}
    comments: dict[int, tuple[int, int]] = {}
    multilabel_ids: list[int] = []
    record_count = 0
    # all rows at once: fetched one by one, a page cost the SQLite server about 1 ms more
    # of CPU under load (32 clients), though not in a single thread
    for rid, external_id, data, task_id, name, count, open_, total in session.execute(
            union_all(stored, project_row)).all():
        if rid is not None:
            records[rid] = ListedRecord(rid, external_id, data)
            if total:
                comments[rid] = (open_, total)
            if task_id is not None:
                references.setdefault(rid, {})[str(task_id)] = name
        else:
            record_count = count
            if task_id is not None:
                multilabel_ids.append(task_id)
    tasks = session.scalars(select(LabelingTask).where(
        LabelingTask.id.in_(multilabel_ids))) if multilabel_ids and records else ()
    for task in tasks:
        for rid, reference in reference_labels(session=session, task=task,
                                               record_ids=list(records)).items():
            references.setdefault(rid, {})[str(task.id)] = sorted(reference)
    return _Listed(records, references, comments, record_count)
