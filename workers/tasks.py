"""Celery tasks: the only entry points workers expose; each takes ids, never data."""

from __future__ import annotations

import logging
import threading

from celery.signals import worker_process_init, worker_ready, worker_shutdown

from workers import execution
from workers.celery_app import app
from workers.context import settings
from workers.queue import PROCESS_CHUNK, START_RUN

log = logging.getLogger(__name__)
_stop = threading.Event()


@app.task(name=START_RUN)
def start_run(run_id: int) -> None:
    execution.start_run(run_id)


@app.task(name=PROCESS_CHUNK)
def process_chunk(run_id: int, position: int) -> None:
    execution.process_chunk(run_id, position)


@worker_process_init.connect
def _limit_threads(**_kwargs) -> None:
    threads = settings().worker_threads
    if threads:
        import torch

        torch.set_num_threads(threads)


def _recover_periodically() -> None:
    interval = max(1.0, settings().run_stale_after_s / 2)
    while not _stop.wait(interval):
        try:
            execution.recover()
        except Exception:  # noqa: BLE001 - the sweeper must keep running
            log.exception("recovery sweep failed")


@worker_ready.connect
def _start_recovery(**_kwargs) -> None:
    execution.recover()
    threading.Thread(target=_recover_periodically, name="heurist-recovery",
                     daemon=True).start()


@worker_shutdown.connect
def _stop_recovery(**_kwargs) -> None:
    _stop.set()
