"""What to label next: a task's active-learning queue, its leases and its default learner.

A task's queue ranks records by a learner's probabilities: the learner the task's settings
name, else the task's default learner (logistic regression over the project's first record
embedding and a bag of the words of the embedded text; a CRF over the first token embedding
of the task's attribute for extraction), refitted on the workers after labels, one refit
at a time (labels that arrive during a refit queue exactly one more after it). Before any
model exists the queue offers diverse, representative records (cold start); the default
strategy goes on doing so until the task has ``WARM_UP_LABELS`` labelled records, then asks
where the model's two most probable labels are closest (margin). With several annotators,
ActiveLab decides between relabelling a record and labelling a new one.

Records handed out are leased to their annotator for ``lease_s`` seconds: nobody else is
offered them meanwhile. A lease ends when the annotator labels the record, asks for a new
batch, or when it expires.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, distinct, func, or_, select
from sqlalchemy.orm import Session

from heuristics.active import (
    BreakingTies,
    ColdStart,
    DiverseBatch,
    LabelSetMargin,
    LeastConfidence,
    PredictionEntropy,
    QueryStrategy,
    RandomSampling,
    SequenceLeastConfidence,
    WarmUp,
    mean_token_vectors,
    rank_for_labelling,
    sequence_uncertainties,
)
from heuristics.active.features import record_features
from heuristics.active.queue_model import (
    class_probabilities,
    label_set_probabilities,
    label_set_stop_inputs,
    stop_hint,
    token_probabilities,
)
from heuristics.errors import InvalidInputError
from heuristics.spans import OUTSIDE, spans_to_token_labels
from store import embeddings as vectors
from store import vector_cache
from store.events import publish
from store.heuristic_lookups import latest_run
from store.locks import ACTIVE_QUEUE, lock_key
from store.models import (
    ActiveLearningSettings,
    Embedding,
    EmbeddingLevel,
    Heuristic,
    HeuristicKind,
    LabelingTask,
    ManualLabel,
    QueueLease,
    Record,
    Review,
    Run,
    RunArtifact,
    RunStatus,
    TaskKind,
    User,
    utcnow,
)
from store.records import record_ids_of, tasks_of
from store.reference import reference_labels
from store.runs import run_payload

REFIT_RUN = "active_queue"
"""Run kind of a default learner's refit."""
DEFAULT_STRATEGY = "margin_after_cold_start"
STRATEGIES = (DEFAULT_STRATEGY, "margin", "least_confidence", "entropy", "margin_diverse",
              "random")
WARM_UP_LABELS = 60
"""The default strategy asks cold-start records until the task has this many labelled
records, then by margin (chosen on held-out data: ``bench/al_bench.py --validate``)."""
MAX_BATCH = 200
COLD_START_POOL = 1_000
"""Cold start clusters at most this many records of the pool (a fixed random sample)."""
STOPPING_SET = 1_000
"""Records whose predictions the stopping criteria compare from refit to refit."""


@dataclass(frozen=True)
class QueueItem:
    """One record to label, why, and how strongly the strategy asks for it."""

    record: Record
    score: float
    reason: str


@dataclass(frozen=True)
class QueueBatch:
    """Records leased to one annotator, most useful first, and the state of the queue."""

    items: list[QueueItem]
    strategy: str
    model: str
    """What ranked the batch: ``cold start``, ``default learner (run N)``, ``learner X``."""
    lease_expires_at: Any
    stop: dict[str, Any] | None = None
    refit_pending: bool = False
    notes: list[str] = field(default_factory=list)


def strategy_named(name: str, kind: TaskKind) -> QueryStrategy:
    """The strategy a queue setting's name stands for in a task of this kind: multi-label
    and extraction tasks map the names to the few strategies their probabilities allow."""
    if kind is TaskKind.MULTILABEL and name != "random":
        return LabelSetMargin()     # per-label probabilities: one uncertainty for them all
    if kind is TaskKind.EXTRACTION and name == DEFAULT_STRATEGY:
        # chosen on CoNLL-2003 dev sentences (bench/al_span_bench.py --validate)
        return WarmUp(ColdStart(), SequenceLeastConfidence(), labels=WARM_UP_LABELS)
    if kind is TaskKind.EXTRACTION and name != "random":
        return SequenceLeastConfidence(granularity="span" if name == "margin_diverse"
                                       else "token")
    return {"margin": BreakingTies, "least_confidence": LeastConfidence,
            "entropy": PredictionEntropy, "random": RandomSampling,
            "margin_diverse": lambda: DiverseBatch(BreakingTies()),
            DEFAULT_STRATEGY: lambda: WarmUp(ColdStart(), BreakingTies(),
                                             labels=WARM_UP_LABELS)}[name]()


