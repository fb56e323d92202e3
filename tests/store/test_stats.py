"""Statistics stay equal to a full recompute under any sequence of manual-label edits."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from sqlalchemy import insert, inspect, select, update

from heuristics.errors import ConflictError, NotFoundError
from heuristics.evaluation.analysis import LabelMatrixAnalysis
from services import annotation, statistics
from services.heuristic_runs import create_heuristic, create_heuristic_run
from services.importing import import_records
from services.projects import create_project
from services.tasks import create_task, delete_label
from services.users import create_user
from store import stats
from store.auth import get_or_create_user
from store.db import create_db_engine, migrate, session_factory
from store.manual_labels import SpanInput
from store.models import (
    Heuristic,
    HeuristicStat,
    LabelingTask,
    ManualLabel,
    Output,
    Record,
    ReferenceLabel,
    Run,
    RunStatus,
    TaskKind,
)
from store.reference import plurality_label_ids, reference_labels, reference_state
from store.tasks import count_label_changes
from tests.beside import Beside

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
        random_run(session, task, heuristic, records, rng)
    session.commit()
    stats.recompute(session=session, task=task)
    session.commit()
    return task, records


def random_run(session, task, heuristic, records, rng) -> Run:
    """A succeeded run of ``heuristic`` with random outputs, as its worker would write them
    (up to 2 votes a record, none on about a third of them)."""
    run = create_heuristic_run(session=session, heuristic=heuristic)
    run.status = RunStatus.SUCCEEDED
    rows = []
    for record in records:
        for label in rng.choice(len(LABELS), size=rng.integers(0, 3), replace=False):
            row = {"run_id": run.id, "record_id": record.id,
                   "label_id": task.labels[label].id}
            if task.kind is TaskKind.EXTRACTION:
                start = int(rng.integers(0, 4))
                row |= {"token_start": start, "token_end": start + int(rng.integers(1, 3))}
            rows.append(row)
            if task.kind is TaskKind.CLASSIFICATION:
                break
    if rows:
        session.execute(insert(Output), rows)
    return run


@pytest.fixture
def setup(session):
    return make_task(session, TaskKind.CLASSIFICATION)


def snapshot(session, task) -> dict:
    return {(s.heuristic_id, s.label_index): (s.tp, s.fp, s.fn, s.n_reference, s.hits,
                                              s.span_tp, s.span_fp, s.span_fn,
                                              round(s.coverage, 12), round(s.overlaps, 12),
                                              round(s.conflicts, 12), s.fn_voted)
            for s in session.scalars(select(HeuristicStat))}


def test_two_writers_of_the_statistics_take_turns(engine, session, setup):
    task, _ = setup
    expected = snapshot(session, task)
    first = session_factory(engine)()
    stats.recompute(session=first, task=first.get(LabelingTask, task.id))   # not committed
    # e.g. a worker's refresh after a run, while labels are saved
    second = Beside(engine, lambda other: stats.recompute(
        session=other, task=other.get(LabelingTask, task.id)))
    assert second.waits(), "the second writer waits for the first"
    first.commit()
    first.close()
    assert second.ended() == {"returned": None}
    session.expire_all()
    assert snapshot(session, task) == expected


def test_labels_and_a_settlement_take_the_statistics_and_the_count_in_one_order(
        engine, session, setup):
    """A label request counts the act, then updates the statistics; a worker settling
    disagreements updates the statistics, then counts: neither waits on the other's half."""
    task, _ = setup
    before = task.label_changes
    labels = session_factory(engine)()
    count_label_changes(session=labels, task=labels.get(LabelingTask, task.id))

    def settlement(worker) -> None:
        settled = worker.get(LabelingTask, task.id)
        stats.recompute(session=worker, task=settled)
        count_label_changes(session=worker, task=settled)

    writer = Beside(engine, settlement)
    assert writer.waits(), "the settlement waits for the label request"
    stats.recompute(session=labels, task=labels.get(LabelingTask, task.id))
    labels.commit()
    labels.close()
    assert writer.ended() == {"returned": None}
    session.expire_all()
    assert session.get(LabelingTask, task.id).label_changes == before + 2


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
    outputs_rng = np.random.default_rng(5)
    heuristics = session.scalars(select(Heuristic).where(Heuristic.task_id == task.id)).all()
    annotators = [get_or_create_user(session=session, name=f"a{i}") for i in range(3)]
    session.commit()
    for step in range(120):
        if step % 40 == 39:  # a heuristic runs again, with other votes
            run = random_run(session, task, rng.choice(heuristics), records, outputs_rng)
            statistics.heuristic_run_succeeded(session=session, run=run)
            continue
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
    positions = {label.id: k for k, label in enumerate(task.labels)}
    for (heuristic_id, label_index), value in after.items():
        old = before[(heuristic_id, label_index)]
        [vote] = [label for run, label in voters.items() if runs[run] == heuristic_id] or [None]
        right, wrong = vote == label_a, vote not in (None, label_a)
        # tp, fp, fn, n_reference, ..., fn_voted
        change = [0] * len(value)
        if label_index in (stats.TOTAL, 0):  # the new reference is label a
            change[0], change[2], change[-1] = int(right), int(not right), int(wrong)
        if label_index == stats.TOTAL or (wrong and label_index == positions[vote]):
            change[1] = int(wrong)
        if label_index == stats.TOTAL:
            change[3] = 1
        assert value == tuple(o + c for o, c in zip(old, change, strict=True)), (label_index,
                                                                                  vote)


