"""Deleting records on SQLite and PostgreSQL: every row about them goes, the statistics are
those of the records left, labels that went count as label changes, caches of vectors are
keyed anew, a run is out of date by the records imported since it began (not by a count a
deletion can repeat), and a run that ran meanwhile drops its votes on deleted records."""

from __future__ import annotations

import io

import numpy as np
import pytest
from sqlalchemy import func, insert, select

from heuristics.errors import ConflictError, InvalidInputError, NotFoundError
from heuristics.model_catalog import ModelCatalog
from services.annotation import create_manual_labels
from services.heuristic_runs import create_heuristic_run
from services.importing import import_records
from services.out_of_date import current_inputs, reasons
from services.record_deletion import RECORDS_DELETED, delete_records
from store import stats
from store.auth import get_or_create_user
from store.embeddings import create_embedding
from store.manual_labels import LabelItem
from store.models import (
    EmbeddingLevel,
    EmbeddingVector,
    Event,
    Heuristic,
    ManualLabel,
    Output,
    Project,
    Record,
    Run,
    RunStatus,
    TaskKind,
)
from store.record_deletion import drop_outputs_of_deleted
from store.record_filters import LabelCondition, RecordFilter
from store.records_seen import RECORDS_SEEN, records_seen
from tests.store.test_stats import LABELS, make_task, random_run


def _labelled(session, task, records, n: int) -> None:
    annotator = get_or_create_user(session=session, name="ann")
    create_manual_labels(session=session, task=task, items=[
        LabelItem(record=record, annotator=annotator, label_name=LABELS[i % len(LABELS)])
        for i, record in enumerate(records[:n])])


def _outputs_on(session, record_ids) -> int:
    return session.scalar(select(func.count()).select_from(Output)
                          .where(Output.record_id.in_(record_ids)))


@pytest.mark.parametrize("kind", [TaskKind.CLASSIFICATION, TaskKind.MULTILABEL])
def test_deleted_records_take_their_rows_and_the_statistics_follow(session, kind):
    task, records = make_task(session, kind)
    _labelled(session, task, records, 12)
    project = session.get(Project, task.project_id)
    changes_before, gone = task.label_changes, [r.id for r in records[::4]]   # 10 of 40
    kept = [r.id for r in records if r.id not in set(gone)]
    assert _outputs_on(session, gone) > 0

    done = delete_records(session=session, project=project, record_ids=gone)
    assert (done.records, done.manual_labels, done.record_count) == (10, 3, 30)
    assert session.scalar(select(func.count()).select_from(Record)
                          .where(Record.id.in_(gone))) == 0
    assert _outputs_on(session, gone) == 0 and _outputs_on(session, kept) > 0
    assert session.scalar(select(func.count()).select_from(ManualLabel)) == 9
    session.refresh(task)
    assert task.label_changes == changes_before + 3, "learners see the labels that went"
    assert records_seen(session=session, project_id=project.id) == {"imported": 40,
                                                                   "deleted": 10,
                                                                   "edited": 0}
    # the statistics are those of the 30 records left: each heuristic's coverage is the
    # share of them its run voted on
    rows = stats.stats_of(session=session, task=task)
    for heuristic in session.scalars(select(Heuristic)):
        voted = set(session.scalars(select(Output.record_id).join(Run, Run.id == Output.run_id)
                                    .where(Run.heuristic_id == heuristic.id)))
        assert voted <= set(kept)
        assert rows[heuristic.id][0].coverage == pytest.approx(len(voted) / len(kept))
    event = session.scalars(select(Event).where(Event.type == RECORDS_DELETED)).one()
    assert event.payload == {"count": 10, "record_ids": gone}


def test_records_chosen_by_a_filter_and_the_guards(session):
    task, records = make_task(session, TaskKind.CLASSIFICATION)
    _labelled(session, task, records, 9)
    project = session.get(Project, task.project_id)
    names = [r.external_id for r in records]
    labelled_b = RecordFilter(conditions=[LabelCondition(kind="reference_label",
                                                          task_id=task.id, label="b")])
    with pytest.raises(ConflictError, match="holds 3 records now, not 4"):
        delete_records(session=session, project=project, record_filter=labelled_b, expected=4)
    with pytest.raises(NotFoundError, match=r"record 999999 does not exist in this project"):
        delete_records(session=session, project=project, record_ids=[records[0].id, 999_999])
    with pytest.raises(InvalidInputError):
        delete_records(session=session, project=project)
    heuristic = session.scalars(select(Heuristic)).first()
    queued = create_heuristic_run(session=session, heuristic=heuristic)
    session.commit()
    with pytest.raises(ConflictError, match=rf"run {queued.id} \(labeling function 'h0'\) "
                                            "is under way"):
        delete_records(session=session, project=project, record_filter=labelled_b)
    queued.status = RunStatus.CANCELLED
    session.commit()
    assert session.scalar(select(func.count()).select_from(Record)) == 40, "nothing went"

    would = delete_records(session=session, project=project, record_filter=labelled_b,
                           dry_run=True)
    assert (would.records, would.manual_labels, would.record_count) == (3, 3, 40)
    assert session.scalar(select(func.count()).select_from(Record)) == 40, "a dry run"

    done = delete_records(session=session, project=project, record_filter=labelled_b,
                          expected=3)
    assert done.records == 3 and done.manual_labels == 3
    assert set(session.scalars(select(Record.external_id))) == {
        name for i, name in enumerate(names) if i >= 9 or i % 3 != 1}


