"""Runs and their chunks: the state machine every job follows.

A run is prepared once (its items are split into chunks), each chunk is claimed by one
worker at a time with an atomic update, heartbeats while it works, and finishes as
succeeded, failed or cancelled. The worker that finishes the last chunk finalises the
run. A chunk whose heartbeat went stale (its worker vanished) can be claimed again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session

from heuristics.errors import InvalidInputError
from store import counters
from store.events import publish
from store.limits import capped
from store.models import Heuristic, Project, Run, RunChunk, RunFailure, RunStatus, utcnow
from store.projects import in_project

MAX_ATTEMPTS = 3
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)

SIMULATION_RUN = "simulation"
"""Runs that replay labelling with a query strategy (their job is in the workers)."""


def run_payload(run: Run) -> dict[str, Any]:
    """What clients are told about a run in events."""
    return {"id": run.id, "kind": run.kind, "status": run.status.value,
            "progress": run.progress, "done_items": run.done_items,
            "total_items": run.total_items, "error": capped(run.error)}


def _announce(session: Session, run: Run, type_: str) -> None:
    publish(session=session, project_id=run.project_id, type=type_, payload=run_payload(run))


def create_run(*, session: Session, project_id: int, kind: str,
               params: dict[str, Any] | None = None) -> Run:
    """A queued run; commits. The caller enqueues it."""
    run = add_run(session=session, project_id=project_id, kind=kind, params=params)
    session.commit()
    return run


def add_run(*, session: Session, project_id: int, kind: str,
            params: dict[str, Any] | None = None) -> Run:
    """:func:`create_run` in the caller's transaction (no commit): the caller enqueues the
    run once that transaction has committed, never before."""
    run = Run(project_id=project_id, kind=kind, params=params or {}, status=RunStatus.QUEUED,
              total_items=0, done_items=0, progress=0.0, logs="", metrics={})
    session.add(run)
    session.flush()
    _announce(session, run, "run.created")
    return run


def get_run(*, session: Session, project: Project, run_id: int) -> Run:
    return in_project(session=session, model=Run, row_id=run_id, project=project, what="run")


def list_runs(*, session: Session, project: Project, kind: str | None = None,
              status: RunStatus | None = None, offset: int = 0,
              limit: int = 50) -> tuple[list[Run], int]:
    """Runs of the project, newest first, and how many match."""
    query = select(Run).where(Run.project_id == project.id)
    if kind:
        query = query.where(Run.kind == kind)
    if status:
        query = query.where(Run.status == status)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Run.id.desc()).offset(offset).limit(limit))
    return list(rows), count


def run_under_way(*, session: Session, project_id: int) -> str | None:
    """The first run of the project that is queued or running, described for its user
    ("run 12 (labeling function 'has a link')"); None when there is none."""
    row = session.execute(select(Run.id, Run.kind, Heuristic.name)
                          .outerjoin(Heuristic, Heuristic.id == Run.heuristic_id)
                          .where(Run.project_id == project_id, Run.status.in_(ACTIVE))
                          .order_by(Run.id).limit(1)).first()
    if row is None:
        return None
    run_id, kind, heuristic = row
    return f"run {run_id} ({kind.replace('_', ' ')}{f' {heuristic!r}' if heuristic else ''})"


def runs_ahead(*, session: Session, run: Run, kinds: Collection[str], of_kinds: bool) -> int:
    """Runs of every project, queued or running, that came before ``run`` and whose kind is
    (``of_kinds``) or is not among ``kinds``: what is ahead of it in its queue."""
    same_queue = Run.kind.in_(kinds) if of_kinds else Run.kind.not_in(kinds)
    return session.scalar(select(func.count()).select_from(Run).where(
        Run.id < run.id, Run.status.in_(ACTIVE), same_queue)) or 0


def cancel_run(*, session: Session, run: Run) -> Run:
    """Cancel a queued or running run; chunks in flight stop at their next heartbeat."""
    if run.status in ACTIVE:
        # Chunks before their run, the order workers lock them in (a claim or heartbeat
        # updates its chunk, then the run): the other order deadlocks on PostgreSQL.
        session.execute(update(RunChunk).where(RunChunk.run_id == run.id,
                                               RunChunk.status == RunStatus.QUEUED)
                        .values(status=RunStatus.CANCELLED)
                        .execution_options(synchronize_session=False))
        run.status = RunStatus.CANCELLED
        run.finished_at = utcnow()
        _announce(session, run, "run.cancelled")
        session.commit()
    return run


def begin_run(*, session: Session, run_id: int, stale_before: datetime) -> Run | None:
    """Claim the preparation of a run; None if it is taken, finished or prepared already."""
    unprepared = ~exists().where(RunChunk.run_id == run_id)
    claimed = session.execute(
        update(Run).where(
            Run.id == run_id, unprepared,
            or_(Run.status == RunStatus.QUEUED,
                and_(Run.status == RunStatus.RUNNING, Run.heartbeat_at < stale_before)))
        .values(status=RunStatus.RUNNING, started_at=func.coalesce(Run.started_at, utcnow()),
                heartbeat_at=utcnow()))
    session.commit()
    if claimed.rowcount != 1:
        return None
    run = session.get(Run, run_id)
    session.refresh(run)
    return run


def add_chunks(*, session: Session, run: Run, item_ids: list[int],
               chunk_size: int) -> list[RunChunk]:
    """Split the run's items into chunks; commits and announces the start."""
    chunks = [RunChunk(run_id=run.id, position=position, size=len(part), item_ids=part,
                       status=RunStatus.QUEUED, attempts=0)
              for position, part in enumerate(
                  item_ids[start:start + chunk_size]
                  for start in range(0, len(item_ids), chunk_size))]
    session.add_all(chunks)
    run.total_items = len(item_ids)
    run.heartbeat_at = utcnow()
    _announce(session, run, "run.started")
    session.commit()
    return chunks