def strategy_choices(kind: TaskKind) -> list[dict[str, str]]:
    """The strategy names that rank a task of this kind differently (the first name of
    each), with what each ranks by.

    >>> [choice["ranks_by"] for choice in strategy_choices(TaskKind.MULTILABEL)]
    ['least certain label', 'random']
    """
    choices: dict[str, str] = {}
    for name in STRATEGIES:
        choices.setdefault(strategy_named(name, kind).ranks_by, name)
    return [{"name": name, "ranks_by": ranks_by} for ranks_by, name in choices.items()]


def check_strategy(name: str) -> str:
    if name not in STRATEGIES:
        raise InvalidInputError(f"unknown strategy {name!r} (known: {', '.join(STRATEGIES)})",
                                field="strategy")
    return name


# settings -----------------------------------------------------------------------------


def queue_settings(*, session: Session, task: LabelingTask) -> ActiveLearningSettings:
    """The task's queue settings (defaults, stored on first use); no commit."""
    found = session.get(ActiveLearningSettings, task.id)
    if found is None:
        found = ActiveLearningSettings(task_id=task.id, strategy=DEFAULT_STRATEGY,
                                       batch_size=20)
        session.add(found)
        session.flush()
    return found


def update_settings(*, session: Session, task: LabelingTask, strategy: str | None = None,
                    batch_size: int | None = None, heuristic_id: int | None = None,
                    default_learner: bool = False) -> ActiveLearningSettings:
    """Change the strategy, the batch size, or the learner ranking the queue (an active
    learner of the task, or the default learner again); commits."""
    chosen = queue_settings(session=session, task=task)
    if strategy is not None:
        chosen.strategy = check_strategy(strategy)
    if batch_size is not None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise InvalidInputError(f"batch size must be between 1 and {MAX_BATCH}",
                                    field="batch_size")
        chosen.batch_size = batch_size
    if heuristic_id is not None:
        learner = session.get(Heuristic, heuristic_id)
        if learner is None or learner.task_id != task.id \
                or learner.kind is not HeuristicKind.ACTIVE_LEARNER:
            raise InvalidInputError(f"heuristic {heuristic_id} is not an active learner of "
                                    f"task {task.name!r}", field="heuristic_id")
        chosen.heuristic_id = heuristic_id
    elif default_learner:
        chosen.heuristic_id = None
    session.commit()
    return chosen


# the default learner's refits -----------------------------------------------------------


def _first_embedding(session: Session, task: LabelingTask, *states: RunStatus
                     ) -> Embedding | None:
    """The first of the embeddings the task's default learner can use, in one of ``states``:
    the project's record embeddings, or for extraction the token embeddings of the task's
    attribute."""
    extraction = task.kind is TaskKind.EXTRACTION
    query = select(Embedding).where(
        Embedding.project_id == task.project_id,
        Embedding.level == (EmbeddingLevel.TOKEN if extraction else EmbeddingLevel.RECORD),
        Embedding.state.in_(states))
    if extraction:
        query = query.where(Embedding.attribute_id == task.target_attribute_id)
    return session.scalar(query.order_by(Embedding.id).limit(1))


def default_embedding(*, session: Session, task: LabelingTask) -> Embedding | None:
    """The embedding the default learner uses: the project's first finished record
    embedding, or for extraction the first token embedding of the task's attribute."""
    return _first_embedding(session, task, RunStatus.SUCCEEDED)


def record_representation(*, session: Session, embedding: Embedding,
                          vector_folder: Path | None = None
                          ) -> tuple[np.ndarray, np.ndarray, Any]:
    """Every embedded record's id, vector, and what the default learner reads of it: the
    vector beside the bag of words of its embedded text (:func:`record_features`). With
    ``vector_folder`` the vectors come from the embedding's file there
    (:mod:`store.vector_cache`)."""
    ids, matrix = vector_cache.read_record_matrix(session=session, embedding=embedding,
                                                  folder=vector_folder)
    texts = vectors.texts_by_record(session=session, embedding=embedding, record_ids=ids)
    return ids, matrix, record_features(matrix, texts)


def request_refit(*, session: Session, task: LabelingTask) -> Run | None:
    """Queue a refit of the task's default learner unless one is queued or running (that
    one, or the one its end queues, sees the new labels); commits. The run to enqueue, or
    None. Nothing is queued when the settings name a learner of the user's, or when there
    is no embedding to fit on."""
    run = refit_requested(session=session, task=task)
    session.commit()
    return run


