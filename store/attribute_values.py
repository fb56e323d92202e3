"""An attribute's values over a project's records, the most frequent first: what a filter
or a form offers for a category (one GROUP BY, not the record pages a browser loaded)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from formats.types import AttributeType
from store.models import Attribute, Record
from store.record_filters import like_pattern


@dataclass(frozen=True)
class ValueCount:
    value: str | int | float | bool
    count: int


@dataclass(frozen=True)
class ValueCounts:
    """At most ``limit`` values with their record counts; ``distinct`` values in all,
    ``records`` holding one (null and missing values are no value)."""

    values: list[ValueCount]
    distinct: int
    records: int

    @property
    def complete(self) -> bool:
        return len(self.values) == self.distinct


def _stored(attribute: Attribute) -> ColumnElement:
    """The attribute's value as SQL compares it: text, a number or a boolean."""
    value = Record.data[attribute.name]
    if attribute.data_type in (AttributeType.INTEGER, AttributeType.FLOAT):
        return value.as_float()
    if attribute.data_type is AttributeType.BOOLEAN:
        return value.as_boolean()
    return value.as_string()


def _typed(attribute: Attribute, value: object) -> str | int | float | bool:
    if attribute.data_type is AttributeType.INTEGER:
        return int(value)
    if attribute.data_type is AttributeType.FLOAT:
        return float(value)
    if attribute.data_type is AttributeType.BOOLEAN:
        return bool(value)
    return str(value)


def value_counts(*, session: Session, attribute: Attribute, limit: int = 100,
                 search: str | None = None) -> ValueCounts:
    """The values of ``attribute`` in its project's records, the most frequent first (ties
    by value), at most ``limit``; ``search`` keeps the values that contain it, ignoring
    case (``distinct`` and ``records`` then count those)."""
    value = _stored(attribute)
    where = [Record.project_id == attribute.project_id, value.is_not(None)]
    if search:
        where.append(Record.data[attribute.name].as_string()
                     .ilike(like_pattern(search), escape="\\"))
    count = func.count()
    # one scan: the groups' count and their records' sum are window totals over every
    # group, computed before the limit
    rows = session.execute(select(value, count, func.count().over(), func.sum(count).over())
                           .where(*where).group_by(value)
                           .order_by(count.desc(), value).limit(limit)).all()
    distinct, records = (rows[0][2], int(rows[0][3])) if rows else (0, 0)
    return ValueCounts(values=[ValueCount(_typed(attribute, v), n) for v, n, _, _ in rows],
                       distinct=distinct, records=records)
