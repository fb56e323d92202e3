"""The weak-label export's own columns never collide with the project's attributes."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from formats import writers
from formats.label_studio import Control, labeling_config
from services.importing import import_records
from services.projects import create_project
from services.tasks import create_task
from services.users import create_user
from services.weak_exporting import (
    label_studio_predictions,
    weak_label_columns,
    weak_label_rows,
    weak_label_types,
)
from store.heuristic_lookups import WEAK_SUPERVISION_RUN
from store.models import Output, Record, Run, RunStatus, TaskKind
from store.projects import main_text_attribute


def test_attributes_named_like_export_columns_keep_their_values(session):
    owner, _ = create_user(session=session, name="owner")
    project = create_project(session=session, name="p", description="", owner=owner)
    payload = b"text,confidence,reference\nwin a free phone now,high,gold1\nhi,low,gold2\n"
    import_records(session=session, project=project, fmt="csv",
                   open_stream=lambda: io.BytesIO(payload))
    task = create_task(session=session, project=project, name="spam",
                       kind=TaskKind.CLASSIFICATION, labels=["ham", "spam"])
    columns = weak_label_columns(project)
    assert columns == ["external_id", "text", "confidence", "reference", "weak_label",
                       "heurist_confidence", "heurist_reference"]
    rows = list(weak_label_rows(session=session, task=task, run_id=0))
    assert [(r["confidence"], r["reference"], r["heurist_confidence"]) for r in rows] == [
        ("high", "gold1", None), ("low", "gold2", None)]
    table = pq.read_table(io.BytesIO(b"".join(writers.write_rows(
        "parquet", columns, rows, types=weak_label_types(task)))))
    assert table.column_names == columns
    assert str(table.schema.field("heurist_confidence").type) == "double"
    assert table.column("confidence").to_pylist() == ["high", "low"]
    assert main_text_attribute(session=session, project=project).name == "text"


def test_label_studio_predictions_of_spans_name_their_text(session):
    owner, _ = create_user(session=session, name="owner")
    project = create_project(session=session, name="p", description="", owner=owner)
    payload = b'{"id": "s1", "text": "Ann met Bob in Paris"}\n'
    import_records(session=session, project=project, fmt="jsonl", id_column="id",
                   open_stream=lambda: io.BytesIO(payload))
    task = create_task(session=session, project=project, name="ner",
                       kind=TaskKind.EXTRACTION, target_attribute="text",
                       labels=["PER", "LOC"])
    run = Run(project_id=project.id, kind=WEAK_SUPERVISION_RUN, status=RunStatus.SUCCEEDED,
              params={"task_id": task.id})
    session.add(run)
    session.flush()
    record_id = session.scalar(select(Record.id))
    session.add_all([Output(run_id=run.id, record_id=record_id, label_id=task.labels[i].id,
                            confidence=confidence, token_start=start, token_end=start + 1,
                            char_start=chars[0], char_end=chars[1], weak=True)
                     for i, confidence, start, chars in ((0, 0.8, 2, (8, 11)),
                                                         (1, 0.6, 4, (15, 20)))])
    session.commit()
    tasks = json.loads(b"".join(label_studio_predictions(
        session=session, task=task, run_id=run.id, model_version="m", text_attribute="text")))
    prediction = tasks[0]["predictions"][0]
    assert prediction["score"] == pytest.approx(0.7)
    assert [(r["from_name"], r["to_name"], r["type"], r["value"], r["score"])
            for r in prediction["result"]] == [
        ("ner", "text", "labels", {"start": 8, "end": 11, "text": "Bob", "labels": ["PER"]},
         0.8),
        ("ner", "text", "labels", {"start": 15, "end": 20, "text": "Paris",
                                   "labels": ["LOC"]}, 0.6)]
    assert '<Labels name="ner" toName="text">' in labeling_config(
        [Control("ner", "spans", "text", ["PER", "LOC"])])
