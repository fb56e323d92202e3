"""The API's side of the run queue: a stored run is never lost to a broker that fails.

Use cases commit a run before the API sends its message, so when the broker does not take
the message (unreachable, restarting, or the embedded broker's file busy past its retries)
the run is safe in the database, queued. Answering 500 then would tell the client its run
failed while it is stored and will run. So the request succeeds, the failure is logged and
counted (``heurist_run_message_failures_total``), and the API sends the message again after
:data:`RETRY_DELAYS_S` in the background; a run still unsent after that (or whose API
process died) is left to the recovery sweep of the workers, which re-sends runs queued in
the database but missing from the broker. A message sent twice is harmless: the second
finds its run taken and does nothing.
"""

from __future__ import annotations

import logging
import threading

from api.metrics import RUN_MESSAGE_FAILURES
from workers.queue import RunQueue

log = logging.getLogger("heurist.queue")

RETRY_DELAYS_S = (1.0, 5.0, 30.0)
"""Seconds before each further try to send a run's message the broker did not take."""


class ApiRunQueue(RunQueue):
    """A :class:`~workers.queue.RunQueue` whose failed sends are tried again in the
    background, then left to the workers' recovery sweep; :meth:`enqueue_run` never
    raises."""

    def enqueue_run(self, run_id: int, *, kind: str | None = None,
                    recovered: bool = False) -> None:
        self._send(run_id, kind, recovered, RETRY_DELAYS_S)

    def _send(self, run_id: int, kind: str | None, recovered: bool,
              retry_delays: tuple[float, ...]) -> None:
        try:
            super().enqueue_run(run_id, kind=kind, recovered=recovered)
            return
        except Exception as error:   # any broker failure: the run is stored all the same
            RUN_MESSAGE_FAILURES.inc()
            then = (f"trying again in {retry_delays[0]:g} s" if retry_delays
                    else "the workers' recovery sweep sends it")
            log.warning("run %s stays queued: the broker did not take its message "
                        "(%s: %s); %s", run_id, type(error).__name__, error, then)
        if retry_delays:
            retry = threading.Timer(retry_delays[0], self._send,
                                    (run_id, kind, recovered, retry_delays[1:]))
            retry.daemon = True
            retry.start()