def voting_task(session):
    """100 records, the first 50 labelled a and the others b. ``narrow`` votes a on records
    0-16 (34 % of the a records, all rightly); ``middle`` votes b on records 40-59 (wrong on
    the first ten). Half the labels are there before the runs, half come after."""
    owner, _ = create_user(session=session, name="owner")
    project = create_project(session=session, name="p", description="", owner=owner)
    payload = "".join(f"r{i},text {i}\n" for i in range(100))
    import_records(session=session, project=project, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(("id,text\n" + payload).encode()))
    task = create_task(session=session, project=project, name="t",
                       kind=TaskKind.CLASSIFICATION, labels=["a", "b"])
    records = list(session.scalars(select(Record).order_by(Record.id)))
    annotator = get_or_create_user(session=session, name="x")
    session.commit()

    def label(chosen):
        for i in chosen:
            annotation.create_manual_label(session=session, task=task, record=records[i],
                                          label_name="a" if i < 50 else "b",
                                          annotator=annotator)

    label(range(0, 100, 2))
    for name, label_index, voted in (("narrow", 0, range(0, 17)),
                                     ("middle", 1, range(40, 60))):
        heuristic = create_heuristic(session=session, task=task, name=name,
                                     source="def lf(record):\n    return None\n")
        run = create_heuristic_run(session=session, heuristic=heuristic)
        run.status = RunStatus.SUCCEEDED
        session.execute(insert(Output), [
            {"run_id": run.id, "record_id": records[i].id,
             "label_id": task.labels[label_index].id} for i in voted])
        statistics.heuristic_run_succeeded(session=session, run=run)
    label(range(1, 100, 2))
    return task, records


def served(reports) -> dict:
    """(tp, fp, fn, precision, recall, recall where voting) by heuristic and label."""
    return {(report.name, row.label): (row.tp, row.fp, row.fn, row.precision, row.recall,
                                       row.recall_where_voting)
            for report in reports for row in [*report.labels, report.total]}


def test_recall_is_over_every_record_with_the_label(session):
    task, _ = voting_task(session)

    rows = served(stats.task_report(session=session, task=task))

    # narrow votes a on 17 of the 50 a records and nothing else.
    assert rows[("narrow", "a")] == (17, 0, 33, 1.0, pytest.approx(0.34), 1.0)
    assert rows[("narrow", "b")] == (0, 0, 50, None, 0.0, None)
    assert rows[("narrow", None)] == (17, 0, 83, 1.0, pytest.approx(0.17), 1.0)
    # middle votes b on 10 of the 50 b records, and on 10 a records.
    assert rows[("middle", "a")] == (0, 0, 50, None, 0.0, 0.0)
    assert rows[("middle", "b")] == (10, 10, 40, 0.5, pytest.approx(0.2), 1.0)
    assert rows[("middle", None)] == (10, 10, 90, 0.5, pytest.approx(0.1), 0.5)
    [report] = [r for r in stats.task_report(session=session, task=task) if r.name == "middle"]
    assert report.total.f1 == pytest.approx(2 * 10 / (2 * 10 + 10 + 90))
    # what the label edits left equals a full recompute
    before = snapshot(session, task)
    stats.recompute(session=session, task=task)
    assert snapshot(session, task) == before


