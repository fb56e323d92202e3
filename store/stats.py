"""Statistics of every heuristic of a task against the reference labels, kept current.

After a heuristic run the task's statistics are recomputed from the label matrix (all
heuristics: overlaps and conflicts depend on each other). When a manual label changes,
the reference of one record may change: its contribution to TP/FP/FN is subtracted and
added again for every heuristic of the task — O(number of heuristics), no recompute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from heuristics import evaluation
from store.events import publish
from store.models import (
    Heuristic,
    HeuristicRevision,
    HeuristicStat,
    LabelingTask,
    Output,
    Record,
    Run,
    RunStatus,
    TaskKind,
)
from store.reference import reference_labels
from store.votes import VoteFilter, make_vote_filter, vote_filter

TOTAL = -1


@dataclass(frozen=True)
class CurrentOutputs:
    """The heuristics of a task that have a current output, and the runs holding it."""

    heuristics: list[Heuristic]
    runs: list[Run]

    @property
    def run_ids(self) -> list[int]:
        return [run.id for run in self.runs]

    def filters(self, session: Session) -> dict[int, VoteFilter]:
        """The vote filter of each run, by run id."""
        return {run.id: vote_filter(heuristic, session.get(HeuristicRevision, run.revision_id))
                for heuristic, run in zip(self.heuristics, self.runs, strict=True)}


def current_outputs(*, session: Session, task: LabelingTask) -> CurrentOutputs:
    """Per heuristic of the task, the newest succeeded run of its current revision."""
    current_revisions = (
        select(func.max(HeuristicRevision.id))
        .join(Heuristic, Heuristic.id == HeuristicRevision.heuristic_id)
        .where(Heuristic.task_id == task.id).group_by(HeuristicRevision.heuristic_id))
    newest = session.execute(
        select(Run.heuristic_id, func.max(Run.id))
        .where(Run.revision_id.in_(current_revisions), Run.status == RunStatus.SUCCEEDED)
        .group_by(Run.heuristic_id).order_by(Run.heuristic_id)).all()
    return CurrentOutputs([session.get(Heuristic, h) for h, _ in newest],
                          [session.get(Run, r) for _, r in newest])


def _record_ids(session: Session, task: LabelingTask) -> np.ndarray:
    ids = session.scalars(select(Record.id).where(Record.project_id == task.project_id)
                          .order_by(Record.id)).all()
    return np.asarray(ids, dtype=np.int64)


def _label_index(task: LabelingTask) -> dict[int, int]:
    return {label.id: position for position, label in enumerate(task.labels)}


def label_matrix(*, session: Session, task: LabelingTask, current: CurrentOutputs,
                 record_ids: np.ndarray) -> np.ndarray:
    """Votes as an int matrix (n_records, n_heuristics); -1 = abstain."""
    matrix = np.full((len(record_ids), len(current.runs)), -1, dtype=np.int64)
    if not current.runs or not len(record_ids):
        return matrix
    column = {run_id: j for j, run_id in enumerate(current.run_ids)}
    labels = _label_index(task)
    filters = current.filters(session)
    rows = [(run_id, record_id, label_id) for run_id, record_id, label_id, confidence
            in session.execute(select(Output.run_id, Output.record_id, Output.label_id,
                                      Output.confidence)
                               .where(Output.run_id.in_(current.run_ids)))
            if filters[run_id].accepts(label_id, confidence)]
    if rows:
        data = np.asarray(rows, dtype=np.int64)
        positions = np.searchsorted(record_ids, data[:, 1])
        columns = np.fromiter((column[r] for r in data[:, 0]), dtype=np.int64, count=len(data))
        values = np.fromiter((labels[lb] for lb in data[:, 2]), dtype=np.int64, count=len(data))
        matrix[positions, columns] = values
    return matrix


def reference_vector(*, session: Session, task: LabelingTask,
                     record_ids: np.ndarray) -> np.ndarray:
    """Reference label index per record; -1 where a record has none."""
    names = {label.name: position for position, label in enumerate(task.labels)}
    vector = np.full(len(record_ids), -1, dtype=np.int64)
    references = reference_labels(session=session, task=task, record_ids=record_ids.tolist())
    for record_id, name in references.items():
        vector[np.searchsorted(record_ids, record_id)] = names[name]
    return vector


def _store(session: Session, task: LabelingTask, current: CurrentOutputs,
           stats: evaluation.HeuristicStats) -> None:
    heuristic_ids = [h.id for h in session.scalars(
        select(Heuristic).where(Heuristic.task_id == task.id))]
    session.execute(delete(HeuristicStat).where(HeuristicStat.heuristic_id.in_(heuristic_ids)))
    rows = []
    for j, (heuristic, run) in enumerate(zip(current.heuristics, current.runs, strict=True)):
        for k in range(len(task.labels)):
            rows.append({"heuristic_id": heuristic.id, "run_id": run.id, "label_index": k,
                         "tp": int(stats.tp[j, k]), "fp": int(stats.fp[j, k]),
                         "fn": int(stats.fn[j, k])})
        rows.append({"heuristic_id": heuristic.id, "run_id": run.id, "label_index": TOTAL,
                     "tp": int(stats.tp[j].sum()), "fp": int(stats.fp[j].sum()),
                     "fn": int(stats.fn[j].sum()), "hits": int(stats.hits[j]),
                     "coverage": float(stats.coverage[j]), "overlaps": float(stats.overlaps[j]),
                     "conflicts": float(stats.conflicts[j]),
                     "n_reference": int(stats.n_reference)})
    if rows:
        session.execute(insert(HeuristicStat), rows)


def recompute(*, session: Session, task: LabelingTask) -> None:
    """Full, vectorised recompute of the task's statistics (no commit)."""
    if task.kind is not TaskKind.CLASSIFICATION:
        return
    current = current_outputs(session=session, task=task)
    record_ids = _record_ids(session, task)
    matrix = label_matrix(session=session, task=task, current=current, record_ids=record_ids)
    reference = reference_vector(session=session, task=task, record_ids=record_ids)
    stats = evaluation.classification_stats(matrix, reference, n_labels=len(task.labels))
    _store(session, task, current, stats)
    publish(session=session, project_id=task.project_id, type="stats.changed",
            payload={"task_id": task.id})


