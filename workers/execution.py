"""The execution engine: prepare a run, fan its chunks out, process, finalise, recover.

Every step is safe to repeat: claims are atomic updates, outputs are replaced per item,
and a run is finalised by exactly one worker.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from heuristics.errors import HeuristError
from heuristics.sandbox.hostpaths import PACKAGE_ROOT as CODE_ROOT
from heuristics.sandbox.hostpaths import hide_host_paths
from store import runs
from store.models import Run, RunChunk, RunStatus, utcnow
from workers.celery_app import app
from workers.context import new_session, settings, stale_before, worker_name
from workers.jobs import Job, job_for
from workers.queue import RunQueue

log = logging.getLogger(__name__)
RETRY_DELAY_S = 2.0
HEARTBEAT_LOCK_WAIT_S = 1.0
queue = RunQueue(app)


class RunCancelled(Exception):
    """The run was cancelled while a chunk was being processed."""


def start_run(run_id: int) -> None:
    """Prepare a queued run: check inputs, split into chunks, enqueue them."""
    with new_session() as session:
        run = runs.begin_run(session=session, run_id=run_id, stale_before=stale_before())
        if run is None:
            return
        job = job_for(run.kind)
        try:
            with keep_alive(run_id):
                item_ids = job.prepare(session, run)
        except Exception as error:  # noqa: BLE001 - reported on the run, never lost
            session.rollback()
            _fail(session, job, run, f"could not start: {_describe(error)}")
            return
        chunks = runs.add_chunks(session=session, run=run, item_ids=item_ids,
                                 chunk_size=int(run.params.get("chunk_size")
                                                or settings().chunk_size))
        if not chunks:
            _finalise(session, job, run)
        for chunk in chunks:
            queue.enqueue_chunk(run_id, chunk.position)


def process_chunk(run_id: int, position: int) -> None:
    """Claim one chunk, process it, record the outcome; finalise the run after the last."""
    with new_session() as session:
        chunk = runs.claim_chunk(session=session, run_id=run_id, position=position,
                                 worker=worker_name(), stale_before=stale_before())
        if chunk is None:
            return
        run = session.get(Run, run_id)
        job = job_for(run.kind)
        try:
            with keep_alive(run_id, chunk.id) as cancelled:
                # The chunk's writes end inside the block: its heartbeat never waits for them.
                try:
                    job.process(session, run, list(chunk.item_ids),
                                _ChunkHeartbeat(session, chunk, cancelled))
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except RunCancelled:
            runs.finish_chunk(session=session, chunk=chunk, status=RunStatus.CANCELLED)
            return
        except HeuristError as error:
            _chunk_failed(session, job, run, chunk, _describe(error), retry=False,
                          output=_user_output(error))
            return
        except Exception as error:  # noqa: BLE001 - retried, then reported on the run
            log.exception("chunk %s of run %s failed", position, run_id)
            _chunk_failed(session, job, run, chunk, _describe(error), retry=True)
            return
        runs.append_log(session=session, run_id=run_id,
                        text=f"{utcnow():%H:%M:%S} chunk {position}: {chunk.size} items "
                             f"done by {chunk.worker} (attempt {chunk.attempts})\n")
        runs.finish_chunk(session=session, chunk=chunk, status=RunStatus.SUCCEEDED)
        if runs.all_chunks_succeeded(session=session, run_id=run_id):
            _finalise(session, job, run)


@contextmanager
def keep_alive(run_id: int, chunk_id: int | None = None) -> Iterator[threading.Event]:
    """Heartbeat from a side thread while the work inside blocks (model loads, long calls);
    the event it gives is set once a heartbeat finds the run cancelled.

    A beat waits at most a second for a lock (the work's own uncommitted writes may hold
    the rows it touches) and is skipped if it cannot write: leaving the block joins the
    thread, so a beat that waited for the work's locks would wait for itself. Commit or
    roll back inside the block to spare the beat even that second."""
    stop, cancelled = threading.Event(), threading.Event()
    interval = max(0.5, settings().run_stale_after_s / 3)

    def beat() -> None:
        while not stop.wait(interval):
            try:
                with new_session(lock_wait_s=HEARTBEAT_LOCK_WAIT_S) as session:
                    status = runs.touch(session=session, run_id=run_id, chunk_id=chunk_id)
            except DBAPIError as error:
                log.warning("heartbeat of run %s skipped: %s", run_id, error.orig)
                continue
            if status is RunStatus.CANCELLED:
                cancelled.set()

    thread = threading.Thread(target=beat, name=f"heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield cancelled
    finally:
        stop.set()
        thread.join()


class _ChunkHeartbeat:
    """The :class:`workers.jobs.Heartbeat` of one chunk."""

    def __init__(self, session: Session, chunk: RunChunk, cancelled: threading.Event) -> None:
        self.session, self.chunk, self.cancelled = session, chunk, cancelled

    def __call__(self, progress: float | None = None, stage: str | None = None) -> None:
        self.session.flush()
        if progress is not None or stage:
            runs.report_progress(session=self.session, chunk=self.chunk, share=progress,
                                 stage=stage)
        if runs.heartbeat(session=self.session, chunk=self.chunk) is RunStatus.CANCELLED:
            self.cancelled.set()
        if self.cancelled.is_set():
            raise RunCancelled


def _user_output(error: HeuristError) -> str:
    """What user code printed before it failed, and its frames (a sandbox error's)."""
    logs, frames = getattr(error, "logs", ""), getattr(error, "traceback", "")
    if logs and not logs.endswith("\n"):
        logs += "\n"
    return logs + (f"Traceback (user code):\n{frames}\n" if frames else "")


def _chunk_failed(session: Session, job: Job, run: Run, chunk: RunChunk, error: str, *,
                  retry: bool, output: str = "") -> None:
    where = f"chunk {chunk.position} (items {chunk.item_ids[0]}..{chunk.item_ids[-1]})"
    runs.append_log(session=session, run_id=run.id,
                    text=f"{output}{utcnow():%H:%M:%S} {where} failed: {error}\n")
    if retry and runs.release_chunk(session=session, chunk=chunk, error=error):
        queue.enqueue_chunk(run.id, chunk.position, countdown=RETRY_DELAY_S)
        return
    runs.finish_chunk(session=session, chunk=chunk, status=RunStatus.FAILED, error=error)
    attempts = f" after {chunk.attempts} attempts" if chunk.attempts > 1 else ""
    if run.total_items == chunk.size:   # the run's only chunk: no need to say which
        _fail(session, job, run, f"failed{attempts}: {error}")
    else:
        _fail(session, job, run, f"{where} failed{attempts}: {error}")


def _fail(session: Session, job: Job, run: Run, error: str) -> None:
    if runs.fail_run(session=session, run_id=run.id, error=error):
        job.failed(session, run)
        session.commit()


def _finalise(session: Session, job: Job, run: Run) -> None:
    try:
        metrics = job.finish(session, run)
    except Exception as error:  # noqa: BLE001 - reported on the run
        session.rollback()
        _fail(session, job, run, f"could not finish: {_describe(error)}")
        return
    if runs.complete_run(session=session, run=run, metrics=metrics):
        for follow_up in job.succeeded(session, run):
            queue.enqueue_run(follow_up.id)


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


def recover() -> int:
    """Re-enqueue work whose worker vanished; fail chunks that used every attempt.

    Returns how many runs or chunks it acted on.
    """
    acted = 0
    with new_session() as session:
        before = stale_before()
        for run_id in runs.stale_unprepared_runs(session=session, stale_before=before):
            queue.enqueue_run(run_id)
            acted += 1
        for chunk in runs.stale_chunks(session=session, stale_before=before):
            run = session.get(Run, chunk.run_id)
            acted += 1
            if chunk.attempts >= runs.MAX_ATTEMPTS:
                runs.finish_chunk(session=session, chunk=chunk, status=RunStatus.FAILED,
                                  error="worker lost")
                _fail(session, job_for(run.kind), run,
                      f"chunk {chunk.position}: its worker was lost {chunk.attempts} times")
                continue
            log.warning("re-enqueueing chunk %s of run %s: worker %s is gone",
                        chunk.position, chunk.run_id, chunk.worker)
            queue.enqueue_chunk(chunk.run_id, chunk.position)
        for chunk in runs.idle_queued_chunks(session=session, stale_before=before):
            # a duplicate message is harmless: only one claim of a chunk succeeds
            log.warning("re-enqueueing queued chunk %s of idle run %s", chunk.position,
                        chunk.run_id)
            queue.enqueue_chunk(chunk.run_id, chunk.position)
            acted += 1
    return acted
