"""Which records an export covers: all of a project's, chosen ids, or those matching the
record list's filter; read in id order, a batch at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import InvalidInputError
from store.models import Project, Record
from store.record_filters import RecordFilter, matching_record_ids
from store.saved_filters import resolve_saved_filter

BATCH = 2_000
MAX_IDS = 100_000


@dataclass(frozen=True)
class RecordSubset:
    """Records by id (``record_ids``), by the record list's filter, by a saved filter, or
    several of these (records that are chosen and match every filter); none means every
    record of the project."""

    record_ids: Sequence[int] | None = None
    record_filter: RecordFilter | None = None
    saved_filter_id: int | None = None

    @property
    def everything(self) -> bool:
        return self.record_ids is None and self.saved_filter_id is None and (
            self.record_filter is None or not self.record_filter.conditions)


def subset_record_ids(*, session: Session, project: Project,
                      subset: RecordSubset) -> list[int] | None:
    """The ids of the subset's records, ascending; None for every record of the project.
    An id that is not a record of the project, or a saved filter that is not the
    project's, is an error naming it."""
    if subset.everything:
        return None
    chosen: set[int] | None = None
    if subset.record_ids is not None:
        if len(subset.record_ids) > MAX_IDS:
            raise InvalidInputError(f"at most {MAX_IDS} record ids", field="record_ids")
        chosen = set(subset.record_ids)
        found = {rid for start in range(0, len(chosen), BATCH)
                 for rid in session.scalars(select(Record.id).where(
                     Record.project_id == project.id,
                     Record.id.in_(sorted(chosen)[start:start + BATCH])))}
        if missing := sorted(chosen - found):
            raise InvalidInputError(f"no record {missing[0]} in this project",
                                    field="record_ids")
    conditions = list(subset.record_filter.conditions) if subset.record_filter else []
    if subset.saved_filter_id is not None:
        saved = resolve_saved_filter(session=session, project=project,
                                     filter_id=subset.saved_filter_id)
        conditions += saved.record_filter.conditions
    if not conditions:
        return sorted(chosen or ())
    matching = session.scalars(matching_record_ids(
        session=session, project=project, record_filter=RecordFilter(conditions=conditions))
        .order_by(Record.id)).all()
    return [rid for rid in matching if chosen is None or rid in chosen]


def record_batches(*, session: Session, project: Project,
                   record_ids: Sequence[int] | None) -> Iterator[list[tuple[int, str, dict]]]:
    """``(id, external_id, data)`` of the records (every record of the project when
    ``record_ids`` is None), ascending by id, ``BATCH`` at a time."""
    if record_ids is not None:
        ids = sorted(record_ids)
        for start in range(0, len(ids), BATCH):
            rows = session.execute(select(Record.id, Record.external_id, Record.data)
                                   .where(Record.id.in_(ids[start:start + BATCH]))
                                   .order_by(Record.id)).all()
            if rows:
                yield [tuple(row) for row in rows]
        return
    last_id = 0
    while True:
        rows = session.execute(
            select(Record.id, Record.external_id, Record.data)
            .where(Record.project_id == project.id, Record.id > last_id)
            .order_by(Record.id).limit(BATCH)).all()
        if not rows:
            return
        last_id = rows[-1][0]
        yield [tuple(row) for row in rows]
