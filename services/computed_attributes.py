"""Computed attributes: a record attribute whose values user code computes from the other
attributes (``def ac(record): return len(record["text"])``), run over every record in the
sandbox by the workers; each use case commits.

Any attribute can be deleted (:func:`delete_attribute`). A computed attribute is an
attribute like any other once its run succeeded: the data
browser filters on it, labeling functions read ``record["name"]``, a text one is tokenised
and can be embedded. Its code changes through :func:`update_source`, which runs it again;
records imported later get their values from :func:`after_import`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from formats.types import AttributeType, convert_value
from heuristics.attribute_reads import attributes_read
from heuristics.errors import ConflictError, HeuristError, InvalidInputError, NotFoundError
from heuristics.labeling_functions import find_function
from heuristics.sandbox import Sandbox
from services import heuristic_runs
from services.dispatch import RunDispatcher
from store import lookup_lists
from store.heuristic_lookups import functions_reading
from store.models import (
    Attribute,
    ComputedValue,
    Embedding,
    Heuristic,
    LabelingTask,
    Project,
    Record,
    Run,
    RunStatus,
    Tokenization,
)
from store.projects import add_attribute
from store.records import (
    record_ids_of,
    remove_attribute_values,
    set_attribute_values,
    spellable,
)
from store.runs import ACTIVE, add_run, cancel_run
from store.tokenization import store_tokens

ATTRIBUTE_RUN = "attribute_calculation"
FUNCTION = "ac"
"""The name the code's function takes when it defines several."""


def function_of(source: str) -> str:
    """The function of a computed attribute's code; InvalidInputError naming the line of a
    syntax error, or what is missing.

    >>> function_of("def words(record):\\n    return 1\\n")
    'words'
    """
    return find_function(source, preferred=FUNCTION, what="attribute function",
                         returns="the record's value or None")


def value_of(raw: object, data_type: AttributeType, *, name: str) -> object:
    """A value the code returned, as the attribute stores it; InvalidInputError when it is
    not of the attribute's type.

    >>> value_of(3, AttributeType.FLOAT, name="length"), value_of("", AttributeType.TEXT, name="t")
    (3.0, None)
    >>> value_of("many", AttributeType.INTEGER, name="n")
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: field 'n': expected integer, got 'many'
    """
    return convert_value(raw, data_type, row=None, field=name)


def create_computed_attribute(*, session: Session, project: Project, name: str,
                              data_type: AttributeType, source: str, queue: RunDispatcher,
                              max_attributes: int | None = None) -> Attribute:
    """A new attribute of ``project`` computed by ``source`` over every record; its run is
    queued. Commits."""
    if not spellable(name) or name != name.strip():
        raise InvalidInputError("a computed attribute's name has no quotes, backslashes, "
                                "nor spaces around it", field="name")
    function_of(source)
    attribute = add_attribute(session=session, project=project, name=name,
                              data_type=data_type, max_attributes=max_attributes)
    attribute.source = source
    return _run(session, attribute, queue, only_missing=False)


def update_source(*, session: Session, attribute: Attribute, source: str,
                  queue: RunDispatcher) -> Attribute:
    """New code for a computed attribute: a run still under way is cancelled and the new
    code runs over every record. Commits."""
    _check_computed(attribute)
    function_of(source)
    attribute.source = source
    if (running := _under_way(session, attribute)) is not None:
        cancel_run(session=session, run=running)
    return _run(session, attribute, queue, only_missing=False)


def run_again(*, session: Session, attribute: Attribute, queue: RunDispatcher) -> Attribute:
    """Compute every record's value again (e.g. after a failure). ConflictError while a
    run is under way. Commits."""
    _check_computed(attribute)
    if (running := _under_way(session, attribute)) is not None:
        raise ConflictError(f"attribute {attribute.name!r} is being computed (run "
                            f"{running.id}): wait for it or change its code", field="attribute")
    return _run(session, attribute, queue, only_missing=False)


