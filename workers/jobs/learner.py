"""Active-learner runs: the user's learner class is fitted in the sandbox over a stored
embedding and the reference labels, cross-fitted so labelled records get honest outputs;
every record gets its most probable label with the confidence, and all probabilities are
kept, so the vote threshold can change without refitting."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from heuristics.errors import InvalidInputError
from heuristics.learners.folds import check_class_labels, check_span_labels
from heuristics.learners.results import learner_warnings
from heuristics.learners.votes import spans_from_token_predictions
from heuristics.sandbox import Sandbox, SandboxError, SandboxUnavailable, SpareLearner, read_output
from heuristics.sandbox.protocol import memory_to_hold
from heuristics.spans import spans_to_token_labels
from services import active_queue, heuristic_runs
from services.sandboxes import sandbox_for
from services.statistics import heuristic_run_succeeded
from store import embeddings as vectors
from store import heuristic_lookups, vector_cache
from store.models import (
    Embedding,
    EmbeddingLevel,
    Heuristic,
    HeuristicRevision,
    LabelingTask,
    Run,
    RunArtifact,
    RunStatus,
    TaskKind,
    Tokenization,
)
from store.records import record_ids_of
from store.reference import reference_labels, reference_state
from store.runs import append_log
from store.stats import RunHeld
from store.tokenization import token_texts
from workers.context import settings
from workers.jobs import Heartbeat

INPUTS_READY, MODELS_FITTED = 0.1, 0.9
"""The run's progress once its inputs are written for the sandbox, and once every model is
fitted; the models share the span between (the outputs are written after)."""


def _embedding(session: Session, run: Run, revision: HeuristicRevision,
               task: LabelingTask) -> Embedding:
    name = revision.settings["embedding_name"]
    embedding = vectors.find_embedding(session=session, project_id=run.project_id, name=name)
    if embedding is None:
        known = ", ".join(repr(e.name) for e in vectors.list_embeddings(
            session=session, project=task.project)) or "none yet"
        raise InvalidInputError(f"no embedding named {name!r} (embeddings: {known})",
                                field="embedding_name")
    level = EmbeddingLevel.TOKEN if task.kind is TaskKind.EXTRACTION else EmbeddingLevel.RECORD
    if embedding.level is not level:
        raise InvalidInputError(f"embedding {name!r} is {embedding.level.value}-level; this "
                                f"task needs a {level.value}-level embedding",
                                field="embedding_name")
    if embedding.state is not RunStatus.SUCCEEDED:
        raise InvalidInputError(f"embedding {name!r} is not ready ({embedding.state.value})",
                                field="embedding_name")
    return embedding


def _check_labels(references: dict[int, Any], task: LabelingTask) -> None:
    """The learner's own rule (:func:`heuristics.learners.folds.check_class_labels`), checked
    before a sandbox starts."""
    if task.kind is TaskKind.EXTRACTION:
        check_span_labels(len(references), sum(1 for spans in references.values() if spans))
    else:
        check_class_labels(list(references.values()))


_spare: SpareLearner | None = None
"""This worker process's learner sandbox: started ahead of its first run, then serving the
runs of one project one after another (see :meth:`Sandbox.start_spare_learner`)."""
_reserve: SpareLearner | None = None
"""A second one that has served no run, kept once this worker has run learners of more
than one project: a run of another project than ``_spare``'s takes it instead of waiting
for a fresh sandbox's imports."""
_many_projects = False
"""Whether this worker has run learners of more than one project (then it keeps a reserve)."""
_vector_bytes: int | None = None
"""The size of this worker's last classification run's vectors (float32, as stored), which
sizes the memory a new spare keeps for its runs; None before any."""


def _start_spare() -> SpareLearner | None:
    try:
        most = settings().sandbox_spare_learner_memory_mb
        return sandbox_for(settings()).start_spare_learner(
            warm_mb=most if _vector_bytes is None else memory_to_hold(_vector_bytes, most),
            warm_max_mb=most)
    except SandboxUnavailable:
        return None


