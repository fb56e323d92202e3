"""Record vectors kept as files, and the similarity index cache: never stale, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import os
import threading
import time
import traceback

import numpy as np
import pytest

from store import vector_cache
from store.db import session_factory
from store.embeddings import delete_embedding, write_vectors
from store.models import Embedding, EmbeddingLevel, RunStatus
from store.projects import find_attribute
from store.records import record_ids_of
from store.similarity import IndexCache
from tests.sql_log import sent_statements
from tests.store.conftest import N_RECORDS


def embedded(session, project, vectors: np.ndarray, *, name: str = "e") -> Embedding:
    """A record embedding of the project holding ``vectors`` (one row per record), committed."""
    embedding = Embedding(project_id=project.id, attribute=find_attribute(project, "text"),
                          name=name, model="m", level=EmbeddingLevel.RECORD,
                          dims=vectors.shape[1], state=RunStatus.SUCCEEDED)
    session.add(embedding)
    session.flush()
    ids = record_ids_of(session=session, project_id=project.id)[:len(vectors)]
    if len(vectors):
        write_vectors(session=session, embedding=embedding, record_ids=ids,
                      vectors=list(vectors))
    session.commit()
    return embedding


def random_vectors(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 4)).astype(np.float32)


@pytest.mark.parametrize("from_files", [False, True], ids=["read", "from files"])
def test_a_new_embedding_in_a_deleted_ones_place_is_not_served_stale(session, project,
                                                                    tmp_path, from_files):
    # SQLite gives a new row the id of the newest deleted one: same id, same records, same
    # count, other vectors.
    indexes = IndexCache(folder=tmp_path / "vectors" if from_files else None)
    first = embedded(session, project, random_vectors(N_RECORDS, seed=1))
    np.testing.assert_array_equal(indexes.get(session, first).matrix,
                                  random_vectors(N_RECORDS, seed=1))
    delete_embedding(session=session, embedding=first)
    second = embedded(session, project, random_vectors(N_RECORDS, seed=2))
    np.testing.assert_array_equal(indexes.get(session, second).matrix,
                                  random_vectors(N_RECORDS, seed=2))


def test_the_file_is_written_once_and_read_from_then_on(session, project, tmp_path):
    vectors = random_vectors(N_RECORDS, seed=3)
    embedding = embedded(session, project, vectors)
    ids, path = vector_cache.record_matrix(session=session, embedding=embedding,
                                           folder=tmp_path)
    assert ids.tolist() == record_ids_of(session=session, project_id=project.id)
    np.testing.assert_array_equal(np.load(path), vectors)
    with sent_statements(session.get_bind()) as sent:
        again_ids, again = vector_cache.record_matrix(session=session, embedding=embedding,
                                                      folder=tmp_path)
    assert again == path and again_ids.tolist() == ids.tolist()
    assert not any("embedding_vectors.vector" in statement for statement, _ in sent)


@pytest.mark.parametrize("with_folder", [False, True], ids=["database", "file"])
def test_read_record_matrix_gives_the_vectors_from_the_file_or_the_database(
        session, project, tmp_path, with_folder):
    vectors = random_vectors(N_RECORDS, seed=4)
    embedding = embedded(session, project, vectors)
    folder = tmp_path if with_folder else None
    vector_cache.read_record_matrix(session=session, embedding=embedding, folder=folder)
    with sent_statements(session.get_bind()) as sent:
        ids, matrix = vector_cache.read_record_matrix(session=session, embedding=embedding,
                                                      folder=folder)
    assert ids.tolist() == record_ids_of(session=session, project_id=project.id)
    np.testing.assert_array_equal(matrix, vectors)
    read_vectors = any("embedding_vectors.vector" in statement for statement, _ in sent)
    assert read_vectors is not with_folder
    assert isinstance(matrix, np.memmap) is with_folder


def test_new_vectors_make_a_new_file_and_the_old_one_goes(session, project, tmp_path):
    vectors = random_vectors(N_RECORDS, seed=4)
    embedding = embedded(session, project, vectors[:-2])
    _, old = vector_cache.record_matrix(session=session, embedding=embedding, folder=tmp_path)
    ids = record_ids_of(session=session, project_id=project.id)
    write_vectors(session=session, embedding=embedding, record_ids=ids[-2:],
                  vectors=list(vectors[-2:]))
    session.commit()
    found, path = vector_cache.record_matrix(session=session, embedding=embedding,
                                             folder=tmp_path)
    assert found.tolist() == ids and path != old and not old.exists()
    np.testing.assert_array_equal(np.load(path), vectors)


def test_an_embedding_in_a_deleted_ones_place_gets_its_own_file(session, project, tmp_path):
    first = embedded(session, project, random_vectors(N_RECORDS, seed=5))
    _, first_path = vector_cache.record_matrix(session=session, embedding=first,
                                               folder=tmp_path)
    delete_embedding(session=session, embedding=first)
    second = embedded(session, project, random_vectors(N_RECORDS, seed=6))
    _, path = vector_cache.record_matrix(session=session, embedding=second, folder=tmp_path)
    assert path != first_path
    np.testing.assert_array_equal(np.load(path), random_vectors(N_RECORDS, seed=6))


def test_forget_removes_an_embeddings_files_only(session, project, tmp_path):
    kept = embedded(session, project, random_vectors(N_RECORDS, seed=7), name="kept")
    gone = embedded(session, project, random_vectors(N_RECORDS, seed=8), name="gone")
    _, kept_path = vector_cache.record_matrix(session=session, embedding=kept, folder=tmp_path)
    _, gone_path = vector_cache.record_matrix(session=session, embedding=gone, folder=tmp_path)
    vector_cache.forget(folder=tmp_path, embedding_id=gone.id)
    assert kept_path.exists() and not gone_path.exists()
    assert not list(tmp_path.glob(f"{gone.id}-*"))


def test_an_embedding_without_vectors_has_an_empty_file(session, project, tmp_path):
    embedding = embedded(session, project, np.zeros((0, 4), dtype=np.float32))
    ids, path = vector_cache.record_matrix(session=session, embedding=embedding,
                                           folder=tmp_path)
    assert ids.shape == (0,) and np.load(path).shape == (0, 4)


def test_writing_a_file_removes_those_of_deleted_embeddings(session, project, tmp_path):
    folder = tmp_path / "vectors"
    gone = embedded(session, project, random_vectors(N_RECORDS, seed=9), name="gone")
    _, gone_path = vector_cache.record_matrix(session=session, embedding=gone, folder=folder)
    delete_embedding(session=session, embedding=gone)   # served without this folder
    other = embedded(session, project, random_vectors(N_RECORDS, seed=10), name="other")
    _, path = vector_cache.record_matrix(session=session, embedding=other, folder=folder)
    assert path.exists() and not gone_path.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted([path.name,
                                                                 path.name[:-4] + ".ids.npy"])


def test_a_file_gone_while_found_is_written_again(session, project, tmp_path):
    vectors = random_vectors(N_RECORDS, seed=11)
    embedding = embedded(session, project, vectors)
    _, path = vector_cache.record_matrix(session=session, embedding=embedding, folder=tmp_path)
    path.with_name(path.name[:-4] + ".ids.npy").unlink()   # as a newer state's writer does
    ids, again = vector_cache.record_matrix(session=session, embedding=embedding,
                                            folder=tmp_path)
    assert again == path and ids.tolist() == record_ids_of(session=session,
                                                           project_id=project.id)
    np.testing.assert_array_equal(np.load(again), vectors)


def test_a_write_abandoned_long_ago_is_cleared(session, project, tmp_path):
    abandoned, recent = tmp_path / ".writing-old", tmp_path / ".writing-new"
    for folder in (abandoned, recent):
        folder.mkdir()
        (folder / "matrix.npy").write_bytes(b"partial")
    old = time.time() - vector_cache.ABANDONED_AFTER_S - 60
    os.utime(abandoned, (old, old))
    embedding = embedded(session, project, random_vectors(N_RECORDS, seed=12))
    vector_cache.record_matrix(session=session, embedding=embedding, folder=tmp_path)
    assert not abandoned.exists() and recent.exists()


def test_readers_writing_the_file_at_once_all_get_the_vectors(engine, session, project,
                                                              tmp_path):
    # Requests of the API read at once; each of them that finds no file writes one.
    vectors = random_vectors(N_RECORDS, seed=13)
    embedding = embedded(session, project, vectors)
    sessions = session_factory(engine)
    failures: list[str] = []

    def read(start: threading.Barrier) -> None:
        try:
            with sessions() as own:
                start.wait()
                ids, matrix = vector_cache.read_record_matrix(
                    session=own, embedding=own.get(Embedding, embedding.id), folder=tmp_path)
                np.testing.assert_array_equal(matrix, vectors)
        except Exception:  # noqa: BLE001 - every failure is reported below
            failures.append(traceback.format_exc())

    for _ in range(20):
        vector_cache.forget(folder=tmp_path, embedding_id=embedding.id)
        start = threading.Barrier(6)
        readers = [threading.Thread(target=read, args=(start,)) for _ in range(6)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
    assert not failures, failures[0]
