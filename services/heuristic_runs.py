"""Use cases for heuristics (labeling functions, active learners), revisions and outputs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError, InvalidInputError, NotFoundError
from heuristics.labeling_functions import (
    find_function,
    normalise_classification,
    normalise_extraction,
)
from heuristics.learner_source import learner_settings
from store import stats
from store.db import insert_rows
from store.heuristic_lookups import (
    ACTIVE_LEARNER_RUN,
    LABELING_FUNCTION_RUN,
    WEAK_SUPERVISION_RUN,
    current_revision,
    latest_run,
    latest_weak_supervision,
)
from store.models import (
    Heuristic,
    HeuristicKind,
    HeuristicRevision,
    LabelingTask,
    Output,
    Project,
    Record,
    Run,
    RunFailure,
    RunStatus,
    TaskKind,
    Tokenization,
)
from store.records_seen import deleted_since
from store.runs import add_run, create_run

DEFAULT_REFIT_EVERY = 10

LABELS_SEEN = "manual_labels"
"""The run parameter that records the task's ``label_changes`` count as the run was queued
(what a learner's fit has seen)."""


def _check_name_free(session: Session, task: LabelingTask, name: str) -> None:
    if session.scalar(select(Heuristic.id).where(Heuristic.task_id == task.id,
                                                 Heuristic.name == name)):
        raise ConflictError(f"task {task.name!r} has a heuristic named {name!r} already",
                            field="name")


def checked_source(source: str, kind: HeuristicKind, task: LabelingTask) -> tuple[str, dict]:
    """The entry point (function or class name) and settings of a source for a heuristic of
    ``task``, checked statically; InvalidInputError with the line when it does not fit the
    contract (a learner: also the task's kind and labels)."""
    if kind is not HeuristicKind.ACTIVE_LEARNER:
        return find_function(source), {}
    settings = learner_settings(source)
    if (settings.kind == "extraction") != (task.kind is TaskKind.EXTRACTION):
        expected = "LearningExtractor" if task.kind is TaskKind.EXTRACTION \
            else "LearningClassifier"
        raise InvalidInputError(f"the {task.kind.value} task {task.name!r} needs a "
                                f"{expected}", field="source")
    known = [label.name for label in task.labels]
    unknown = [name for name in settings.label_names or () if name not in known]
    if unknown:
        raise InvalidInputError(f"label_names {unknown} are not labels of the task (labels: "
                                f"{', '.join(known)})", field="source")
    return settings.class_name, settings.as_dict()


def _add_revision(session: Session, heuristic: Heuristic, source: str,
                  checked: tuple[str, dict]) -> HeuristicRevision:
    """A new revision of ``source``, whose :func:`checked_source` result is ``checked``."""
    entry, settings = checked
    revision = HeuristicRevision(number=len(heuristic.revisions) + 1, source=source,
                                 function_name=entry, settings=settings)
    heuristic.revisions.append(revision)
    session.flush()
    return revision


def create_heuristic(*, session: Session, task: LabelingTask, name: str, source: str,
                     description: str = "",
                     kind: HeuristicKind = HeuristicKind.LABELING_FUNCTION) -> Heuristic:
    """A heuristic with its first revision; the source is checked (syntax, function). Commits."""
    _check_name_free(session, task, name)
    checked = checked_source(source, kind, task)
    heuristic = Heuristic(project_id=task.project_id, task=task, kind=kind, name=name,
                          description=description,
                          auto_refit_every=DEFAULT_REFIT_EVERY
                          if kind is HeuristicKind.ACTIVE_LEARNER else None)
    session.add(heuristic)
    session.flush()
    _add_revision(session, heuristic, source, checked)
    session.commit()
    return heuristic


def update_heuristic(*, session: Session, heuristic: Heuristic, name: str | None = None,
                     description: str | None = None, source: str | None = None,
                     min_confidence: float | None = None,
                     auto_refit_every: int | None = None,
                     source_threshold: bool = False) -> Heuristic:
    """Rename, describe, edit the source (a new revision when it changed), or change a
    learner's vote threshold (no refit; ``source_threshold`` drops the override, so the
    source's ``min_confidence`` applies again) or auto-refit interval (0 turns it off).
    Commits."""
    if min_confidence is not None or auto_refit_every is not None or source_threshold:
        if heuristic.kind is not HeuristicKind.ACTIVE_LEARNER:
            raise InvalidInputError("only active learners have a vote threshold and refits",
                                    field="min_confidence")
        if min_confidence is not None or source_threshold:
            heuristic.min_confidence = min_confidence
            stats.recompute(session=session, task=heuristic.task)
        if auto_refit_every is not None:
            heuristic.auto_refit_every = auto_refit_every or None
    if name is not None and name != heuristic.name:
        _check_name_free(session, heuristic.task, name)
        heuristic.name = name
    if description is not None:
        heuristic.description = description
    if source is not None and source != current_revision(heuristic).source:
        _add_revision(session, heuristic, source,
                      checked_source(source, heuristic.kind, heuristic.task))
        stats.recompute(session=session, task=heuristic.task)
    session.commit()
    return heuristic




def list_heuristics(*, session: Session, project: Project,
                    task_id: int | None = None) -> list[Heuristic]:
    query = select(Heuristic).where(Heuristic.project_id == project.id)
    if task_id is not None:
        query = query.where(Heuristic.task_id == task_id)
    return list(session.scalars(query.order_by(Heuristic.id)))


def delete_heuristic(*, session: Session, heuristic: Heuristic) -> list[Run]:
    """Delete the heuristic and its outputs; commits. Returns the weak-supervision run queued
    again because the task's heuristics changed (see :func:`weak_supervision_due`)."""
    task = heuristic.task
    session.delete(heuristic)
    session.flush()
    stats.recompute(session=session, task=task)
    session.commit()
    return weak_supervision_due(session=session, task=task)


def create_heuristic_run(*, session: Session, heuristic: Heuristic) -> Run:
    """A queued run of the heuristic's current revision over all records; commits."""
    run = add_heuristic_run(session=session, heuristic=heuristic)
    session.commit()
    return run


def add_heuristic_run(*, session: Session, heuristic: Heuristic) -> Run:
    """:func:`create_heuristic_run` in the caller's transaction (no commit; enqueue the run
    once it has committed)."""
    revision = current_revision(heuristic)
    kind = ACTIVE_LEARNER_RUN if heuristic.kind is HeuristicKind.ACTIVE_LEARNER \
        else LABELING_FUNCTION_RUN
    run = add_run(session=session, project_id=heuristic.project_id, kind=kind,
                  params={"heuristic_id": heuristic.id, "revision": revision.number,
                          LABELS_SEEN: _count_manual_labels(session, heuristic.task)})
    run.heuristic_id, run.revision_id = heuristic.id, revision.id
    session.flush()
    return run


def create_weak_supervision_run(*, session: Session, task: LabelingTask, method: str,
                                heuristic_ids: list[int] | None, min_confidence: float,
                                auto_rerun: bool = False, no_vote: str = "none") -> Run:
    """A queued weak-supervision run of the task; commits. With ``auto_rerun`` the run is
    repeated with the same settings whenever a heuristic of the task gets a new output or is
    deleted (see :func:`weak_supervision_due`). ``no_vote="prior"`` gives records without
    votes the class prior's label (classification only)."""
    if heuristic_ids is not None and not heuristic_ids:
        raise InvalidInputError("heuristic_ids is empty: name some heuristics, or leave it out "
                                "for every heuristic of the task", field="heuristic_ids")
    known = {h.id for h in list_heuristics(session=session, project=task.project,
                                           task_id=task.id)}
    unknown = sorted(set(heuristic_ids or ()) - known)
    if unknown:
        raise InvalidInputError(f"heuristics {unknown} do not belong to task {task.name!r}",
                                field="heuristic_ids")
    if not chosen_outputs(session=session, task=task, heuristic_ids=heuristic_ids).run_ids:
        chosen = "the chosen heuristics" if heuristic_ids else f"task {task.name!r}"
        raise InvalidInputError(f"no heuristic of {chosen} has a successful run of its "
                                f"current code yet: run them first", field="heuristic_ids")
    if task.kind is TaskKind.MULTILABEL and method in ("label_model", "anchored_label_model"):
        raise InvalidInputError("multi-label tasks aggregate with majority or weighted votes: "
                                "a label model needs votes that disagree", field="method")
    if no_vote != "none" and task.kind is not TaskKind.CLASSIFICATION:
        raise InvalidInputError(f"no_vote={no_vote!r} is for classification tasks; "
                                f"{task.name!r} is {task.kind.value}", field="no_vote")
    return create_run(session=session, project_id=task.project_id, kind=WEAK_SUPERVISION_RUN,
                      params={"task_id": task.id, "method": method,
                              "heuristic_ids": heuristic_ids or None,
                              "min_confidence": min_confidence, "auto_rerun": auto_rerun,
                              "no_vote": no_vote})


def chosen_outputs(*, session: Session, task: LabelingTask,
                   heuristic_ids: list[int] | None) -> stats.CurrentOutputs:
    """The current outputs a weak-supervision run merges: of the chosen heuristics, or of
    every heuristic of the task (``None``)."""
    current = stats.current_outputs(session=session, task=task)
    if not heuristic_ids:
        return current
    pairs = [(h, r) for h, r in zip(current.heuristic_ids, current.run_ids, strict=True)
             if h in set(heuristic_ids)]
    return stats.CurrentOutputs([h for h, _ in pairs], [r for _, r in pairs])


def weak_supervision_inputs(*, session: Session, current: stats.CurrentOutputs
                            ) -> list[list[float]]:
    """What a weak-supervision run's result rests on: per heuristic ``[heuristic id, run id,
    vote threshold]``. A result whose inputs differ from the current ones is stale."""
    filters = current.filters(session)
    return [[heuristic_id, run_id, filters[run_id].min_confidence]
            for heuristic_id, run_id in zip(current.heuristic_ids, current.run_ids,
                                            strict=True)]


def weak_supervision_stale(*, session: Session, task: LabelingTask, run: Run) -> bool:
    """Whether the heuristics behind the run's result changed since: a new output, another
    vote threshold, a heuristic deleted, or a chosen one that has output now; or records
    were deleted since it began (its figures counted them)."""
    if deleted_since(session=session, run=run):
        return True
    current = chosen_outputs(session=session, task=task,
                             heuristic_ids=run.params.get("heuristic_ids"))
    used = (run.metrics or {}).get("inputs")
    return used is not None and used != weak_supervision_inputs(session=session,
                                                               current=current)



def weak_supervision_due(*, session: Session, task: LabelingTask) -> list[Run]:
    """The heuristics of the task changed: repeat its newest weak-supervision run if that
    asked for ``auto_rerun`` and no repetition is queued yet (debounced). Commits."""
    last = latest_weak_supervision(session=session, task=task, status=None)
    if last is None or not last.params.get("auto_rerun") or last.status is RunStatus.QUEUED:
        return []
    known = {h.id for h in list_heuristics(session=session, project=task.project,
                                           task_id=task.id)}
    chosen = last.params.get("heuristic_ids")
    kept = [h for h in chosen if h in known] if chosen else None
    if chosen and not kept:
        return []
    try:
        return [create_weak_supervision_run(
            session=session, task=task, method=last.params.get("method", "auto"),
            heuristic_ids=kept, min_confidence=last.params.get("min_confidence", 0.0),
            auto_rerun=True, no_vote=last.params.get("no_vote", "none"))]
    except InvalidInputError:   # nothing left to merge (no chosen heuristic has output)
        return []


def _count_manual_labels(session: Session, task: LabelingTask) -> int:
    """Labelling acts on the task so far (labels added, changed, removed; reviews)."""
    return session.scalar(select(LabelingTask.label_changes)
                          .where(LabelingTask.id == task.id)) or 0


def refits_due(*, session: Session, task: LabelingTask,
               heuristic_id: int | None = None) -> list[Run]:
    """:func:`learner_refits`, committed: the runs to enqueue."""
    due = learner_refits(session=session, task=task, heuristic_id=heuristic_id)
    session.commit()
    return due


def learner_refits(*, session: Session, task: LabelingTask,
                   heuristic_id: int | None = None) -> list[Run]:
    """Queue runs of the task's learners (or of one) that have seen ``auto_refit_every`` new
    manual labels since their last run; one at a time per learner (debounced). A learner
    whose last run was cancelled, or failed for another reason than too few labels, waits
    for its next edit or a run started by hand. In the caller's transaction (no commit):
    the runs to enqueue once it has committed."""
    due = []
    labels_now = None
    query = select(Heuristic).where(
        Heuristic.task_id == task.id, Heuristic.kind == HeuristicKind.ACTIVE_LEARNER,
        Heuristic.auto_refit_every.is_not(None))
    if heuristic_id is not None:
        query = query.where(Heuristic.id == heuristic_id)
    for heuristic in session.scalars(query.order_by(Heuristic.id)):
        last = latest_run(session=session, heuristic=heuristic, status=None)
        if last is None or last.status in (RunStatus.QUEUED, RunStatus.RUNNING,
                                           RunStatus.CANCELLED):
            continue
        if last.status is RunStatus.FAILED and last.failure is not RunFailure.NOT_ENOUGH_LABELS:
            continue
        if labels_now is None:
            labels_now = _count_manual_labels(session, task)
        if labels_now - last.params.get(LABELS_SEEN, 0) >= heuristic.auto_refit_every:
            due.append(add_heuristic_run(session=session, heuristic=heuristic))
    return due



def replace_outputs(*, session: Session, run_id: int, record_ids: Sequence[int],
                    rows: list[dict]) -> None:
    """Replace the run's outputs for these records (safe to repeat); no commit.

    ``record_ids`` is a chunk: consecutive ids of the run's sorted items, so the outputs to
    replace are those between its first and last id. ``rows`` all have the same keys; a row
    without ``confidence`` has confidence 1."""
    replace_output_columns(session=session, run_id=run_id, record_ids=record_ids,
                           columns=output_columns(rows))


def output_columns(rows: list[dict]) -> dict[str, list]:
    """Output rows (all with the same keys) as columns; a row without ``confidence`` has
    confidence 1."""
    names = [name for name in rows[0] if name != "confidence"] if rows else []
    columns = {name: [row[name] for row in rows] for name in names}
    columns["confidence"] = [row.get("confidence", 1.0) for row in rows]
    return columns


def replace_output_columns(*, session: Session, run_id: int, record_ids: Sequence[int],
                           columns: Mapping[str, Sequence]) -> None:
    """:func:`replace_outputs` with the outputs given column by column (equal lengths), as
    a bulk producer has them: no row objects. Outputs of a weak supervision run are marked
    ``weak`` (the index of weak labels' confidences holds only those).

    >>> replace_output_columns(session=session, run_id=run.id, record_ids=ids,
    ...                        columns={"record_id": ids, "label_id": [spam] * len(ids),
    ...                                 "confidence": [0.9] * len(ids)})  # doctest: +SKIP
    """
    names = list(columns)
    values = [columns[name] for name in names]
    if len({len(column) for column in values}) > 1:
        raise ValueError(f"output columns differ in length: "
                         f"{ {name: len(columns[name]) for name in names} }")
    if not len(record_ids):
        return
    session.execute(delete(Output).where(
        Output.run_id == run_id, Output.record_id.between(min(record_ids), max(record_ids))))
    if values and len(values[0]):
        weak = session.scalar(select(Run.kind).where(Run.id == run_id)) == WEAK_SUPERVISION_RUN
        insert_rows(session, Output.__table__, ["run_id", "weak", *names],
                    zip(repeat(run_id), repeat(weak), *values, strict=False))


def outputs_on_record(*, session: Session, run: Run, record_id: int) -> list[Output]:
    """The run's outputs on one record, spans by start token."""
    return list(session.scalars(
        select(Output).where(Output.run_id == run.id, Output.record_id == record_id)
        .order_by(Output.token_start, Output.id)))


def outputs_of(*, session: Session, run: Run, offset: int = 0,
               limit: int | None = None) -> list[Output]:
    query = select(Output).where(Output.run_id == run.id).order_by(Output.record_id, Output.id)
    return list(session.scalars(query.offset(offset).limit(limit)))


def random_record_ids(*, session: Session, project: Project, n: int) -> list[int]:
    """Ids of ``n`` records of the project drawn at random (all if it has fewer)."""
    return list(session.scalars(select(Record.id).where(Record.project_id == project.id)
                                .order_by(func.random()).limit(n)))


@dataclass(frozen=True)
class SandboxRecord:
    """A record as user code sees it, plus what checking its outputs needs."""

    record_id: int
    external_id: str
    payload: dict
    starts: list[int]
    ends: list[int]
    text_length: int


def sandbox_records(*, session: Session, task: LabelingTask,
                    record_ids: Sequence[int]) -> list[SandboxRecord]:
    """Records of the task's project in the order of ``record_ids``, with the stored tokens
    of tokenised attributes; NotFoundError if one is not a record of that project."""
    return project_records(session=session, project=task.project, record_ids=record_ids,
                           target=task.target_attribute.name if task.target_attribute else None)


def project_records(*, session: Session, project: Project, record_ids: Sequence[int],
                    target: str | None = None) -> list[SandboxRecord]:
    """:func:`sandbox_records` of a project's records; ``target``: the text attribute whose
    tokens and length the outputs are checked against (extraction), if any."""
    records = {rid: (external_id, data) for rid, external_id, data in session.execute(
        select(Record.id, Record.external_id, Record.data).where(
            Record.id.in_(record_ids), Record.project_id == project.id))}
    missing = [rid for rid in record_ids if rid not in records]
    if missing:
        raise NotFoundError(f"record {missing[0]} does not exist in this project",
                            field="record_ids")
    attributes = {a.id: a.name for a in project.attributes}
    tokens: dict[int, dict[str, list[list[int]]]] = {rid: {} for rid in record_ids}
    for rid, attribute_id, starts, ends in session.execute(
            select(Tokenization.record_id, Tokenization.attribute_id, Tokenization.starts,
                   Tokenization.ends).where(Tokenization.record_id.in_(record_ids))):
        tokens[rid][attributes[attribute_id]] = [[s, e] for s, e in zip(starts, ends,
                                                                         strict=True)]
    out = []
    for rid in record_ids:
        external_id, data = records[rid]
        spans = tokens[rid].get(target, []) if target else []
        out.append(SandboxRecord(
            record_id=rid, external_id=external_id,
            payload={"id": external_id, "data": data, "tokens": tokens[rid]},
            starts=[s for s, _ in spans], ends=[e for _, e in spans],
            text_length=len(str(data.get(target) or "")) if target else 0))
    return out


def output_rows_for(task: LabelingTask) -> Callable[[SandboxRecord, object], list[dict]]:
    """A function giving the output rows of one record's raw result for this task; it raises
    InvalidInputError if the result breaks the task's contract (unknown label, bad span)."""
    labels = {label.name: label.id for label in task.labels}
    names = list(labels)
    if task.kind is TaskKind.EXTRACTION:
        def span_rows(record: SandboxRecord, raw: object) -> list[dict]:
            spans = normalise_extraction(raw, labels=names, starts=record.starts,
                                         ends=record.ends, text_length=record.text_length)
            return [{"record_id": record.record_id, "label_id": labels[label],
                     "confidence": 1.0, "token_start": ts, "token_end": te, "char_start": cs,
                     "char_end": ce} for label, ts, te, cs, ce in spans]
        return span_rows
    multilabel = task.kind is TaskKind.MULTILABEL

    def label_rows(record: SandboxRecord, raw: object) -> list[dict]:
        return [{"record_id": record.record_id, "label_id": labels[name], "confidence": 1.0}
                for name in normalise_classification(raw, labels=names, multilabel=multilabel)]
    return label_rows


def describe_record_errors(errors: list[tuple[SandboxRecord, str, int | None]], *,
                           shown: int = 3) -> str:
    """One message naming the first failing records and lines, and how many failed."""
    parts = [f"record {record.external_id!r}" + (f" (line {line})" if line else "")
             + f": {message}" for record, message, line in errors[:shown]]
    more = f"; and {len(errors) - shown} more" if len(errors) > shown else ""
    return f"{len(errors)} record(s) failed: " + "; ".join(parts) + more