def claim_chunk(*, session: Session, run_id: int, position: int, worker: str,
                stale_before: datetime) -> RunChunk | None:
    """Atomically take a chunk that is queued, or running with a stale heartbeat, or running
    under ``worker``'s own name (it let go of it, e.g. when the database went away, and
    takes it up again without counting an attempt). Taking over a stale chunk counts as a
    retry (:data:`store.counters.CHUNK_RETRIES`, ``worker_lost``)."""
    run_running = exists().where(Run.id == run_id, Run.status == RunStatus.RUNNING)
    own = and_(RunChunk.status == RunStatus.RUNNING, RunChunk.worker == worker)
    stale = and_(RunChunk.status == RunStatus.RUNNING, RunChunk.heartbeat_at < stale_before,
                 RunChunk.attempts < MAX_ATTEMPTS)
    claimed = False
    for takes, taken_over in ((or_(own, and_(RunChunk.attempts < MAX_ATTEMPTS,
                                             RunChunk.status == RunStatus.QUEUED)), False),
                              (stale, True)):
        claimed = session.execute(
            update(RunChunk).where(RunChunk.run_id == run_id, RunChunk.position == position,
                                   run_running, takes)
            .values(status=RunStatus.RUNNING, worker=worker, heartbeat_at=utcnow(),
                    attempts=case((own, RunChunk.attempts), else_=RunChunk.attempts + 1))
        ).rowcount == 1
        if claimed:
            if taken_over:
                counters.count(session=session, name=counters.CHUNK_RETRIES,
                               reason="worker_lost")
            session.execute(update(Run).where(Run.id == run_id).values(heartbeat_at=utcnow()))
            break
    session.commit()
    if not claimed:
        return None
    return session.scalar(select(RunChunk).where(RunChunk.run_id == run_id,
                                                 RunChunk.position == position)
                          .execution_options(populate_existing=True))


class Claim(NamedTuple):
    """One attempt at a chunk: the worker that claimed it and the attempt's number, as
    :func:`claim_chunk` left them (a rollback reloads the chunk's row, this stays)."""

    worker: str
    attempt: int

    @classmethod
    def of(cls, chunk: RunChunk) -> Claim:
        return cls(chunk.worker, chunk.attempts)


