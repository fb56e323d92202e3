"""Database outages: tell them from real failures, and wait them out without losing work.

A task that meets an outage keeps its message and tries again with backoff, so a run never
depends on a message that was taken and dropped while the database was away.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from multiprocessing.synchronize import Event

from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger(__name__)
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 5.0


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be reached or went away (or, on SQLite,
    stayed locked): worth trying again, not a failure of the work."""
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def outlasting(work: Callable[[], None], *, stop: Event, what: str = "work") -> bool:
    """Call ``work`` until it ends without a database outage, waiting 0.5 s, 1 s, 2 s, ...
    (at most 5 s) between tries. Other errors propagate. Returns False, without finishing
    ``work``, if ``stop`` is set while it waits (the worker is shutting down)."""
    delay = FIRST_DELAY_S
    while True:
        try:
            work()
            return True
        except Exception as error:
            if not is_outage(error):
                raise
            log.warning("database unavailable, %s retried in %.1f s: %s", what, delay,
                        getattr(error, "orig", error))
        if stop.wait(delay):
            return False
        delay = min(delay * 2, MAX_DELAY_S)
