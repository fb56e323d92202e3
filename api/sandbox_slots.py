"""Caps on the sandboxes the API process starts for requests (``POST .../sample``).

Runs go through the workers, whose concurrency bounds them; a request that runs user code
at once takes a slot here for as long as its sandbox lives: at most ``per_user`` for one
user and ``total`` for the whole process. Over a cap, :class:`~heuristics.errors.BusyError`
(429 with ``Retry-After``).

Examples
--------
>>> slots = SandboxSlots(per_user=1, total=2)
>>> with slots.hold(user_id=7):
...     try:
...         with slots.hold(user_id=7):
...             pass
...     except BusyError as error:
...         print(error.message[:32], error.retry_after_s)
you already run 1 sandbox(es) at 2
>>> with slots.hold(user_id=7), slots.hold(user_id=8):
...     slots.total
2
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from heuristics.errors import BusyError

RETRY_AFTER_S = 2


class SandboxSlots:
    """Counts the sandboxes running for requests, per user and in all, under one lock."""

    def __init__(self, *, per_user: int, total: int) -> None:
        self.per_user, self.total = per_user, total
        self._lock = threading.Lock()
        self._running: Counter[int] = Counter()

    @contextmanager
    def hold(self, *, user_id: int) -> Iterator[None]:
        """A slot for one sandbox of ``user_id`` while the block runs; BusyError if none."""
        with self._lock:
            if self._running[user_id] >= self.per_user:
                raise BusyError(f"you already run {self._running[user_id]} sandbox(es) at "
                                f"once, the most one user may; try again when one has "
                                f"finished", retry_after_s=RETRY_AFTER_S)
            if self._running.total() >= self.total:
                raise BusyError(f"the server runs {self.total} sandboxes for requests at "
                                f"once, its limit; try again in a moment",
                                retry_after_s=RETRY_AFTER_S)
            self._running[user_id] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[user_id] -= 1
                if not self._running[user_id]:
                    del self._running[user_id]
