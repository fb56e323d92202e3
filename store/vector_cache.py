"""Record vectors of an embedding kept as a ``.npy`` file, so that each learner run or
refit does not read them from the database again.

A record's vector never changes once stored (records cannot be edited, and an embedding
writes a record's vector again only when a chunk is repeated, from the same text). So an
embedding's vectors only grow, and ``(embedding id, its instance, number of vectors)`` names
one state of them: a file is written once per state, atomically (a reader never sees a
half-written one), and the files of the embedding's earlier states are removed. ``instance``
(:class:`store.models.Embedding`) keeps an embedding made in the place of a deleted one
(SQLite reuses ids) from finding the deleted one's file.

Each process keeps its files in a folder of its host (``Settings.vector_cache_dir``);
deleting the folder only costs the next run a read from the database.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.embeddings import count_vectors, record_vectors
from store.models import Embedding

__all__ = ["forget", "read_record_matrix", "record_matrix"]

ABANDONED_AFTER_S = 3600
"""A file being written for longer than this was abandoned by its process."""


def _name(embedding: Embedding, count: int) -> str:
    return f"{embedding.id}-{embedding.instance or 'x'}-{count}"


def _paths(folder: Path, name: str) -> tuple[Path, Path]:
    """The matrix file of a state and the file of its record ids."""
    return folder / f"{name}.npy", folder / f"{name}.ids.npy"


def record_matrix(*, session: Session, embedding: Embedding, folder: Path
                  ) -> tuple[np.ndarray, Path]:
    """The record ids (in id order) and the path of a ``.npy`` file holding their vectors,
    one row each: the file of the vectors' current state in ``folder``, written first if
    missing. Open it with ``np.load(path, mmap_mode="r")`` or link it: it is never changed,
    only replaced under another name, and removed once a newer state is written (a reader
    that finds it gone gets :class:`FileNotFoundError` and may ask again)."""
    name = _name(embedding, count_vectors(session=session, embedding=embedding))
    matrix_path, ids_path = _paths(folder, name)
    if matrix_path.exists():
        with contextlib.suppress(FileNotFoundError):  # else just replaced: write it again
            return np.load(ids_path), matrix_path
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".writing-") as writing:
        ids, matrix = record_vectors(session=session, embedding=embedding,
                                     path=Path(writing) / "matrix.npy")
        if len(matrix) != len(np.load(Path(writing) / "matrix.npy", mmap_mode="r")):
            read, matrix = np.array(matrix), None   # fewer rows than counted: the file
            np.save(Path(writing) / "matrix.npy", read)  # holds those read, no more
        # What was read may differ from what was counted (another transaction committed
        # meanwhile): the file is named after what it holds.
        name = _name(embedding, len(ids))
        matrix_path, ids_path = _paths(folder, name)
        np.save(Path(writing) / "ids.npy", ids)
        os.replace(Path(writing) / "ids.npy", ids_path)      # the ids first: a matrix file
        os.replace(Path(writing) / "matrix.npy", matrix_path)  # always has its ids
    _remove_stale(session, folder, keep=name)
    return ids, matrix_path


def read_record_matrix(*, session: Session, embedding: Embedding, folder: Path | None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The record ids (in id order) and their vectors, one row each: mapped read-only from
    the embedding's file in ``folder`` (:func:`record_matrix`), or read from the database
    when there is no folder or the file was replaced just now."""
    if folder is not None:
        ids, path = record_matrix(session=session, embedding=embedding, folder=folder)
        with contextlib.suppress(FileNotFoundError):
            return ids, np.load(path, mmap_mode="r")
    return record_vectors(session=session, embedding=embedding)


def _remove_stale(session: Session, folder: Path, *, keep: str) -> None:
    """Remove the files of the same embedding's other states and of deleted embeddings (on
    this host their deletion may have been served by another one)."""
    by_embedding: dict[int, list[Path]] = {}
    for path in folder.glob("*-*.npy"):
        if path.name.split("-", 1)[0].isdigit():
            by_embedding.setdefault(int(path.name.split("-", 1)[0]), []).append(path)
    existing = set(session.scalars(select(Embedding.id).where(
        Embedding.id.in_(list(by_embedding)))))
    for writing in folder.glob(".writing-*"):   # left by a process killed while writing
        with contextlib.suppress(FileNotFoundError):   # or finished since the glob
            if time.time() - writing.stat().st_mtime > ABANDONED_AFTER_S:
                shutil.rmtree(writing, ignore_errors=True)
    embedding_id = int(keep.split("-", 1)[0])
    for found, paths in by_embedding.items():
        for path in paths:
            if found not in existing or (found == embedding_id
                                         and not path.name.startswith(f"{keep}.")):
                path.unlink(missing_ok=True)


def forget(*, folder: Path, embedding_id: int) -> None:
    """Remove the files of a (deleted) embedding."""
    for path in folder.glob(f"{embedding_id}-*.npy"):
        path.unlink(missing_ok=True)
