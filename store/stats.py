"""Statistics of every heuristic of a task against the reference labels, kept current.

After a heuristic run the task's statistics are recomputed from the label matrix (all
heuristics: overlaps and conflicts depend on each other). When a manual label changes,
the reference of one record may change: its contribution to TP/FP/FN is subtracted and
added again for every heuristic of the task — O(number of heuristics), no recompute.
Both keep the stored reference labels current (:func:`store.reference.store_references`)
in the same transaction; a run changes no reference, so after a run they stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from heuristics.evaluation.classification import classification_stats, multilabel_stats
from heuristics.evaluation.counts import Counts
from heuristics.evaluation.extraction import span_stats
from heuristics.learners.votes import VoteRule
from store.db import plain_rows
from store.events import publish
from store.locks import STATISTICS, lock_key
from store.models import (
    Heuristic,
    HeuristicKind,
    HeuristicRevision,
    HeuristicStat,
    Label,
    LabelingTask,
    Output,
    Run,
    RunStatus,
    TaskKind,
    Tokenization,
)
from store.records import record_count, record_ids_of
from store.reference import (
    reference_labels,
    reference_state,
    store_reference,
    store_references,
)
from store.votes import make_vote_filter

TOTAL = -1
COUNTS = ("tp", "fp", "fn", "span_tp", "span_fp", "span_fn", "fn_voted")
"""The stored counts, in the order of the last axis of a report's counts table."""


@dataclass(frozen=True)
class CurrentOutputs:
    """The heuristics of a task that have a current output, and the runs holding it."""

    heuristic_ids: list[int]
    run_ids: list[int]
    known_filters: dict[int, VoteRule] | None = None

    def columns(self) -> dict[int, int]:
        """Each run's column in a matrix of the task's votes (the order of ``run_ids``).

        >>> CurrentOutputs(heuristic_ids=[4, 2], run_ids=[9, 7]).columns()
        {9: 0, 7: 1}
        """
        return {run_id: j for j, run_id in enumerate(self.run_ids)}

    def filters(self, session: Session) -> dict[int, VoteRule]:
        """The vote filter of each run, by run id (two queries, however many runs)."""
        if self.known_filters is not None:
            return self.known_filters
        if not self.run_ids:
            return {}
        rows = session.execute(
            select(Run.id, Heuristic.task_id, Heuristic.kind, Heuristic.min_confidence,
                   HeuristicRevision.settings)
            .join(Heuristic, Heuristic.id == Run.heuristic_id)
            .join(HeuristicRevision, HeuristicRevision.id == Run.revision_id)
            .where(Run.id.in_(self.run_ids))).all()
        label_ids: dict[int, dict[str, int]] = {}
        for task_id, name, label_id in session.execute(
                select(Label.task_id, Label.name, Label.id)
                .where(Label.task_id.in_({row.task_id for row in rows}))):
            label_ids.setdefault(task_id, {})[name] = label_id
        return {run_id: make_vote_filter(kind, min_confidence=threshold, settings=settings,
                                         label_ids=label_ids.get(task_id, {}))
                for run_id, task_id, kind, threshold, settings in rows}


def current_runs(task_id: int | None = None) -> Select:
    """``(heuristic id, run id)`` of each heuristic's current output: its newest succeeded
    run of its current revision. Of one task's heuristics, or of every heuristic."""
    current_revisions = select(func.max(HeuristicRevision.id))
    if task_id is not None:
        current_revisions = (current_revisions
                             .join(Heuristic, Heuristic.id == HeuristicRevision.heuristic_id)
                             .where(Heuristic.task_id == task_id))
    return (select(Run.heuristic_id, func.max(Run.id))
            .where(Run.revision_id.in_(current_revisions.group_by(
                HeuristicRevision.heuristic_id)), Run.status == RunStatus.SUCCEEDED)
            .group_by(Run.heuristic_id))


def current_outputs(*, session: Session, task: LabelingTask) -> CurrentOutputs:
    """Per heuristic of the task, the newest succeeded run of its current revision."""
    newest = session.execute(current_runs(task.id).order_by(Run.heuristic_id)).all()
    return CurrentOutputs([h for h, _ in newest], [r for _, r in newest])


def _record_ids(session: Session, task: LabelingTask) -> np.ndarray:
    return np.asarray(record_ids_of(session=session, project_id=task.project_id),
                      dtype=np.int64)


