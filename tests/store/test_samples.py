"""Code tried on a few records is compared with their reference labels, in every kind of
task, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

from sqlalchemy import select

from services.annotation import create_manual_label, mark_reviewed
from services.importing import import_records
from services.projects import create_project
from services.samples import summarize_sample
from services.tasks import create_task
from services.users import create_user
from store.manual_labels import SpanInput
from store.models import Record, TaskKind


def test_multilabel_and_span_results_against_references(session):
    owner = create_user(session=session, name="owner")[0]
    project = create_project(session=session, name="p", description="", owner=owner)
    payload = b"id,text\na,Ann met Bob\nb,Rain in Paris\nc,Nothing here\n"
    import_records(session=session, project=project, fmt="csv", id_column="id",
                   open_stream=lambda: io.BytesIO(payload))
    a, b, c = session.scalars(select(Record).order_by(Record.id)).all()
    topics = create_task(session=session, project=project, name="topics",
                         kind=TaskKind.MULTILABEL, labels=["people", "weather"])
    ner = create_task(session=session, project=project, name="ner", kind=TaskKind.EXTRACTION,
                      target_attribute="text", labels=["PER", "LOC"])
    people, weather = (label.id for label in topics.labels)
    per, loc = (label.id for label in ner.labels)
    create_manual_label(session=session, task=topics, record=a, label_name="people",
                        annotator=owner)
    create_manual_label(session=session, task=topics, record=b, label_name="weather",
                        annotator=owner)
    for record, label, span in ((a, "PER", (0, 3)), (a, "PER", (8, 11)), (b, "LOC", (8, 13))):
        create_manual_label(session=session, task=ner, record=record, label_name=label,
                            annotator=owner, span=SpanInput(char_start=span[0],
                                                            char_end=span[1]))
    mark_reviewed(session=session, task=ner, record=c, annotator=owner)

    references, summary = summarize_sample(session=session, task=topics, results=[
        (a.id, [{"label_id": people}]), (b.id, [{"label_id": people}, {"label_id": weather}]),
        (c.id, [])])
    assert references == {a.id: frozenset({"people"}), b.id: frozenset({"weather"})}
    assert (summary.hits, summary.compared, summary.agreed) == (2, 2, 1)

    span = {"label_id": per, "token_start": 0, "token_end": 1}
    references, summary = summarize_sample(session=session, task=ner, results=[
        (a.id, [span]), (b.id, [{"label_id": loc, "token_start": 2, "token_end": 3}]),
        (c.id, [])])
    assert references[c.id] == frozenset()
    # a: one of two spans; b: right; c: nothing marked, as its reference says
    assert (summary.hits, summary.compared, summary.agreed, summary.agreement) == (
        2, 3, 2, 2 / 3)
    _, failed = summarize_sample(session=session, task=ner, results=[(a.id, None)])
    assert (failed.records, failed.hits, failed.compared) == (1, 0, 0)
