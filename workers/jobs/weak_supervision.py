"""Weak-supervision runs: merge the current votes of a task's heuristics into one label per
record with a confidence; report coverage, the label distribution and the agreement with
the reference labels."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.aggregation.selection import choose_method, make_model
from heuristics.errors import InvalidInputError
from store import heuristics as store
from store import stats
from store.models import HeuristicStat, LabelingTask, Record, Run, TaskKind
from store.reference import reference_labels
from workers.jobs import Heartbeat

DEFAULT_PRECISION = 0.7


def _precisions(session: Session, heuristic_ids: list[int]) -> np.ndarray:
    """Precision of each heuristic from its statistics; a neutral prior where unknown."""
    counts = {h: (tp, fp) for h, tp, fp in session.execute(
        select(HeuristicStat.heuristic_id, HeuristicStat.tp, HeuristicStat.fp).where(
            HeuristicStat.heuristic_id.in_(heuristic_ids),
            HeuristicStat.label_index == stats.TOTAL))}
    return np.array([counts[h][0] / sum(counts[h]) if sum(counts.get(h, (0, 0)))
                     else DEFAULT_PRECISION for h in heuristic_ids])


class WeakSupervisionJob:
    kind = store.WEAK_SUPERVISION_RUN

    def _task(self, session: Session, run: Run) -> LabelingTask:
        return session.get(LabelingTask, run.params["task_id"])

    def prepare(self, session: Session, run: Run) -> list[int]:
        task = self._task(session, run)
        if task.kind is not TaskKind.CLASSIFICATION:
            raise InvalidInputError(f"weak supervision runs on classification tasks; "
                                    f"{task.name!r} is {task.kind.value}", field="task_id")
        if not self._current(session, run, task).run_ids:
            raise InvalidInputError("no heuristic of the task has a successful run yet",
                                    field="heuristic_ids")
        ids = list(session.scalars(select(Record.id).where(
            Record.project_id == run.project_id).order_by(Record.id)))
        run.params = {**run.params, "chunk_size": max(1, len(ids))}
        return ids

    def _current(self, session: Session, run: Run, task: LabelingTask) -> stats.CurrentOutputs:
        current = stats.current_outputs(session=session, task=task)
        chosen = run.params.get("heuristic_ids")
        if not chosen:
            return current
        pairs = [(h, r) for h, r in zip(current.heuristic_ids, current.run_ids, strict=True)
                 if h in set(chosen)]
        return stats.CurrentOutputs([h for h, _ in pairs], [r for _, r in pairs])

    def process(self, session: Session, run: Run, item_ids: list[int],
                heartbeat: Heartbeat) -> None:
        task = self._task(session, run)
        current = self._current(session, run, task)
        record_ids = np.asarray(item_ids, dtype=np.int64)
        matrix = stats.label_matrix(session=session, task=task, current=current,
                                    record_ids=record_ids)
        names = [label.name for label in task.labels]
        reference = np.full(len(record_ids), -1, dtype=np.int64)
        for rid, name in reference_labels(session=session, task=task).items():
            position = np.searchsorted(record_ids, rid)
            if position < len(record_ids) and record_ids[position] == rid:
                reference[position] = names.index(name)
        weights = _precisions(session, current.heuristic_ids)
        method = run.params.get("method") or "auto"
        choice = choose_method(matrix, reference, n_labels=len(names), weights=weights)
        if method == "auto":
            method = choice.method
        model = make_model(method, n_labels=len(names), weights=weights).fit(matrix)
        probabilities = model.predict_proba(matrix)
        heartbeat()
        predicted = probabilities.argmax(axis=1)
        confidence = probabilities.max(axis=1)
        keep = (matrix >= 0).any(axis=1) & (confidence >= run.params.get("min_confidence", 0))
        label_ids = [label.id for label in task.labels]
        rows = [{"record_id": int(rid), "label_id": label_ids[p], "confidence": float(c)}
                for rid, p, c in zip(record_ids[keep], predicted[keep], confidence[keep],
                                     strict=True)]
        store.replace_outputs(session=session, run_id=run.id, record_ids=item_ids, rows=rows)
        run.metrics = agreement_metrics(predicted, keep, reference, names) | {
            "method": method, "heuristics": len(current.run_ids),
            "agreement_by_method": choice.agreement}

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        return dict(run.metrics or {})

    def failed(self, session: Session, run: Run) -> None:
        pass

    def succeeded(self, session: Session, run: Run) -> None:
        pass


def agreement_metrics(predicted: np.ndarray, kept: np.ndarray, reference: np.ndarray,
                      names: list[str]) -> dict[str, Any]:
    """Coverage, label distribution, and accuracy, per-label F1 and the confusion matrix
    (reference rows, weak-label columns) on records with both a weak and a reference label."""
    n = len(names)
    both = kept & (reference >= 0)
    confusion = np.zeros((n, n), dtype=np.int64)
    np.add.at(confusion, (reference[both], predicted[both]), 1)
    tp = np.diag(confusion)
    precision = np.divide(tp, confusion.sum(axis=0), out=np.zeros(n), where=confusion.sum(0) > 0)
    recall = np.divide(tp, confusion.sum(axis=1), out=np.zeros(n), where=confusion.sum(1) > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(n),
                   where=precision + recall > 0)
    return {
        "records": int(len(predicted)), "weakly_labelled": int(kept.sum()),
        "coverage": float(kept.mean()) if len(kept) else 0.0,
        "distribution": {name: int((predicted[kept] == k).sum())
                         for k, name in enumerate(names)},
        "compared": int(both.sum()),
        "accuracy": float(tp.sum() / both.sum()) if both.any() else None,
        "f1": {name: float(f1[k]) for k, name in enumerate(names)},
        "confusion": {"labels": names, "matrix": confusion.tolist()},
    }
