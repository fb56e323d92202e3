"""Queries over records: their tokens, tasks and ids (filtered lists: ``record_filters``)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from store.db import plain_rows
from store.models import LabelingTask, Project, Record, Tokenization


def tokenizations_of(*, session: Session, record_id: int) -> list[Tokenization]:
    return list(session.scalars(select(Tokenization).where(Tokenization.record_id == record_id)))


def tasks_of(*, session: Session, project: Project) -> list[LabelingTask]:
    return list(session.scalars(
        select(LabelingTask).where(LabelingTask.project_id == project.id)
        .order_by(LabelingTask.id)))


def record_ids_of(*, session: Session, project_id: int) -> list[int]:
    """The ids of every record of a project, ascending (read as plain rows: fast at 100k)."""
    query = select(Record.id).where(Record.project_id == project_id).order_by(Record.id)
    return [rid for rows in plain_rows(session, query) for rid, in rows]


def records_added(*, session: Session, project_id: int, n: int) -> None:
    """Count ``n`` records just inserted into the project, in the inserting transaction (the
    one rule that keeps ``Project.record_count`` equal to the records stored)."""
    if n:
        session.execute(update(Project).where(Project.id == project_id)
                        .values(record_count=Project.record_count + n)
                        .execution_options(synchronize_session=False))


def record_count(*, session: Session, project_id: int) -> int:
    """The number of the project's records, read from the count kept on insert."""
    return session.scalar(select(Project.record_count).where(Project.id == project_id)) or 0


def spellable(name: str) -> bool:
    """Whether SQLite's JSON paths can spell the attribute ``name`` (no ``"`` nor ``\\``),
    as :func:`set_attribute_values` and :func:`remove_attribute_values` need.

    >>> spellable("n of wörter-2"), spellable('say "hi"')
    (True, False)
    """
    return '"' not in name and "\\" not in name


def set_attribute_values(*, session: Session, name: str, values: Mapping[int, object]) -> None:
    """Set the attribute ``name`` (:func:`spellable`) of each record (by id) to its value
    (None: JSON null, a value computed as none); no commit. One key changes in the
    database, so writers of other attributes of the same records lose nothing."""
    if not spellable(name):
        raise ValueError(f"an attribute name with a quote or backslash: {name!r}")
    if not values:
        return
    encoded = {rid: json.dumps(value) for rid, value in values.items()}
    if session.connection().dialect.name == "postgresql":   # one statement for them all
        session.execute(text(
            "UPDATE records SET data = records.data || jsonb_build_object("
            "CAST(:name AS text), v.value) FROM (SELECT unnest(CAST(:ids AS integer[])) AS id,"
            " CAST(unnest(CAST(:values AS text[])) AS jsonb) AS value) AS v"
            " WHERE records.id = v.id"),
            {"name": name, "ids": list(encoded), "values": list(encoded.values())})
        return
    session.execute(text(
        "UPDATE records SET data = json_set(data, :path, json(:value)) WHERE id = :id"),
        [{"id": rid, "value": value, "path": f'$."{name}"'} for rid, value in encoded.items()])


def remove_attribute_values(*, session: Session, project_id: int, name: str) -> None:
    """Take the attribute ``name`` (:func:`spellable`) out of every record of the project;
    no commit."""
    if not spellable(name):
        raise ValueError(f"an attribute name with a quote or backslash: {name!r}")
    if session.connection().dialect.name == "postgresql":
        session.execute(text(
            "UPDATE records SET data = data - CAST(:name AS text) WHERE project_id = :project"
            " AND jsonb_exists(data, CAST(:name AS text))"), {"name": name, "project": project_id})
        return
    session.execute(text(
        "UPDATE records SET data = json_remove(data, :path) WHERE project_id = :project"
        " AND json_type(data, :path) IS NOT NULL"),
        {"path": f'$."{name}"', "project": project_id})
