"""Bulk reads and writes that bypass row objects, on SQLite and on PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from services.heuristic_runs import (
    create_heuristic,
    create_heuristic_run,
    outputs_of,
    replace_output_columns,
    replace_outputs,
)
from services.tasks import create_task
from store.db import plain_rows
from store.embeddings import record_vectors, records_without_vectors, write_vectors
from store.heuristic_lookups import WEAK_SUPERVISION_RUN
from store.models import Embedding, EmbeddingLevel, HeuristicKind, Record, RunStatus, TaskKind
from store.projects import find_attribute
from store.records import record_ids_of
from store.runs import create_run


@pytest.fixture
def labelled_run(session, project):
    """A run of a labeling function of a two-label task, the record ids and the label ids."""
    task = create_task(session=session, project=project, name="t",
                       kind=TaskKind.CLASSIFICATION, labels=["a", "b"])
    heuristic = create_heuristic(session=session, task=task, name="h",
                                 source="def h(record):\n    return 'a'\n",
                                 kind=HeuristicKind.LABELING_FUNCTION)
    run = create_heuristic_run(session=session, heuristic=heuristic)
    ids = record_ids_of(session=session, project_id=project.id)
    a, b = (label.id for label in task.labels)
    return run, ids, (a, b)


def test_plain_rows_returns_every_row_in_batches(session, project):
    query = select(Record.id, Record.external_id).where(Record.project_id == project.id)
    batches = list(plain_rows(session, query.order_by(Record.id), batch=10))
    assert [len(rows) for rows in batches] == [10, 10, 5]
    expected = session.execute(query.order_by(Record.id)).all()
    assert [row for rows in batches for row in rows] == [tuple(row) for row in expected]
    assert record_ids_of(session=session, project_id=project.id) == [r for r, _ in expected]


def test_record_vectors_in_memory_and_written_to_a_file(session, project, tmp_path):
    embedding = Embedding(project_id=project.id, attribute=find_attribute(project, "text"),
                          name="e", model="m", level=EmbeddingLevel.RECORD, dims=4,
                          state=RunStatus.SUCCEEDED)
    session.add(embedding)
    session.flush()
    empty_ids, empty = record_vectors(session=session, embedding=embedding)
    assert empty_ids.shape == (0,) and empty.shape == (0, 4)
    ids = record_ids_of(session=session, project_id=project.id)
    vectors = np.random.default_rng(0).normal(size=(len(ids), 4)).astype(np.float32)
    # Written in reverse order: the matrix still follows the record ids.
    write_vectors(session=session, embedding=embedding, record_ids=ids[::-1],
                  vectors=list(vectors[::-1]))
    found_ids, matrix = record_vectors(session=session, embedding=embedding)
    assert found_ids.tolist() == ids
    np.testing.assert_array_equal(matrix, vectors)
    path = tmp_path / "vectors.npy"
    file_ids, mapped = record_vectors(session=session, embedding=embedding, path=path)
    assert file_ids.tolist() == ids
    np.testing.assert_array_equal(np.load(path), vectors)
    np.testing.assert_array_equal(mapped, vectors)


def test_records_without_vectors_counts_first_and_names_the_missing(session, project):
    embedding = Embedding(project_id=project.id, attribute=find_attribute(project, "text"),
                          name="e", model="m", level=EmbeddingLevel.RECORD, dims=2,
                          state=RunStatus.SUCCEEDED)
    session.add(embedding)
    session.flush()
    ids = record_ids_of(session=session, project_id=project.id)
    write_vectors(session=session, embedding=embedding, record_ids=ids[2:],
                  vectors=list(np.ones((len(ids) - 2, 2), dtype=np.float32)))
    assert records_without_vectors(session=session, embedding=embedding,
                                   n_records=len(ids)) == ids[:2]
    write_vectors(session=session, embedding=embedding, record_ids=ids[:2],
                  vectors=list(np.ones((2, 2), dtype=np.float32)))
    assert records_without_vectors(session=session, embedding=embedding,
                                   n_records=len(ids)) == []


def test_replace_outputs_round_trips_labels_spans_and_nulls(session, labelled_run):
    run, ids, (a, b) = labelled_run
    rows = [{"record_id": rid, "label_id": a if i % 2 else b, "confidence": i / 100,
             "token_start": i if i % 3 == 0 else None, "token_end": None}
            for i, rid in enumerate(ids)]
    replace_outputs(session=session, run_id=run.id, record_ids=ids, rows=rows)
    replace_outputs(session=session, run_id=run.id, record_ids=ids, rows=rows)  # repeatable
    # Without a confidence: 1.0, the column's default.
    replace_outputs(session=session, run_id=run.id, record_ids=ids[:1],
                    rows=[{"record_id": ids[0], "label_id": a}])
    session.commit()
    stored = [(o.record_id, o.label_id, o.confidence, o.token_start, o.token_end)
              for o in outputs_of(session=session, run=run)]
    expected = [(ids[0], a, 1.0, None, None)] + [
        (r["record_id"], r["label_id"], pytest.approx(r["confidence"]), r["token_start"], None)
        for r in rows[1:]]
    assert stored == expected


def test_replace_output_columns_writes_the_columns_and_checks_their_lengths(session,
                                                                           labelled_run):
    run, ids, (a, b) = labelled_run
    labels = [a if i % 4 else b for i in range(len(ids))]
    confidences = [i / len(ids) for i in range(len(ids))]
    replace_outputs(session=session, run_id=run.id, record_ids=ids,
                    rows=[{"record_id": rid, "label_id": a} for rid in ids])
    replace_output_columns(session=session, run_id=run.id, record_ids=ids, columns={
        "record_id": ids, "label_id": labels, "confidence": confidences})
    with pytest.raises(ValueError, match="differ in length"):
        replace_output_columns(session=session, run_id=run.id, record_ids=ids, columns={
            "record_id": ids, "label_id": labels[:-1], "confidence": confidences})
    session.commit()
    stored = [(o.record_id, o.label_id, o.confidence) for o in outputs_of(session=session, run=run)]
    assert stored == [(rid, label, pytest.approx(c))
                      for rid, label, c in zip(ids, labels, confidences, strict=True)]


def test_only_a_weak_supervision_runs_outputs_are_weak(session, labelled_run):
    run, ids, (a, _) = labelled_run
    weak_run = create_run(session=session, project_id=run.project_id,
                          kind=WEAK_SUPERVISION_RUN)
    for written in (run, weak_run):
        replace_output_columns(session=session, run_id=written.id, record_ids=ids, columns={
            "record_id": ids, "label_id": [a] * len(ids), "confidence": [0.5] * len(ids)})
    session.commit()
    assert {o.weak for o in outputs_of(session=session, run=run)} == {False}
    assert {o.weak for o in outputs_of(session=session, run=weak_run)} == {True}
