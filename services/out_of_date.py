"""Whether a heuristic's votes are out of date, and why: its current revision has not run
(or its latest run failed), records were added or their values edited since its latest
run, a lookup list or a computed attribute that run read changed since, or — for an active
learner — the manual labels it learns from changed since its fit. One rule for the API,
the UI, the batch run of :func:`run_out_of_date`, and :func:`keep_current`, which runs the
labeling functions of a task that keeps them current by themselves after each change (and
:func:`catch_up`, after a change that came while one of them ran). Runs nobody asked for
wait for the computed attributes their code reads: while one is being computed, a function
reading it runs when its run succeeds, not once before and once after.

>>> inputs = Inputs(list_versions={"cities": 3}, n_imported=120, label_changes={7: 45})
>>> reasons(None, 2, inputs)
['revision 2 has not run']
>>> run = Run(status=RunStatus.SUCCEEDED, total_items=100, params={LISTS_READ: {"cities": 2}})
>>> reasons(run, 2, inputs)
['lookup list cities changed since its run', '20 records added since its run']
>>> read = Run(status=RunStatus.SUCCEEDED, total_items=120, params={ATTRIBUTES_READ: {"n": 4}})
>>> reasons(read, 1, Inputs({}, 120, {}, attribute_runs={"n": 9}))
['attribute n was computed again since its run']
>>> seen = Run(status=RunStatus.SUCCEEDED, params={RECORDS_SEEN: {"imported": 120, "edited": 4}})
>>> reasons(seen, 1, Inputs({}, 120, {}, n_edited=5))
['1 record edit since its run']
>>> fit = Run(status=RunStatus.SUCCEEDED, total_items=120, params={LABELS_SEEN: 42})
>>> reasons(fit, 1, inputs, learns_from=7, refit_every=10)
['3 label changes since its fit (it refits after 10)']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from heuristics.attribute_reads import attributes_read
from heuristics.errors import InvalidInputError
from services.computed_attributes import being_computed, value_versions
from services.dispatch import RunDispatcher
from services.heuristic_runs import LABELS_SEEN, add_heuristic_run, list_heuristics
from store import lookup_lists
from store.heuristic_lookups import current_revision, latest_run
from store.models import Heuristic, HeuristicKind, LabelingTask, Project, Run, RunStatus
from store.records_seen import RECORDS_SEEN, edits_since, records_seen

LISTS_READ = "lookup_lists"
"""The run parameter that records the versions, as it began, of the project's lookup lists
the code reads (:func:`heuristics.knowledge.lists_read`)."""


ATTRIBUTES_READ = "computed_attributes"
"""The run parameter that records, as it began, the computed attributes the code reads
(:func:`heuristics.attribute_reads.attributes_read`): the run that wrote their values
(:func:`services.computed_attributes.value_versions`)."""


IN_PROGRESS = (RunStatus.QUEUED, RunStatus.RUNNING)
"""A run in these states is under way: its heuristic is not out of date, nor run again."""

GAVE_UP = (RunStatus.FAILED, RunStatus.CANCELLED)
"""A labeling function whose current code's newest run ended so is not run again unasked:
the same code would fail again; a cancel was meant."""


@dataclass(frozen=True)
class Inputs:
    """What votes are made from now: the lookup lists' versions by name, the records the
    project ever had (``n_imported``, deleted ones too: a deletion puts no vote out of date),
    for learners the labelling acts so far on each task (``label_changes`` by task id), the
    runs that wrote the computed attributes' values (by name), and the edits of record
    values so far (``n_edited``)."""

    list_versions: dict[str, int]
    n_imported: int
    label_changes: dict[int, int]
    attribute_runs: dict[str, int] = field(default_factory=dict)
    n_edited: int = 0


def current_inputs(*, session: Session, project_id: int) -> Inputs:
    """The project's inputs now (lists that follow a label caught up first; may commit)."""
    lookup_lists.refresh(session=session, project_id=project_id)
    changes = session.execute(select(LabelingTask.id, LabelingTask.label_changes)
                              .where(LabelingTask.project_id == project_id)).all()
    seen = records_seen(session=session, project_id=project_id)
    return Inputs(list_versions=lookup_lists.versions(session=session, project_id=project_id),
                  n_imported=seen["imported"], label_changes=dict(changes),
                  attribute_runs=value_versions(session=session, project_id=project_id),
                  n_edited=seen["edited"])


def reasons(run: Run | None, revision: int, inputs: Inputs, *,
            learns_from: int | None = None, refit_every: int | None = None) -> list[str]:
    """Why votes from ``run`` (the newest run of revision number ``revision``) are out of
    date; none while it is queued or running, or when they are current. ``learns_from``:
    the task whose manual labels the heuristic is fitted on (an active learner's), which
    refits by itself after ``refit_every`` label changes (None: never)."""
    if run is None:
        return [f"revision {revision} has not run"]
    if run.status in IN_PROGRESS:
        return []
    if run.status is not RunStatus.SUCCEEDED:
        return [f"its latest run {'failed' if run.status is RunStatus.FAILED else 'was cancelled'}"]
    found = []
    for read, versions, what, changed in (
            (LISTS_READ, inputs.list_versions, "lookup list", "changed"),
            (ATTRIBUTES_READ, inputs.attribute_runs, "attribute", "was computed again")):
        for name, version in sorted((run.params or {}).get(read, {}).items()):
            if (now := versions.get(name)) != version:
                found.append(f"{what} {name} {'was deleted' if now is None else changed} "
                             "since its run")
    # runs from before deletions existed saw every record the project had: their items
    seen = (run.params or {}).get(RECORDS_SEEN, {}).get("imported", run.total_items or 0)
    added = inputs.n_imported - seen
    if added > 0:
        found.append(f"{added:,} record{'' if added == 1 else 's'} added since its run")
    if (edits := edits_since(run, inputs.n_edited)) > 0:
        found.append(f"{edits:,} record edit{'' if edits == 1 else 's'} since its run")
    if learns_from is not None:
        changed = inputs.label_changes.get(learns_from, 0) - (run.params or {}).get(LABELS_SEEN, 0)
        if changed > 0:
            found.append(f"{changed:,} label change{'' if changed == 1 else 's'} since its fit"
                         + (f" (it refits after {refit_every:,})" if refit_every else ""))
    return found