def delete_attribute(*, session: Session, attribute: Attribute) -> None:
    """Delete an attribute and its value in every record (a computed one's run under way is
    cancelled). ConflictError while a task labels its spans or an embedding is made of it:
    deleting those is the user's call. Commits."""
    if (task := session.scalar(select(LabelingTask.name).where(
            LabelingTask.target_attribute_id == attribute.id))) is not None:
        raise ConflictError(f"task {task!r} labels the spans of attribute "
                            f"{attribute.name!r}: delete the task first", field="attribute")
    if (embedding := session.scalar(select(Embedding.name).where(
            Embedding.attribute_id == attribute.id))) is not None:
        raise ConflictError(f"embedding {embedding!r} is made of attribute "
                            f"{attribute.name!r}: delete the embedding first",
                            field="attribute")
    if not spellable(attribute.name):
        raise InvalidInputError(f"attribute {attribute.name!r} has a quote or backslash in "
                                "its name: its values cannot be taken out one by one",
                                field="attribute")
    if (running := _under_way(session, attribute)) is not None:
        cancel_run(session=session, run=running)
    remove_attribute_values(session=session, project_id=attribute.project_id,
                            name=attribute.name)
    session.execute(delete(Tokenization).where(Tokenization.attribute_id == attribute.id))
    session.delete(attribute)
    session.commit()


def after_import(*, session: Session, project: Project, queue: RunDispatcher) -> list[Run]:
    """After records were imported: each computed attribute whose latest run succeeded (or
    is running; or that came with its values in a snapshot) runs over the records that
    have no value yet. Commits."""
    return [compute_missing(session=session, attribute=attribute, queue=queue)
            for attribute in computed_attributes(session=session, project=project)
            if computes_new_records(session=session, attribute=attribute)]


def computes_new_records(*, session: Session, attribute: Attribute) -> bool:
    """Whether a computed attribute computes the records that have no value yet by itself:
    unless its latest run is queued (it reads them), or failed or was cancelled (its code
    waits for its user)."""
    latest = latest_run(session=session, attribute=attribute)
    return latest is None or latest.status not in (RunStatus.QUEUED, RunStatus.FAILED,
                                                   RunStatus.CANCELLED)


def compute_missing(*, session: Session, attribute: Attribute, queue: RunDispatcher) -> Run:
    """Queue a run of the attribute over the records without a value; commits."""
    _run(session, attribute, queue, only_missing=True)
    return session.get(Run, attribute.run_id)


def computed_attributes(*, session: Session, project: Project) -> list[Attribute]:
    """The project's computed attributes, in their order."""
    return list(session.scalars(select(Attribute).where(
        Attribute.project_id == project.id, Attribute.source.is_not(None))
        .order_by(Attribute.position)))


def value_versions(*, session: Session, project_id: int) -> dict[str, int]:
    """Each computed attribute of the project by name: the id of the run that wrote its
    values (0 when none did: values that came in a snapshot). A labeling function's run
    records those it reads; a new id puts its votes out of date."""
    return {name: run_id or 0 for name, run_id in session.execute(
        select(Attribute.name, Attribute.values_run_id).where(
            Attribute.project_id == project_id, Attribute.source.is_not(None)))}


def being_computed(*, session: Session, project_id: int) -> set[str]:
    """The names of the project's computed attributes whose latest run is queued or
    running: their values are about to change."""
    return set(session.scalars(select(Attribute.name).join(Run, Run.id == Attribute.run_id)
                               .where(Attribute.project_id == project_id,
                                      Run.status.in_(ACTIVE))))


def readers(*, session: Session, project_id: int, names: list[str]
            ) -> dict[str, list[Heuristic]]:
    """The labeling functions whose current code names each attribute of ``names``
    (:func:`heuristics.attribute_reads.attributes_read`), by name."""
    return functions_reading(session=session, project_id=project_id, names=names,
                             reads=attributes_read)


def get_attribute(*, session: Session, project: Project, attribute_id: int) -> Attribute:
    """The project's attribute ``attribute_id``; NotFoundError for another project's."""
    attribute = session.get(Attribute, attribute_id)
    if attribute is None or attribute.project_id != project.id:
        raise NotFoundError(f"attribute {attribute_id} does not exist in this project",
                            field="attribute_id")
    return attribute


def latest_run(*, session: Session, attribute: Attribute) -> Run | None:
    """The attribute's latest run (None for an imported attribute)."""
    return session.get(Run, attribute.run_id) if attribute.run_id is not None else None


def _under_way(session: Session, attribute: Attribute) -> Run | None:
    """The attribute's latest run if it is queued or running."""
    run = latest_run(session=session, attribute=attribute)
    return run if run is not None and run.status in ACTIVE else None


def _check_computed(attribute: Attribute) -> None:
    if attribute.source is None:
        raise InvalidInputError(f"attribute {attribute.name!r} comes from the imported "
                                "records: only a computed attribute has code", field="source")


