"""Simulated labelling of a task of any kind: replay its reference labels with a query
strategy and with random sampling from the same seed set, with the default learner the
task's queue fits; the learning curves are stored with the run as JSON and as a PNG plot."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.active import (
    Simulation,
    mean_token_vectors,
    simulate,
    simulate_label_sets,
    simulate_spans,
)
from heuristics.active.simulation import METRIC_NAMES
from heuristics.errors import InvalidInputError, NotFoundError
from heuristics.spans import OUTSIDE, spans_to_token_labels
from services.active_queue import (
    DEFAULT_STRATEGY,
    check_strategy,
    default_embedding,
    record_representation,
    strategy_named,
)
from store import embeddings as vectors
from store.events import publish
from store.models import LabelingTask, Project, Run, RunArtifact, RunStatus, TaskKind
from store.reference import reference_labels
from store.runs import SIMULATION_RUN, get_run, run_payload

CURVE_JSON = "learning_curve.json"
CURVE_PNG = "learning_curve.png"
ARTIFACT_TYPES = {CURVE_JSON: "application/json", CURVE_PNG: "image/png"}


def create_simulation(*, session: Session, task: LabelingTask, strategy: str = DEFAULT_STRATEGY,
                      seed_size: int = 20, batch_size: int = 20, budget: int = 200,
                      test_size: float = 0.2, random_state: int = 0) -> Run:
    """Queue a simulation run of a task of any kind; commits. The caller enqueues it."""
    check_strategy(strategy)
    if not 0 < seed_size <= budget:
        raise InvalidInputError("seed size must be between 1 and the budget", field="seed_size")
    if batch_size < 1:
        raise InvalidInputError("batch size must be at least 1", field="batch_size")
    if default_embedding(session=session, task=task) is None:
        raise InvalidInputError(f"the project has no finished {_embedding_kind(task)} yet",
                                field="embedding")
    referenced = len(reference_labels(session=session, task=task))
    if referenced < budget + HELD_OUT_MIN:   # said now rather than by a failed run
        raise _too_few(referenced, budget, task.kind)
    run = Run(project_id=task.project_id, kind=SIMULATION_RUN, status=RunStatus.QUEUED,
              params={"task_id": task.id, "strategy": strategy, "seed_size": seed_size,
                      "batch_size": batch_size, "budget": budget, "test_size": test_size,
                      "random_state": random_state},
              total_items=0, done_items=0, progress=0.0, logs="", metrics={})
    session.add(run)
    session.flush()
    publish(session=session, project_id=run.project_id, type="run.created",
            payload=run_payload(run))
    session.commit()
    return run


def _embedding_kind(task: LabelingTask) -> str:
    return ("token embedding of the task's attribute" if task.kind is TaskKind.EXTRACTION
            else "record embedding")


def _curves(simulation: Simulation) -> dict[str, Any]:
    return {name: {"labels_used": curve.labels_used.tolist(),
                   **{metric: [round(float(v), 4) for v in values]
                      for metric, values in curve.scores.items()}}
            for name, curve in (("strategy", simulation.strategy),
                                ("random", simulation.random))}


def plot(curves: dict[str, Any], *, title: str) -> bytes:
    """The held-out scores (``curves["metrics"]``, accuracy and macro-F1 by default) against
    labels used, strategy and random, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4), dpi=100)
    axes = figure.add_subplot()
    metrics = curves.get("metrics", ["accuracy", "macro_f1"])
    for name, colour in (("strategy", "tab:blue"), ("random", "tab:gray")):
        curve = curves[name]
        label = (curves.get("ranked_by", curves.get("strategy_name", "strategy"))
                 if name == "strategy" else "random")
        for metric, style in zip(metrics, ("-", "--"), strict=False):
            axes.plot(curve["labels_used"], curve[metric], style, color=colour,
                      marker="o" if style == "-" else None, markersize=3,
                      alpha=1.0 if style == "-" else 0.7,
                      label=f"{label}: {METRIC_NAMES.get(metric, metric)}")
    axes.set_xlabel("labels used")
    axes.set_ylabel("held-out score")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


HELD_OUT_MIN = 10
"""Records with a reference label a simulation needs beyond its budget (its held-out part)."""
NEEDS = {TaskKind.CLASSIFICATION: "and labels of two kinds at least",
         TaskKind.MULTILABEL: "and a label some of them have and others have not",
         TaskKind.EXTRACTION: "and some spans among them"}


def _too_few(n: int, budget: int, kind: TaskKind) -> InvalidInputError:
    return InvalidInputError(
        f"{n} records have a reference label; a simulation with a budget of {budget} needs "
        f"more ({NEEDS[kind]})", field="budget")


