"""Enqueue runs by task name, so the API does not import the job code."""

from __future__ import annotations

from celery import Celery

START_RUN = "heurist.start_run"
PROCESS_CHUNK = "heurist.process_chunk"


class RunQueue:
    """Sends run and chunk tasks to the broker of ``celery``."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def broker_reachable(self, timeout_s: float) -> bool:
        """The broker accepts a connection within about ``timeout_s``."""
        with self.celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout_s)
            return connection.connected

    def enqueue_run(self, run_id: int) -> None:
        self.celery.send_task(START_RUN, args=[run_id])

    def enqueue_chunk(self, run_id: int, position: int, *, countdown: float | None = None
                      ) -> None:
        self.celery.send_task(PROCESS_CHUNK, args=[run_id, position], countdown=countdown)