def holds_chunk(*, session: Session, chunk: RunChunk, claim: Claim) -> bool:
    """Whether ``claim`` still holds the chunk; the chunk's row stays locked until the
    transaction ends, so no other worker takes it over before the session's writes are
    committed (no commit)."""
    held = session.execute(select(RunChunk.status, RunChunk.worker, RunChunk.attempts)
                           .where(RunChunk.id == chunk.id).with_for_update()).one_or_none()
    return held is not None and tuple(held) == (RunStatus.RUNNING, *claim)


def heartbeat(*, session: Session, chunk: RunChunk, claim: Claim,
              share: float | None = None, stage: str | None = None) -> RunStatus | None:
    """Mark the chunk (and its run) alive, report its progress (:func:`report_progress`)
    and commit the session's writes; returns the run's status, or None (having rolled the
    writes back) if the chunk was taken over by another worker: this attempt must stop
    without writing anything more. The chunk's row is locked before the run's."""
    if not holds_chunk(session=session, chunk=chunk, claim=claim):
        session.rollback()
        return None
    if share is not None or stage:
        report_progress(session=session, chunk=chunk, share=share, stage=stage)
    return touch(session=session, run_id=chunk.run_id, chunk_id=chunk.id)


def touch(*, session: Session, run_id: int, chunk_id: int | None = None,
          nowait: bool = False) -> RunStatus:
    """Refresh the heartbeat of a run (and of one of its chunks); commits; returns the run's
    status. The chunk's row is locked before the run's, as every writer of both does.

    ``nowait``: a row another transaction holds fails the call at once (OperationalError on
    PostgreSQL) instead of waiting: a side thread's beat then never waits while it holds a
    row the work it keeps alive may need (that would be a deadlock)."""
    now = utcnow()
    if nowait:
        if chunk_id is not None:
            session.execute(select(RunChunk.id).where(RunChunk.id == chunk_id)
                            .with_for_update(nowait=True))
        session.execute(select(Run.id).where(Run.id == run_id).with_for_update(nowait=True))
    if chunk_id is not None:
        session.execute(update(RunChunk).where(RunChunk.id == chunk_id)
                        .values(heartbeat_at=now))
    session.execute(update(Run).where(Run.id == run_id).values(heartbeat_at=now))
    session.commit()
    return session.scalar(select(Run.status).where(Run.id == run_id))


def append_log(*, session: Session, run_id: int, text: str) -> None:
    """Append to the run's logs, :func:`~store.limits.capped` (no commit)."""
    run = session.get(Run, run_id)
    run.logs = capped((run.logs or "") + capped(text))


def finish_chunk(*, session: Session, chunk: RunChunk, status: RunStatus,
                 error: str | None = None) -> Run:
    """Record a chunk's outcome and the run's progress; commits and announces it."""
    chunk.status = status
    chunk.error = capped(error)
    chunk.finished_at = utcnow()
    session.flush()
    run = session.get(Run, chunk.run_id)
    done = _done_items(session, run.id)
    run.done_items = done
    run.progress = done / run.total_items if run.total_items else 1.0
    _announce(session, run, "run.progress")
    session.commit()
    return run


def report_progress(*, session: Session, chunk: RunChunk, share: float | None = None,
                    stage: str | None = None) -> None:
    """Record how far a running chunk is: ``share`` of it done (the run's progress counts its
    finished chunks and this share, and never goes back) and ``stage``, a line for the run's
    logs; announced to the project's clients (no commit)."""
    run = session.get(Run, chunk.run_id)
    if stage:
        append_log(session=session, run_id=run.id, text=f"{utcnow():%H:%M:%S} {stage}\n")
    if share is not None and run.total_items:
        done = _done_items(session, run.id) + min(max(share, 0.0), 1.0) * chunk.size
        run.progress = max(run.progress or 0.0, min(done / run.total_items, 1.0))
    _announce(session, run, "run.progress")


def _done_items(session: Session, run_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(RunChunk.size), 0)).where(
        RunChunk.run_id == run_id, RunChunk.status == RunStatus.SUCCEEDED))


