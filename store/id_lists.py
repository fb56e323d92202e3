"""``ids_in(column, ids)``: ``column IN ids`` with the ids bound as ONE value.

SQLAlchemy's ``in_`` binds one parameter per id: 5,000 ids make a 5,000-parameter
statement that the driver rewrites and PostgreSQL plans anew for every length (about
0.2 s). Here PostgreSQL gets ``column = ANY(:ids)`` with an integer array and SQLite
``column IN (SELECT value FROM json_each(:ids))`` with a JSON list: one parameter and one
cached statement whatever the number of ids.

Examples
--------
>>> from sqlalchemy import column
>>> print(ids_in(column("id"), [3, 1]))
id IN (SELECT value FROM json_each(:param_1))
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, Integer, String, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

__all__ = ["ids_in"]


class _IdList(TypeDecorator):
    """A list of ints: an integer array on PostgreSQL, JSON text elsewhere."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Integer))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect) -> Any:
        ids = [int(i) for i in value]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class _IdsIn(ColumnElement[bool]):
    type = Boolean()
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("ids", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement, ids: Iterable[int]) -> None:
        self.column = column
        self.ids = bindparam(None, list(ids), type_=_IdList(), unique=True)


def ids_in(column: ColumnElement, ids: Iterable[int]) -> ColumnElement[bool]:
    """The condition ``column`` is one of ``ids`` (integers), with one bound parameter."""
    return _IdsIn(column, ids)


@compiles(_IdsIn)
def _json_each(element: _IdsIn, compiler, **kw) -> str:
    return (f"{compiler.process(element.column, **kw)} IN "
            f"(SELECT value FROM json_each({compiler.process(element.ids, **kw)}))")


@compiles(_IdsIn, "postgresql")
def _any(element: _IdsIn, compiler, **kw) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.ids, **kw)})"
