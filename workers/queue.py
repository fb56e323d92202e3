"""Enqueue runs by task name, so the API does not import the job code.

Two queues, both consumed by every worker: ``QUEUE`` for interactive work (labeling
functions, learner refits, weak supervision, the active-learning queue's refits) and
``BULK_QUEUE`` for long batch work (embeddings, simulations). A worker takes from them in
turn, so a run a user waits for never waits behind more than one chunk of an embedding.
Within a queue, new work waits at ``NEW_WORK_PRIORITY``; work handed back (a lost worker's
chunk, a chunk whose worker stopped, a message that went missing) at ``RECOVERY_PRIORITY``,
which Redis delivers first (kombu's Redis transport serves priority 0 before 3, 6 and 9).
"""

from __future__ import annotations

import contextlib

from celery import Celery
from kombu.exceptions import ChannelError

from services.dispatch import BATCH_KINDS

START_RUN = "heurist.start_run"
PROCESS_CHUNK = "heurist.process_chunk"
QUEUE = "heurist"
BULK_QUEUE = "heurist.bulk"
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

    def enqueue_run(self, run_id: int, *, kind: str | None = None,
                    recovered: bool = False) -> None:
        """Start the run: on the bulk queue if its ``kind`` is batch work, else (also when
        the kind is not known) on the interactive one."""
        self.celery.send_task(START_RUN, args=[run_id], queue=queue_for(kind),
                              priority=_priority(recovered))

    def enqueue_chunk(self, run_id: int, position: int, *, kind: str | None = None,
                      countdown: float | None = None, recovered: bool = False) -> None:
        self.celery.send_task(PROCESS_CHUNK, args=[run_id, position], countdown=countdown,
                              queue=queue_for(kind), priority=_priority(recovered))

    def waiting(self, timeout_s: float | None = None) -> int:
        """How many messages wait in the broker, not yet taken by a worker; with
        ``timeout_s``, an unreachable broker fails after one try of that long."""
        with self.celery.connection_for_read() as connection:
            if timeout_s is not None:
                connection.ensure_connection(max_retries=1, timeout=timeout_s)
            total = 0
            for queue in (QUEUE, BULK_QUEUE):
                # an empty queue is no queue at all to Redis (it drops empty lists)
                with contextlib.suppress(ChannelError):
                    total += connection.default_channel.queue_declare(
                        queue=queue, passive=True).message_count
            return total


def queue_for(kind: str | None) -> str:
    """The queue a run of ``kind`` waits in.

    >>> queue_for("embedding"), queue_for("labeling_function"), queue_for(None)
    ('heurist.bulk', 'heurist', 'heurist')
    """
    return BULK_QUEUE if kind in BATCH_KINDS else QUEUE


def _priority(recovered: bool) -> int:
    return RECOVERY_PRIORITY if recovered else NEW_WORK_PRIORITY
