"""Statistics stay equal to a full recompute under any sequence of manual-label edits."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from sqlalchemy import insert, select

from heuristics.errors import ConflictError, NotFoundError
from heuristics.evaluation.analysis import LabelMatrixAnalysis
from services import annotation
from services.heuristic_runs import create_heuristic, create_heuristic_run
from services.importing import import_records
from services.projects import create_project
from services.tasks import create_task
from services.users import create_user
from store import stats
from store.auth import get_or_create_user
from store.manual_labels import SpanInput
from store.models import HeuristicStat, ManualLabel, Output, Record, Run, RunStatus, TaskKind

N_RECORDS, N_HEURISTICS, LABELS = 40, 4, ["a", "b", "c"]


def make_task(session, kind: TaskKind):
    """A task whose heuristics have random current outputs (as runs would write them)."""
    owner, _ = create_user(session=session, name="owner")
    project = create_project(session=session, name="p", description="", owner=owner)
    payload = "".join(f"r{i},alpha beta gamma delta {i}\n" for i in range(N_RECORDS))
    import_records(session=session, project=project, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(("id,text\n" + payload).encode()))
    task = create_task(session=session, project=project, name="t", kind=kind, labels=LABELS,
                       target_attribute="text" if kind is TaskKind.EXTRACTION else None)
    rng = np.random.default_rng(3)
    records = list(session.scalars(select(Record).order_by(Record.id)))
    for j in range(N_HEURISTICS):
        heuristic = create_heuristic(session=session, task=task, name=f"h{j}",
                                     source="def lf(record):\n    return None\n")
        run = create_heuristic_run(session=session, heuristic=heuristic)
        run.status = RunStatus.SUCCEEDED
        rows = []
        for record in records:
            for label in rng.choice(len(LABELS), size=rng.integers(0, 3), replace=False):
                row = {"run_id": run.id, "record_id": record.id,
                       "label_id": task.labels[label].id}
                if kind is TaskKind.EXTRACTION:
                    start = int(rng.integers(0, 4))
                    row |= {"token_start": start, "token_end": start + int(rng.integers(1, 3))}
                rows.append(row)
                if kind is TaskKind.CLASSIFICATION:
                    break
        session.execute(insert(Output), rows)
    session.commit()
    stats.recompute(session=session, task=task)
    session.commit()
    return task, records


@pytest.fixture
def setup(session):
    return make_task(session, TaskKind.CLASSIFICATION)


def snapshot(session, task) -> dict:
    return {(s.heuristic_id, s.label_index): (s.tp, s.fp, s.fn, s.n_reference, s.hits,
                                              s.span_tp, s.span_fp, s.span_fn,
                                              round(s.coverage, 12), round(s.overlaps, 12),
                                              round(s.conflicts, 12))
            for s in session.scalars(select(HeuristicStat))}


def test_recompute_matches_the_pure_computation(session, setup):
    task, records = setup
    current = stats.current_outputs(session=session, task=task)
    ids = np.array([r.id for r in records])
    matrix = stats.label_matrix(session=session, task=task, current=current, record_ids=ids)
    analysis = LabelMatrixAnalysis(matrix)
    rows = stats.stats_of(session=session, task=task)
    for j, heuristic_id in enumerate(current.heuristic_ids):
        total = rows[heuristic_id][0]
        assert total.label_index == stats.TOTAL
        assert total.coverage == pytest.approx(analysis.coverage()[j])
        assert total.overlaps == pytest.approx(analysis.overlaps()[j])
        assert total.conflicts == pytest.approx(analysis.conflicts()[j])
        assert total.hits == int((matrix[:, j] >= 0).sum()) and total.n_reference == 0


@pytest.mark.parametrize("kind", list(TaskKind))
def test_incremental_equals_full_recompute_after_random_edits(session, kind):
    task, records = make_task(session, kind)
    rng = random.Random(11)
    annotators = [get_or_create_user(session=session, name=f"a{i}") for i in range(3)]
    session.commit()
    for _ in range(120):
        record = rng.choice(records)
        mine = session.scalars(select(ManualLabel).where(
            ManualLabel.record_id == record.id)).all()
        action = rng.random()
        span = SpanInput()
        if kind is TaskKind.EXTRACTION:
            start = rng.randrange(0, 4)
            span = SpanInput(token_start=start, token_end=start + rng.randrange(1, 3))
        reviewing = kind is not TaskKind.CLASSIFICATION and action > 0.85
        if reviewing and action > 0.93:
            try:
                annotation.unmark_reviewed(session=session, task=task, record=record,
                                          annotator=rng.choice(annotators))
            except NotFoundError:
                session.rollback()
        elif reviewing:
            annotation.mark_reviewed(session=session, task=task, record=record,
                                    annotator=rng.choice(annotators),
                                    is_gold=rng.random() < 0.1)
        elif mine and action < 0.25:
            annotation.delete_manual_label(session=session, manual_label=rng.choice(mine),
                                          task=task, record=record)
        elif mine and action < 0.45 and kind is not TaskKind.EXTRACTION:
            try:
                annotation.change_manual_label(session=session, manual_label=rng.choice(mine),
                                              task=task, record=record,
                                              label_name=rng.choice(LABELS),
                                              is_gold=rng.random() < 0.2, span=None)
            except ConflictError:  # the annotator has that label on the record already
                session.rollback()
        else:
            try:
                annotation.create_manual_label(session=session, task=task, record=record,
                                              label_name=rng.choice(LABELS),
                                              annotator=rng.choice(annotators),
                                              is_gold=rng.random() < 0.1, span=span)
            except ConflictError:
                session.rollback()
    incremental = snapshot(session, task)
    assert any(v[3] > 0 for v in incremental.values())
    assert any(v[0] > 0 for v in incremental.values())
    stats.recompute(session=session, task=task)
    session.commit()
    assert snapshot(session, task) == incremental


def test_a_label_edit_changes_only_what_it_should(session, setup):
    task, records = setup
    record = records[0]
    before = snapshot(session, task)
    annotator = get_or_create_user(session=session, name="x")
    annotation.create_manual_label(session=session, task=task, record=record, label_name="a",
                                  annotator=annotator)
    after = snapshot(session, task)
    voters = {o.run_id: o.label_id for o in session.scalars(
        select(Output).where(Output.record_id == record.id))}
    runs = {r.id: r.heuristic_id for r in session.scalars(select(Run))}
    label_a = task.labels[0].id
    for (heuristic_id, label_index), value in after.items():
        old = before[(heuristic_id, label_index)]
        voted = [label for run, label in voters.items() if runs[run] == heuristic_id]
        if label_index == stats.TOTAL:
            assert value[3] == old[3] + 1
            expected_tp = old[0] + (1 if voted == [label_a] else 0)
            expected_fp = old[1] + (1 if voted and voted != [label_a] else 0)
            assert (value[0], value[1]) == (expected_tp, expected_fp)
        elif not voted:
            assert value == old