def test_subset_recall_is_over_the_subset_records_with_the_label(session):
    task, records = voting_task(session)
    even = [records[i].id for i in range(0, 100, 2)]

    rows = served(stats.subset_report(session=session, task=task, record_ids=even))

    # Even records: 25 labelled a (0-48), 25 labelled b (50-98). narrow votes a on 0-16: 9.
    assert rows[("narrow", "a")] == (9, 0, 16, 1.0, pytest.approx(9 / 25), 1.0)
    assert rows[("narrow", None)] == (9, 0, 41, 1.0, pytest.approx(9 / 50), 1.0)
    # middle votes b on 40-48 (5, wrong) and 50-58 (5, right).
    assert rows[("middle", "a")] == (0, 0, 25, None, 0.0, 0.0)
    assert rows[("middle", "b")] == (5, 5, 20, 0.5, pytest.approx(0.2), 1.0)
    assert rows[("middle", None)] == (5, 5, 45, 0.5, pytest.approx(0.1), 0.5)
    # Over every record, the subset statistics are the task's.
    every = [record.id for record in records]
    assert stats.subset_report(session=session, task=task, record_ids=every) == \
        stats.task_report(session=session, task=task)


def test_counts_stored_before_recall_counted_abstains_are_recomputed_when_read(session):
    task, _ = voting_task(session)
    expected = stats.task_report(session=session, task=task)
    # As the migration leaves them: the old fn (misses where the heuristic voted) and no
    # fn_voted.
    session.execute(update(HeuristicStat).values({HeuristicStat.fn: HeuristicStat.fn_voted,
                                                  HeuristicStat.fn_voted: None}))
    session.commit()
    assert stats.outdated(session=session, task=task)
    assert served(stats.task_report(session=session, task=task))[("narrow", "a")][2] == 0

    assert statistics.task_stats(session=session, task=task) == expected
    assert not stats.outdated(session=session, task=task)


