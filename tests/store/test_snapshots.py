"""A project snapshot imports into a new project with equal data, on SQLite and
PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from heuristics.errors import ConflictError, InvalidInputError
from heuristics.model_catalog import ModelCatalog
from services.annotation import create_manual_label, mark_reviewed
from services.comments import add_comment, change_comment
from services.heuristic_runs import create_heuristic, create_heuristic_run, update_heuristic
from services.importing import import_records
from services.projects import create_project
from services.snapshots import export_snapshot, import_snapshot
from services.tasks import create_task, update_label
from services.users import create_user
from store import stats
from store.auth import get_or_create_user
from store.embeddings import create_embedding, list_embeddings
from store.lookup_lists import create_lookup_list, knowledge
from store.manual_labels import SpanInput
from store.models import (
    ConsensusLabel,
    EmbeddingLevel,
    HeuristicKind,
    Output,
    Record,
    RunStatus,
    TaskKind,
)
from store.records import tasks_of
from store.reference import reference_labels

CSV = ("id,text,stars,price,verified\n"
       "a,Apple makes phones in Cupertino,5,199.5,true\n"
       "b,Terrible battery from Samsung,1,10,false\n"
       "c,\N{GRINNING FACE} fine,3,,true\n")
STARS = "def ac(record):\n    return len(record['text']) % 5 + 1\n"
LEARNER = ("from heuristics import LearningClassifier, params_fit\n"
           "class L(LearningClassifier):\n"
           "    @params_fit(embedding_name='text-all-MiniLM-L6-v2')\n"
           "    def fit(self, embeddings, labels):\n        pass\n")


@pytest.fixture
def project(session):
    owner = create_user(session=session, name="owner")[0]
    project = create_project(session=session, name="phones", description="Phone reviews",
                             owner=owner)
    import_records(session=session, project=project, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(CSV.encode()))
    records = {r.external_id: r for r in session.scalars(select(Record))}
    ann, bob = (get_or_create_user(session=session, name=n) for n in ("ann", "bob"))
    spam = create_task(session=session, project=project, name="sentiment",
                       kind=TaskKind.CLASSIFICATION, labels=["good", "bad"])
    update_label(session=session, task=spam, label=spam.labels[0], name=None, color="#00ff00",
                 hotkey="g", description="the buyer is happy")
    spam.auto_run = True
    spam.guidelines = "Label the buyer's mood.\nIgnore the seller's."
    stars = next(a for a in project.attributes if a.name == "stars")
    stars.source = STARS   # as if computed: its values are the records'
    topics = create_task(session=session, project=project, name="topics",
                         kind=TaskKind.MULTILABEL, labels=["battery", "price"])
    ner = create_task(session=session, project=project, name="ner",
                      kind=TaskKind.EXTRACTION, target_attribute="text", labels=["ORG", "LOC"])
    for task, record, label, annotator, gold, span in (
            (spam, "a", "good", ann, False, None), (spam, "a", "bad", bob, False, None),
            (spam, "a", "good", owner, True, None), (spam, "b", "bad", ann, False, None),
            (topics, "b", "battery", ann, False, None), (topics, "b", "price", bob, False, None),
            (ner, "a", "ORG", ann, False, (0, 5)), (ner, "a", "LOC", ann, False, (22, 31)),
            (ner, "b", "ORG", bob, True, (22, 29)), (spam, "c", "good", ann, False, None),
            (spam, "c", "bad", bob, False, None)):
        create_manual_label(session=session, task=task, record=records[record],
                            label_name=label, annotator=annotator, is_gold=gold,
                            span=SpanInput(char_start=span[0], char_end=span[1]) if span
                            else SpanInput())
    for task, record, annotator in ((topics, "c", ann), (ner, "c", bob), (topics, "b", ann)):
        mark_reviewed(session=session, task=task, record=records[record], annotator=annotator)
    lf = create_heuristic(session=session, task=spam, name="stars",
                          source="def lf(record):\n    return None\n", description="first")
    update_heuristic(session=session, heuristic=lf,
                     source="def lf(record):\n    return 'good' if record['stars'] > 3 "
                     "else None\n")
    learner = create_heuristic(session=session, task=spam, name="learner", source=LEARNER,
                               kind=HeuristicKind.ACTIVE_LEARNER)
    update_heuristic(session=session, heuristic=learner, min_confidence=0.7)
    for heuristic, votes in ((lf, {"a": ("good", 1.0), "c": ("good", 1.0)}),
                             (learner, {"a": ("bad", 0.9), "b": ("bad", 0.6)})):
        run = create_heuristic_run(session=session, heuristic=heuristic)
        run.status, run.metrics = RunStatus.SUCCEEDED, {"accuracy": 0.5}
        labels = {label.name: label.id for label in spam.labels}
        session.add_all([Output(run_id=run.id, record_id=records[r].id, label_id=labels[name],
                                confidence=confidence)
                         for r, (name, confidence) in votes.items()])
        session.commit()
    # a refit's CROWDLAB consensus settled ann's and bob's tie on c
    session.add(ConsensusLabel(task_id=spam.id, record_id=records["c"].id,
                               label_id=spam.labels[1].id, quality=0.8))
    stats.recompute(session=session, task=spam)
    session.commit()
    create_embedding(session=session, project=project, attribute="text",
                     level=EmbeddingLevel.RECORD, models=ModelCatalog())
    create_lookup_list(session=session, project=project, name="brands",
                       description="phone makers", terms=["Apple", "Samsung"])
    create_lookup_list(session=session, project=project, name="orgs", terms=["Nokia"],
                       follows=ner.labels[0])
    question = add_comment(session=session, record=records["c"], author=ann,
                           text="Is an emoji a review?\nIt says fine.")
    add_comment(session=session, record=records["c"], author=owner, text="Yes: label it.")
    change_comment(session=session, comment=question, user=owner, resolved=True)
    return project


def _contents(payload: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_round_trip_gives_equal_data(session, project):
    payload = b"".join(export_snapshot(session=session, project=project))
    owner = get_or_create_user(session=session, name="copier")
    result = import_snapshot(session=session, stream=io.BytesIO(payload), owner=owner,
                             name="phones again")
    assert (result.records, result.tasks, result.manual_labels, result.reviews,
            result.heuristics, result.embeddings) == (3, 3, 11, 3, 2, 1)
    copy = result.project
    assert (copy.name, copy.description) == ("phones again", "Phone reviews")
    again = _contents(b"".join(export_snapshot(session=session, project=copy)))
    original = _contents(payload)
    manifest, copied = json.loads(original.pop("manifest.json")), \
        json.loads(again.pop("manifest.json"))
    assert copied.pop("project")["name"] == "phones again"
    manifest.pop("project")
    assert copied == manifest
    assert again == original  # records (values, tokens), manual labels, reviews, line by line
    assert [h["revisions"][-1]["number"] for h in manifest["heuristics"]] == [2, 1]
    assert manifest["heuristics"][1]["min_confidence"] == 0.7
    assert manifest["heuristics"][1]["current_run"]["metrics"] == {"accuracy": 0.5}
    assert knowledge(session=session, project_id=copy.id) == {
        "brands": ["Apple", "Samsung"], "orgs": ["Nokia", "Apple", "Samsung"]}
    assert manifest["lookup_lists"] == [
        {"name": "brands", "description": "phone makers", "terms": ["Apple", "Samsung"]},
        {"name": "orgs", "description": "", "terms": ["Nokia", "Apple", "Samsung"],
         "follows": {"task": "ner", "label": "ORG", "label_texts": ["Apple", "Samsung"],
                     "from_labels": ["Apple", "Samsung"]}}]
    assert len(original["outputs.jsonl"].splitlines()) == 4
    assert json.loads(original["consensus_labels.jsonl"]) == {
        "external_id": "c", "task": "sentiment", "label": "bad", "quality": 0.8}
    comments = [json.loads(line) for line in original["comments.jsonl"].splitlines()]
    assert [(c["external_id"], c["author"], c["text"], c["resolved_by"]) for c in comments] == [
        ("c", "ann", "Is an emoji a review?\nIt says fine.", "owner"),
        ("c", "owner", "Yes: label it.", None)]
    assert manifest["tasks"][0]["labels"][0] == {"name": "good", "color": "#00ff00",
                                                 "hotkey": "g",
                                                 "description": "the buyer is happy"}
    assert [t["auto_run"] for t in manifest["tasks"]] == [True, False, False]
    copied = tasks_of(session=session, project=copy)[0]
    assert copied.guidelines == "Label the buyer's mood.\nIgnore the seller's."
    assert [label.description for label in copied.labels] == ["the buyer is happy", ""]
    assert [a.get("source") for a in manifest["attributes"]] == [
        None, STARS, None, None]
    assert [a.source for a in copy.attributes] == [None, STARS, None, None]
    assert [t.auto_run for t in tasks_of(session=session, project=copy)] == [True, False, False]
    lines = [json.loads(line) for line in original["records.jsonl"].splitlines()]
    assert lines[2]["data"] == {"text": "\N{GRINNING FACE} fine", "stars": 3, "price": None,
                                "verified": True}
    names = dict(session.execute(select(Record.id, Record.external_id)).all())
    for before, after in zip(tasks_of(session=session, project=project),
                             tasks_of(session=session, project=copy), strict=True):
        assert {names[r]: v for r, v in reference_labels(session=session,
                                                         task=before).items()} \
            == {names[r]: v for r, v in reference_labels(session=session, task=after).items()}
        reports = [[(r.name, r.revision, r.hits, r.coverage, r.total, r.labels)
                    for r in stats.task_report(session=session, task=task)]
                   for task in (before, after)]
        assert reports[0] == reports[1]
    assert [r.hits for r in stats.task_report(session=session, task=tasks_of(
        session=session, project=copy)[0])] == [2, 1]  # the learner's 0.6 is no vote
    embedding, = list_embeddings(session=session, project=project)
    copy_embedding, = list_embeddings(session=session, project=copy)
    assert (copy_embedding.name, copy_embedding.state) == (embedding.name, RunStatus.QUEUED)


def test_the_name_must_be_free(session, project):
    payload = b"".join(export_snapshot(session=session, project=project))
    with pytest.raises(ConflictError, match="'phones' exists already"):
        import_snapshot(session=session, stream=io.BytesIO(payload),
                        owner=get_or_create_user(session=session, name="x"))


def _rewritten(payload: bytes, member: str, change) -> bytes:
    contents = _contents(payload)
    contents[member] = change(contents[member])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in contents.items():
            archive.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize(("member", "change", "message"), [
    ("manifest.json", lambda text: text.replace('"version": 1', '"version": 7'),
     "snapshot version 7 is not supported"),
    ("manual_labels.jsonl", lambda text: text.replace('"label": "battery"', '"label": "x"'),
     "manual_labels.jsonl line 5: 'x' is not a label of 'topics'"),
    ("reviews.jsonl", lambda text: text.replace('"external_id": "c"', '"external_id": "z"', 1),
     "reviews.jsonl line 1: no record 'z'"),
    ("records.jsonl", lambda text: text + "{not json\n", "records.jsonl line 4: not JSON"),
    ("manifest.json", lambda text: text.replace('"multilabel"', '"ranking"'),
     "'ranking' is not one of classification, multilabel, extraction"),
    ("manifest.json", lambda text: text.replace('"brands"', '"2brands"'),
     "a lookup list's name must be a Python identifier"),
    ("manifest.json", lambda text: text.replace('"label": "ORG"', '"label": "PER"'),
     "unknown label 'PER' for task 'ner'"),
    ("comments.jsonl", lambda text: text.replace('"created_at": "', '"created_at": "x', 1),
     "comments.jsonl line 1: 'x.*' is no time"),
])
def test_bad_snapshots_are_refused_and_nothing_is_stored(session, project, member, change,
                                                         message):
    payload = _rewritten(b"".join(export_snapshot(session=session, project=project)), member,
                         change)
    with pytest.raises(InvalidInputError, match=message):
        import_snapshot(session=session, stream=io.BytesIO(payload), name="copy",
                        owner=get_or_create_user(session=session, name="x"))
    session.rollback()
    assert len(session.scalars(select(Record)).all()) == 3


def test_an_archive_from_before_consensus_labels_still_restores(session, project):
    contents = _contents(b"".join(export_snapshot(session=session, project=project)))
    del contents["consensus_labels.jsonl"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in contents.items():
            archive.writestr(name, text)
    copy = import_snapshot(session=session, stream=io.BytesIO(out.getvalue()), name="older",
                           owner=get_or_create_user(session=session, name="x")).project
    sentiment = tasks_of(session=session, project=copy)[0]
    names = dict(session.execute(select(Record.id, Record.external_id)).all())
    # without the consensus, ann's and bob's tie on c is a tie again
    assert {names[r]: v for r, v in reference_labels(session=session,
                                                     task=sentiment).items()} == {
        "a": "good", "b": "bad"}


def test_not_an_archive(session, project):
    with pytest.raises(InvalidInputError, match="not a snapshot archive"):
        import_snapshot(session=session, stream=io.BytesIO(b"PK nonsense"), name="copy",
                        owner=get_or_create_user(session=session, name="x"))


def test_restored_votes_are_current_for_the_records_restored(session, project):
    """A snapshot taken after a deletion: its functions' runs saw more records than it
    holds; after the restore, records imported are new to them all the same."""
    from services.out_of_date import current_inputs, reasons
    from services.record_deletion import delete_records
    from store.models import Heuristic, Run

    for run in session.scalars(select(Run)):
        run.total_items = 3   # as a worker's run over the three records
        if run.status is RunStatus.QUEUED:
            run.status = RunStatus.CANCELLED   # the embedding's: let the deletion through
    session.commit()
    delete_records(session=session, project=project, record_ids=[
        session.scalar(select(Record.id).where(Record.external_id == "c"))])
    payload = b"".join(export_snapshot(session=session, project=project))
    copy = import_snapshot(session=session, stream=io.BytesIO(payload),
                           owner=get_or_create_user(session=session, name="copier"),
                           name="phones again").project
    function = session.scalar(select(Heuristic).where(Heuristic.project_id == copy.id,
                                                      Heuristic.name == "stars"))
    restored = session.scalar(select(Run).where(Run.heuristic_id == function.id))
    assert reasons(restored, 2, current_inputs(session=session, project_id=copy.id)) == []
    import_records(session=session, project=copy, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(b"id,text,stars\nd,Nokia,4\n"))
    assert reasons(restored, 2, current_inputs(session=session, project_id=copy.id)) == [
        "1 record added since its run"]
