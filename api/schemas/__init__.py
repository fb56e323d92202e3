"""Pydantic schemas per resource: ``XCreate``, ``XUpdate``, ``XPublic``, ``XsPublic``."""

from datetime import UTC, datetime
from typing import Annotated

from annotated_types import Interval
from pydantic import AfterValidator, Field

from store.limits import DESCRIPTION_MAX, NAME_MAX, SOURCE_MAX

INT32_MAX = 2**31 - 1

Int32 = Annotated[int, Interval(ge=-INT32_MAX - 1, le=INT32_MAX)]
"""An integer the database stores (an id, a token offset) or uses (an offset): ids are
INTEGER columns, 32 bits on PostgreSQL, so a larger value in a path, query or body is a 422,
not an overflow in the database driver."""


def as_utc(value: datetime) -> datetime:
    """A timestamp as the API shows it: always with its zone. SQLite gives the stored UTC
    times back without one; PostgreSQL with it.

    >>> from pydantic import TypeAdapter
    >>> times = TypeAdapter(UtcDatetime)
    >>> times.dump_json(times.validate_python(datetime(2026, 1, 2, 3, 4, 5)))
    b'"2026-01-02T03:04:05Z"'
    """
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]

Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
"""A name users give (project, task, label, attribute, heuristic, user, key)."""
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX)]
Source = Annotated[str, Field(min_length=1, max_length=SOURCE_MAX,
                              description="Python: `def lf(record): ...`")]