def _replay_classes(session, task, embedding, references, options, vector_folder):
    ids, matrix, features = record_representation(session=session, embedding=embedding,
                                                  vector_folder=vector_folder)
    index = {label.name: i for i, label in enumerate(task.labels)}
    keep = np.array([references.get(rid) in index for rid in ids.tolist()], dtype=bool)
    labels = np.array([index[references[rid]] for rid in ids[keep].tolist()])
    if len(labels) < options["budget"] + HELD_OUT_MIN or len(np.unique(labels)) < 2:
        raise _too_few(len(labels), options["budget"], task.kind)
    rows = np.flatnonzero(keep)
    return int(keep.sum()), simulate(np.asarray(matrix)[rows], labels, features=features[rows],
                                     **options)


def _replay_label_sets(session, task, embedding, references, options, vector_folder):
    ids, _, features = record_representation(session=session, embedding=embedding,
                                             vector_folder=vector_folder)
    index = {label.name: i for i, label in enumerate(task.labels)}
    rows = np.array([i for i, rid in enumerate(ids.tolist()) if rid in references], dtype=int)
    memberships = np.zeros((len(rows), len(index)), dtype=int)
    for row, rid in enumerate(ids[rows].tolist()):
        memberships[row, [index[name] for name in references[rid] if name in index]] = 1
    varying = ((memberships == 1).any(axis=0) & (memberships == 0).any(axis=0)).any()
    if len(rows) < options["budget"] + HELD_OUT_MIN or not varying:
        raise _too_few(len(rows), options["budget"], task.kind)
    return len(rows), simulate_label_sets(features[rows], memberships, **options)


def _replay_spans(session, task, embedding, references, options, vector_folder):
    labelled = sorted(references)
    found = vectors.vectors_of(session=session, embedding=embedding, record_ids=labelled)
    labelled = [rid for rid in labelled if rid in found]
    arrays = [found[rid] for rid in labelled]
    token_labels = [spans_to_token_labels(references[rid], len(array))
                    for rid, array in zip(labelled, arrays, strict=True)]
    if len(labelled) < options["budget"] + HELD_OUT_MIN or not any(
            label != OUTSIDE for labels in token_labels for label in labels):
        raise _too_few(len(labelled), options["budget"], task.kind)
    names = [OUTSIDE, *(label.name for label in task.labels)]
    means = mean_token_vectors(arrays, dims=embedding.pca_dims or embedding.dims)
    return len(labelled), simulate_spans(arrays, token_labels, label_names=names,
                                         embeddings=means, **options)


REPLAYS = {TaskKind.CLASSIFICATION: _replay_classes,
           TaskKind.MULTILABEL: _replay_label_sets,
           TaskKind.EXTRACTION: _replay_spans}
"""How each kind of task is replayed: its records, its true labels and its default learner."""


def run_simulation(*, session: Session, run: Run, vector_folder: Path | None = None,
                   on_step: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Replay the task's reference labels; store the curves with the run (no commit) and
    return the run's metrics. ``vector_folder``: see :func:`record_representation`;
    ``on_step``: called with (refits done, refits in all)."""
    params = run.params
    task = session.get(LabelingTask, params["task_id"])
    embedding = default_embedding(session=session, task=task)
    if embedding is None:
        raise InvalidInputError(f"the project has no finished {_embedding_kind(task)} yet",
                                field="embedding")
    references = reference_labels(session=session, task=task)
    strategy = strategy_named(params["strategy"], task.kind)
    options = {"strategy": strategy,
               "seed_size": params["seed_size"], "batch_size": params["batch_size"],
               "budget": params["budget"], "test_size": params["test_size"],
               "random_state": params["random_state"], "on_step": on_step}
    n_records, result = REPLAYS[task.kind](session, task, embedding, references, options,
                                           vector_folder)
    curves = {**_curves(result), "metrics": list(result.metrics),
              "strategy_name": params["strategy"],
              "ranked_by": strategy.ranks_by, "embedding": embedding.name,
              "n_records": n_records}
    png = plot(curves, title=f"{task.name}: {curves['ranked_by']} vs random "
                             f"({n_records} labelled records)")
    session.merge(RunArtifact(run_id=run.id, name=CURVE_JSON,
                              data=json.dumps(curves).encode()))
    session.merge(RunArtifact(run_id=run.id, name=CURVE_PNG, data=png))
    final = {name: {"labels_used": curves[name]["labels_used"][-1],
                    **{metric: curves[name][metric][-1] for metric in result.metrics}}
             for name in ("strategy", "random")}
    return {"curves": curves, "final": final, "artifacts": [CURVE_JSON, CURVE_PNG]}


def run_artifact(*, session: Session, project: Project, run_id: int, name: str
                 ) -> tuple[bytes, str]:
    """A downloadable artifact of a run of the project: its bytes and media type."""
    run = get_run(session=session, project=project, run_id=run_id)
    if name not in ARTIFACT_TYPES:
        raise NotFoundError(f"run {run_id} has no downloadable artifact {name!r}")
    data = session.scalar(select(RunArtifact.data).where(RunArtifact.run_id == run.id,
                                                         RunArtifact.name == name))
    if data is None:
        raise NotFoundError(f"run {run_id} has no artifact {name!r}")
    return data, ARTIFACT_TYPES[name]