def _current_filters(session: Session, task: LabelingTask) -> dict[int, tuple[int, VoteFilter]]:
    """For the runs behind the stored statistics: run id -> (heuristic id, vote filter)."""
    label_ids = {label.name: label.id for label in task.labels}
    rows = session.execute(
        select(HeuristicStat.run_id, Heuristic.id, Heuristic.kind, Heuristic.min_confidence,
               HeuristicRevision.settings)
        .join(Heuristic, Heuristic.id == HeuristicStat.heuristic_id)
        .join(Run, Run.id == HeuristicStat.run_id)
        .join(HeuristicRevision, HeuristicRevision.id == Run.revision_id)
        .where(Heuristic.task_id == task.id, HeuristicStat.label_index == TOTAL))
    return {run_id: (heuristic_id, make_vote_filter(kind, min_confidence=threshold,
                                                    settings=settings, label_ids=label_ids))
            for run_id, heuristic_id, kind, threshold, settings in rows}


def apply_reference_change(*, session: Session, task: LabelingTask, record_id: int,
                           before: object, after: object) -> bool:
    """Update TP/FP/FN by the delta of one record's reference change (no commit).

    The runs behind the stored statistics are the current outputs, so this needs one query
    for them, one for the record's votes and one update per heuristic that voted on it.
    """
    if before == after or task.kind is not TaskKind.CLASSIFICATION:
        return False
    current = _current_filters(session, task)
    if not current:
        return False
    labels = _label_index(task)
    names = {label.name: position for position, label in enumerate(task.labels)}
    voters = [(run_id, label_id) for run_id, label_id, confidence in session.execute(
        select(Output.run_id, Output.label_id, Output.confidence).where(
            Output.record_id == record_id, Output.run_id.in_(list(current))))
        if current[run_id][1].accepts(label_id, confidence)]
    votes = np.asarray([labels[label_id] for _, label_id in voters], dtype=np.int64)
    old = names[before] if before is not None else -1
    new = names[after] if after is not None else -1
    n_labels = len(task.labels)
    delta = (evaluation.record_contribution(votes, new, n_labels=n_labels)
             - evaluation.record_contribution(votes, old, n_labels=n_labels))
    for j, (run_id, _) in enumerate(voters):
        heuristic_id = current[run_id][0]
        for k in np.flatnonzero(delta.tp[j] | delta.fp[j] | delta.fn[j]).tolist():
            _add(session, heuristic_id, k, int(delta.tp[j, k]), int(delta.fp[j, k]),
                 int(delta.fn[j, k]))
        _add(session, heuristic_id, TOTAL, int(delta.tp[j].sum()), int(delta.fp[j].sum()),
             int(delta.fn[j].sum()))
    reference_delta = int(new >= 0) - int(old >= 0)
    if reference_delta:
        session.execute(update(HeuristicStat).where(
            HeuristicStat.heuristic_id.in_([h for h, _ in current.values()]),
            HeuristicStat.label_index == TOTAL)
            .values(n_reference=HeuristicStat.n_reference + reference_delta))
    publish(session=session, project_id=task.project_id, type="stats.changed",
            payload={"task_id": task.id, "record_id": record_id})
    return True