def release_chunk(*, session: Session, chunk: RunChunk, error: str) -> bool:
    """Put a chunk back in the queue after a failed attempt; False if out of attempts."""
    if chunk.attempts >= MAX_ATTEMPTS:
        return False
    chunk.status = RunStatus.QUEUED
    chunk.error = capped(error)
    counters.count(session=session, name=counters.CHUNK_RETRIES, reason="error")
    session.commit()
    return True


def hand_back_chunk(*, session: Session, chunk: RunChunk, claim: Claim) -> bool:
    """Put a chunk ``claim`` holds back in the queue without counting the attempt (its
    worker is stopping); rolls back whatever the session held; commits. False if the chunk
    was no longer held."""
    session.rollback()
    handed = session.execute(
        update(RunChunk).where(RunChunk.id == chunk.id, RunChunk.status == RunStatus.RUNNING,
                               RunChunk.worker == claim.worker,
                               RunChunk.attempts == claim.attempt)
        .values(status=RunStatus.QUEUED, attempts=RunChunk.attempts - 1))
    session.commit()
    return handed.rowcount == 1


def _finishable():
    """Running runs that have chunks, all succeeded: only the finalising step is left."""
    return and_(Run.status == RunStatus.RUNNING, exists().where(RunChunk.run_id == Run.id),
                ~exists().where(RunChunk.run_id == Run.id,
                                RunChunk.status != RunStatus.SUCCEEDED))


def awaits_finish(*, session: Session, run_id: int) -> bool:
    """Whether the run is running with every chunk succeeded, not yet finalised."""
    return bool(session.scalar(select(exists().where(Run.id == run_id, _finishable()))))


def unfinished_runs(*, session: Session, stale_before: datetime) -> list[tuple[int, int]]:
    """(run id, last chunk position) of runs whose chunks all succeeded but that nobody
    finalised (its worker vanished, or the database went away, at the end)."""
    last = (select(func.max(RunChunk.position)).where(RunChunk.run_id == Run.id)
            .correlate(Run).scalar_subquery())
    return [(run_id, position) for run_id, position in session.execute(
        select(Run.id, last).where(_finishable(), Run.heartbeat_at < stale_before))]


def all_chunks_succeeded(*, session: Session, run_id: int) -> bool:
    return not session.scalar(select(exists().where(
        RunChunk.run_id == run_id, RunChunk.status != RunStatus.SUCCEEDED)))


def complete_run(*, session: Session, run: Run, metrics: dict[str, Any] | None = None) -> bool:
    """Mark a running run whose chunks all succeeded as succeeded, in the caller's transaction
    with whatever finalising writes it made; commits. False (and rolls back) if another
    worker did it first or chunks are left."""
    done = session.execute(
        update(Run).where(
            Run.id == run.id, Run.status == RunStatus.RUNNING,
            ~exists().where(RunChunk.run_id == run.id,
                            RunChunk.status != RunStatus.SUCCEEDED))
        .values(status=RunStatus.SUCCEEDED, finished_at=utcnow(), progress=1.0,
                metrics=metrics or run.metrics))
    if done.rowcount != 1:
        session.rollback()
        return False
    session.refresh(run)
    _announce(session, run, "run.succeeded")
    session.commit()
    return True


def failure_of(error: BaseException) -> RunFailure | None:
    """The typed reason of a run that failed with ``error``, where one is known.

    >>> from heuristics.errors import InvalidInputError
    >>> failure_of(InvalidInputError("needs labels of at least 2 classes", field="labels"))
    <RunFailure.NOT_ENOUGH_LABELS: 'not_enough_labels'>
    >>> failure_of(InvalidInputError("boom", field="source")) is None
    True
    """
    # a learner's NotEnoughLabels names the labels as its field, also from the sandbox
    if isinstance(error, InvalidInputError) and error.field == "labels":
        return RunFailure.NOT_ENOUGH_LABELS
    return None


