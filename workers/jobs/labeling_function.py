"""Labeling-function runs: user code in the sandbox over every record of the project."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from heuristics.attribute_reads import attributes_read
from heuristics.errors import InvalidInputError
from heuristics.knowledge import changed_lists, lists_read
from heuristics.sandbox import Sandbox
from services import heuristic_runs, out_of_date
from services.computed_attributes import value_versions
from services.out_of_date import ATTRIBUTES_READ, LISTS_READ
from services.sandboxes import sandbox_for
from services.statistics import heuristic_run_succeeded
from store import heuristic_lookups, lookup_lists
from store.models import Heuristic, HeuristicRevision, Run
from store.outputs import vote_counts
from store.records import record_ids_of
from store.runs import append_log
from workers.context import settings
from workers.jobs import Heartbeat


def apply_to_records(session: Session, sandbox: Sandbox, heuristic: Heuristic,
                     revision: HeuristicRevision, record_ids: list[int],
                     knowledge: dict[str, list[str]]
                     ) -> tuple[list[dict],
                                list[tuple[heuristic_runs.SandboxRecord, str, int | None]], str]:
    """Run one revision on records, with the project's lookup lists (``knowledge``):
    (output rows, record errors, captured logs)."""
    records = heuristic_runs.sandbox_records(session=session, task=heuristic.task,
                                    record_ids=record_ids)
    result = sandbox.run_labeling_function(
        revision.source, [r.payload for r in records], function=revision.function_name,
        task_kind=heuristic.task.kind.value, knowledge=knowledge)
    errors = [(records[e.index], e.message, e.line) for e in result.errors]
    rows = []
    output_rows = heuristic_runs.output_rows_for(heuristic.task)
    for index, raw in sorted(result.outputs.items()):
        try:
            rows += output_rows(records[index], raw)
        except InvalidInputError as error:
            errors.append((records[index], error.message, None))
    return rows, errors, result.logs


def _read_by(revision: HeuristicRevision, versions: dict[str, int]) -> dict[str, int]:
    return {name: versions[name] for name in lists_read(revision.source, versions)}


class LabelingFunctionJob:
    kind = heuristic_lookups.LABELING_FUNCTION_RUN

    def _revision(self, session: Session, run: Run) -> tuple[Heuristic, HeuristicRevision]:
        return (session.get(Heuristic, run.heuristic_id),
                session.get(HeuristicRevision, run.revision_id))

    def prepare(self, session: Session, run: Run) -> list[int]:
        sandbox_for(settings()).check()
        _, revision = self._revision(session, run)
        lookup_lists.refresh(session=session, project_id=run.project_id)
        computed = value_versions(session=session, project_id=run.project_id)
        run.params = {**run.params, LISTS_READ: _read_by(revision, lookup_lists.versions(
            session=session, project_id=run.project_id)), ATTRIBUTES_READ: {
                name: computed[name] for name in attributes_read(revision.source, computed)}}
        return record_ids_of(session=session, project_id=run.project_id)

    def process(self, session: Session, run: Run, item_ids: list[int],
                heartbeat: Heartbeat) -> None:
        heuristic, revision = self._revision(session, run)
        lists = lookup_lists.list_lookup_lists(session=session, project_id=run.project_id)
        changed = changed_lists(run.params.get(LISTS_READ, {}),
                                _read_by(revision, {row.name: row.version for row in lists}))
        if changed:
            append_log(session=session, run_id=run.id, text=(
                f"lookup lists changed since the run began: {', '.join(changed)}; records "
                f"{item_ids[0]}-{item_ids[-1]} read them as they are now\n"))
        rows, errors, logs = apply_to_records(session, sandbox_for(settings()), heuristic,
                                              revision, item_ids,
                                              lookup_lists.terms_by_name(lists))
        heartbeat()
        if logs:
            append_log(session=session, run_id=run.id, text=logs)
        if errors:
            raise InvalidInputError(heuristic_runs.describe_record_errors(errors))
        heuristic_runs.replace_outputs(session=session, run_id=run.id, record_ids=item_ids,
                                       rows=rows)

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        votes, voted = vote_counts(session=session, run_id=run.id)
        return {"records": run.total_items, "votes": votes, "records_with_votes": voted,
                "coverage": voted / run.total_items if run.total_items else 0.0}

    def failed(self, session: Session, run: Run) -> None:
        pass

    def succeeded(self, session: Session, run: Run) -> list[Run]:
        """Statistics, then the next run if the task keeps its functions current and a
        list or the records changed while this one ran."""
        return (heuristic_run_succeeded(session=session, run=run)
                + out_of_date.catch_up(session=session, run=run))

