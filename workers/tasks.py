"""Celery tasks: the only entry points workers expose; each takes ids, never data.

A task that meets a database outage keeps its message and tries again (with backoff) until
the database answers; if the worker stops meanwhile, the message is sent again for another
worker. Each worker process sweeps for lost work from start-up on, whatever the database
does, and hands its chunk back when it is told to stop (SIGTERM).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
    worker_shutting_down,
)

from workers import execution
from workers.celery_app import app
from workers.context import settings, stopping, sweep_interval_s
from workers.jobs import learner
from workers.logs import run_context, use_format
from workers.outages import outlasting
from workers.queue import PROCESS_CHUNK, START_RUN

log = logging.getLogger(__name__)
_stop_sweeping = threading.Event()


@app.task(name=START_RUN)
def start_run(run_id: int) -> None:
    if not outlasting(lambda: execution.start_run(run_id), stop=stopping,
                      what=f"start of run {run_id}"):
        execution.queue.enqueue_run(run_id, recovered=True)


@app.task(name=PROCESS_CHUNK)
def process_chunk(run_id: int, position: int) -> None:
    if not outlasting(lambda: execution.process_chunk(run_id, position), stop=stopping,
                      what=f"chunk {position} of run {run_id}"):
        execution.queue.enqueue_chunk(run_id, position, recovered=True)


_task_logs: dict[str, contextlib.AbstractContextManager] = {}


@task_prerun.connect
def _name_the_run_in_logs(task_id: str, task, args=(), **_kwargs) -> None:
    """From here to the task's end (Celery's "succeeded" line included) log lines name the
    run and the chunk's position (:func:`workers.logs.run_context`)."""
    if task.name in (START_RUN, PROCESS_CHUNK):
        context = _task_logs[task_id] = run_context(*args)
        context.__enter__()


@task_postrun.connect
def _end_the_run_in_logs(task_id: str, **_kwargs) -> None:
    context = _task_logs.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)


@after_setup_logger.connect
@after_setup_task_logger.connect
def _log_format(logger: logging.Logger, **_kwargs) -> None:
    use_format(settings().log_format, logger)


@worker_process_init.connect
def _limit_threads(**_kwargs) -> None:
    threads = settings().worker_threads
    if threads:
        import torch

        torch.set_num_threads(threads)


@worker_process_init.connect
def _start_learner_sandbox(**_kwargs) -> None:
    """The process's learner sandbox imports scikit-learn while the worker waits for work
    (``sandbox_spare_learner_at_start``), in the thread that will run its tasks."""
    if learner.start_ahead():
        log.info("learner sandbox started ahead of this process's first learner run")


@worker_process_shutdown.connect
def _stop_learner_sandboxes(**_kwargs) -> None:
    learner.stop_sandboxes()


def sweep_forever(stop: threading.Event) -> None:
    """Look for lost work (and prune old events and superseded outputs) now and every
    :func:`workers.context.sweep_interval_s` until ``stop`` is set; a failed sweep (the
    database is away) is logged and tried again.

    Heartbeats are judged only once the database has answered for a staleness period:
    right after an outage (or this worker's start) the live workers have not beaten yet.
    """
    answering_since: float | None = None
    while True:
        now = time.monotonic()
        try:
            execution.recover(judge_heartbeats=answering_since is not None and
                              now - answering_since >= settings().run_stale_after_s)
            execution.prune_events()
            execution.prune_outputs()
            answering_since = answering_since or now
        except Exception as error:  # noqa: BLE001 - the sweeper must keep running
            answering_since = None
            log.warning("recovery sweep failed, tried again in %.1f s: %s",
                        sweep_interval_s(), getattr(error, "orig", None) or error)
        if stop.wait(sweep_interval_s()):
            return


@worker_ready.connect
def _start_recovery(**_kwargs) -> None:
    threading.Thread(target=sweep_forever, args=(_stop_sweeping,), name="heurist-recovery",
                     daemon=True).start()


@worker_shutting_down.connect
def _hand_back_work(**_kwargs) -> None:
    stopping.set()
    _stop_sweeping.set()


@worker_shutdown.connect
def _stop_recovery(**_kwargs) -> None:
    _stop_sweeping.set()