def start_ahead() -> bool:
    """Start this worker process's learner sandbox now, before any run asks for it, where
    the settings say so (``sandbox_spare_learner_at_start``): its imports then overlap the
    process's idle time, and even its first learner run, of any project, finds
    scikit-learn imported. Call it from the thread that runs the tasks (the sandbox ends
    with the thread that started it). Whether one is waiting now."""
    global _spare
    chosen = settings()
    if _spare is None and chosen.sandbox_spare_learner \
            and chosen.sandbox_spare_learner_at_start:
        _spare = _start_spare()
    return _spare is not None


def stop_sandboxes() -> None:
    """End this worker process's waiting learner sandboxes and remove their folders (as
    the process exits)."""
    global _spare, _reserve
    for spare in (_spare, _reserve):
        if spare is not None:
            spare.cleanup()
    _spare = _reserve = None


def _keep_spare(project_id: int) -> None:
    """Have a spare learner sandbox waiting for ``project_id``'s next run, if the settings
    allow one: this worker's, if it is alive and has served no other project, else the
    reserve (:func:`_keep_reserve`), else a fresh one.

    The project is the trust boundary: its members can edit every one of its heuristics,
    so its runs may share a sandbox, which removes what each run left before the next
    (``runner.serve_learners``); another project's run never gets a sandbox one of this
    project's runs has been in."""
    global _spare, _reserve, _many_projects
    if not settings().sandbox_spare_learner:
        return
    if _spare is not None and _spare.alive() and (
            _spare.runs == 0 or _spare.owner == project_id):
        _spare.owner = project_id
        return
    if _spare is not None:
        _many_projects = _many_projects or (_spare.runs > 0 and _spare.owner != project_id)
        _spare.cleanup()
    if _reserve is not None and _reserve.alive():
        _spare, _reserve = _reserve, None
    else:
        if _reserve is not None:
            _reserve.cleanup()
            _reserve = None
        _spare = _start_spare()
    if _spare is not None:
        _spare.owner = project_id


def _keep_reserve() -> None:
    """Once this worker has run learners of more than one project, have a second spare
    waiting that has served no run (another 150 MB or so): started after a run, so its
    imports take a core while the worker waits for its next task, not beside a run."""
    global _reserve
    if not (_many_projects and settings().sandbox_spare_learner) or (
            _reserve is not None and _reserve.alive()):
        return
    if _reserve is not None:
        _reserve.cleanup()
    _reserve = _start_spare()


@contextmanager
def _folders(*, extraction: bool, project_id: int
             ) -> Iterator[tuple[Path, Path, SpareLearner | None, int]]:
    """Input and output folders of one learner run of ``project_id`` (its spare's, or
    fresh ones where spares are off or cannot start) and how many models it fits at once.

    The spare imported scikit-learn before its first run, and each later run starts in a
    process forked from it, so nothing imports beside a run: a classification run fits its
    models side by side on the worker's cores (:meth:`Settings.learner_threads`).
    Extraction runs fit one model at a time: a CRF's features and training hold the
    interpreter lock, and side by side they took 10 % longer. After the run the spare waits
    for the project's next one; if the run ended it, the reserve or a fresh one takes its
    place, and a reserve is started where the worker keeps one."""
    global _spare
    _keep_spare(project_id)
    spare, _spare = _spare, None
    threads = 1 if extraction else settings().learner_threads()
    try:
        if spare is not None:
            yield spare.input_dir, spare.output_dir, spare, threads
        else:
            with tempfile.TemporaryDirectory() as inputs, \
                    tempfile.TemporaryDirectory() as outputs:
                yield Path(inputs), Path(outputs), None, threads
    finally:
        if spare is not None and spare.alive():
            spare.clear_inputs()
            _spare = spare
        elif spare is not None:
            spare.cleanup()
        _keep_spare(project_id)
        _keep_reserve()


def _place(cached: Path, path: Path) -> None:
    """``cached`` at ``path``: a link where the sandbox mounts its inputs read-only
    (bubblewrap) and both are on one file system, else a copy."""
    if settings().sandbox == "bwrap":
        try:
            os.link(cached, path)
            return
        except OSError as error:
            if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
    shutil.copyfile(cached, path)


