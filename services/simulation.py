"""Simulated labelling of a task: replay its reference labels with a query strategy and with
random sampling from the same seed set; the learning curves are stored with the run as JSON
and as a PNG plot."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.active import Simulation, simulate
from heuristics.errors import InvalidInputError, NotFoundError
from services.active_queue import (
    DEFAULT_STRATEGY,
    check_strategy,
    default_embedding,
    record_representation,
    strategy_named,
)
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
    """Queue a simulation run of a classification task; commits. The caller enqueues it."""
    if task.kind is not TaskKind.CLASSIFICATION:
        raise InvalidInputError("simulation needs a classification task", field="task_id")
    check_strategy(strategy)
    if not 0 < seed_size <= budget:
        raise InvalidInputError("seed size must be between 1 and the budget", field="seed_size")
    if batch_size < 1:
        raise InvalidInputError("batch size must be at least 1", field="batch_size")
    if default_embedding(session=session, task=task) is None:
        raise InvalidInputError("the project has no finished record embedding yet",
                                field="embedding")
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


def _curves(simulation: Simulation) -> dict[str, Any]:
    return {name: {"labels_used": curve.labels_used.tolist(),
                   "accuracy": [round(float(a), 4) for a in curve.accuracy],
                   "macro_f1": [round(float(f), 4) for f in curve.macro_f1]}
            for name, curve in (("strategy", simulation.strategy),
                                ("random", simulation.random))}


def plot(curves: dict[str, Any], *, title: str) -> bytes:
    """Accuracy and macro-F1 against labels used, strategy and random, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4), dpi=100)
    axes = figure.add_subplot()
    for name, colour in (("strategy", "tab:blue"), ("random", "tab:gray")):
        curve = curves[name]
        label = curves.get("strategy_name", "strategy") if name == "strategy" else "random"
        axes.plot(curve["labels_used"], curve["accuracy"], "-", color=colour, marker="o",
                  markersize=3, label=f"{label}: accuracy")
        axes.plot(curve["labels_used"], curve["macro_f1"], "--", color=colour, alpha=0.7,
                  label=f"{label}: macro-F1")
    axes.set_xlabel("labels used")
    axes.set_ylabel("held-out score")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def run_simulation(*, session: Session, run: Run, vector_folder: Path | None = None
                   ) -> dict[str, Any]:
    """Replay the task's reference labels; store the curves with the run (no commit) and
    return the run's metrics. ``vector_folder``: see :func:`record_representation`."""
    params = run.params
    task = session.get(LabelingTask, params["task_id"])
    embedding = default_embedding(session=session, task=task)
    if embedding is None:
        raise InvalidInputError("the project has no finished record embedding yet",
                                field="embedding")
    references = reference_labels(session=session, task=task)
    ids, matrix, features = record_representation(session=session, embedding=embedding,
                                                  vector_folder=vector_folder)
    index = {label.name: i for i, label in enumerate(task.labels)}
    keep = np.array([references.get(rid) in index for rid in ids.tolist()], dtype=bool)
    labels = np.array([index[references[rid]] for rid in ids[keep].tolist()])
    if len(labels) < params["budget"] + 10 or len(np.unique(labels)) < 2:
        raise InvalidInputError(
            f"{len(labels)} records have a reference label; a simulation with a budget of "
            f"{params['budget']} needs more (and labels of two kinds at least)", field="budget")
    rows = np.flatnonzero(keep)
    result = simulate(np.asarray(matrix)[rows], labels, features=features[rows],
                      strategy=strategy_named(params["strategy"], task),
                      seed_size=params["seed_size"], batch_size=params["batch_size"],
                      budget=params["budget"], test_size=params["test_size"],
                      random_state=params["random_state"])
    curves = {**_curves(result), "strategy_name": params["strategy"],
              "embedding": embedding.name, "n_records": int(keep.sum())}
    png = plot(curves, title=f"{task.name}: {params['strategy']} vs random "
                             f"({int(keep.sum())} labelled records)")
    session.merge(RunArtifact(run_id=run.id, name=CURVE_JSON,
                              data=json.dumps(curves).encode()))
    session.merge(RunArtifact(run_id=run.id, name=CURVE_PNG, data=png))
    final = {name: {"labels_used": curves[name]["labels_used"][-1],
                    "accuracy": curves[name]["accuracy"][-1],
                    "macro_f1": curves[name]["macro_f1"][-1]}
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