def out_of_date(*, run: Run | None, heuristic: Heuristic, inputs: Inputs) -> list[str]:
    """:func:`reasons` for ``run``, the heuristic's newest run of its current revision."""
    learner = heuristic.kind is HeuristicKind.ACTIVE_LEARNER
    return reasons(run, current_revision(heuristic).number, inputs,
                   learns_from=heuristic.task_id if learner else None,
                   refit_every=heuristic.auto_refit_every)


def keep_current(*, session: Session, project: Project, queue: RunDispatcher,
                 task_ids: Iterable[int] | None = None) -> list[Run]:
    """After a change that can put votes out of date (records imported, a lookup list or a
    labeling function changed): :func:`runs_to_keep_current`, handed to ``queue``."""
    due = runs_to_keep_current(session=session, project=project, task_ids=task_ids)
    for run in due:
        queue.enqueue_run(run.id, kind=run.kind)
    return due


def runs_to_keep_current(*, session: Session, project: Project,
                         task_ids: Iterable[int] | None = None) -> list[Run]:
    """A run of every labeling function whose votes are out of date in the project's tasks
    that run them by themselves (``auto_run``; of those in ``task_ids``, when given).
    Commits; the caller enqueues the runs. Learners keep their own refit rule; a function
    whose current code failed or was cancelled is not tried again unasked (the same code
    would fail again; a cancel was meant); a function that reads a computed attribute being
    computed waits for its run (whose success calls this again)."""
    kept = select(LabelingTask).where(LabelingTask.project_id == project.id,
                                      LabelingTask.auto_run.is_(True))
    if task_ids is not None:
        kept = kept.where(LabelingTask.id.in_(list(task_ids)))
    due = []
    for task in session.scalars(kept.order_by(LabelingTask.id)).all():
        due += run_out_of_date(session=session, project=project, task=task,
                               functions_only=True, retry=False, after_attributes=True)
    return due


def catch_up(*, session: Session, run: Run) -> list[Run]:
    """After a labeling function's ``run`` succeeded: if its task keeps its functions current
    by themselves and a change came while the run ran (:func:`keep_current` leaves a
    running heuristic alone, and the run read the lists as they were when it began), the
    function's next run. Commits; the caller enqueues the runs."""
    heuristic = session.get(Heuristic, run.heuristic_id)
    if heuristic is None or not heuristic.task.auto_run:
        return []
    project = session.get(Project, heuristic.project_id)
    return run_out_of_date(session=session, project=project, task=heuristic.task,
                           heuristic_ids=[heuristic.id], after_attributes=True)


def run_out_of_date(*, session: Session, project: Project, task: LabelingTask,
                    heuristic_ids: list[int] | None = None, everything: bool = False,
                    functions_only: bool = False, retry: bool = True,
                    after_attributes: bool = False) -> list[Run]:
    """Queue a run of every heuristic of the task whose votes are out of date (of those in
    ``heuristic_ids``, when given; with ``everything``, of each of them that is not running
    already; with ``functions_only``, of its labeling functions; without ``retry``, not of
    those whose current code failed or was cancelled; with ``after_attributes``, not of
    those whose code reads a computed attribute being computed); commits. The caller
    enqueues the runs."""
    heuristics = list_heuristics(session=session, project=project, task_id=task.id)
    if heuristic_ids is not None:
        known, wanted = {h.id for h in heuristics}, set(heuristic_ids)
        if unknown := [i for i in heuristic_ids if i not in known]:
            raise InvalidInputError(f"heuristic {unknown[0]} is not a heuristic of task "
                                    f"{task.name!r}", field="heuristic_ids")
        heuristics = [h for h in heuristics if h.id in wanted]
    if functions_only:
        heuristics = [h for h in heuristics if h.kind is HeuristicKind.LABELING_FUNCTION]
    inputs = current_inputs(session=session, project_id=project.id)
    pending = being_computed(session=session, project_id=project.id) if after_attributes else ()
    due = []
    for heuristic in heuristics:
        run = latest_run(session=session, heuristic=heuristic, status=None)
        if run is not None and (run.status in IN_PROGRESS
                                or not retry and run.status in GAVE_UP):
            continue
        if pending and attributes_read(current_revision(heuristic).source, pending):
            continue
        if everything or out_of_date(run=run, heuristic=heuristic, inputs=inputs):
            due.append(add_heuristic_run(session=session, heuristic=heuristic))
    session.commit()
    return due