def _add(session: Session, heuristic_id: int, label_index: int, tp: int, fp: int,
         fn: int) -> None:
    if tp or fp or fn:
        session.execute(update(HeuristicStat).where(
            HeuristicStat.heuristic_id == heuristic_id,
            HeuristicStat.label_index == label_index)
            .values({HeuristicStat.tp: HeuristicStat.tp + tp,
                     HeuristicStat.fp: HeuristicStat.fp + fp,
                     HeuristicStat.fn: HeuristicStat.fn + fn}))


def stats_of(*, session: Session, task: LabelingTask) -> dict[int, list[HeuristicStat]]:
    """Stored statistics rows by heuristic id (total row first)."""
    rows: dict[int, list[HeuristicStat]] = {}
    for stat in session.scalars(
            select(HeuristicStat).join(Heuristic, Heuristic.id == HeuristicStat.heuristic_id)
            .where(Heuristic.task_id == task.id)
            .order_by(HeuristicStat.heuristic_id, HeuristicStat.label_index)):
        rows.setdefault(stat.heuristic_id, []).append(stat)
    return rows


def count_heuristics_with_stats(*, session: Session, task: LabelingTask) -> int:
    return session.scalar(select(func.count(func.distinct(HeuristicStat.heuristic_id)))
                          .join(Heuristic, Heuristic.id == HeuristicStat.heuristic_id)
                          .where(Heuristic.task_id == task.id)) or 0




@dataclass(frozen=True)
class StatsRow:
    """One served row: counts and the rates derived from them."""

    label: str | None
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    precision_low: float | None
    precision_high: float | None


@dataclass(frozen=True)
class HeuristicReport:
    heuristic: Heuristic
    revision: int
    total_row: HeuristicStat
    total: StatsRow
    labels: list[StatsRow]


def _number(value: float) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


def task_report(*, session: Session, task: LabelingTask) -> list[HeuristicReport]:
    """Stored statistics of each heuristic with precision, recall, F1 and Wilson bounds."""
    names = [label.name for label in task.labels]
    rows = session.execute(
        select(HeuristicStat, Heuristic, HeuristicRevision.number)
        .join(Heuristic, Heuristic.id == HeuristicStat.heuristic_id)
        .join(Run, Run.id == HeuristicStat.run_id)
        .join(HeuristicRevision, HeuristicRevision.id == Run.revision_id)
        .where(Heuristic.task_id == task.id)
        .order_by(HeuristicStat.heuristic_id, HeuristicStat.label_index)).all()
    grouped: dict[int, list] = {}
    for stat, heuristic, number in rows:
        grouped.setdefault(heuristic.id, []).append((stat, heuristic, number))
    reports = []
    for entries in grouped.values():
        stat_rows = [stat for stat, _, _ in entries]
        ordered = stat_rows[1:] + stat_rows[:1]  # labels, then the total row
        counts = evaluation.Counts(
            tp=np.array([[r.tp for r in ordered]]), fp=np.array([[r.fp for r in ordered]]),
            fn=np.array([[r.fn for r in ordered]]))
        low, high = counts.wilson_interval()
        served = [StatsRow(label=names[r.label_index] if r.label_index != TOTAL else None,
                           tp=r.tp, fp=r.fp, fn=r.fn,
                           precision=_number(counts.precision[0, i]),
                           recall=_number(counts.recall[0, i]), f1=_number(counts.f1[0, i]),
                           precision_low=_number(low[0, i]),
                           precision_high=_number(high[0, i]))
                  for i, r in enumerate(ordered)]
        _, heuristic, number = entries[0]
        reports.append(HeuristicReport(heuristic=heuristic, revision=number,
                                       total_row=stat_rows[0], total=served[-1],
                                       labels=served[:-1]))
    return reports
