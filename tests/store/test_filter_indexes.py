"""The record list's filter indexes (migration 0016): the same pages on SQLite and on
PostgreSQL, where the planner can serve attribute values, text and the weak-confidence
sort from them."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import inspect, select, text

from services.importing import import_records
from services.projects import create_project
from services.tasks import create_task
from services.users import create_user
from store.db import migrate
from store.heuristic_lookups import WEAK_SUPERVISION_RUN
from store.models import Output, Record, Run, RunStatus, TaskKind
from store.record_filters import RecordFilter, RecordSort, search_records
from store.record_indexes import text_lookup, value_lookup
from tests.migrations import downgrade
from tests.sql_log import sent_statements

ROWS = [("a", "The cat sat.", "train", 1), ("b", 'Dogs "bark" loudly!', "test", 2),
        ("c", "Birds sing", "test", 3), ("d", "A cat barks back", "test", 2)]


@pytest.fixture
def weak(session) -> dict:
    """Four records (text, split, n) and a weak label on a, b, d: confidences 0.6, 0.9,
    0.7."""
    owner, _ = create_user(session=session, name="owner")
    project = create_project(session=session, name="p", description="", owner=owner)
    payload = "id,text,split,n\n" + "".join(f'{e},"{t.replace(chr(34), 2 * chr(34))}",{s},{n}\n'
                                            for e, t, s, n in ROWS)
    import_records(session=session, project=project, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(payload.encode()))
    task = create_task(session=session, project=project, name="t",
                       kind=TaskKind.CLASSIFICATION, labels=["x", "y"])
    run = Run(project_id=project.id, kind=WEAK_SUPERVISION_RUN, status=RunStatus.SUCCEEDED,
              params={"task_id": task.id})
    session.add(run)
    session.flush()
    ids = dict(session.execute(select(Record.external_id, Record.id)).all())
    for external, confidence in (("a", 0.6), ("b", 0.9), ("d", 0.7)):
        session.add(Output(run_id=run.id, record_id=ids[external],
                           label_id=task.labels[0].id, confidence=confidence, weak=True))
    session.commit()
    return {"project": project, "task": task, "ids": ids}


def _page(session, weak, conditions: list[dict], sort: str) -> list[str]:
    record_filter = RecordFilter.model_validate({"conditions": conditions})
    page = search_records(session=session, project=weak["project"],
                          record_filter=record_filter, sort=RecordSort.parse(sort),
                          count="exact")
    names = [r.external_id for r in page.records]
    assert page.count == len(names)
    return names


def test_value_and_text_filters_give_the_same_records_everywhere(session, weak):
    split = {"kind": "attribute", "name": "split", "value": "test"}
    assert _page(session, weak, [split], "id") == ["b", "c", "d"]
    assert _page(session, weak, [{"kind": "attribute", "name": "n", "value": 2}], "id") \
        == ["b", "d"]
    assert _page(session, weak, [{"kind": "attribute", "name": "n", "value": "2.0"}], "id") \
        == ["b", "d"]
    assert _page(session, weak, [split, {"kind": "search", "text": "BARK"}], "-n") \
        == ["b", "d"]
    assert _page(session, weak, [{"kind": "search", "text": '"bark"'}], "id") == ["b"]
    assert _page(session, weak, [{"kind": "search", "text": "at"}], "id") == ["a", "d"]
    assert _page(session, weak, [{"kind": "attribute", "name": "text", "op": "contains",
                                  "value": "cat s"}], "id") == ["a"]
    # the search text spans two values: not a match, though both are in the indexed text
    assert _page(session, weak, [{"kind": "search", "text": "sing test"}], "id") == []


def test_weak_confidence_sort_puts_unrated_records_last(session, weak):
    task = weak["task"].id
    assert _page(session, weak, [], f"-weak_confidence:{task}") == ["b", "d", "a", "c"]
    assert _page(session, weak, [], f"weak_confidence:{task}") == ["a", "d", "b", "c"]
    assert _page(session, weak, [{"kind": "attribute", "name": "split", "value": "test"}],
                 f"-weak_confidence:{task}") == ["b", "d", "c"]


def _plans(session, run, *settings: str) -> str:
    """The plans PostgreSQL makes for the statements ``run`` sends, with ``settings`` off
    to see which indexes it can use on so few rows."""
    connection = session.connection()
    with sent_statements(connection) as statements:
        run()
    for setting in settings:
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    plans = "\n".join(row[0] for statement, parameters in statements
                      for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    session.rollback()
    return plans


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # its indexes only
def test_postgresql_serves_filters_and_sorts_from_their_indexes(session, weak):
    task = weak["task"].id

    def matching(lookup) -> None:
        session.execute(select(Record.id).where(lookup)).all()

    values = _plans(session, lambda: matching(value_lookup(session, "split", "test")),
                    "enable_seqscan")
    assert "Bitmap Index Scan on ix_records_data" in values
    text = _plans(session, lambda: matching(text_lookup(session, "%bark%", "bark")),
                  "enable_seqscan")
    assert "Bitmap Index Scan on ix_records_search_text" in text
    confidence = _plans(session, lambda: _page(session, weak, [], f"-weak_confidence:{task}"),
                        "enable_seqscan", "enable_sort", "enable_bitmapscan")
    assert "Index Only Scan Backward using ix_outputs_run_confidence_record" in confidence


def test_the_migration_goes_down_and_up_again(engine):
    downgrade(engine, "0015")
    assert "ix_outputs_run_confidence_record" not in _indexes(engine, "outputs")
    assert "ix_records_data" not in _indexes(engine, "records")
    migrate(engine)
    assert "ix_outputs_run_confidence_record" in _indexes(engine, "outputs")
    postgresql = engine.dialect.name == "postgresql"
    assert ("ix_records_data" in _indexes(engine, "records")) == postgresql
    assert ("ix_records_search_text" in _indexes(engine, "records")) == postgresql


def _indexes(engine, table: str) -> set[str]:
    with engine.connect() as connection:
        return {index["name"] for index in inspect(connection).get_indexes(table)}


def test_the_confidence_index_holds_weak_labels_only(engine, session, weak):
    """Migration 0017: down, the index holds every output; up again, only the weak
    supervision run's, which it marks; the weak-confidence sort reads the same pages."""
    task = weak["task"]
    lf_run = Run(project_id=weak["project"].id, kind="labeling_function",
                 status=RunStatus.SUCCEEDED, params={"task_id": task.id})
    session.add(lf_run)
    session.flush()
    session.add(Output(run_id=lf_run.id, record_id=weak["ids"]["c"],
                       label_id=task.labels[1].id, confidence=0.99))
    session.commit()
    before = _page(session, weak, [], f"-weak_confidence:{task.id}")
    session.close()
    downgrade(engine, "0016")
    assert "weak" not in {c["name"] for c in inspect(engine).get_columns("outputs")}
    assert "WHERE" not in _index_sql(engine, "ix_outputs_run_confidence_record")
    migrate(engine)
    with engine.connect() as connection:
        marked = dict(connection.execute(select(Output.run_id, Output.weak)).all())
    assert marked == {lf_run.id: False, next(r for r in marked if r != lf_run.id): True}
    assert "WHERE" in _index_sql(engine, "ix_outputs_run_confidence_record").upper()
    assert _page(session, weak, [], f"-weak_confidence:{task.id}") == before == ["b", "d", "a",
                                                                                  "c"]


def _index_sql(engine, name: str) -> str:
    """The statement that creates an index, as the database keeps it."""
    query = ("SELECT indexdef FROM pg_indexes WHERE indexname = :name"
             if engine.dialect.name == "postgresql"
             else "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name")
    with engine.connect() as connection:
        return connection.execute(text(query), {"name": name}).scalar_one()
