"""Enqueue runs by task name, so the API does not import the job code.

New work waits at ``NEW_WORK_PRIORITY``; work handed back (a lost worker's chunk, a chunk
whose worker stopped, a message that went missing) at ``RECOVERY_PRIORITY``, which Redis
delivers first (kombu's Redis transport serves priority 0 before 3, 6 and 9).
"""

from __future__ import annotations

from celery import Celery
from kombu.exceptions import ChannelError

START_RUN = "heurist.start_run"
PROCESS_CHUNK = "heurist.process_chunk"
QUEUE = "heurist"
NEW_WORK_PRIORITY = 6
RECOVERY_PRIORITY = 0


class RunQueue:
    """Sends run and chunk tasks to the broker of ``celery``."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def broker_reachable(self, timeout_s: float) -> bool:
        """The broker accepts a connection within about ``timeout_s``."""
        with self.celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout_s)
            return connection.connected

    def enqueue_run(self, run_id: int, *, recovered: bool = False) -> None:
        self.celery.send_task(START_RUN, args=[run_id], queue=QUEUE,
                              priority=_priority(recovered))

    def enqueue_chunk(self, run_id: int, position: int, *, countdown: float | None = None,
                      recovered: bool = False) -> None:
        self.celery.send_task(PROCESS_CHUNK, args=[run_id, position], countdown=countdown,
                              queue=QUEUE, priority=_priority(recovered))

    def waiting(self, timeout_s: float | None = None) -> int:
        """How many messages wait in the broker, not yet taken by a worker; with
        ``timeout_s``, an unreachable broker fails after one try of that long."""
        with self.celery.connection_for_read() as connection:
            if timeout_s is not None:
                connection.ensure_connection(max_retries=1, timeout=timeout_s)
            try:
                return connection.default_channel.queue_declare(
                    queue=QUEUE, passive=True).message_count
            except ChannelError:  # the queue is empty (Redis drops empty lists)
                return 0


def _priority(recovered: bool) -> int:
    return RECOVERY_PRIORITY if recovered else NEW_WORK_PRIORITY
