"""The record count kept on insert equals the records stored, whichever way they came in,
and serves the unfiltered record list's count (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from heuristics.errors import ConflictError
from services.importing import import_conll, import_records
from services.projects import create_project
from services.snapshots import export_snapshot, import_snapshot
from services.users import create_user
from store.models import Project, Record
from store.record_filters import RecordFilter, RecordSort, search_records
from store.records import record_count


def _stored(session, project: Project) -> int:
    return session.scalar(select(func.count(Record.id)).where(Record.project_id == project.id))


def _csv(session, project: Project, rows: range) -> None:
    payload = "id,text\n" + "".join(f"r{i},text {i}\n" for i in rows)
    import_records(session=session, project=project, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(payload.encode()))


@pytest.fixture
def owner(session):
    return create_user(session=session, name="owner")[0]


def test_every_insert_path_counts_its_records(session, owner):
    project = create_project(session=session, name="p", description="", owner=owner)
    other = create_project(session=session, name="q", description="", owner=owner)
    _csv(session, project, range(5))
    _csv(session, other, range(2))
    _csv(session, project, range(5, 12))
    import_conll(session=session, project=project,
                 stream=io.BytesIO(b"U.S. NNP B-LOC\nofficials NNS O\n\nOK NNP O\n\n"))
    session.commit()
    assert record_count(session=session, project_id=project.id) == _stored(session, project) == 14
    assert record_count(session=session, project_id=other.id) == _stored(session, other) == 2

    payload = b"".join(export_snapshot(session=session, project=project))
    copy = import_snapshot(session=session, stream=io.BytesIO(payload), owner=owner,
                           name="p again").project
    session.commit()
    assert record_count(session=session, project_id=copy.id) == _stored(session, copy) == 14


def test_a_failed_import_counts_nothing(session, owner):
    project = create_project(session=session, name="p", description="", owner=owner)
    _csv(session, project, range(3))
    session.commit()
    with pytest.raises(ConflictError):   # r1 is stored already: nothing of the file is
        import_records(session=session, project=project, fmt="csv", id_column="id",
                       open_stream=lambda: io.BytesIO(b"id,text\nx,a\nr1,b\n"))
    session.rollback()
    assert record_count(session=session, project_id=project.id) == _stored(session, project) == 3


@pytest.mark.parametrize("count, expected", [("exact", (12, False)), ("capped", (12, False)),
                                             ("none", (None, False))])
def test_the_unfiltered_list_reads_the_kept_count(session, owner, count, expected):
    project = create_project(session=session, name="p", description="", owner=owner)
    _csv(session, project, range(12))
    session.commit()
    page = search_records(session=session, project=project, record_filter=RecordFilter(),
                          sort=RecordSort.parse("id"), limit=5, count=count)
    assert (page.count, page.count_capped) == expected
    assert len(page.records) == 5