def label_matrix(*, session: Session, task: LabelingTask, current: CurrentOutputs,
                 record_ids: np.ndarray) -> np.ndarray:
    """Votes as an int matrix (n_records, n_heuristics); -1 = abstain. ``record_ids``: all
    records of the project in id order, or a single record."""
    return _matrix(filtered_outputs(session, current, record_ids), task=task,
                   current=current, record_ids=record_ids)


def _matrix(outputs: list[tuple], *, task: LabelingTask, current: CurrentOutputs,
            record_ids: np.ndarray, held: Sequence[HeldVotes] = ()) -> np.ndarray:
    matrix = np.full((len(record_ids), len(current.run_ids)), -1, dtype=np.int64)
    rows, columns, labels = _vote_positions(outputs, task=task, current=current,
                                            record_ids=record_ids)
    matrix[rows, columns] = labels
    column = current.columns()
    for votes in held:
        matrix[np.searchsorted(record_ids, votes.record_ids), column[votes.run_id]] = \
            _label_positions(task, votes.label_ids)
    return matrix


def _vote_positions(outputs: list[tuple], *, task: LabelingTask, current: CurrentOutputs,
                    record_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each vote of ``outputs`` (as :func:`filtered_outputs` gives them) goes: its
    record's row in ``record_ids`` (sorted, holding every record voted on), its heuristic's
    column in ``current``, its label's position in the task."""
    n = len(outputs)
    column = current.columns()
    rows = np.searchsorted(record_ids, np.fromiter((row[1] for row in outputs),
                                                   dtype=np.int64, count=n))
    columns = np.fromiter((column[row[0]] for row in outputs), dtype=np.int64, count=n)
    labels = _label_positions(task, np.fromiter((row[2] for row in outputs),
                                                dtype=np.int64, count=n))
    return rows, columns, labels


def _label_positions(task: LabelingTask, label_ids: np.ndarray) -> np.ndarray:
    """Each label id's position among the task's labels; KeyError for an id that is not
    one of them."""
    ids = np.array([label.id for label in task.labels], dtype=np.int64)
    if not len(label_ids):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(ids)
    positions = order[np.searchsorted(ids, label_ids, sorter=order).clip(max=len(ids) - 1)]
    if not np.array_equal(ids[positions], label_ids):
        raise KeyError(f"votes of labels the task does not have: "
                       f"{sorted(set(label_ids.tolist()) - set(ids.tolist()))}")
    return positions


def span_votes(*, session: Session, task: LabelingTask, current: CurrentOutputs
               ) -> dict[int, list[list[tuple[str, int, int]]]]:
    """An extraction task's votes: per record that any heuristic tagged, per heuristic (in
    ``current`` order) its spans ``(label name, start token, end token)``."""
    column = current.columns()
    names = {label.id: label.name for label in task.labels}
    spans: dict[int, list[list[tuple[str, int, int]]]] = {}
    for run_id, rid, label_id, start, end in filtered_outputs(session, current, None):
        found = spans.setdefault(rid, [[] for _ in current.run_ids])
        found[column[run_id]].append((names[label_id], start, end))
    return spans


def multilabel_arrays(outputs: list[tuple], references: dict[int, object], *,
                      task: LabelingTask, current: CurrentOutputs, record_ids: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A multi-label task's votes (records × heuristics × labels), reference label sets
    (records × labels) and which records have a reference, all bool; ``outputs`` from
    :func:`filtered_outputs`, ``references`` label-name sets by record id."""
    rows = {rid: i for i, rid in enumerate(record_ids.tolist())}
    names = {label.name: k for k, label in enumerate(task.labels)}
    votes = np.zeros((len(record_ids), len(current.run_ids), len(task.labels)), dtype=bool)
    votes[_vote_positions(outputs, task=task, current=current, record_ids=record_ids)] = True
    reference = np.zeros((len(record_ids), len(task.labels)), dtype=bool)
    has_reference = np.zeros(len(record_ids), dtype=bool)
    for rid, chosen in references.items():
        has_reference[rows[rid]] = True
        reference[rows[rid], [names[name] for name in chosen]] = True
    return votes, reference, has_reference


@dataclass(frozen=True)
class TaskCounts:
    """Counts of every current heuristic of a task, whatever its kind.

    ``tp``/``fp``/``fn`` are per (heuristic, label): per record for classification and
    multi-label, per token for extraction, whose exact-span counts are in ``span_*``.
    ``fn_voted`` are the false negatives on records the heuristic votes on (for extraction,
    without abstains per token, ``fn`` itself).
    """

    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    fn_voted: np.ndarray
    span_tp: np.ndarray
    span_fp: np.ndarray
    span_fn: np.ndarray
    hits: np.ndarray
    coverage: np.ndarray
    overlaps: np.ndarray
    conflicts: np.ndarray
    n_reference: int


def filtered_outputs(session: Session, current: CurrentOutputs,
                      record_ids: np.ndarray | None) -> list[tuple]:
    """(run_id, record_id, label_id, token_start, token_end) of the votes of current runs."""
    if not current.run_ids:
        return []
    filters = current.filters(session)
    query = select(Output.run_id, Output.record_id, Output.label_id, Output.confidence,
                   Output.token_start, Output.token_end).where(
        Output.run_id.in_(current.run_ids))
    if record_ids is not None and len(record_ids) == 1:
        query = query.where(Output.record_id == int(record_ids[0]))
    return [(run_id, rid, label_id, start, end) for rows in plain_rows(session, query)
            for run_id, rid, label_id, confidence, start, end in rows
            if filters[run_id].accepts(label_id, confidence)]


def _references(session: Session, task: LabelingTask, override: dict[int, object] | None
                ) -> dict[int, object]:
    if override is not None:
        return {rid: ref for rid, ref in override.items() if ref is not None}
    return reference_labels(session=session, task=task)


def count(*, session: Session, task: LabelingTask, current: CurrentOutputs,
          record_ids: np.ndarray, references: dict[int, object] | None = None,
          outputs: list[tuple] | None = None, held: Sequence[HeldVotes] = ()) -> TaskCounts:
    """Counts of the current heuristics on ``record_ids`` (sorted: all records, or one
    record with ``references`` given to count it against another reference). ``outputs``
    are the votes from ``filtered_outputs``, when the caller has them already; ``held``,
    more of them as arrays (a run's votes still in memory, absent from ``outputs``)."""
    n_labels, n_heuristics = len(task.labels), len(current.run_ids)
    names = {label.name: k for k, label in enumerate(task.labels)}
    if outputs is None:
        outputs = filtered_outputs(session, current, record_ids)
    if held and task.kind is not TaskKind.CLASSIFICATION:
        outputs = outputs + [row for votes in held for row in votes.rows()]
        held = ()
    refs = _references(session, task, references)
    if task.kind is TaskKind.MULTILABEL:
        stats = multilabel_stats(*multilabel_arrays(
            outputs, refs, task=task, current=current, record_ids=record_ids))
        zeros = np.zeros_like(stats.tp)
        return TaskCounts(stats.tp, stats.fp, stats.fn, stats.fn_voted, zeros, zeros, zeros,
                          stats.hits, stats.coverage, stats.overlaps, stats.conflicts,
                          stats.n_reference)
    if task.kind is TaskKind.CLASSIFICATION:
        matrix = _matrix(outputs, task=task, current=current, record_ids=record_ids,
                         held=held)
        reference = np.full(len(record_ids), -1, dtype=np.int64)
        referenced = np.fromiter(refs, dtype=np.int64, count=len(refs))
        reference[np.searchsorted(record_ids, referenced)] = np.fromiter(
            (names[name] for name in refs.values()), dtype=np.int64, count=len(refs))
        stats = classification_stats(matrix, reference, n_labels=n_labels)
        zeros = np.zeros_like(stats.tp)
        return TaskCounts(stats.tp, stats.fp, stats.fn, stats.fn_voted, zeros, zeros, zeros,
                          stats.hits, stats.coverage, stats.overlaps, stats.conflicts,
                          stats.n_reference)
    rows = {rid: i for i, rid in enumerate(record_ids.tolist())}
    voted, columns, labels = _vote_positions(outputs, task=task, current=current,
                                             record_ids=record_ids)
    bounds = np.asarray([row[3:5] for row in outputs], dtype=np.int64).reshape(-1, 2)
    predicted = np.column_stack([columns, voted, labels, bounds])
    reference = np.asarray([[rows[rid], names[label], start, end]
                            for rid, spans in refs.items() for label, start, end in spans],
                           dtype=np.int64).reshape(-1, 4)
    has_reference = np.zeros(len(record_ids), dtype=bool)
    has_reference[[rows[rid] for rid in refs]] = True
    tokens = select(Tokenization.record_id, Tokenization.ends).where(
        Tokenization.attribute_id == task.target_attribute_id)
    if len(record_ids) == 1:
        tokens = tokens.where(Tokenization.record_id == int(record_ids[0]))
    lengths = dict(session.execute(tokens).all())
    n_tokens = np.asarray([len(lengths.get(rid, [])) for rid in record_ids.tolist()],
                          dtype=np.int64)
    spans = span_stats(predicted, reference, n_tokens=n_tokens,
                                  has_reference=has_reference, n_heuristics=n_heuristics,
                                  n_labels=n_labels)
    # No abstain per token: the misses where it votes are all its misses.
    return TaskCounts(spans.tokens.tp, spans.tokens.fp, spans.tokens.fn, spans.tokens.fn,
                      spans.spans.tp, spans.spans.fp, spans.spans.fn, spans.voted_tokens,
                      spans.coverage, spans.overlaps, spans.conflicts, spans.n_reference)


def _store(session: Session, task: LabelingTask, current: CurrentOutputs,
           counts: TaskCounts) -> None:
    heuristic_ids = [h.id for h in session.scalars(
        select(Heuristic).where(Heuristic.task_id == task.id))]
    session.execute(delete(HeuristicStat).where(HeuristicStat.heuristic_id.in_(heuristic_ids)))
    rows = []
    for j, (heuristic_id, run_id) in enumerate(zip(current.heuristic_ids, current.run_ids,
                                                   strict=True)):
        for k in range(len(task.labels)):
            rows.append({"heuristic_id": heuristic_id, "run_id": run_id, "label_index": k,
                         "tp": int(counts.tp[j, k]), "fp": int(counts.fp[j, k]),
                         "fn": int(counts.fn[j, k]), "fn_voted": int(counts.fn_voted[j, k]),
                         "span_tp": int(counts.span_tp[j, k]),
                         "span_fp": int(counts.span_fp[j, k]),
                         "span_fn": int(counts.span_fn[j, k])})
        rows.append({"heuristic_id": heuristic_id, "run_id": run_id, "label_index": TOTAL,
                     "tp": int(counts.tp[j].sum()), "fp": int(counts.fp[j].sum()),
                     "fn": int(counts.fn[j].sum()), "fn_voted": int(counts.fn_voted[j].sum()),
                     "span_tp": int(counts.span_tp[j].sum()),
                     "span_fp": int(counts.span_fp[j].sum()),
                     "span_fn": int(counts.span_fn[j].sum()), "hits": int(counts.hits[j]),
                     "coverage": float(counts.coverage[j]),
                     "overlaps": float(counts.overlaps[j]),
                     "conflicts": float(counts.conflicts[j]),
                     "n_reference": int(counts.n_reference)})
    if rows:
        session.execute(insert(HeuristicStat), rows)


def _hold(session: Session, task: LabelingTask) -> None:
    """Take the task's statistics lock for the rest of the transaction: writers of its
    statistics (an API request's recompute or delta, a worker's refresh after a run) count
    and store one after another, each from what the previous one committed — none
    replaces the rows another is writing, nor a delta with counts read before it."""
    lock_key(session=session, space=STATISTICS, key=task.id)


def recompute(*, session: Session, task: LabelingTask) -> None:
    """Full, vectorised recompute of the task's statistics and its stored reference labels
    (no commit)."""
    _hold(session, task)
    references = reference_labels(session=session, task=task)
    store_references(session=session, task=task, references=references)
    _refresh(session, task, current_outputs(session=session, task=task), references,
             _record_ids(session, task))


@dataclass(frozen=True)
class RunHeld:
    """What a heuristic's run holds when it ends, so that :func:`refresh_after_run` need not
    read it again: every record id of the project (ascending), the task's references with
    the :func:`store.reference.reference_state` read before them, and the run's outputs as
    the columns it wrote (``record_id``, ``label_id``, ``confidence``; spans also
    ``token_start`` and ``token_end``) over all its records."""

    run_id: int
    record_ids: np.ndarray
    references: dict[int, object]
    reference_state: tuple
    outputs: Mapping[str, Sequence]


def refresh_after_run(*, session: Session, task: LabelingTask, held: RunHeld | None = None
                      ) -> None:
    """The task's statistics once a heuristic's run succeeded, equal to :func:`recompute`'s
    (no commit). A run changes no manual label, so the stored reference labels stay as they
    are; what ``held`` gives is taken instead of read again, unless it changed meanwhile:
    labels made or a label deleted while the run fitted, records imported."""
    _hold(session, task)
    current = current_outputs(session=session, task=task)
    if held is None or reference_state(session=session, task=task) != held.reference_state:
        _refresh(session, task, current, reference_labels(session=session, task=task),
                 _record_ids(session, task))
        return
    references, record_ids = held.references, held.record_ids
    if record_count(session=session, project_id=task.project_id) != len(record_ids):
        record_ids = _record_ids(session, task)
    outputs, votes = None, ()
    if held.run_id in current.run_ids:
        filters = current.filters(session)
        others = [(h, r) for h, r in zip(current.heuristic_ids, current.run_ids, strict=True)
                  if r != held.run_id]
        outputs = filtered_outputs(session, CurrentOutputs(
            [h for h, _ in others], [r for _, r in others], filters), None)
        votes = (HeldVotes.of(held, filters[held.run_id]),)
    _refresh(session, task, current, references, record_ids, outputs, votes)


@dataclass(frozen=True)
class HeldVotes:
    """A run's votes, as arrays: what :func:`filtered_outputs` gives of it as tuples, for a
    run whose outputs are still in memory (100k tuples cost more than the counting)."""

    run_id: int
    record_ids: np.ndarray
    label_ids: np.ndarray
    token_starts: np.ndarray | None = None
    token_ends: np.ndarray | None = None

    @classmethod
    def of(cls, held: RunHeld, rule: VoteRule) -> HeldVotes:
        """The votes among the outputs ``held``, those that ``rule`` accepts."""
        columns = held.outputs
        label_ids = np.asarray(columns["label_id"], dtype=np.int64)
        keep = np.flatnonzero(rule.accepts_all(label_ids, columns["confidence"]))
        spans = [np.asarray(columns[name], dtype=object)[keep] if name in columns else None
                 for name in ("token_start", "token_end")]   # ints, or None for no span
        return cls(held.run_id, np.asarray(columns["record_id"], dtype=np.int64)[keep],
                   label_ids[keep], *spans)

    def rows(self) -> list[tuple]:
        """The votes as :func:`filtered_outputs` gives them."""
        n = len(self.record_ids)
        starts, ends = (repeat(None, n) if column is None else column.tolist()
                        for column in (self.token_starts, self.token_ends))
        return list(zip(repeat(self.run_id), self.record_ids.tolist(), self.label_ids.tolist(),
                        starts, ends, strict=False))


def _refresh(session: Session, task: LabelingTask, current: CurrentOutputs,
             references: dict[int, object], record_ids: np.ndarray,
             outputs: list[tuple] | None = None, held: Sequence[HeldVotes] = ()) -> None:
    """Count and store the statistics of ``current`` against ``references``; announce them."""
    counts = count(session=session, task=task, current=current, record_ids=record_ids,
                   references=references, outputs=outputs, held=held)
    _store(session, task, current, counts)
    publish(session=session, project_id=task.project_id, type="stats.changed",
            payload={"task_id": task.id})


def _current_filters(session: Session, task: LabelingTask) -> dict[int, tuple[int, VoteRule]]:
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
    """Update the counts by the delta of one record's reference change, and its stored
    reference label (no commit).

    The record is counted against its old and its new reference; the difference is added
    to the stored rows — O(number of heuristics), whatever the number of records.
    """
    if before == after:
        return False
    _hold(session, task)
    store_reference(session=session, task=task, record_id=record_id, reference=after)
    current = _current_filters(session, task)
    if not current:
        return False
    outputs = CurrentOutputs([h for h, _ in current.values()], list(current),
                             {run_id: f for run_id, (_, f) in current.items()})
    record = np.asarray([record_id], dtype=np.int64)
    votes = filtered_outputs(session, outputs, record)
    old, new = (count(session=session, task=task, current=outputs, record_ids=record,
                      references={record_id: reference}, outputs=votes)
                for reference in (before, after))
    deltas = {name: getattr(new, name) - getattr(old, name)
              for name in COUNTS}
    # the total rows also count the records with a reference: all in one update
    deltas["n_reference"] = np.zeros_like(deltas["tp"])
    reference_delta = int(after is not None) - int(before is not None)
    changes = []
    for j, heuristic_id in enumerate(outputs.heuristic_ids):
        for k in [*range(len(task.labels)), TOTAL]:
            values = {n: int(d[j].sum() if k == TOTAL else d[j, k]) for n, d in deltas.items()}
            if k == TOTAL:
                values["n_reference"] = reference_delta
            if any(values.values()):
                changes.append({"h": heuristic_id, "k": k, **{f"d_{n}": v
                                                               for n, v in values.items()}})
    if changes:
        table = HeuristicStat.__table__
        session.connection().execute(
            update(table)
            .where(table.c.heuristic_id == bindparam("h"), table.c.label_index == bindparam("k"))
            .values({table.c[n]: table.c[n] + bindparam(f"d_{n}") for n in deltas}),
            changes)
    publish(session=session, project_id=task.project_id, type="stats.changed",
            payload={"task_id": task.id, "record_id": record_id})
    return True


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
    """One served row: counts and the rates derived from them. ``recall`` is over all
    records with the reference label; ``recall_where_voting`` over those the heuristic votes
    on only."""

    label: str | None
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    precision_low: float | None
    precision_high: float | None
    recall_where_voting: float | None = None
    span_tp: int = 0
    span_fp: int = 0
    span_fn: int = 0


@dataclass(frozen=True)
class HeuristicFacts:
    """What a report says of a heuristic besides its counts: its name and run, and its votes
    over all the records counted."""

    name: str
    kind: HeuristicKind
    number: int
    run_id: int
    n_reference: int
    hits: int
    coverage: float
    overlaps: float
    conflicts: float


@dataclass(frozen=True)
class HeuristicReport:
    heuristic_id: int
    name: str
    kind: str
    revision: int
    run_id: int
    n_reference: int
    hits: int
    coverage: float | None
    overlaps: float | None
    conflicts: float | None
    total: StatsRow
    labels: list[StatsRow]


def _number(value: float) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


def outdated(*, session: Session, task: LabelingTask) -> bool:
    """Whether some stored counts of the task are from before recall counted abstains as
    misses (no ``fn_voted``): :func:`recompute` makes them current."""
    return session.scalar(
        select(HeuristicStat.id).join(Heuristic, Heuristic.id == HeuristicStat.heuristic_id)
        .where(Heuristic.task_id == task.id, HeuristicStat.fn_voted.is_(None)).limit(1)
    ) is not None


def task_report(*, session: Session, task: LabelingTask) -> list[HeuristicReport]:
    """Stored statistics of each heuristic with precision, recall, F1 and Wilson bounds,
    computed for all heuristics and labels at once."""
    return stored_report(session=session, task=task)[0]


def stored_report(*, session: Session, task: LabelingTask
                  ) -> tuple[list[HeuristicReport], bool]:
    """:func:`task_report`, and whether some of its counts are :func:`outdated`, in one
    query."""
    names = [label.name for label in task.labels]
    n_rows = len(names) + 1  # the labels, then the total row
    stored = [getattr(HeuristicStat, name) for name in COUNTS]
    # Counts from before fn_voted was kept: the old fn was fn_voted (until recomputed).
    stored[-1] = func.coalesce(HeuristicStat.fn_voted, HeuristicStat.fn)
    rows = session.execute(
        select(HeuristicStat.heuristic_id, HeuristicStat.label_index, *stored,
               HeuristicStat.run_id, HeuristicStat.hits, HeuristicStat.coverage,
               HeuristicStat.overlaps, HeuristicStat.conflicts, HeuristicStat.n_reference,
               Heuristic.name, Heuristic.kind, HeuristicRevision.number,
               HeuristicStat.fn_voted.is_(None).label("outdated"))
        .join(Heuristic, Heuristic.id == HeuristicStat.heuristic_id)
        .join(Run, Run.id == HeuristicStat.run_id)
        .join(HeuristicRevision, HeuristicRevision.id == Run.revision_id)
        .where(Heuristic.task_id == task.id)
        .order_by(HeuristicStat.heuristic_id, HeuristicStat.label_index)).all()
    heuristic_ids = list(dict.fromkeys(row.heuristic_id for row in rows))
    if not heuristic_ids:
        return [], False
    position = {h: i for i, h in enumerate(heuristic_ids)}
    table = np.zeros((len(heuristic_ids), n_rows, len(COUNTS)), dtype=np.int64)
    facts = {}
    for row in rows:
        column = len(names) if row.label_index == TOTAL else row.label_index
        table[position[row.heuristic_id], column] = row[2:2 + len(COUNTS)]
        if row.label_index == TOTAL:
            facts[row.heuristic_id] = HeuristicFacts(
                name=row.name, kind=row.kind, number=row.number, run_id=row.run_id,
                n_reference=row.n_reference, hits=row.hits, coverage=row.coverage,
                overlaps=row.overlaps, conflicts=row.conflicts)
    return _reports(names, heuristic_ids, table, facts), any(row.outdated for row in rows)


def subset_report(*, session: Session, task: LabelingTask,
                  record_ids: Sequence[int]) -> list[HeuristicReport]:
    """The statistics :func:`task_report` serves, counted the same way but over the given
    records of the project only (a filtered subset, e.g. ``split = test``); nothing is
    stored."""
    current = current_outputs(session=session, task=task)
    if not current.run_ids:
        return []
    chosen = np.unique(np.asarray(list(record_ids), dtype=np.int64))
    inside = set(chosen.tolist())
    outputs = [row for row in filtered_outputs(session, current, None) if row[1] in inside]
    references = {rid: ref for rid, ref in reference_labels(
        session=session, task=task, record_ids=chosen.tolist()).items() if rid in inside}
    counts = count(session=session, task=task, current=current, record_ids=chosen,
                   references=references, outputs=outputs)
    names = [label.name for label in task.labels]
    table = np.zeros((len(current.run_ids), len(names) + 1, len(COUNTS)), dtype=np.int64)
    per_label = np.stack([getattr(counts, name) for name in COUNTS], axis=-1)
    table[:, :len(names)] = per_label
    table[:, len(names)] = per_label.sum(axis=1)
    revisions = dict(session.execute(
        select(Run.id, HeuristicRevision.number)
        .join(HeuristicRevision, HeuristicRevision.id == Run.revision_id)
        .where(Run.id.in_(current.run_ids))).all())
    heuristics = {h.id: h for h in session.scalars(
        select(Heuristic).where(Heuristic.id.in_(current.heuristic_ids)))}
    facts = {heuristic_id: HeuristicFacts(
        name=heuristics[heuristic_id].name, kind=heuristics[heuristic_id].kind,
        number=revisions[run_id], run_id=run_id, n_reference=int(counts.n_reference),
        hits=int(counts.hits[j]), coverage=float(counts.coverage[j]),
        overlaps=float(counts.overlaps[j]), conflicts=float(counts.conflicts[j]))
        for j, (heuristic_id, run_id) in enumerate(zip(current.heuristic_ids,
                                                       current.run_ids, strict=True))}
    return _reports(names, current.heuristic_ids, table, facts)


def _reports(names: list[str], heuristic_ids: list[int], table: np.ndarray,
             facts: dict[int, HeuristicFacts]) -> list[HeuristicReport]:
    """Served reports of heuristics from their counts ``table`` (heuristic, label rows then
    the total row, the counts of :data:`COUNTS`) and the other facts of each."""
    n_rows = len(names) + 1
    column = {name: table[..., i] for i, name in enumerate(COUNTS)}
    counts = Counts(tp=column["tp"], fp=column["fp"], fn=column["fn"])
    precision, recall, f1 = counts.precision, counts.recall, counts.f1
    where_voting = Counts(tp=column["tp"], fp=column["fp"], fn=column["fn_voted"]).recall
    low, high = counts.wilson_interval()
    reports = []
    for i, heuristic_id in enumerate(heuristic_ids):
        served = [StatsRow(label=names[k] if k < len(names) else None,
                           tp=int(column["tp"][i, k]), fp=int(column["fp"][i, k]),
                           fn=int(column["fn"][i, k]), precision=_number(precision[i, k]),
                           recall=_number(recall[i, k]), f1=_number(f1[i, k]),
                           precision_low=_number(low[i, k]), precision_high=_number(high[i, k]),
                           recall_where_voting=_number(where_voting[i, k]),
                           span_tp=int(column["span_tp"][i, k]),
                           span_fp=int(column["span_fp"][i, k]),
                           span_fn=int(column["span_fn"][i, k]))
                  for k in range(n_rows)]
        fact = facts[heuristic_id]
        reports.append(HeuristicReport(
            heuristic_id=heuristic_id, name=fact.name, kind=fact.kind.value,
            revision=fact.number, run_id=fact.run_id, n_reference=fact.n_reference,
            hits=fact.hits, coverage=_number(fact.coverage),
            overlaps=_number(fact.overlaps), conflicts=_number(fact.conflicts),
            total=served[-1], labels=served[:-1]))
    return reports
