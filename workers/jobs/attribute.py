"""Computed-attribute runs (see ``services.computed_attributes``): the attribute's code in
the sandbox over the project's records, chunk by chunk, the values held per run; written
into the records once every chunk succeeded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.errors import InvalidInputError
from services import computed_attributes, heuristic_runs, out_of_date
from services.sandboxes import sandbox_for
from store.models import Attribute, Project, Record, Run
from store.runs import append_log
from workers.context import settings
from workers.jobs import Heartbeat


class AttributeJob:
    kind = computed_attributes.ATTRIBUTE_RUN

    def _attribute(self, session: Session, run: Run) -> Attribute:
        attribute = session.get(Attribute, run.params["attribute_id"])
        if attribute is None or attribute.source is None:
            raise InvalidInputError("the attribute was deleted or has no code any more",
                                    field="attribute_id")
        return attribute

    def prepare(self, session: Session, run: Run) -> list[int]:
        sandbox_for(settings()).check()
        attribute = self._attribute(session, run)
        # the code as the run began: a change of it cancels this run and starts another
        run.params = {**run.params, "source": attribute.source}
        return computed_attributes.records_to_compute(
            session=session, attribute=attribute, only_missing=run.params["only_missing"])

    def process(self, session: Session, run: Run, item_ids: list[int],
                heartbeat: Heartbeat) -> None:
        attribute = self._attribute(session, run)
        outcomes, logs, _ = computed_attributes.compute(
            session=session, sandbox=sandbox_for(settings()),
            project=session.get(Project, run.project_id), source=run.params["source"],
            data_type=attribute.data_type, name=attribute.name, record_ids=item_ids)
        heartbeat()
        if logs:
            append_log(session=session, run_id=run.id, text=logs)
        if errors := [(o.record, o.error, o.line) for o in outcomes if o.error is not None]:
            raise InvalidInputError(heuristic_runs.describe_record_errors(errors))
        computed_attributes.stage_values(session=session, run_id=run.id, outcomes=outcomes)

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        """Every chunk succeeded: the values reach the records, all in this transaction."""
        attribute = self._attribute(session, run)
        computed_attributes.apply_staged(session=session, attribute=attribute, run_id=run.id)
        values = session.scalars(select(Record.data[attribute.name]).where(
            Record.project_id == run.project_id))
        with_value = sum(value is not None for value in values)
        return {"records": run.total_items, "records_with_value": with_value}

    def failed(self, session: Session, run: Run) -> None:
        """The records keep their values: what the run's chunks computed goes."""
        computed_attributes.discard_staged(session=session, run_ids=[run.id])

    def succeeded(self, session: Session, run: Run) -> list[Run]:
        """The labeling functions that read the attribute run again, in the tasks that keep
        theirs current by themselves."""
        return out_of_date.runs_to_keep_current(session=session,
                                                project=session.get(Project, run.project_id))