def refit_requested(*, session: Session, task: LabelingTask) -> Run | None:
    """:func:`request_refit` in the caller's transaction (no commit): the run to enqueue
    once it commits, or None. Takes the queue's lock only when a refit may be queued, so
    a transaction that has nothing to queue holds no lock of the task."""
    settings = session.get(ActiveLearningSettings, task.id)
    if (settings is not None and settings.heuristic_id is not None) or \
            default_embedding(session=session, task=task) is None:
        return None
    lock_key(session=session, space=ACTIVE_QUEUE, key=task.id)
    chosen = queue_settings(session=session, task=task)
    if settings is not None:
        session.refresh(chosen)   # as the previous holder of the lock left it
    if chosen.heuristic_id is not None:
        return None
    active = session.get(Run, chosen.active_run_id) if chosen.active_run_id else None
    if active is not None and not active.status.finished:
        return None
    run = Run(project_id=task.project_id, kind=REFIT_RUN, params={"task_id": task.id},
              status=RunStatus.QUEUED, total_items=0, done_items=0, progress=0.0, logs="",
              metrics={})
    session.add(run)
    session.flush()
    chosen.active_run_id = run.id
    publish(session=session, project_id=run.project_id, type="run.created",
            payload=run_payload(run))
    return run


def refits_after_embedding(*, session: Session, embedding: Embedding) -> list[Run]:
    """Refits of the default learner of each task of the embedding's project that fits on
    it (:func:`default_embedding`) and already has labels: the queue's first model, and the
    scores of records the embedding's refresh has just embedded, need not wait for the next
    label. Commits; the runs to enqueue."""
    due = []
    for task in tasks_of(session=session, project=embedding.attribute.project):
        chosen = default_embedding(session=session, task=task)
        if chosen is None or chosen.id != embedding.id or session.scalar(
                select(ManualLabel.id).where(ManualLabel.task_id == task.id).limit(1)) is None:
            continue
        if (run := request_refit(session=session, task=task)) is not None:
            due.append(run)
    return due


def refit_finished(*, session: Session, run: Run, succeeded: bool) -> list[Run]:
    """After a refit: it becomes the queue's model if it succeeded; if labels arrived
    while it was fitting, one more refit is queued (returned, to enqueue). Both in one
    transaction: the queue never reads "no refit pending" while one is due. Commits."""
    lock_key(session=session, space=ACTIVE_QUEUE, key=run.params["task_id"])
    task = session.get(LabelingTask, run.params["task_id"])
    if task is None:
        session.commit()
        return []
    session.refresh(task)   # with the labels committed before the lock was taken
    chosen = queue_settings(session=session, task=task)
    if chosen.active_run_id == run.id:
        chosen.active_run_id = None
    if succeeded and run.metrics.get("fitted"):
        chosen.latest_run_id = run.id
    follow_up = None
    if succeeded and task.label_changes > run.params.get("label_changes", task.label_changes):
        session.flush()   # the released queue, as refit_requested reads it again
        follow_up = refit_requested(session=session, task=task)
    session.commit()
    return [follow_up] if follow_up is not None else []


