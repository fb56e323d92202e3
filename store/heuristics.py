"""Use cases for heuristics (labeling functions, active learners), revisions and outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from heuristics.errors import ConflictError, NotFoundError
from heuristics.labeling import (
    find_function,
    normalise_classification,
    normalise_extraction,
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
    RunStatus,
    TaskKind,
    Tokenization,
)
from store.runs import create_run

LABELING_FUNCTION_RUN = "labeling_function"


def _check_name_free(session: Session, task: LabelingTask, name: str) -> None:
    if session.scalar(select(Heuristic.id).where(Heuristic.task_id == task.id,
                                                 Heuristic.name == name)):
        raise ConflictError(f"task {task.name!r} has a heuristic named {name!r} already",
                            field="name")


def _add_revision(session: Session, heuristic: Heuristic, source: str) -> HeuristicRevision:
    revision = HeuristicRevision(number=len(heuristic.revisions) + 1, source=source,
                                 function_name=find_function(source))
    heuristic.revisions.append(revision)
    session.flush()
    return revision


def create_heuristic(*, session: Session, task: LabelingTask, name: str, source: str,
                     description: str = "",
                     kind: HeuristicKind = HeuristicKind.LABELING_FUNCTION) -> Heuristic:
    """A heuristic with its first revision; the source is checked (syntax, function). Commits."""
    _check_name_free(session, task, name)
    find_function(source)
    heuristic = Heuristic(project_id=task.project_id, task=task, kind=kind, name=name,
                          description=description)
    session.add(heuristic)
    session.flush()
    _add_revision(session, heuristic, source)
    session.commit()
    return heuristic


def update_heuristic(*, session: Session, heuristic: Heuristic, name: str | None = None,
                     description: str | None = None, source: str | None = None) -> Heuristic:
    """Rename, describe, or edit the source (a new revision when it changed). Commits."""
    if name is not None and name != heuristic.name:
        _check_name_free(session, heuristic.task, name)
        heuristic.name = name
    if description is not None:
        heuristic.description = description
    if source is not None and source != current_revision(heuristic).source:
        _add_revision(session, heuristic, source)
    session.commit()
    return heuristic


def current_revision(heuristic: Heuristic) -> HeuristicRevision:
    return heuristic.revisions[-1]


def get_heuristic(*, session: Session, project: Project, heuristic_id: int) -> Heuristic:
    heuristic = session.get(Heuristic, heuristic_id)
    if heuristic is None or heuristic.project_id != project.id:
        raise NotFoundError(f"heuristic {heuristic_id} does not exist in this project")
    return heuristic


def list_heuristics(*, session: Session, project: Project,
                    task_id: int | None = None) -> list[Heuristic]:
    query = select(Heuristic).where(Heuristic.project_id == project.id)
    if task_id is not None:
        query = query.where(Heuristic.task_id == task_id)
    return list(session.scalars(query.order_by(Heuristic.id)))


def delete_heuristic(*, session: Session, heuristic: Heuristic) -> None:
    session.delete(heuristic)
    session.commit()


def create_heuristic_run(*, session: Session, heuristic: Heuristic) -> Run:
    """A queued run of the heuristic's current revision over all records; commits."""
    revision = current_revision(heuristic)
    run = create_run(session=session, project_id=heuristic.project_id,
                     kind=LABELING_FUNCTION_RUN,
                     params={"heuristic_id": heuristic.id, "revision": revision.number})
    run.heuristic_id, run.revision_id = heuristic.id, revision.id
    session.commit()
    return run


def latest_run(*, session: Session, heuristic: Heuristic,
               status: RunStatus | None = RunStatus.SUCCEEDED) -> Run | None:
    """The newest run of the heuristic's current revision (succeeded ones by default)."""
    query = select(Run).where(Run.heuristic_id == heuristic.id,
                              Run.revision_id == current_revision(heuristic).id)
    if status is not None:
        query = query.where(Run.status == status)
    return session.scalar(query.order_by(Run.id.desc()).limit(1))


def replace_outputs(*, session: Session, run_id: int, record_ids: Sequence[int],
                    rows: list[dict]) -> None:
    """Replace the run's outputs for these records (safe to repeat); no commit."""
    session.execute(delete(Output).where(Output.run_id == run_id,
                                         Output.record_id.in_(record_ids)))
    if rows:
        session.execute(insert(Output), [{"run_id": run_id, **row} for row in rows])


def outputs_of(*, session: Session, run: Run, offset: int = 0,
               limit: int | None = None) -> list[Output]:
    query = select(Output).where(Output.run_id == run.id).order_by(Output.record_id, Output.id)
    return list(session.scalars(query.offset(offset).limit(limit)))


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
    """Records in the order of ``record_ids``, with the stored tokens of tokenised attributes."""
    records = {rid: (external_id, data) for rid, external_id, data in session.execute(
        select(Record.id, Record.external_id, Record.data).where(Record.id.in_(record_ids)))}
    attributes = {a.id: a.name for a in task.project.attributes}
    tokens: dict[int, dict[str, list[list[int]]]] = {rid: {} for rid in record_ids}
    for tokenization in session.scalars(select(Tokenization).where(
            Tokenization.record_id.in_(record_ids))):
        tokens[tokenization.record_id][attributes[tokenization.attribute_id]] = [
            [s, e] for s, e in zip(tokenization.starts, tokenization.ends, strict=True)]
    target = task.target_attribute.name if task.target_attribute else None
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


def output_rows(task: LabelingTask, record: SandboxRecord, raw: object) -> list[dict]:
    """Output rows for one record's raw result; InvalidInputError if it breaks the contract."""
    labels = {label.name: label.id for label in task.labels}
    if task.kind is TaskKind.EXTRACTION:
        spans = normalise_extraction(raw, labels=list(labels), starts=record.starts,
                                     ends=record.ends, text_length=record.text_length)
        return [{"record_id": record.record_id, "label_id": labels[label], "confidence": 1.0,
                 "token_start": ts, "token_end": te, "char_start": cs, "char_end": ce}
                for label, ts, te, cs, ce in spans]
    names = normalise_classification(raw, labels=list(labels),
                                     multilabel=task.kind is TaskKind.MULTILABEL)
    return [{"record_id": record.record_id, "label_id": labels[name], "confidence": 1.0}
            for name in names]


def describe_record_errors(errors: list[tuple[SandboxRecord, str, int | None]], *,
                           shown: int = 3) -> str:
    """One message naming the first failing records and lines, and how many failed."""
    parts = [f"record {record.external_id!r}" + (f" (line {line})" if line else "")
             + f": {message}" for record, message, line in errors[:shown]]
    more = f"; and {len(errors) - shown} more" if len(errors) > shown else ""
    return f"{len(errors)} record(s) failed: " + "; ".join(parts) + more
