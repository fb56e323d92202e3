"""The weak-label export's own columns never collide with the project's attributes."""

from __future__ import annotations

import io

import pyarrow.parquet as pq

from formats import writers
from services.importing import import_records
from services.projects import create_project
from services.tasks import create_task
from services.users import create_user
from services.weak_exporting import weak_label_columns, weak_label_rows, weak_label_types
from store.models import TaskKind
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
