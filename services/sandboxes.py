"""The sandbox the settings ask for, and trying (possibly unsaved) code on a few records."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from config import Settings
from heuristics.errors import InvalidInputError
from heuristics.labeling_functions import find_function
from heuristics.sandbox import Sandbox, SandboxLimits, UidRange
from services import heuristic_runs
from store import lookup_lists
from store.models import LabelingTask


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


@dataclass(frozen=True)
class SampleOutcome:
    record: heuristic_runs.SandboxRecord
    rows: list[dict]
    error: str | None = None
    line: int | None = None


def try_on_records(session: Session, sandbox: Sandbox, task: LabelingTask, source: str,
                   record_ids: list[int]) -> tuple[list[SampleOutcome], str, float]:
    """Run (possibly unsaved) code on a few records and store nothing: the editor's "try it".

    Returns one outcome per record, the captured logs and the seconds it took.
    """
    function = find_function(source)
    records = heuristic_runs.sandbox_records(session=session, task=task, record_ids=record_ids)
    result = sandbox.run_labeling_function(
        source, [r.payload for r in records], function=function, task_kind=task.kind.value,
        knowledge=lookup_lists.knowledge(session=session, project_id=task.project_id))
    failures = {e.index: e for e in result.errors}
    output_rows = heuristic_runs.output_rows_for(task)
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
