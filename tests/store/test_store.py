"""Models, migrations and use cases on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from heuristics.errors import ConflictError, InvalidInputError
from heuristics.reference import Vote, reference_label
from services.importing import import_conll, import_records
from services.projects import create_project
from services.tasks import create_task
from services.users import create_user
from store.auth import get_or_create_user
from store.manual_labels import SpanInput, add_manual_label
from store.models import ManualLabel, Record, ReferenceLabel, TaskKind, Tokenization
from store.record_filters import RecordFilter, RecordSort, SearchCondition, search_records
from store.reference import plurality_label_ids, reference_labels


@pytest.fixture
def owner(session):
    user, _ = create_user(session=session, name="owner")
    return user


@pytest.fixture
def project(session, owner):
    project = create_project(session=session, name="p", description="", owner=owner)
    payload = b"id,text,n\na,The cat sat.,1\nb,Dogs bark loudly!,2\nc,Birds,3\n"
    import_records(session=session, project=project, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(payload))
    return project


def test_migration_creates_every_table(engine):
    tables = set(inspect(engine).get_table_names())
    assert {"projects", "attributes", "records", "tokenizations", "labeling_tasks", "labels",
            "users", "api_keys", "project_members", "manual_labels",
            "alembic_version"} <= tables


def test_record_data_is_jsonb_on_postgres(engine):
    column = next(c for c in inspect(engine).get_columns("records") if c["name"] == "data")
    expected = "JSONB" if engine.dialect.name == "postgresql" else "JSON"
    assert type(column["type"]).__name__ == expected


def test_sqlite_runs_in_wal_mode(engine):
    if engine.dialect.name != "sqlite":
        assert engine.dialect.name == "postgresql"
        return
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_external_ids_are_unique_per_project(session, project):
    session.add(Record(project_id=project.id, external_id="a", data={}))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_natural_key_of_manual_labels_is_enforced_by_the_database(session, project, owner):
    task = create_task(session=session, project=project, name="t",
                       kind=TaskKind.MULTILABEL, labels=["x"])
    record = session.scalar(select(Record).where(Record.external_id == "a"))
    row = dict(record_id=record.id, task_id=task.id, label_id=task.labels[0].id,
               annotator_id=owner.id, is_gold=False, slot=str(task.labels[0].id))
    session.add(ManualLabel(**row))
    session.flush()
    session.add(ManualLabel(**row))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_reference_labels_for_many_records(session, project):
    task = create_task(session=session, project=project, name="t",
                       kind=TaskKind.CLASSIFICATION, labels=["yes", "no"])
    records = {r.external_id: r for r in session.scalars(select(Record))}
    votes = {"a": [("u1", "yes"), ("u2", "yes"), ("u3", "no")],
             "b": [("u1", "yes"), ("u2", "no")],
             "c": []}
    for external_id, pairs in votes.items():
        for annotator, name in pairs:
            add_manual_label(session=session, task=task, record=records[external_id],
                             label_name=name,
                             annotator=get_or_create_user(session=session, name=annotator))
    session.commit()
    references = reference_labels(session=session, task=task,
                                  record_ids=[r.id for r in records.values()])
    assert references == {records["a"].id: "yes"}


def test_span_labels_store_token_and_char_offsets(session, project, owner):
    task = create_task(session=session, project=project, name="ner",
                       kind=TaskKind.EXTRACTION, target_attribute="text", labels=["ANIMAL"])
    assert session.query(Tokenization).count() == 3
    record = session.scalar(select(Record).where(Record.external_id == "b"))
    span = add_manual_label(session=session, task=task, record=record, label_name="ANIMAL",
                            annotator=owner, span=SpanInput(char_start=0, char_end=4))
    assert (span.token_start, span.token_end, span.char_start, span.char_end) == (0, 1, 0, 4)
    with pytest.raises(ConflictError):
        add_manual_label(session=session, task=task, record=record, label_name="ANIMAL",
                         annotator=owner, span=SpanInput(token_start=0, token_end=1))
    with pytest.raises(InvalidInputError, match="token"):
        add_manual_label(session=session, task=task, record=record, label_name="ANIMAL",
                         annotator=owner, span=SpanInput(token_start=2, token_end=7))


def test_list_records_filters_compose(session, project):
    page = search_records(
        session=session, project=project,
        record_filter=RecordFilter(conditions=[SearchCondition(kind="search", text="b")]),
        sort=RecordSort.parse("-n"))
    assert page.count == 2 and [r.external_id for r in page.records] == ["c", "b"]


def test_import_is_all_or_nothing(session, project):
    payload = b"id,text,n\nd,ok,4\ne,bad,notanumber\n"
    with pytest.raises(InvalidInputError) as error:
        import_records(session=session, project=project, fmt="csv", id_column="id",
                       open_stream=lambda: io.BytesIO(payload))
    assert error.value.row == 2 and error.value.field == "n"
    session.rollback()
    assert session.query(Record).count() == 3


def test_conll_import_keeps_the_file_tokens(session, project):
    payload = b"U.S. NNP B-LOC\nofficials NNS O\n\n"
    result = import_conll(session=session, project=project, stream=io.BytesIO(payload))
    assert result.records == 1 and result.manual_labels == 1
    record = session.scalar(select(Record).where(Record.external_id == "s4"))
    assert record.data["text"] == "U.S. officials"
    tokens = session.scalar(select(Tokenization).where(Tokenization.record_id == record.id))
    assert (tokens.starts, tokens.ends) == ([0, 5], [4, 14])


@pytest.mark.parametrize("source", ["datasets", "fixtures"])
def test_demo_projects(session, owner, tmp_path, source):
    from services.demo import SEEDED_LABELS, SPAM_PHRASES, load_demo
    from store.lookup_lists import knowledge
    from store.models import Attribute, Heuristic, Run
    from store.records import tasks_of
    from tests.conftest import DATASETS
    from tests.store.test_out_of_date import Sent

    datasets_dir = DATASETS if source == "datasets" else tmp_path / "absent"
    queue = Sent()
    youtube, conll = load_demo(session=session, owner=owner, datasets_dir=datasets_dir,
                               queue=queue)
    records = session.query(Record).filter_by(project_id=youtube.id).count()
    assert records == (1953 if source == "datasets" else 200)
    spam_task = tasks_of(session=session, project=youtube)[0]
    labels = session.query(ManualLabel).filter_by(task_id=spam_task.id).all()
    assert len(labels) == SEEDED_LABELS
    assert {ml.label.name for ml in labels} == {"ham", "spam"}
    # stored as labels from the UI are: the references the records page and filters read
    stored = dict(session.query(ReferenceLabel.record_id, ReferenceLabel.label_id)
                  .filter_by(task_id=spam_task.id))
    assert stored == {ml.record_id: ml.label_id for ml in labels}
    assert spam_task.label_changes == SEEDED_LABELS
    assert "CLASS" not in {a.name for a in youtube.attributes}
    sentences = session.query(Record).filter_by(project_id=conll.id).count()
    assert sentences == (300 if source == "datasets" else 100)
    ner_task = tasks_of(session=session, project=conll)[0]
    spans = session.query(ManualLabel).filter_by(task_id=ner_task.id).count()
    assert spans > sentences
    # lookup lists: typed phrases, and the LOC spans' texts, which the list follows
    assert knowledge(session=session, project_id=youtube.id) == {"spam_phrases": SPAM_PHRASES}
    places = knowledge(session=session, project_id=conll.id)["places"]
    texts = {r.id: r.data["text"] for r in session.query(Record).filter_by(project_id=conll.id)}
    assert set(places) == {texts[ml.record_id][ml.char_start:ml.char_end] for ml
                           in session.query(ManualLabel).filter_by(task_id=ner_task.id)
                           if ml.label.name == "LOC"}
    assert len(places) > 10
    # first runs: the embeddings, the computed attribute, the functions kept current but
    # the one that reads the attribute, which waits for its values
    names = {h.id: h.name for h in session.query(Heuristic)}
    queued = {(run.project_id, run.kind, names.get(run.heuristic_id, ""))
              for run in session.query(Run).filter(Run.id.in_(queue.ids))}
    assert queued == {(youtube.id, "embedding", ""), (conll.id, "embedding", ""),
                      (youtube.id, "attribute_calculation", ""),
                      (youtube.id, "labeling_function", "spam phrase"),
                      (conll.id, "labeling_function", "known place")}, queued
    n_links = session.query(Attribute).filter_by(project_id=youtube.id, name="n_links").one()
    assert n_links.source and session.get(Run, n_links.run_id).id in queue.ids
    assert {h.name for h in session.query(Heuristic).filter_by(project_id=youtube.id)} == {
        "spam phrase", "has a link"}
    assert spam_task.auto_run and ner_task.auto_run
    # guidelines for their annotators, and what each label means
    assert "spam: it promotes something" in spam_task.guidelines
    assert "titles" in ner_task.guidelines
    assert all(label.description for task in (spam_task, ner_task) for label in task.labels)
    # an annotator's open question, for the comments to show something
    from store.models import Comment
    question, = session.query(Comment).filter_by(project_id=youtube.id).all()
    assert (question.author.name, question.record.external_id, question.resolved_at) == (
        "demo-annotator", "z13uwn2heqndtr5g304ccv5j5kqqzxjadmc0k", None)
    assert "2:19" in question.record.data["text"]
    from store.models import Notification
    assert [(n.user_id, n.reason, n.comment_id) for n in session.query(Notification)] == [
        (owner.id, "mention", question.id)], "the owner's first notification"
    assert load_demo(session=session, owner=owner, datasets_dir=datasets_dir,
                     queue=queue) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["u1", "u2", "u3", "u4"]),
                          st.sampled_from(["yes", "no", "maybe"]), st.booleans()),
                max_size=40))
def test_vectorised_classification_reference_equals_the_rule(votes):
    unique = {(rid, annotator, gold): label for rid, annotator, label, gold in votes}
    by_record = defaultdict(list)
    for (rid, annotator, gold), label in unique.items():
        by_record[rid].append(Vote(annotator, label, is_gold=gold))
    expected = {rid: reference_label(v) for rid, v in by_record.items()}
    label_ids = {"yes": 7, "no": 8, "maybe": 9}
    rows = [(rid, label_ids[label], gold) for (rid, _, gold), label in unique.items()]
    assert plurality_label_ids(rows) == {r: label_ids[ref] for r, ref in expected.items() if ref}


def test_idle_runs_get_their_queued_chunks_back_once_per_period(session, project):
    from datetime import timedelta

    from store import runs
    from store.models import RunStatus, utcnow

    run = runs.create_run(session=session, project_id=project.id, kind="embedding")
    started = runs.begin_run(session=session, run_id=run.id, stale_before=utcnow())
    runs.add_chunks(session=session, run=started, item_ids=list(range(30)), chunk_size=3)
    worked = runs.claim_chunk(session=session, run_id=run.id, position=0, worker="w",
                              stale_before=utcnow())
    later = utcnow() + timedelta(seconds=60)
    assert runs.idle_queued_chunks(session=session, stale_before=later) == [], \
        "a chunk is running: the run is not idle"
    runs.finish_chunk(session=session, chunk=worked, status=RunStatus.SUCCEEDED)
    earlier = utcnow() - timedelta(seconds=60)
    assert runs.idle_queued_chunks(session=session, stale_before=earlier) == [], \
        "touched within the last minute: not idle yet"
    idle = runs.idle_queued_chunks(session=session, stale_before=later, per_run=4)
    assert [chunk.position for chunk in idle] == [1, 2, 3, 4]
    assert runs.idle_queued_chunks(session=session, stale_before=earlier) == [], \
        "handed back: the next sweep waits a full period"


def test_a_chunk_taken_over_commits_nothing_more_from_its_first_worker(session, project):
    from datetime import timedelta

    from store import runs
    from store.db import session_factory
    from store.models import Run, RunStatus, utcnow

    run = runs.create_run(session=session, project_id=project.id, kind="embedding")
    started = runs.begin_run(session=session, run_id=run.id, stale_before=utcnow())
    runs.add_chunks(session=session, run=started, item_ids=list(range(6)), chunk_size=3)
    long_ago, later = utcnow() - timedelta(seconds=60), utcnow() + timedelta(seconds=60)
    with session_factory(session.get_bind())() as first:
        held = runs.claim_chunk(session=first, run_id=run.id, position=0, worker="a",
                                stale_before=long_ago)
        claim = runs.Claim.of(held)
        # the database went away mid-chunk: its worker takes it up again, no attempt counted
        assert runs.claim_chunk(session=first, run_id=run.id, position=0, worker="a",
                                stale_before=long_ago).attempts == 1
        assert runs.claim_chunk(session=session, run_id=run.id, position=0, worker="b",
                                stale_before=long_ago) is None, "its heartbeat is fresh"
        taken = runs.claim_chunk(session=session, run_id=run.id, position=0, worker="b",
                                 stale_before=later)
        assert (taken.worker, taken.attempts) == ("b", 2)
        runs.append_log(session=first, run_id=run.id, text="written by a\n")
        assert runs.heartbeat(session=first, chunk=held, claim=claim) is None
        assert not runs.hand_back_chunk(session=first, chunk=held, claim=claim)
    session.expire_all()
    assert "written by a" not in session.get(Run, run.id).logs
    assert runs.heartbeat(session=session, chunk=taken,
                          claim=runs.Claim.of(taken)) is RunStatus.RUNNING
    assert runs.hand_back_chunk(session=session, chunk=taken, claim=runs.Claim("b", 2))
    session.expire_all()
    back = runs.claim_chunk(session=session, run_id=run.id, position=0, worker="c",
                            stale_before=long_ago)
    assert (back.worker, back.attempts) == ("c", 2), "a hand-back costs no attempt"


def test_every_labelling_act_counts_towards_refits(session, project, owner):
    from services.annotation import change_manual_label, create_manual_label, delete_manual_label
    from services.heuristic_runs import create_heuristic, create_heuristic_run, refits_due
    from store.models import HeuristicKind, LabelingTask, RunFailure, RunStatus

    task = create_task(session=session, project=project, name="t",
                       kind=TaskKind.CLASSIFICATION, labels=["x", "y"])
    source = ("from heuristics import LearningClassifier, params_fit\n"
              "class L(LearningClassifier):\n"
              "    @params_fit(embedding_name='e')\n"
              "    def fit(self, embeddings, labels):\n        pass\n")
    learner = create_heuristic(session=session, task=task, name="l", source=source,
                               kind=HeuristicKind.ACTIVE_LEARNER)
    learner.auto_refit_every = 3
    run = create_heuristic_run(session=session, heuristic=learner)
    run.status = RunStatus.SUCCEEDED
    session.commit()
    a, b = session.scalars(select(Record).where(Record.project_id == project.id)
                           .order_by(Record.id).limit(2))
    label = create_manual_label(session=session, task=task, record=a, label_name="x",
                                annotator=owner)
    # relabelling and removing are labelling too, though the number of labels stays at 1
    change_manual_label(session=session, manual_label=label, task=task, record=a,
                        label_name="y", is_gold=None, span=None)
    assert refits_due(session=session, task=task) == []
    delete_manual_label(session=session, manual_label=label, task=task, record=a)
    assert session.get(LabelingTask, task.id).label_changes == 3
    [refit] = refits_due(session=session, task=task)
    assert refit.params["manual_labels"] == 3
    # a cancelled refit waits for its user; so does one that failed in the user's code
    for status, failure, due in ((RunStatus.CANCELLED, None, False),
                                 (RunStatus.FAILED, None, False),
                                 (RunStatus.FAILED, RunFailure.NOT_ENOUGH_LABELS, True)):
        refit.status, refit.failure = status, failure
        refit.error = "failed: field 'labels': too few" if status is RunStatus.FAILED else None
        session.commit()
        for _ in range(3):
            create_manual_label(session=session, task=task, record=b, label_name="x",
                                annotator=owner)
        queued = refits_due(session=session, task=task)
        assert bool(queued) is due, (status, failure)
    assert queued[0].params["manual_labels"] == 12
