"""The execution engine: prepare a run, fan its chunks out, process, finalise, recover.

Every step is safe to repeat: claims are atomic updates, outputs are replaced per item,
and a run is finalised by exactly one worker.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from heuristics.errors import HeuristError
from heuristics.sandbox import SandboxError
from heuristics.sandbox.hostpaths import PACKAGE_ROOT as CODE_ROOT
from heuristics.sandbox.hostpaths import hide_host_paths
from store import counters, events, outputs, runs
from store.models import Run, RunChunk, RunFailure, RunStatus, utcnow
from store.record_deletion import drop_outputs_of_deleted
from store.records_seen import RECORDS_SEEN, records_seen
from workers.celery_app import app
from workers.context import (
    heartbeat_interval_s,
    new_session,
    settings,
    stale_before,
    stopping,
    worker_name,
)
from workers.jobs import Job, job_for
from workers.outages import is_outage
from workers.queue import RunQueue

log = logging.getLogger(__name__)
RETRY_DELAY_S = 2.0
HEARTBEAT_LOCK_WAIT_S = 1.0
queue = RunQueue(app)


class RunCancelled(Exception):
    """The run was cancelled while a chunk was being processed."""


class WorkerStopping(RunCancelled):
    """The worker is shutting down: the chunk in progress is handed back."""


class ChunkTakenOver(RunCancelled):
    """Another worker took the chunk over (this one looked lost): this attempt stops."""


def start_run(run_id: int) -> None:
    """Prepare a queued run: check inputs, split into chunks, enqueue them."""
    with new_session() as session:
        run = runs.begin_run(session=session, run_id=run_id, stale_before=stale_before())
        if run is None:
            if session.get(Run, run_id) is None:
                log.warning("run %s is not in this worker's database: the message comes from "
                            "another deployment on the same broker, or its run was deleted",
                            run_id)
            return
        job = job_for(run.kind)
        # before its items are read: records imported meanwhile count as new to it
        run.params = {**run.params, RECORDS_SEEN: records_seen(session=session,
                                                              project_id=run.project_id)}
        try:
            with keep_alive(run_id):
                item_ids = job.prepare(session, run)
        except Exception as error:  # noqa: BLE001 - reported on the run, never lost
            session.rollback()
            if is_outage(error):
                raise
            _count_sandbox_failure(session, error)
            _fail(session, job, run, f"could not start: {_describe(error)}",
                  failure=runs.failure_of(error))
            return
        chunks = runs.add_chunks(session=session, run=run, item_ids=item_ids,
                                 chunk_size=int(run.params.get("chunk_size")
                                                or settings().chunk_size))
        log.info("run %s (%s) prepared: %s items in %s chunks", run_id, run.kind,
                 len(item_ids), len(chunks))
        if not chunks:
            _finalise(session, job, run)
        for chunk in chunks:
            queue.enqueue_chunk(run_id, chunk.position, kind=run.kind)


def process_chunk(run_id: int, position: int) -> None:
    """Claim one chunk, process it, record the outcome; finalise the run after the last.

    A database outage propagates (the task tries again and takes the chunk up again); a
    stopping worker hands the chunk back to the queue, ahead of new work."""
    with new_session() as session:
        chunk = runs.claim_chunk(session=session, run_id=run_id, position=position,
                                 worker=worker_name(), stale_before=stale_before())
        if chunk is None:
            if runs.awaits_finish(session=session, run_id=run_id):
                run = session.get(Run, run_id)
                _finalise(session, job_for(run.kind), run)
            return
        claim = runs.Claim.of(chunk)
        run = session.get(Run, run_id)
        job = job_for(run.kind)
        try:
            with keep_alive(run_id, chunk.id) as cancelled:
                # The chunk's writes end inside the block: its heartbeat never waits for them.
                try:
                    job.process(session, run, list(chunk.item_ids),
                                _ChunkHeartbeat(session, chunk, claim, cancelled))
                    if not runs.holds_chunk(session=session, chunk=chunk, claim=claim):
                        raise ChunkTakenOver
                    runs.append_log(session=session, run_id=run_id, text=(
                        f"{utcnow():%H:%M:%S} chunk {position}: {chunk.size} items done by "
                        f"{claim.worker} (attempt {claim.attempt})\n"))
                    runs.finish_chunk(session=session, chunk=chunk, status=RunStatus.SUCCEEDED)
                    log.info("chunk %s of run %s: %s items done (attempt %s)", position,
                             run_id, chunk.size, claim.attempt)
                except BaseException:
                    session.rollback()
                    raise
        except ChunkTakenOver:
            log.warning("chunk %s of run %s was taken over by another worker", position, run_id)
            return
        except WorkerStopping:
            if runs.hand_back_chunk(session=session, chunk=chunk, claim=claim):
                queue.enqueue_chunk(run_id, position, recovered=True)
                log.warning("chunk %s of run %s handed back: the worker is stopping",
                            position, run_id)
            return
        except RunCancelled:
            runs.finish_chunk(session=session, chunk=chunk, status=RunStatus.CANCELLED)
            return
        except HeuristError as error:
            _count_sandbox_failure(session, error)
            _chunk_failed(session, job, run, chunk, _describe(error), retry=False,
                          output=_user_output(error), failure=runs.failure_of(error))
            return
        except Exception as error:  # noqa: BLE001 - retried, then reported on the run
            if is_outage(error):
                raise
            log.exception("chunk %s of run %s failed", position, run_id)
            _chunk_failed(session, job, run, chunk, _describe(error), retry=True)
            return
        if runs.all_chunks_succeeded(session=session, run_id=run_id):
            _finalise(session, job, run)


@contextmanager
def keep_alive(run_id: int, chunk_id: int | None = None) -> Iterator[threading.Event]:
    """Heartbeat from a side thread while the work inside blocks (model loads, long calls);
    the event it gives is set once a heartbeat finds the run cancelled, or the worker
    stopping.

    A beat never waits for a row the work's own uncommitted writes hold: it is skipped
    (the work beats itself when it commits). Leaving the block joins the thread, so a beat
    that waited for the work's locks would wait for itself, and one that held the chunk
    while waiting for the run could deadlock with the work. Commit or roll back inside the
    block so that beats get through."""
    stop, cancelled = threading.Event(), threading.Event()
    interval = heartbeat_interval_s()

    def beat() -> None:
        while not stop.wait(interval):
            if stopping.is_set():
                cancelled.set()
            try:
                with new_session(lock_wait_s=HEARTBEAT_LOCK_WAIT_S) as session:
                    status = runs.touch(session=session, run_id=run_id, chunk_id=chunk_id,
                                        nowait=True)
            except DBAPIError as error:
                log.warning("heartbeat of run %s skipped: %s", run_id, error.orig)
                continue
            if status is RunStatus.CANCELLED:
                cancelled.set()

    # the beat logs under the task's run id (workers.logs.run_context)
    thread = threading.Thread(target=contextvars.copy_context().run, args=(beat,),
                              name=f"heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield cancelled
    finally:
        stop.set()
        thread.join()


class _ChunkHeartbeat:
    """The :class:`workers.jobs.Heartbeat` of one chunk."""

    def __init__(self, session: Session, chunk: RunChunk, claim: runs.Claim,
                 cancelled: threading.Event) -> None:
        self.session, self.chunk, self.claim, self.cancelled = session, chunk, claim, cancelled

    def __call__(self, progress: float | None = None, stage: str | None = None) -> None:
        self.session.flush()
        status = runs.heartbeat(session=self.session, chunk=self.chunk, claim=self.claim,
                                share=progress, stage=stage)
        if status is None:
            raise ChunkTakenOver
        if status is RunStatus.CANCELLED:
            self.cancelled.set()
        if stopping.is_set():
            raise WorkerStopping
        if self.cancelled.is_set():
            raise RunCancelled


def _user_output(error: HeuristError) -> str:
    """What user code printed before it failed, and its frames (a sandbox error's)."""
    logs, frames = getattr(error, "logs", ""), getattr(error, "traceback", "")
    if logs and not logs.endswith("\n"):
        logs += "\n"
    return logs + (f"Traceback (user code):\n{frames}\n" if frames else "")


def _chunk_failed(session: Session, job: Job, run: Run, chunk: RunChunk, error: str, *,
                  retry: bool, output: str = "", failure: RunFailure | None = None) -> None:
    where = f"chunk {chunk.position} (items {chunk.item_ids[0]}..{chunk.item_ids[-1]})"
    runs.append_log(session=session, run_id=run.id,
                    text=f"{output}{utcnow():%H:%M:%S} {where} failed: {error}\n")
    if retry and runs.release_chunk(session=session, chunk=chunk, error=error):
        queue.enqueue_chunk(run.id, chunk.position, kind=run.kind, countdown=RETRY_DELAY_S)
        return
    runs.finish_chunk(session=session, chunk=chunk, status=RunStatus.FAILED, error=error)
    attempts = f" after {chunk.attempts} attempts" if chunk.attempts > 1 else ""
    if run.total_items == chunk.size:   # the run's only chunk: no need to say which
        _fail(session, job, run, f"failed{attempts}: {error}" if attempts else error,
              failure=failure)
    else:
        _fail(session, job, run, f"{where} failed{attempts}: {error}", failure=failure)


def _count_sandbox_failure(session: Session, error: BaseException) -> None:
    """Count a sandbox failure by its reason, in the transaction that reports it."""
    if isinstance(error, SandboxError):
        counters.count(session=session, name=counters.SANDBOX_FAILURES,
                       reason=str(error.reason))


def _fail(session: Session, job: Job, run: Run, error: str, *,
          failure: RunFailure | None = None) -> None:
    what = f"run {run.id} ({run.kind})"
    if runs.fail_run(session=session, run_id=run.id, error=error, failure=failure):
        job.failed(session, run)
        session.commit()
        log.warning("%s failed: %s", what, error)


def _finalise(session: Session, job: Job, run: Run) -> None:
    what = f"run {run.id} ({run.kind})"
    try:
        with keep_alive(run.id):
            drop_outputs_of_deleted(session=session, run=run)
            metrics = job.finish(session, run)
            done = runs.complete_run(session=session, run=run, metrics=metrics)
    except Exception as error:  # noqa: BLE001 - reported on the run
        session.rollback()
        if is_outage(error):
            raise
        _count_sandbox_failure(session, error)
        _fail(session, job, run, f"could not finish: {_describe(error)}")
        return
    if done:
        log.info("%s succeeded", what)
        for follow_up in job.succeeded(session, run):
            queue.enqueue_run(follow_up.id, kind=follow_up.kind)


def _describe(error: BaseException) -> str:
    """What a run's users read about an error: no host paths (the operators' log has the
    full traceback); a frame of our code is named relative to the code's root."""
    if isinstance(error, HeuristError):
        return error.describe()
    frame = traceback.extract_tb(error.__traceback__)[-1:] or [None]
    where = ""
    if frame[0]:
        path = Path(frame[0].filename)
        shown = path.relative_to(CODE_ROOT) if path.is_relative_to(CODE_ROOT) else path.name
        where = f" ({shown}:{frame[0].lineno})"
    return hide_host_paths(f"{type(error).__name__}: {error}") + where


def recover(*, judge_heartbeats: bool = True) -> int:
    """Re-enqueue work whose worker vanished or whose message went missing, ahead of new
    work; fail chunks that used every attempt. Safe to run on every worker at once: a
    duplicate message finds its run or chunk taken and does nothing.

    ``judge_heartbeats=False`` leaves work with old heartbeats alone (right after the
    database came back, live workers have not beaten yet) and only re-sends lost messages.
    Returns how many runs or chunks it re-enqueued or failed.
    """
    resend = _Resender()
    with new_session() as session:
        before = stale_before()
        if judge_heartbeats:
            _recover_stale(session, resend, before)
        if queue.waiting() == 0:
            # Nothing waits in the broker, yet the database says work is queued: its
            # messages were lost (a broker restart, a worker killed between taking a
            # message and claiming its work).
            for run_id in runs.waiting_runs(session=session, queued_before=before):
                resend.run(run_id)
            for chunk in runs.waiting_chunks(session=session):
                resend.chunk(chunk.run_id, chunk.position)
    return resend.acted


def _recover_stale(session: Session, resend: _Resender, before: datetime) -> None:
    """Work whose heartbeat is older than ``before``: its worker is gone."""
    for run_id in runs.stale_unprepared_runs(session=session, stale_before=before):
        resend.run(run_id)
    for chunk in runs.stale_chunks(session=session, stale_before=before):
        if chunk.attempts >= runs.MAX_ATTEMPTS:
            run = session.get(Run, chunk.run_id)
            runs.finish_chunk(session=session, chunk=chunk, status=RunStatus.FAILED,
                              error="worker lost")
            _fail(session, job_for(run.kind), run,
                  f"chunk {chunk.position}: its worker was lost {chunk.attempts} times")
            resend.acted += 1
        elif resend.chunk(chunk.run_id, chunk.position):
            log.warning("re-enqueueing chunk %s of run %s: worker %s is gone",
                        chunk.position, chunk.run_id, chunk.worker)
    for run_id, position in runs.unfinished_runs(session=session, stale_before=before):
        resend.chunk(run_id, position)   # the message that finds it done finalises it
    for chunk in runs.idle_queued_chunks(session=session, stale_before=before):
        resend.chunk(chunk.run_id, chunk.position)


EVENTS_PRUNE_EVERY_S = 3600.0
"""How often one worker process deletes old events (:func:`store.events.prune_events`)."""
_events_pruned_at: list[float] = []


def _due(done_at: list[float], every_s: float) -> bool:
    return not done_at or time.monotonic() - done_at[-1] >= every_s


def prune_events() -> int | None:
    """Delete events older than :data:`store.events.KEEP_FOR`, at most once per
    :data:`EVENTS_PRUNE_EVERY_S` from this process; how many, or None when not due."""
    if not _due(_events_pruned_at, EVENTS_PRUNE_EVERY_S):
        return None
    begun = time.monotonic()
    with new_session() as session:
        pruned = events.prune_events(session=session)
    _events_pruned_at[:] = [begun]
    return pruned


OUTPUTS_PRUNE_EVERY_S = 60.0
"""How often one worker process deletes the outputs of superseded runs (:mod:`store.outputs`)."""
OUTPUTS_PRUNE_BUDGET_S = 1.0
"""The most one sweep spends deleting outputs, so that it goes on looking for lost work
(a backlog, e.g. after an upgrade, is worked off a slice at each sweep)."""
_outputs_pruned_at: list[float] = []


def prune_outputs() -> int | None:
    """Delete the outputs no one reads any more (:func:`store.outputs.superseded_runs`) for
    at most :data:`OUTPUTS_PRUNE_BUDGET_S`; once none is left, not again for
    :data:`OUTPUTS_PRUNE_EVERY_S` from this process. How many rows, or None when not due."""
    if not _due(_outputs_pruned_at, OUTPUTS_PRUNE_EVERY_S):
        return None
    begun = time.monotonic()
    with new_session() as session:
        deleted, left = outputs.delete_superseded(session=session,
                                                  until=begun + OUTPUTS_PRUNE_BUDGET_S)
    if deleted:
        log.info("deleted %d outputs of superseded runs in %.1f s", deleted,
                 time.monotonic() - begun)
    if not left:
        _outputs_pruned_at[:] = [begun]
    return deleted


_resent: dict[tuple[int, int | None], float] = {}


class _Resender:
    """Re-enqueues with recovery priority, each run or chunk at most once per staleness
    period from this process, so that sweeps do not pile up duplicates of a message that
    waits behind busy workers."""

    def __init__(self) -> None:
        self.acted = 0
        now = time.monotonic()
        for key, at in list(_resent.items()):
            if now - at >= settings().run_stale_after_s:
                del _resent[key]

    def run(self, run_id: int) -> bool:
        if not self._due(run_id, None):
            return False
        queue.enqueue_run(run_id, recovered=True)
        return True

    def chunk(self, run_id: int, position: int) -> bool:
        if not self._due(run_id, position):
            return False
        queue.enqueue_chunk(run_id, position, recovered=True)
        return True

    def _due(self, run_id: int, position: int | None) -> bool:
        if (run_id, position) in _resent:
            return False
        _resent[(run_id, position)] = time.monotonic()
        self.acted += 1
        return True