def fail_run(*, session: Session, run_id: int, error: str,
             failure: RunFailure | None = None) -> bool:
    """Mark an active run failed with ``error`` (and the typed ``failure``, if known);
    commits; False if it had finished."""
    failed = session.execute(
        update(Run).where(Run.id == run_id, Run.status.in_(ACTIVE))
        .values(status=RunStatus.FAILED, error=capped(error), failure=failure,
                finished_at=utcnow()))
    session.execute(update(RunChunk).where(RunChunk.run_id == run_id,
                                           RunChunk.status == RunStatus.QUEUED)
                    .values(status=RunStatus.CANCELLED))
    if failed.rowcount != 1:
        session.commit()
        return False
    run = session.get(Run, run_id)
    session.refresh(run)
    _announce(session, run, "run.failed")
    session.commit()
    return True


def stale_chunks(*, session: Session, stale_before: datetime) -> list[RunChunk]:
    """Chunks of running runs whose worker stopped sending heartbeats."""
    return list(session.scalars(
        select(RunChunk).join(Run, Run.id == RunChunk.run_id).where(
            Run.status == RunStatus.RUNNING, RunChunk.status == RunStatus.RUNNING,
            RunChunk.heartbeat_at < stale_before)))


def idle_queued_chunks(*, session: Session, stale_before: datetime, per_run: int = 8
                       ) -> list[RunChunk]:
    """Queued chunks of running runs that nothing has touched since ``stale_before``: no chunk
    of the run is running and the run's heartbeat is old. Their message may be lost (a worker
    took it and died before claiming the chunk); the first ``per_run`` by position are
    returned, and their runs' heartbeats refreshed, so that the next sweep waits a full period.
    Commits."""
    running = exists().where(RunChunk.run_id == Run.id, RunChunk.status == RunStatus.RUNNING)
    idle = list(session.scalars(select(Run.id).where(
        Run.status == RunStatus.RUNNING, Run.heartbeat_at < stale_before, ~running,
        exists().where(RunChunk.run_id == Run.id, RunChunk.status == RunStatus.QUEUED))))
    chunks = [chunk for run_id in idle for chunk in session.scalars(
        select(RunChunk).where(RunChunk.run_id == run_id, RunChunk.status == RunStatus.QUEUED)
        .order_by(RunChunk.position).limit(per_run))]
    if idle:
        session.execute(update(Run).where(Run.id.in_(idle)).values(heartbeat_at=utcnow()))
    session.commit()
    return chunks


def stale_unprepared_runs(*, session: Session, stale_before: datetime) -> list[int]:
    """Runs whose preparation started but whose worker vanished before making chunks."""
    return list(session.scalars(select(Run.id).where(
        Run.status == RunStatus.RUNNING, Run.heartbeat_at < stale_before,
        ~exists().where(RunChunk.run_id == Run.id))))


def waiting_runs(*, session: Session, queued_before: datetime) -> list[int]:
    """Runs still queued that were created before ``queued_before``: their start message may
    be lost."""
    return list(session.scalars(select(Run.id).where(
        Run.status == RunStatus.QUEUED, Run.created_at < queued_before).order_by(Run.id)))


def waiting_chunks(*, session: Session) -> list[RunChunk]:
    """Queued chunks of running runs, in run and position order."""
    return list(session.scalars(
        select(RunChunk).join(Run, Run.id == RunChunk.run_id).where(
            Run.status == RunStatus.RUNNING, RunChunk.status == RunStatus.QUEUED)
        .order_by(RunChunk.run_id, RunChunk.position)))


def count_by_kind_and_status(*, session: Session) -> dict[tuple[str, str], int]:
    """How many runs there are of each (kind, status), for monitoring: every status of
    each kind that has runs, 0 included."""
    counted = {(kind, status.value): number for kind, status, number in session.execute(
        select(Run.kind, Run.status, func.count()).group_by(Run.kind, Run.status))}
    return {(kind, status.value): counted.get((kind, status.value), 0)
            for kind in {kind for kind, _ in counted} for status in RunStatus}


def count_queued_chunks(*, session: Session) -> int:
    """Chunks waiting for a worker, of all runs."""
    return session.scalar(select(func.count()).select_from(RunChunk)
                          .where(RunChunk.status == RunStatus.QUEUED))
