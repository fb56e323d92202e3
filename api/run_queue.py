"""The API's side of the run queue: a stored run is never lost to a broker that fails.

Use cases commit a run before the API sends its message, so when the broker does not take
the message (unreachable, or the embedded broker's file busy past its retries) the run is
safe in the database, queued. Answering 500 then would tell the client its run failed while
it is stored and will run: the recovery sweep of every worker re-sends runs that are queued
in the database but missing from the broker. So the request succeeds, the failure is logged
and counted (``heurist_run_messages_unsent_total``), and the run starts a little later.
"""

from __future__ import annotations

import logging

from api.metrics import UNSENT_RUNS
from workers.queue import RunQueue

log = logging.getLogger("heurist.queue")


class ApiRunQueue(RunQueue):
    """A :class:`~workers.queue.RunQueue` whose failed sends leave the run to the sweep."""

    def enqueue_run(self, run_id: int, *, kind: str | None = None,
                    recovered: bool = False) -> None:
        try:
            super().enqueue_run(run_id, kind=kind, recovered=recovered)
        except Exception as error:   # any broker failure: the run is stored all the same
            UNSENT_RUNS.inc()
            log.warning("run %s stays queued: the broker did not take its message (%s: %s);"
                        " the workers' recovery sweep sends it again", run_id,
                        type(error).__name__, error)
