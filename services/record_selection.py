"""The records a bulk action takes: named by id, or chosen by a filter (one of the two),
and the count the user was shown checked against them; and how the action's event names
them. One rule for deleting and editing many records."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError, InvalidInputError, NotFoundError
from store.id_lists import ids_in
from store.models import Project, Record
from store.record_filters import RecordFilter, matching_record_ids

IDS_IN_EVENT = 1_000
"""A bulk action's event names its records while they are at most this many."""


def named_in_event(record_ids: list[int]) -> dict[str, list[int]]:
    """The part of a bulk action's event that names its records: ``{"record_ids": [...]}``
    while they are at most :data:`IDS_IN_EVENT`, else nothing (the event's ``count`` says
    how many).

    >>> named_in_event([3, 5]), named_in_event(list(range(IDS_IN_EVENT + 1)))
    ({'record_ids': [3, 5]}, {})
    """
    return {"record_ids": record_ids} if len(record_ids) <= IDS_IN_EVENT else {}


def chosen_record_ids(*, session: Session, project: Project, record_ids: list[int] | None,
                      record_filter: RecordFilter | None, expected: int | None,
                      action: str) -> list[int]:
    """The ids of the records ``record_ids`` (NotFoundError naming one that is not the
    project's) or of those matching ``record_filter`` (InvalidInputError unless exactly one
    is given), ascending. ``expected``: the number the user was shown; ConflictError when
    the selection holds another now (``action``: what the user does, for its messages)."""
    if (record_ids is None) == (record_filter is None):
        raise InvalidInputError(f"name the records to {action} by record_ids or by a filter, "
                                "not both", field="record_ids")
    if record_filter is not None:
        ids = list(session.scalars(matching_record_ids(
            session=session, project=project, record_filter=record_filter)))
    else:
        ids = sorted(set(record_ids or []))
        found = set(session.scalars(select(Record.id).where(Record.project_id == project.id,
                                                            ids_in(Record.id, ids))))
        if missing := [rid for rid in ids if rid not in found]:
            raise NotFoundError(f"record {missing[0]} does not exist in this project"
                                + (f" (nor {len(missing) - 1} more)" if len(missing) > 1
                                   else ""), field="record_ids")
    if expected is not None and expected != len(ids):
        raise ConflictError(f"the selection holds {len(ids):,} records now, not "
                            f"{expected:,}: look at it again", field="expected")
    return ids