def test_a_deletion_renews_the_key_of_cached_vectors(session):
    task, records = make_task(session, TaskKind.CLASSIFICATION)
    project = session.get(Project, task.project_id)
    embedding, run = create_embedding(session=session, project=project, attribute="text",
                                      level=EmbeddingLevel.RECORD, models=ModelCatalog())
    run.status = RunStatus.SUCCEEDED
    session.execute(insert(EmbeddingVector), [
        {"embedding_id": embedding.id, "record_id": r.id,
         "vector": np.ones(3, dtype=np.float32).tobytes()} for r in records])
    session.commit()
    before = embedding.instance
    delete_records(session=session, project=project, record_ids=[records[0].id])
    session.refresh(embedding)
    assert embedding.instance != before, (
        "40 vectors less one and one new one would name the old state again")


def test_out_of_date_by_records_imported_since_a_run_not_by_their_count(session):
    task, records = make_task(session, TaskKind.CLASSIFICATION)
    project = session.get(Project, task.project_id)
    heuristic = session.scalars(select(Heuristic)).first()
    run = session.scalars(select(Run).where(Run.heuristic_id == heuristic.id)).one()
    run.total_items = 40
    run.params = {**run.params, RECORDS_SEEN: records_seen(session=session,
                                                          project_id=project.id)}
    session.commit()
    delete_records(session=session, project=project, record_ids=[records[0].id, records[1].id])
    assert reasons(run, 1, current_inputs(session=session, project_id=project.id)) == []
    import_records(session=session, project=project, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(b"id,text\nn1,one\nn2,two\n"))
    assert reasons(run, 1, current_inputs(session=session, project_id=project.id)) == [
        "2 records added since its run"], "40 records again, two of them new"


def test_a_run_that_ran_during_a_deletion_drops_its_votes_on_deleted_records(session):
    task, records = make_task(session, TaskKind.CLASSIFICATION)
    project = session.get(Project, task.project_id)
    heuristic = session.scalars(select(Heuristic)).first()
    running = create_heuristic_run(session=session, heuristic=heuristic)
    running.params = {**running.params, RECORDS_SEEN: records_seen(session=session,
                                                                  project_id=project.id)}
    session.commit()
    untouched = random_run(session, task, heuristic, records, np.random.default_rng(1))
    session.commit()
    running.status = untouched.status = RunStatus.CANCELLED   # let the deletion through
    session.commit()
    ids = [r.id for r in records]
    delete_records(session=session, project=project, record_ids=[ids[0]])
    # the run wrote votes on every record, the deleted one too, as a worker would have
    label_id = task.labels[0].id
    session.execute(insert(Output), [{"run_id": running.id, "record_id": rid,
                                      "label_id": label_id} for rid in ids])
    drop_outputs_of_deleted(session=session, run=running)
    voted = set(session.scalars(select(Output.record_id).where(Output.run_id == running.id)))
    assert voted == set(ids[1:])
    session.execute(insert(Output), [{"run_id": untouched.id, "record_id": ids[0],
                                      "label_id": label_id}])
    untouched.params = {**untouched.params, RECORDS_SEEN: records_seen(
        session=session, project_id=project.id)}
    drop_outputs_of_deleted(session=session, run=untouched)
    assert ids[0] in set(session.scalars(select(Output.record_id).where(
        Output.run_id == untouched.id))), "no deletion since it began: nothing is looked for"


def test_a_write_naming_a_deleted_record_answers_409_saying_so(session):
    import asyncio

    from sqlalchemy.exc import IntegrityError

    from api.errors import _handle_integrity
    from store.db import is_missing_reference

    task, records = make_task(session, TaskKind.CLASSIFICATION)
    annotator = get_or_create_user(session=session, name="late")
    session.commit()
    with pytest.raises(IntegrityError) as missing:   # its record was deleted meanwhile
        session.execute(insert(ManualLabel), [{
            "record_id": 999_999, "task_id": task.id, "annotator_id": annotator.id,
            "label_id": task.labels[0].id, "is_gold": False, "slot": 0}])
        session.flush()
    session.rollback()
    assert is_missing_reference(missing.value)
    answer = asyncio.run(_handle_integrity(None, missing.value))
    assert answer.status_code == 409 and b"was deleted meanwhile" in answer.body
    with pytest.raises(IntegrityError) as twice:     # not a missing row: a server error
        session.execute(insert(Record), [{"project_id": task.project_id,
                                          "external_id": records[0].external_id, "data": {}}])
    session.rollback()
    assert not is_missing_reference(twice.value)


def test_two_deletions_at_once_count_each_record_once(engine, session):
    from store import record_deletion
    from store.db import session_factory
    from tests.beside import Beside

    task, records = make_task(session, TaskKind.CLASSIFICATION)
    project_id, ids = task.project_id, [r.id for r in records]
    first = session_factory(engine)()
    record_deletion.delete_records(session=first, project_id=project_id,
                                   record_ids=ids[:20])   # not committed yet
    # another owner, 10 of the same records among 20
    second = Beside(engine, lambda other: record_deletion.delete_records(
        session=other, project_id=project_id, record_ids=ids[10:30]))
    assert second.waits(), "the second deletion waits for the first"
    first.commit()
    first.close()
    assert second.ended() == {"returned": 10}, "the 10 the first one left"
    session.expire_all()
    left = session.scalar(select(func.count()).select_from(Record))
    project = session.get(Project, project_id)
    assert (left, project.record_count, project.records_deleted) == (10, 10, 30)
