"""Redundant conditions that let PostgreSQL find filtered records by index (migration
0016): attribute values by ``data @> {name: value}`` (GIN, jsonb_path_ops) and text by the
trigrams of ``record_search_text(external_id, data)`` (pg_trgm, where installed). Each is
implied by the exact condition it goes with, which still decides; elsewhere (SQLite), none.
"""

from __future__ import annotations

import math

from sqlalchemy import ColumnElement, func, literal, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from store.models import Record

SEARCH_INDEX = "ix_records_search_text"
_TRIGRAMS = "heurist_trigram_search"
"""The key under which a connection remembers whether the trigram index exists."""


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def value_lookup(session: Session, name: str, value: str | float | bool
                 ) -> ColumnElement | None:
    """``data @> {name: value}``: the records whose attribute ``name`` holds ``value`` (a
    string, number or boolean as stored; numbers compare by value)."""
    if not _postgresql(session) or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return Record.data.op("@>")(literal({name: value}, JSONB))


def text_lookup(session: Session, pattern: str, searched: str) -> ColumnElement | None:
    """A trigram-indexed superset of the records whose id or a string value contains
    ``searched`` (``pattern``: its ILIKE pattern); None where no index serves it: not on
    PostgreSQL with pg_trgm, under three characters, or holding what JSON escapes."""
    if len(searched) < 3 or any(c in '"\\' or ord(c) < 0x20 for c in searched):
        return None
    if not _postgresql(session) or not _has_search_index(session):
        return None
    return func.record_search_text(Record.external_id, Record.data).ilike(pattern,
                                                                         escape="\\")


def _has_search_index(session: Session) -> bool:
    """Whether the trigram index exists, asked once per database connection."""
    info = session.connection().info
    if _TRIGRAMS not in info:
        info[_TRIGRAMS] = bool(session.scalar(
            text("SELECT to_regclass(:name) IS NOT NULL"), {"name": SEARCH_INDEX}))
    return info[_TRIGRAMS]