def test_the_migration_leaves_old_counts_marked_for_a_recompute(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0012")
    assert "fn_voted" not in {c["name"] for c in inspect(engine).get_columns("heuristic_stats")}
    migrate(engine)
    [column] = [c for c in inspect(engine).get_columns("heuristic_stats")
                if c["name"] == "fn_voted"]
    assert column["nullable"] and column["default"] is None
    engine.dispose()


def held_run(session, task, records, rng) -> tuple[Run, stats.RunHeld]:
    """A new succeeded run of the task's first heuristic, and what its worker holds when it
    ends: the records and references it read (the reference state first), the outputs it
    wrote, as columns."""
    state = reference_state(session=session, task=task)
    references = reference_labels(session=session, task=task)
    record_ids = np.asarray([r.id for r in records], dtype=np.int64)
    heuristic = session.scalars(select(Heuristic).where(Heuristic.task_id == task.id)
                                .order_by(Heuristic.id)).first()
    run = random_run(session, task, heuristic, records, rng)
    session.commit()
    rows = session.execute(select(Output.record_id, Output.label_id, Output.confidence,
                                  Output.token_start, Output.token_end)
                           .where(Output.run_id == run.id)).all()
    names = ("record_id", "label_id", "confidence", "token_start", "token_end")
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    return run, stats.RunHeld(run.id, record_ids, references, state, columns)


def references_stored(session, task) -> set:
    return set(session.execute(select(ReferenceLabel.record_id, ReferenceLabel.label_id)
                               .where(ReferenceLabel.task_id == task.id)).all())


@pytest.mark.parametrize("meanwhile", ["nothing", "a label made", "a label deleted",
                                       "records imported"])
@pytest.mark.parametrize("kind", list(TaskKind))
def test_statistics_after_a_run_equal_a_full_recompute(session, kind, meanwhile):
    """What the run holds is taken only while it is still what the store holds: labels made
    or a label deleted while it fitted, or records imported, are counted."""
    task, records = make_task(session, kind)
    annotator = get_or_create_user(session=session, name="a")
    session.commit()
    span = SpanInput(token_start=1, token_end=3) if kind is TaskKind.EXTRACTION \
        else SpanInput()
    for i, record in enumerate(records[:20]):
        annotation.create_manual_label(session=session, task=task, record=record,
                                      label_name=LABELS[i % 3], annotator=annotator, span=span)
    stats.recompute(session=session, task=task)
    session.commit()
    run, held = held_run(session, task, records, np.random.default_rng(7))
    if meanwhile == "a label made":
        annotation.create_manual_label(session=session, task=task, record=records[30],
                                      label_name="b", annotator=annotator, span=span)
    elif meanwhile == "a label deleted":
        delete_label(session=session, task=task, label=task.labels[0])
    elif meanwhile == "records imported":
        import_records(session=session, project=task.project, fmt="csv", id_column="id",
                       open_stream=lambda: io.BytesIO(b"id,text\nnew,alpha beta gamma\n"))
    stored = references_stored(session, task)
    statistics.heuristic_run_succeeded(session=session, run=run, held=held)
    after_run = snapshot(session, task)
    assert any(v[3] > 0 for v in after_run.values())
    assert references_stored(session, task) == stored
    stats.recompute(session=session, task=task)
    session.commit()
    assert snapshot(session, task) == after_run
    assert references_stored(session, task) == stored


def test_held_votes_of_a_label_the_task_does_not_have_are_refused(session):
    task, records = make_task(session, TaskKind.CLASSIFICATION)
    stats.recompute(session=session, task=task)
    session.commit()
    run, held = held_run(session, task, records, np.random.default_rng(7))
    unknown = max(label.id for label in task.labels) + 1000
    spoiled = stats.RunHeld(run.id, held.record_ids, held.references, held.reference_state,
                            {**held.outputs, "label_id": [unknown] * len(held.outputs["label_id"])})
    with pytest.raises(KeyError, match=f"labels the task does not have: \\[{unknown}\\]"):
        stats.refresh_after_run(session=session, task=task, held=spoiled)


def test_settled_disagreements_keep_the_statistics_equal_to_a_recompute(session, setup):
    from services.annotators import settle_disagreements
    from store.models import ConsensusLabel

    task, records = setup
    annotators = [get_or_create_user(session=session, name=f"a{i}") for i in range(3)]
    session.commit()
    rng, probabilities_rng = random.Random(4), np.random.default_rng(2)
    ids = np.array([r.id for r in records])
    settled = []
    for step in range(120):
        if step % 30 == 29:   # a refit of the queue's model settles the disagreements
            settled.append(settle_disagreements(
                session=session, task=task, record_ids=ids,
                probabilities=probabilities_rng.dirichlet(np.ones(len(LABELS)), len(ids))))
            session.commit()
            continue
        annotation.create_manual_label(session=session, task=task, record=rng.choice(records),
                                      label_name=rng.choice(LABELS),
                                      annotator=rng.choice(annotators),
                                      is_gold=rng.random() < 0.05)
    assert all(found["disputed"] == found["settled"] > 0 for found in settled)
    assert sum(found["references"] for found in settled) > 0
    consensus = dict(session.execute(select(ConsensusLabel.record_id, ConsensusLabel.label_id)
                                     .where(ConsensusLabel.task_id == task.id)).all())
    names = {label.id: label.name for label in task.labels}
    references = reference_labels(session=session, task=task)
    # the last refit came last: every record it settled takes its consensus, ties included
    assert all(references[rid] == names[label_id] for rid, label_id in consensus.items())
    plurality = plurality_label_ids(session.execute(select(
        ManualLabel.record_id, ManualLabel.label_id, ManualLabel.is_gold).where(
        ManualLabel.task_id == task.id)).all())
    assert any(rid not in plurality for rid in consensus)
    incremental = snapshot(session, task)
    stored = dict(session.execute(select(ReferenceLabel.record_id, ReferenceLabel.label_id)
                                  .where(ReferenceLabel.task_id == task.id)).all())
    assert stored == {rid: next(k for k, v in names.items() if v == name)
                      for rid, name in references.items()}
    stats.recompute(session=session, task=task)
    session.commit()
    assert snapshot(session, task) == incremental
