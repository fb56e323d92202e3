"""The lifetime of outputs: those no one reads any more are deleted, current ones and those of
runs in progress stay, and all go with their project. On SQLite and on PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, insert, inspect, select

from services.heuristic_runs import create_heuristic, create_heuristic_run, update_heuristic
from services.projects import delete_project
from services.tasks import create_task
from store import outputs, stats
from store.db import migrate
from store.heuristic_lookups import WEAK_SUPERVISION_RUN
from store.models import Heuristic, Output, Record, Run, RunStatus, TaskKind
from store.runs import add_run
from tests.migrations import downgrade
from tests.store.conftest import N_RECORDS


def finished(session, run: Run, status: RunStatus, records, label_id: int, *,
             weak: bool = False) -> Run:
    """``run`` with a vote of ``label_id`` on every record, as its worker leaves it."""
    run.status = status
    session.execute(insert(Output), [{"run_id": run.id, "record_id": record.id,
                                      "label_id": label_id, "weak": weak}
                                     for record in records])
    session.commit()
    return run


def held(session) -> dict[int, int]:
    """Outputs per run."""
    return dict(session.execute(select(Output.run_id, func.count()).group_by(Output.run_id)).all())


@pytest.fixture
def runs(session, project) -> dict[str, Run]:
    """Runs of every kind of standing, each holding outputs on every record."""
    task = create_task(session=session, project=project, name="t",
                       kind=TaskKind.CLASSIFICATION, labels=["a", "b"])
    a, b = (label.id for label in task.labels)
    records = list(session.scalars(select(Record).order_by(Record.id)))
    kept = create_heuristic(session=session, task=task, name="kept",
                            source="def lf(record):\n    return 'a'\n")
    edited = create_heuristic(session=session, task=task, name="edited",
                              source="def lf(record):\n    return 'b'\n")

    def heuristic_run(heuristic, status: RunStatus, label_id: int) -> Run:
        return finished(session, create_heuristic_run(session=session, heuristic=heuristic),
                        status, records, label_id)

    def weak_run(status: RunStatus) -> Run:
        run = add_run(session=session, project_id=project.id, kind=WEAK_SUPERVISION_RUN,
                      params={"task_id": task.id})
        return finished(session, run, status, records, a, weak=True)

    found = {"older": heuristic_run(kept, RunStatus.SUCCEEDED, a),
             "current": heuristic_run(kept, RunStatus.SUCCEEDED, b),
             "failed after": heuristic_run(kept, RunStatus.FAILED, a),
             "cancelled after": heuristic_run(kept, RunStatus.CANCELLED, a),
             "in progress": heuristic_run(kept, RunStatus.RUNNING, a),
             "earlier revision": heuristic_run(edited, RunStatus.SUCCEEDED, b),
             "older weak": weak_run(RunStatus.SUCCEEDED),
             "current weak": weak_run(RunStatus.SUCCEEDED),
             "weak in progress": weak_run(RunStatus.RUNNING)}
    update_heuristic(session=session, heuristic=edited,
                     source="def lf(record):\n    return 'a'\n")
    session.commit()
    return found


def test_superseded_runs_are_those_no_one_reads(session, runs):
    superseded = outputs.superseded_runs(session=session)
    assert superseded == sorted(runs[name].id for name in (
        "older", "failed after", "cancelled after", "earlier revision", "older weak"))


def test_deleting_superseded_outputs_keeps_every_current_answer(session, project, runs):
    task = session.get(Heuristic, runs["current"].heuristic_id).task
    current = stats.current_outputs(session=session, task=task)
    record_ids = np.asarray(sorted(session.scalars(select(Record.id))))
    votes = stats.label_matrix(session=session, task=task, current=current,
                               record_ids=record_ids)
    before = held(session)

    deleted = [outputs.delete_outputs(session=session, run_id=run_id, batch=7)
               for run_id in outputs.superseded_runs(session=session)]

    assert deleted == [N_RECORDS] * 5   # in batches of 7
    after = held(session)
    assert after == {runs[name].id: before[runs[name].id] for name in (
        "current", "in progress", "current weak", "weak in progress")}
    assert stats.current_outputs(session=session, task=task) == current
    np.testing.assert_array_equal(stats.label_matrix(
        session=session, task=task, current=current, record_ids=record_ids), votes)
    assert outputs.superseded_runs(session=session) == []


def test_a_sweep_past_its_time_says_whether_outputs_are_left(session, project, runs):
    superseded = outputs.superseded_runs(session=session)
    assert len(superseded) == 5
    # its time is up from the start: the first run is emptied (fewer rows than a batch),
    # the others wait for the next sweep
    assert outputs.delete_superseded(session=session, until=0.0) == (N_RECORDS, True)
    assert outputs.superseded_runs(session=session) == superseded[1:]
    # a sweep that empties the last run says nothing is left, however late it ends
    for _ in superseded[1:-1]:
        outputs.delete_superseded(session=session, until=0.0)
    assert outputs.delete_superseded(session=session, until=0.0) == (N_RECORDS, False)
    assert outputs.superseded_runs(session=session) == []


def test_deleting_a_project_deletes_its_outputs(session, project, runs):
    # outputs name their record without a foreign key: they go with their runs
    assert held(session)
    delete_project(session=session, project=project)
    assert held(session) == {}


def test_migration_0019_keeps_every_output(engine, session, runs):
    before = session.execute(select(Output.id, Output.run_id, Output.record_id,
                                    Output.label_id, Output.weak).order_by(Output.id)).all()
    session.close()
    downgrade(engine, "0018")
    assert "records" in {key["referred_table"] for key in inspect(engine).get_foreign_keys(
        "outputs")}
    migrate(engine)
    keys = inspect(engine).get_foreign_keys("outputs")
    assert {key["referred_table"] for key in keys} == {"runs", "labels"}
    indexes = {index["name"]: index for index in inspect(engine).get_indexes("outputs")}
    assert set(indexes) == {"ix_outputs_run_record", "ix_outputs_run_label_record",
                            "ix_outputs_run_confidence_record"}
    with engine.connect() as connection:
        after = connection.execute(select(Output.id, Output.run_id, Output.record_id,
                                          Output.label_id, Output.weak)
                                   .order_by(Output.id)).all()
        partial = connection.execute(select(func.count()).select_from(Output)
                                     .where(Output.weak)).scalar()
    assert after == before and partial == sum(row.weak for row in before) > 0