def _save(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def run_artifacts(session: Session, run_id: int) -> dict[str, np.ndarray]:
    """The arrays a run stored (a refit's ``probabilities`` and ``record_ids``), by name."""
    return {artifact.name: np.load(io.BytesIO(artifact.data), allow_pickle=False)
            for artifact in session.scalars(select(RunArtifact).where(
                RunArtifact.run_id == run_id))}


def refit(*, session: Session, run: Run, vector_folder: Path | None = None
          ) -> dict[str, Any]:
    """Fit the task's default learner on its reference labels; store every record's
    probabilities with the run and return its metrics (with the stopping hint). No commit.
    ``vector_folder``: see :func:`record_representation`.

    With too few labels nothing is fitted (``fitted: False``): the queue stays in cold start.
    """
    task = session.get(LabelingTask, run.params["task_id"])
    label_changes = task.label_changes
    run.params = {**run.params, "label_changes": label_changes}
    embedding = default_embedding(session=session, task=task)
    if embedding is None:
        raise InvalidInputError("the project has no finished embedding for this task yet",
                                field="embedding")
    references = reference_labels(session=session, task=task)
    metrics: dict[str, Any] = {"embedding": embedding.name, "n_labelled": len(references),
                               "label_changes": label_changes}
    if task.kind is TaskKind.EXTRACTION:
        ids = np.asarray(record_ids_of(session=session, project_id=task.project_id))
        found = vectors.vectors_of(session=session, embedding=embedding, record_ids=ids.tolist())
        ids = np.asarray([rid for rid in ids.tolist() if rid in found], dtype=np.int64)
        arrays = [found[rid] for rid in ids.tolist()]
        names = [OUTSIDE, *(label.name for label in task.labels)]
        try:
            marginals = token_probabilities(arrays, [
                None if rid not in references else spans_to_token_labels(references[rid], len(a))
                for rid, a in zip(ids.tolist(), arrays, strict=True)], label_names=names)
        except InvalidInputError as error:
            return {**metrics, "fitted": False, "note": error.describe()}
        lengths = np.array([len(m) for m in marginals], dtype=np.int64)
        probabilities = (np.concatenate(marginals) if len(marginals)
                         else np.zeros((0, len(names))))
        stop_rows = probabilities    # every token: the kappa's stopping set of a span task
        uncertainties = sequence_uncertainties(   # per record, not a mean over O tokens
            [marginals[row] for row in _stopping_sample(task, len(marginals))])
        metrics["learner"] = "CRF"
        extra = {"lengths": lengths}
    elif task.kind is TaskKind.MULTILABEL:
        ids, _, features = record_representation(session=session, embedding=embedding,
                                                 vector_folder=vector_folder)
        index = {label.name: i for i, label in enumerate(task.labels)}
        memberships = np.full((len(ids), len(task.labels)), -1)
        for row, rid in enumerate(ids.tolist()):
            if (chosen_labels := references.get(rid)) is not None:
                memberships[row] = 0
                memberships[row, [index[name] for name in chosen_labels]] = 1
        try:
            probabilities = label_set_probabilities(features, memberships,
                                                    max_folds=3)
        except InvalidInputError as error:
            return {**metrics, "fitted": False, "note": error.describe()}
        stop_rows, uncertainties = label_set_stop_inputs(
            probabilities[_stopping_sample(task, len(probabilities))])
        metrics["learner"] = "logistic regression per label"
        extra = {}
    else:
        ids, _, features = record_representation(session=session, embedding=embedding,
                                                 vector_folder=vector_folder)
        index = {label.name: i for i, label in enumerate(task.labels)}
        labels = np.array([index.get(references.get(rid), -1) for rid in ids.tolist()])
        try:
            probabilities = class_probabilities(features, labels,
                                                n_labels=len(task.labels), max_folds=3)
        except InvalidInputError as error:
            return {**metrics, "fitted": False, "note": error.describe()}
        stop_rows = probabilities[_stopping_sample(task, len(probabilities))]
        uncertainties = None
        metrics["learner"] = "logistic regression"
        extra = {}
    chosen = session.get(ActiveLearningSettings, task.id)
    last = session.get(Run, chosen.latest_run_id) if chosen and chosen.latest_run_id else None
    hint = _stop_hint(session, run, last, stop_rows, uncertainties)
    for name, array in {"probabilities": probabilities.astype(np.float32),
                        "record_ids": np.asarray(ids, dtype=np.int64), **extra}.items():
        session.merge(RunArtifact(run_id=run.id, name=name, data=_save(array)))
    return {**metrics, "fitted": True, "stop": hint}


def learner_stop_hint(*, session: Session, run: Run, heuristic: Heuristic,
                      probabilities: np.ndarray, classes: list[str]) -> dict[str, Any] | None:
    """The stopping hint after a run of a classification learner of the user's, as after a
    refit of the default learner: its predictions on the task's stopping set are compared
    with those of the learner's previous successful run (of the same revision). Stores this
    run's predictions; no commit. None for other kinds of task."""
    task = heuristic.task
    if task.kind is not TaskKind.CLASSIFICATION:
        return None
    columns = [label.name for label in task.labels]
    full = np.zeros((len(probabilities), len(columns)))
    for j, name in enumerate(classes):
        full[:, columns.index(name)] = probabilities[:, j]
    last = latest_run(session=session, heuristic=heuristic)
    return _stop_hint(session, run, last if last is not None and last.id != run.id else None,
                      full[_stopping_sample(task, len(full))])


def _stopping_sample(task: LabelingTask, n_records: int) -> np.ndarray:
    """Positions of the records the stopping criteria watch: a fixed random sample of at most
    ``STOPPING_SET`` records (the same while the task's records stay the same), ascending."""
    return np.sort(np.random.default_rng(task.id).permutation(n_records)[:STOPPING_SET])


def _stop_hint(session: Session, run: Run, last: Run | None, stop_rows: np.ndarray,
               uncertainties: np.ndarray | None = None) -> dict[str, Any]:
    """The hint after ``run``, whose predecessor is ``last``; stores the run's predictions on
    the stopping set for the next one. No commit. ``uncertainties``: see :func:`stop_hint`."""
    previous = _previous_stop(session, last, len(stop_rows))
    hint = stop_hint(stop_rows, previous_predictions=previous[0], previous_kappas=previous[1],
                     uncertainties=uncertainties)
    session.merge(RunArtifact(run_id=run.id, name="stop_predictions",
                              data=_save(stop_rows.argmax(axis=1))))
    return asdict(hint)


def _previous_stop(session: Session, last: Run | None, size: int
                   ) -> tuple[np.ndarray | None, list[float]]:
    """The last run's predictions on the stopping set and its kappas, if the set is the
    same size (records added since start the criteria over)."""
    if last is None:
        return None, []
    found = session.get(RunArtifact, (last.id, "stop_predictions"))
    if found is None:
        return None, []
    predictions = np.load(io.BytesIO(found.data), allow_pickle=False)
    if len(predictions) != size:
        return None, []
    return predictions, list(last.metrics.get("stop", {}).get("kappas", []))


# the queue --------------------------------------------------------------------------------


@dataclass
class QueueModel:
    """Probabilities of the records that ranked the queue."""

    description: str
    record_ids: np.ndarray
    probabilities: Any   # (n_records, n_labels) array, or a list of token arrays
    stop: dict[str, Any] | None


def queue_model(session: Session, task: LabelingTask, chosen: ActiveLearningSettings
                ) -> QueueModel | None:
    """The probabilities that rank the task's queue: the chosen learner's latest run, or the
    default learner's latest refit; None before either exists."""
    if chosen.heuristic_id is not None:
        learner = session.get(Heuristic, chosen.heuristic_id)
        run = latest_run(session=session, heuristic=learner) if learner else None
        if run is None or task.kind is not TaskKind.CLASSIFICATION:
            return None
        found = run_artifacts(session, run.id)
        if "probabilities" not in found:
            return None
        columns = [label.name for label in task.labels]
        probabilities = np.zeros((len(found["record_ids"]), len(columns)))
        for j, name in enumerate(run.metrics.get("classes") or []):
            probabilities[:, columns.index(name)] = found["probabilities"][:, j]
        return QueueModel(f"learner {learner.name!r} (run {run.id})", found["record_ids"],
                      probabilities, run.metrics.get("stop"))
    run = session.get(Run, chosen.latest_run_id) if chosen.latest_run_id else None
    if run is None:
        return None
    found = run_artifacts(session, run.id)
    probabilities: Any = found["probabilities"].astype(float)
    if "lengths" in found:
        probabilities = np.split(probabilities, np.cumsum(found["lengths"])[:-1])
    return QueueModel(f"default {run.metrics.get('learner', 'learner')} (run {run.id})",
                  found["record_ids"], probabilities, run.metrics.get("stop"))


def _ids_labelled(session: Session, task: LabelingTask, annotator_id: int | None = None
                  ) -> set[int]:
    """Records of the task with a manual label or review (by ``annotator_id`` if given)."""
    found: set[int] = set()
    for model in (ManualLabel, Review):
        query = select(model.record_id).where(model.task_id == task.id)
        if annotator_id is not None:
            query = query.where(model.annotator_id == annotator_id)
        found.update(session.scalars(query.distinct()))
    return found


def _annotators(session: Session, task: LabelingTask) -> int:
    """How many annotators gave the task a manual label that is not gold."""
    return session.scalar(select(func.count(distinct(ManualLabel.annotator_id))).where(
        ManualLabel.task_id == task.id, ManualLabel.is_gold.is_(False))) or 0


def annotator_matrix(session: Session, task: LabelingTask, record_ids: list[int], *,
                     rows: list[tuple[int, int, int]] | None = None
                     ) -> tuple[np.ndarray, list[int]]:
    """Annotators' labels of ``record_ids`` as a ``(records, annotators)`` float matrix of
    label positions (NaN: no label; gold labels left out) and the annotators' user ids, one
    per column. ``rows``: the task's (record id, annotator id, label id) labels without gold,
    where the caller has read them already."""
    index = {label.id: i for i, label in enumerate(task.labels)}
    if rows is None:
        rows = session.execute(select(ManualLabel.record_id, ManualLabel.annotator_id,
                                      ManualLabel.label_id).where(
            ManualLabel.task_id == task.id, ManualLabel.is_gold.is_(False))).all()
    annotators = sorted({a for _, a, _ in rows})
    position = {rid: i for i, rid in enumerate(record_ids)}
    matrix = np.full((len(record_ids), len(annotators)), np.nan)
    column = {a: j for j, a in enumerate(annotators)}
    for rid, annotator, label_id in rows:
        if rid in position:
            matrix[position[rid], column[annotator]] = index[label_id]
    return matrix, annotators


def next_records(*, session: Session, task: LabelingTask, annotator: User, n: int | None = None,
                 strategy: str | None = None, relabel: bool = False,
                 lease_s: float = 600.0, vector_folder: Path | None = None) -> QueueBatch:
    """Lease the ``n`` records this annotator should label next and return them; commits.

    Never a record another annotator holds; never one this annotator labelled unless
    ``relabel``. The annotator's earlier leases on the task end (a new batch replaces them).
    ``vector_folder``: see :func:`record_representation`.
    """
    chosen = settings_or_default(session, task)
    name = check_strategy(strategy or chosen.strategy)
    n = n or chosen.batch_size
    if not 1 <= n <= MAX_BATCH:
        raise InvalidInputError(f"n must be between 1 and {MAX_BATCH}", field="n")
    # Ranked without holding the queue's lock (the ranking takes a while; writers, the
    # refits among them, go on meanwhile), then leased under the lock. Records another
    # annotator leased in the meantime are dropped: a ranking has spare candidates for
    # them; a batch chosen as a whole (cold start, diverse) is chosen again, once or twice.
    now = utcnow()
    held = _held_by_others(session, task, annotator, now)
    mine = _ids_labelled(session, task, annotator.id)
    labelled = _ids_labelled(session, task)
    fitted = queue_model(session, task, chosen)
    strategy = strategy_named(name, task.kind)
    model = fitted
    if isinstance(strategy, WarmUp):
        # Ranked as before any model while warming up; ActiveLab ranks several annotators'.
        if strategy.warming_up(len(labelled)) and _annotators(session, task) < 2:
            model = None
        strategy = strategy.then
    all_ids = np.asarray(record_ids_of(session=session, project_id=task.project_id))
    existing = set(all_ids.tolist())   # a model may have ranked records deleted since
    whole = isinstance(strategy, DiverseBatch) or (model is None and name != "random")
    description = ("random sample" if name == "random" else "cold start") \
        if model is None or name == "random" else model.description
    refit_pending = chosen.active_run_id is not None
    stop = fitted.stop if fitted is not None else None

    def allowed(rid: int, *, new_only: bool) -> bool:
        if rid not in existing or rid in held or (rid in mine and not relabel):
            return False
        return not (new_only and rid in labelled)

    for attempt in range(3):
        notes: list[str] = []
        candidates = n if whole else 2 * n + 10
        if model is None or name == "random":
            picks = _without_model(session, task, all_ids, name, candidates, relabel, notes,
                                   allowed, vector_folder)
        else:
            picks = _with_model(session, task, model, name, strategy, candidates, relabel,
                                allowed, notes, vector_folder)
        session.commit()   # ends the reads, so that the lock below is a fresh write
        lock_key(session=session, space=ACTIVE_QUEUE, key=task.id)
        fresh = _held_by_others(session, task, annotator, now)
        kept = [pick for pick in picks if pick[0] not in fresh][:n]
        if len(kept) >= min(n, len(picks)) or attempt == 2:
            break
        session.rollback()
        held |= fresh
    session.execute(delete(QueueLease).where(
        QueueLease.task_id == task.id,
        or_(QueueLease.expires_at < now, QueueLease.annotator_id == annotator.id)))
    batch = _lease(session, task, annotator, kept, now + timedelta(seconds=lease_s))
    session.commit()
    return QueueBatch(items=batch, strategy=name, model=description,
                      lease_expires_at=now + timedelta(seconds=lease_s), stop=stop,
                      refit_pending=refit_pending, notes=notes)


def _held_by_others(session: Session, task: LabelingTask, annotator: User, now) -> set[int]:
    """Records of the task another annotator holds an unexpired lease on."""
    return set(session.scalars(select(QueueLease.record_id).where(
        QueueLease.task_id == task.id, QueueLease.annotator_id != annotator.id,
        QueueLease.expires_at >= now)))


def settings_or_default(session: Session, task: LabelingTask) -> ActiveLearningSettings:
    """The task's stored queue settings, or the defaults (not stored)."""
    return session.get(ActiveLearningSettings, task.id) or ActiveLearningSettings(
        task_id=task.id, strategy=DEFAULT_STRATEGY, batch_size=20)


def _why_random(session: Session, task: LabelingTask) -> str:
    """Why cold start orders records at random: its embedding is still being computed, or
    the project has none (a record embedding; for extraction a token embedding of the
    task's attribute)."""
    coming = _first_embedding(session, task, RunStatus.QUEUED, RunStatus.RUNNING)
    if coming is not None:
        return (f"cold start waits for the embedding {coming.name!r} "
                f"({coming.state.value}): records in random order until it is ready")
    needed = ("a token embedding of the task's attribute" if task.kind is TaskKind.EXTRACTION
              else "a record embedding")
    return f"cold start needs {needed} (create one under Embeddings): records in random order"


def _without_model(session, task, all_ids, name, n, relabel, notes, allowed,
                   vector_folder: Path | None) -> list[tuple[int, float, str]]:
    pool = np.array([rid for rid in all_ids.tolist() if allowed(rid, new_only=not relabel)],
                    dtype=int)
    if pool.size == 0:
        return []
    n = min(n, pool.size)
    embedding = None if name == "random" else default_embedding(session=session, task=task)
    if embedding is None:
        if name != "random":
            notes.append(_why_random(session, task))
        chosen = RandomSampling().query(None, n=n, indices_unlabeled=np.arange(pool.size),
                                        random_state=int(task.id))
        return [(int(pool[i]), 0.0, "random sample") for i in chosen.indices.tolist()]
    pool, matrix = _cold_start_vectors(session, task, embedding, pool, vector_folder)
    n = min(n, pool.size)
    if n == 0:
        return []
    result = ColdStart().query(None, n=n, embeddings=matrix, random_state=int(task.id))
    return [(int(pool[i]), float(s), f"cold start: {r}") for i, s, r in zip(
        result.indices.tolist(), result.scores.tolist(), result.reasons, strict=True)]


def _cold_start_vectors(session: Session, task: LabelingTask, embedding: Embedding,
                        pool: np.ndarray, vector_folder: Path | None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The records of ``pool`` cold start chooses among (at most ``COLD_START_POOL``, a fixed
    random sample) and one vector each: the record embedding's, or for extraction the mean
    of the record's token vectors."""
    if embedding.level is EmbeddingLevel.RECORD:
        ids, vectors_read = vector_cache.read_record_matrix(session=session,
                                                            embedding=embedding,
                                                            folder=vector_folder)
        pool = pool[np.isin(pool, ids)]
    if pool.size > COLD_START_POOL:
        keep = np.random.default_rng(task.id).choice(pool.size, COLD_START_POOL, replace=False)
        pool = pool[np.sort(keep)]
    if embedding.level is EmbeddingLevel.RECORD:
        return pool, np.asarray(vectors_read[np.searchsorted(ids, pool)])
    found = vectors.vectors_of(session=session, embedding=embedding, record_ids=pool.tolist())
    pool = np.array([rid for rid in pool.tolist() if len(found.get(rid, ()))], dtype=int)
    return pool, mean_token_vectors([found[rid] for rid in pool.tolist()],
                                    dims=embedding.pca_dims or embedding.dims)


def _with_model(session, task, model: QueueModel, name: str, strategy: QueryStrategy, n: int,
                relabel: bool, allowed, notes, vector_folder: Path | None
                ) -> list[tuple[int, float, str]]:
    ids = model.record_ids
    label_names = [label.name for label in task.labels]
    if task.kind is TaskKind.CLASSIFICATION:
        anyone = _ids_labelled(session, task)
        labelled_ids = [rid for rid in ids.tolist() if rid in anyone]
        matrix, annotators = annotator_matrix(session, task, labelled_ids)
        has_annotation = ~np.isnan(matrix).all(axis=1) if annotators else np.zeros(0, bool)
        if len(annotators) >= 2 and has_annotation.any():
            return _activelab(model, labelled_ids, matrix, has_annotation, n, allowed,
                              label_names)
    pool = np.array([i for i, rid in enumerate(ids.tolist())
                     if allowed(rid, new_only=not relabel)], dtype=int)
    if pool.size == 0:
        return []
    n = min(n, pool.size)
    query_names = [OUTSIDE, *label_names] if task.kind is TaskKind.EXTRACTION else label_names
    embeddings = None
    if isinstance(strategy, DiverseBatch):
        embedding = default_embedding(session=session, task=task)
        embedded, vectors_read = vector_cache.read_record_matrix(
            session=session, embedding=embedding, folder=vector_folder)
        rows = pool[np.isin(ids[pool], embedded)]
        embeddings = np.zeros((len(ids), embedding.pca_dims or embedding.dims or 1),
                              dtype=np.float32)
        embeddings[rows] = vectors_read[np.searchsorted(embedded, ids[rows])]
    result = strategy.query(model.probabilities, n=n, indices_unlabeled=pool,
                            label_names=query_names, embeddings=embeddings,
                            random_state=int(task.id))
    return [(int(ids[i]), float(s), r) for i, s, r in zip(
        result.indices.tolist(), result.scores.tolist(), result.reasons, strict=True)]


def _activelab(model: QueueModel, labelled_ids: list[int], matrix: np.ndarray,
               has_annotation: np.ndarray, n: int, allowed, label_names: list[str]
               ) -> list[tuple[int, float, str]]:
    """Relabel or label new, as ActiveLab ranks them, among the records this annotator
    may take (relabelling records others labelled; their own only with ``relabel``)."""
    ids = model.record_ids
    row = {rid: i for i, rid in enumerate(ids.tolist())}
    labelled = [rid for rid, keep in zip(labelled_ids, has_annotation, strict=True) if keep]
    matrix = matrix[has_annotation]
    matrix = matrix[:, ~np.isnan(matrix).all(axis=0)]
    unlabelled = [rid for rid in ids.tolist() if rid not in set(labelled_ids)]
    probabilities = model.probabilities
    ranked = rank_for_labelling(
        matrix, probabilities[[row[rid] for rid in labelled]],
        probabilities[[row[rid] for rid in unlabelled]] if unlabelled
        else np.zeros((0, probabilities.shape[1])),
        n=len(labelled) + len(unlabelled), label_names=label_names)
    candidates = labelled + unlabelled
    picks = []
    for i, score, reason in zip(ranked.indices.tolist(), ranked.scores.tolist(),
                                ranked.reasons, strict=True):
        rid = candidates[i]
        if allowed(rid, new_only=False):
            picks.append((rid, float(score), reason))
        if len(picks) == n:
            break
    return picks


def _lease(session: Session, task: LabelingTask, annotator: User,
           picks: list[tuple[int, float, str]], expires_at) -> list[QueueItem]:
    records = {r.id: r for r in session.scalars(select(Record).where(
        Record.id.in_([rid for rid, _, _ in picks])))}
    session.add_all([QueueLease(task_id=task.id, record_id=rid, annotator_id=annotator.id,
                                expires_at=expires_at) for rid, _, _ in picks])
    session.flush()
    return [QueueItem(record=records[rid], score=score, reason=reason)
            for rid, score, reason in picks]


def release(*, session: Session, task: LabelingTask, record_ids: list[int],
            annotator_id: int) -> None:
    """End the annotator's leases of these records (they labelled them); no commit."""
    session.execute(delete(QueueLease).where(QueueLease.task_id == task.id,
                                             QueueLease.annotator_id == annotator_id,
                                             QueueLease.record_id.in_(record_ids)))


def labelled(*, session: Session, task: LabelingTask, record_ids: list[int],
             annotator_ids: list[int]) -> list[Run]:
    """After labels, in their transaction (no commit): the annotators' leases of the
    records end and the default learner's refit is requested (debounced, see
    :func:`request_refit`). The runs to enqueue once the transaction commits."""
    for annotator_id in set(annotator_ids):
        release(session=session, task=task, record_ids=record_ids, annotator_id=annotator_id)
    run = refit_requested(session=session, task=task)
    return [run] if run is not None else []


def queue_state(*, session: Session, task: LabelingTask) -> dict[str, Any]:
    """The task's queue settings, the default learner's latest refit and the one in
    progress, and the stopping hint of the model ranking the queue (read only)."""
    chosen = settings_or_default(session, task)
    latest = session.get(Run, chosen.latest_run_id) if chosen.latest_run_id else None
    ranking = latest
    if chosen.heuristic_id is not None:
        learner = session.get(Heuristic, chosen.heuristic_id)
        ranking = latest_run(session=session, heuristic=learner) if learner else None
    return {"strategy": chosen.strategy,
            "ranks_by": strategy_named(chosen.strategy, task.kind).ranks_by,
            "strategies": strategy_choices(task.kind), "batch_size": chosen.batch_size,
            "heuristic_id": chosen.heuristic_id, "refit_run_id": chosen.active_run_id,
            "model_run_id": latest.id if latest else None,
            "stop": ranking.metrics.get("stop") if ranking else None}