def _run(session: Session, attribute: Attribute, queue: RunDispatcher, *,
         only_missing: bool) -> Attribute:
    discard_staged(session=session, run_ids=list(session.scalars(select(Run.id).where(
        Run.project_id == attribute.project_id, Run.kind == ATTRIBUTE_RUN,
        Run.status.in_((RunStatus.FAILED, RunStatus.CANCELLED))))))
    run = add_run(session=session, project_id=attribute.project_id, kind=ATTRIBUTE_RUN,
                  params={"attribute_id": attribute.id, "only_missing": only_missing})
    attribute.run_id = run.id
    session.commit()
    queue.enqueue_run(run.id, kind=run.kind)
    return attribute


@dataclass(frozen=True)
class Computed:
    """One record's outcome of computed-attribute code: its value, or the error."""

    record: heuristic_runs.SandboxRecord
    value: object = None
    error: str | None = None
    line: int | None = None


def compute(*, session: Session, sandbox: Sandbox, project: Project, source: str,
            data_type: AttributeType, name: str, record_ids: list[int]
            ) -> tuple[list[Computed], str, float]:
    """Run ``source`` on the records in the sandbox; store nothing: each record's value
    (converted to ``data_type``) or error, the captured logs and the seconds it took."""
    function = function_of(source)
    records = heuristic_runs.project_records(session=session, project=project,
                                             record_ids=record_ids)
    result = sandbox.run_attribute_function(
        source, [r.payload for r in records], function=function,
        knowledge=lookup_lists.knowledge(session=session, project_id=project.id))
    failures = {e.index: e for e in result.errors}
    outcomes = []
    for index, record in enumerate(records):
        if (failure := failures.get(index)) is not None:
            outcomes.append(Computed(record, error=failure.message, line=failure.line))
            continue
        try:
            outcomes.append(Computed(record, value_of(result.outputs.get(index), data_type,
                                                      name=name)))
        except HeuristError as error:
            outcomes.append(Computed(record, error=error.message))
    return outcomes, result.logs, result.seconds


def stage_values(*, session: Session, run_id: int, outcomes: list[Computed]) -> None:
    """Hold a chunk's values for the run (replacing what a retry of the chunk held); no
    commit. They reach the records with :func:`apply_staged`, once every chunk succeeded."""
    ids = [o.record.record_id for o in outcomes]
    session.execute(delete(ComputedValue).where(ComputedValue.run_id == run_id,
                                                ComputedValue.record_id.in_(ids)))
    if outcomes:
        session.execute(insert(ComputedValue), [
            {"run_id": run_id, "record_id": o.record.record_id, "value": o.value}
            for o in outcomes])


def apply_staged(*, session: Session, attribute: Attribute, run_id: int,
                 batch: int = 1_000) -> None:
    """Write the values the run staged into their records, then let them go; the run is
    the attribute's ``values_run_id`` unless a newer one wrote before it. No commit."""
    last = 0
    while rows := session.execute(
            select(ComputedValue.record_id, ComputedValue.value)
            .where(ComputedValue.run_id == run_id, ComputedValue.record_id > last)
            .order_by(ComputedValue.record_id).limit(batch)).all():
        store_values(session=session, attribute=attribute, values=dict(rows))
        last = rows[-1][0]
    discard_staged(session=session, run_ids=[run_id])
    attribute.values_run_id = max(attribute.values_run_id or 0, run_id)


def discard_staged(*, session: Session, run_ids: list[int]) -> None:
    """Let the values staged by these runs go (a run that failed or was cancelled); no
    commit."""
    session.execute(delete(ComputedValue).where(ComputedValue.run_id.in_(run_ids)))


def store_values(*, session: Session, attribute: Attribute, values: dict[int, object]
                 ) -> None:
    """Write values (by record id) into their records (and a text attribute's tokens); no
    commit."""
    set_attribute_values(session=session, name=attribute.name, values=values)
    if attribute.data_type is AttributeType.TEXT:
        session.execute(delete(Tokenization).where(Tokenization.attribute_id == attribute.id,
                                                   Tokenization.record_id.in_(list(values))))
        store_tokens(session=session, attribute_id=attribute.id, texts={
            rid: str(value or "") for rid, value in values.items()})


def records_to_compute(*, session: Session, attribute: Attribute, only_missing: bool
                       ) -> list[int]:
    """The ids of the records a run computes: all of the project's, or those without a
    value."""
    if not only_missing:
        return record_ids_of(session=session, project_id=attribute.project_id)
    rows = session.execute(select(Record.id, Record.data).where(
        Record.project_id == attribute.project_id).order_by(Record.id))
    return [rid for rid, data in rows if attribute.name not in data]