def _save_record_matrix(session: Session, embedding: Embedding, item_ids: list[int],
                        path: Path) -> None:
    """Put the vectors of ``item_ids`` at ``path`` as one .npy matrix: a link to (or else a
    copy of) this host's file of the embedding's vectors when they are every record of it
    (a single-chunk run; :mod:`store.vector_cache`), else read by id."""
    ids, cached = vector_cache.record_matrix(session=session, embedding=embedding,
                                             folder=settings().vector_cache_dir)
    if np.array_equal(ids, item_ids):
        try:
            _place(cached, path)
            return
        except FileNotFoundError:   # replaced by a newer state just now: read them by id
            pass
    found = vectors.vectors_of(session=session, embedding=embedding, record_ids=item_ids)
    np.save(path, np.stack([found[rid] for rid in item_ids]))


def _malformed(name: str, what: str) -> SandboxError:
    return SandboxError(f"user code sent malformed output ({name}: {what})", field="output")


def _read_output(sandbox: Sandbox, folder: Path, name: str) -> bytes:
    """A file the sandbox wrote, read safely (see :func:`heuristics.sandbox.read_output`)."""
    return read_output(folder, name, max_bytes=sandbox.limits.max_file_mb * 1024 * 1024)


def _read_probabilities(sandbox: Sandbox, folder: Path, *, n_records: int, n_classes: int
                        ) -> np.ndarray:
    """The learner's probabilities, ``(n_records, n_classes)`` floats in [0, 1]."""
    name = "probabilities.npy"
    try:
        probabilities = np.load(io.BytesIO(_read_output(sandbox, folder, name)),
                                allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise _malformed(name, "not a NumPy array") from error
    if not isinstance(probabilities, np.ndarray) or probabilities.dtype.kind != "f" \
            or probabilities.shape != (n_records, n_classes) or n_classes < 1:
        raise _malformed(name, f"expected {n_records} x {n_classes} floats")
    if not (np.isfinite(probabilities).all() and (probabilities >= 0).all()
            and (probabilities <= 1).all()):
        raise _malformed(name, "not finite probabilities between 0 and 1")
    return probabilities


def _read_token_lists(sandbox: Sandbox, folder: Path, name: str, *, lengths: list[int],
                      kinds: tuple[type, ...]) -> list[list]:
    """One list per record, of one value of ``kinds`` per token."""
    try:
        values = json.loads(_read_output(sandbox, folder, name))
    except (ValueError, RecursionError) as error:
        raise _malformed(name, "not JSON") from error
    if not isinstance(values, list) or len(values) != len(lengths) or not all(
            isinstance(row, list) and len(row) == n
            and all(isinstance(v, kinds) and not isinstance(v, bool) for v in row)
            for row, n in zip(values, lengths, strict=False)):
        raise _malformed(name, "expected one value per token of every record")
    return values


def _save(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


class LearnerJob:
    kind = heuristic_lookups.ACTIVE_LEARNER_RUN
    _held: RunHeld | None = None
    """What the run processed here holds for its statistics (see :class:`RunHeld`)."""

    def _parts(self, session: Session, run: Run):
        heuristic = session.get(Heuristic, run.heuristic_id)
        return heuristic, session.get(HeuristicRevision, run.revision_id), heuristic.task

    def prepare(self, session: Session, run: Run) -> list[int]:
        _keep_spare(run.project_id)  # imports scikit-learn while this worker reads the data
        heuristic, revision, task = self._parts(session, run)
        embedding = _embedding(session, run, revision, task)
        ids = record_ids_of(session=session, project_id=run.project_id)
        missing = vectors.records_without_vectors(session=session, embedding=embedding,
                                                  n_records=len(ids))
        if missing:
            raise InvalidInputError(f"{len(missing)} records have no vector in "
                                    f"{embedding.name!r} yet; wait for its refresh run",
                                    field="embedding_name")
        sandbox_for(settings()).check()
        run.params = {**run.params, "chunk_size": max(1, len(ids))}
        return ids

    def process(self, session: Session, run: Run, item_ids: list[int],
                heartbeat: Heartbeat) -> None:
        started = time.perf_counter()
        heuristic, revision, task = self._parts(session, run)
        embedding = _embedding(session, run, revision, task)
        state = reference_state(session=session, task=task)  # read before the references
        references = reference_labels(session=session, task=task)
        _check_labels(references, task)  # before a sandbox starts; the run's only read
        extraction = task.kind is TaskKind.EXTRACTION
        if not extraction:
            global _vector_bytes
            _vector_bytes = len(item_ids) * (embedding.pca_dims or embedding.dims) * 4
        with _folders(extraction=extraction, project_id=run.project_id) as (
                source, target, spare, threads):
            if extraction:
                found = vectors.vectors_of(session=session, embedding=embedding,
                                           record_ids=item_ids)
                arrays = [found[rid] for rid in item_ids]
                lengths = np.array([len(a) for a in arrays], dtype=np.int64)
                np.save(source / "lengths.npy", lengths)
                np.save(source / "embeddings.npy", np.concatenate(arrays) if arrays
                        else np.zeros((0, embedding.pca_dims or embedding.dims)))
                labels = [None if references.get(rid) is None
                          else spans_to_token_labels(references[rid], n)
                          for rid, n in zip(item_ids, lengths.tolist(), strict=True)]
                (source / "tokens.json").write_text(json.dumps(
                    _words(session, task, item_ids, lengths.tolist())))
            else:
                _save_record_matrix(session, embedding, item_ids, source / "embeddings.npy")
                labels = [references.get(rid) for rid in item_ids]
            (source / "labels.json").write_text(json.dumps(labels))
            for path in (source, *source.iterdir()):
                path.chmod(0o755 if path.is_dir() else 0o644)
            where = ("a sandbox of its own" if spare is None else
                     f"run {spare.runs + 1} of the project's waiting sandbox"
                     + ("" if spare.ready() else ", still importing"))
            heartbeat(progress=INPUTS_READY, stage=(
                f"inputs ready: {len(item_ids):,} records, {len(references):,} labelled, "
                f"vectors of {embedding.name!r}"
                + (f"; up to {threads} models fitted at a time" if threads > 1 else "")))
            inputs_ready = time.perf_counter()

            def fitted(share: float, stage: str, printed: str) -> None:
                if printed:
                    append_log(session=session, run_id=run.id, text=printed)
                heartbeat(progress=INPUTS_READY + (MODELS_FITTED - INPUTS_READY) * share,
                          stage=stage)

            sandbox = sandbox_for(settings())
            try:
                result = sandbox.run_learner(
                    revision.source, task_kind=task.kind.value, input_dir=source,
                    output_dir=target, spare=spare, stop=heartbeat.cancelled,
                    on_progress=fitted, threads=threads)
            finally:
                heartbeat()  # a cancelled run ends as cancelled, not as a sandbox error
            fitted_at = time.perf_counter()
            if result.logs:
                append_log(session=session, run_id=run.id, text=result.logs)
            predicted: list[str] = []   # the most probable label of each record
            stop = None
            if extraction:
                columns = heuristic_runs.output_columns(self._span_rows(
                    session, task, item_ids, target, sandbox, lengths.tolist()))
                heuristic_runs.replace_output_columns(
                    session=session, run_id=run.id, record_ids=item_ids, columns=columns)
            else:
                columns, probabilities = self._label_columns(
                    session, run, task, item_ids, target, result.summary["classes"], sandbox)
                stop = active_queue.learner_stop_hint(
                    session=session, run=run, heuristic=heuristic, probabilities=probabilities,
                    classes=result.summary["classes"] or [])
                heuristic_runs.replace_output_columns(
                    session=session, run_id=run.id, record_ids=item_ids, columns=columns)
                names = {label.id: label.name for label in task.labels}
                predicted = [names[label_id] for label_id in columns["label_id"]]
        append_log(session=session, run_id=run.id, text=(
            f"timing: inputs {inputs_ready - started:.2f} s, sandbox "
            f"{fitted_at - inputs_ready:.2f} s ({where}), outputs "
            f"{time.perf_counter() - fitted_at:.2f} s\n"))
        if len(item_ids) == run.total_items:  # the run's only chunk: all of its outputs
            self._held = RunHeld(run.id, np.asarray(item_ids, dtype=np.int64), references,
                                 state, columns)
        held_out = result.summary["metrics"]
        warnings = learner_warnings((held_out or {}).get("labels", []), predicted)
        for warning in warnings:
            append_log(session=session, run_id=run.id, text=f"warning: {warning}\n")
        run.metrics = {"held_out": held_out,
                       "n_labelled": result.summary["n_labelled"],
                       "n_folds": result.summary["n_folds"],
                       "classes": result.summary["classes"],
                       "warnings": warnings,
                       **({"stop": stop} if stop is not None else {})}

    def _label_columns(self, session: Session, run: Run, task: LabelingTask,
                       item_ids: list[int], target: Path, classes: list[str] | None,
                       sandbox: Sandbox) -> tuple[dict[str, list], np.ndarray]:
        """Every record's most probable label and its probability, as output columns, and
        all probabilities (kept as run artifacts too)."""
        classes = classes or []
        probabilities = _read_probabilities(sandbox, target, n_records=len(item_ids),
                                            n_classes=len(classes))
        labels = {label.name: label.id for label in task.labels}
        unknown = [c for c in classes if c not in labels]
        if unknown:
            raise InvalidInputError(f"the learner predicts unknown labels {unknown}",
                                    field="output")
        best = probabilities.argmax(axis=1)
        confidence = probabilities.max(axis=1)
        session.merge(RunArtifact(run_id=run.id, name="probabilities",
                                  data=_save(probabilities)))
        session.merge(RunArtifact(run_id=run.id, name="record_ids",
                                  data=_save(np.asarray(item_ids, dtype=np.int64))))
        label_ids = np.array([labels[name] for name in classes], dtype=np.int64)
        return {"record_id": item_ids, "label_id": label_ids[best].tolist(),
                "confidence": confidence.astype(np.float64).tolist()}, probabilities

    def _span_rows(self, session: Session, task: LabelingTask, item_ids: list[int],
                   target: Path, sandbox: Sandbox, lengths: list[int]) -> list[dict]:
        token_labels = _read_token_lists(sandbox, target, "token_labels.json",
                                         lengths=lengths, kinds=(str,))
        confidences = _read_token_lists(sandbox, target, "token_confidences.json",
                                        lengths=lengths, kinds=(int, float))
        labels = {label.name: label.id for label in task.labels}
        offsets = {t.record_id: (t.starts, t.ends) for t in session.query(Tokenization).filter(
            Tokenization.attribute_id == task.target_attribute_id,
            Tokenization.record_id.in_(item_ids))}
        rows = []
        for rid, names, scores in zip(item_ids, token_labels, confidences, strict=True):
            starts, ends = offsets[rid]
            for label, start, end, confidence in spans_from_token_predictions(
                    names, scores, min_confidence=0.0):
                if label not in labels:
                    raise InvalidInputError(f"the learner predicts unknown label {label!r}",
                                            field="output")
                rows.append({"record_id": rid, "label_id": labels[label],
                             "confidence": float(confidence), "token_start": start,
                             "token_end": end, "char_start": starts[start],
                             "char_end": ends[end - 1]})
        return rows

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        return dict(run.metrics or {})

    def failed(self, session: Session, run: Run) -> None:
        pass

    def succeeded(self, session: Session, run: Run) -> list[Run]:
        """Statistics, then a refit if enough labels arrived while this run was fitting."""
        held = self._held if self._held is not None and self._held.run_id == run.id else None
        follow_ups = heuristic_run_succeeded(session=session, run=run, held=held)
        heuristic = session.get(Heuristic, run.heuristic_id)
        return follow_ups + heuristic_runs.refits_due(session=session, task=heuristic.task,
                                             heuristic_id=heuristic.id)


def _words(session: Session, task: LabelingTask, item_ids: list[int], lengths: list[int]
           ) -> list[list[str]]:
    """The words of each record's target attribute, one per token vector."""
    found = token_texts(session=session, attribute=task.target_attribute)
    return [found.get(rid, [""] * n) if len(found.get(rid, ())) == n else [""] * n
            for rid, n in zip(item_ids, lengths, strict=True)]
