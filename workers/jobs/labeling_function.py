"""Labeling-function runs: user code in the sandbox over every record of the project."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heuristics.errors import InvalidInputError
from heuristics.labeling_functions import find_function
from heuristics.sandbox import Sandbox, SandboxLimits, UidRange
from store import heuristics as store
from store import stats
from store.models import Heuristic, HeuristicRevision, LabelingTask, Output, Run
from store.records import record_ids_of
from store.runs import append_log
from store.settings import Settings
from workers.context import settings
from workers.jobs import Heartbeat


def sandbox_for(config: Settings, *, sample: bool = False) -> Sandbox:
    """The sandbox the settings ask for; with ``sample``, the one for trying code on a few
    records, held to the short sample time limit."""
    wall_seconds = config.sandbox_sample_seconds if sample else config.sandbox_wall_seconds
    limits = SandboxLimits(memory_mb=config.sandbox_memory_mb,
                           cpu_seconds=config.sandbox_cpu_seconds,
                           wall_seconds=wall_seconds,
                           record_seconds=min(config.sandbox_record_seconds, wall_seconds),
                           wall_clock_name="sample time limit" if sample else "time limit",
                           max_tmp_mb=config.sandbox_tmp_mb)
    return Sandbox(limits=limits, isolation=config.sandbox, extra_env=config.sandbox_env(),
                   uids=UidRange(config.sandbox_uid_base, config.sandbox_uid_count),
                   cgroup=config.sandbox_cgroup)


def apply_to_records(session: Session, sandbox: Sandbox, heuristic: Heuristic,
                     revision: HeuristicRevision, record_ids: list[int]
                     ) -> tuple[list[dict], list[tuple[store.SandboxRecord, str, int | None]],
                                str]:
    """Run one revision on records: (output rows, record errors, captured logs)."""
    records = store.sandbox_records(session=session, task=heuristic.task,
                                    record_ids=record_ids)
    result = sandbox.run_labeling_function(
        revision.source, [r.payload for r in records], function=revision.function_name,
        task_kind=heuristic.task.kind.value)
    errors = [(records[e.index], e.message, e.line) for e in result.errors]
    rows = []
    output_rows = store.output_rows_for(heuristic.task)
    for index, raw in sorted(result.outputs.items()):
        try:
            rows += output_rows(records[index], raw)
        except InvalidInputError as error:
            errors.append((records[index], error.message, None))
    return rows, errors, result.logs


class LabelingFunctionJob:
    kind = store.LABELING_FUNCTION_RUN

    def _revision(self, session: Session, run: Run) -> tuple[Heuristic, HeuristicRevision]:
        return (session.get(Heuristic, run.heuristic_id),
                session.get(HeuristicRevision, run.revision_id))

    def prepare(self, session: Session, run: Run) -> list[int]:
        sandbox_for(settings()).check()
        return record_ids_of(session=session, project_id=run.project_id)

    def process(self, session: Session, run: Run, item_ids: list[int],
                heartbeat: Heartbeat) -> None:
        heuristic, revision = self._revision(session, run)
        rows, errors, logs = apply_to_records(session, sandbox_for(settings()), heuristic,
                                              revision, item_ids)
        heartbeat()
        if logs:
            append_log(session=session, run_id=run.id, text=logs)
        if errors:
            raise InvalidInputError(store.describe_record_errors(errors))
        store.replace_outputs(session=session, run_id=run.id, record_ids=item_ids, rows=rows)

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        voted = session.scalar(select(func.count(func.distinct(Output.record_id)))
                               .where(Output.run_id == run.id)) or 0
        votes = session.scalar(select(func.count()).select_from(Output)
                               .where(Output.run_id == run.id)) or 0
        return {"records": run.total_items, "votes": votes, "records_with_votes": voted,
                "coverage": voted / run.total_items if run.total_items else 0.0}

    def failed(self, session: Session, run: Run) -> None:
        pass

    def succeeded(self, session: Session, run: Run) -> list[Run]:
        return refresh_statistics(session, run)


def refresh_statistics(session: Session, run: Run) -> list[Run]:
    """A heuristic's run succeeded: its task's statistics now rest on it, and a weak
    supervision that follows the task is queued again. Commits; returns the queued runs."""
    heuristic = session.get(Heuristic, run.heuristic_id)
    stats.recompute(session=session, task=heuristic.task)
    session.commit()
    return store.weak_supervision_due(session=session, task=heuristic.task)


@dataclass(frozen=True)
class SampleOutcome:
    record: store.SandboxRecord
    rows: list[dict]
    error: str | None = None
    line: int | None = None


def try_on_records(session: Session, sandbox: Sandbox, task: LabelingTask, source: str,
                   record_ids: list[int]) -> tuple[list[SampleOutcome], str, float]:
    """Run (possibly unsaved) code on a few records and store nothing: the editor's "try it".

    Returns one outcome per record, the captured logs and the seconds it took.
    """
    function = find_function(source)
    records = store.sandbox_records(session=session, task=task, record_ids=record_ids)
    result = sandbox.run_labeling_function(source, [r.payload for r in records],
                                           function=function, task_kind=task.kind.value)
    failures = {e.index: e for e in result.errors}
    output_rows = store.output_rows_for(task)
    outcomes = []
    for index, record in enumerate(records):
        if index in failures:
            outcomes.append(SampleOutcome(record, [], failures[index].message,
                                          failures[index].line))
            continue
        try:
            outcomes.append(SampleOutcome(record, output_rows(record,
                                                              result.outputs.get(index))))
        except InvalidInputError as error:
            outcomes.append(SampleOutcome(record, [], error.message))
    return outcomes, result.logs, result.seconds
