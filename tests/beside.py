"""Work in a thread beside a transaction the test holds: does it wait, and how did it end?"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session


class Beside:
    """``work(session)`` on a session of its own of ``engine``, in a thread, committed
    after: ``outcome`` holds what it returned (``{"returned": value}``) or raised
    (``{"error": exception}``)."""

    def __init__(self, engine: Engine, work: Callable[[Session], object]) -> None:
        self.outcome: dict[str, object] = {}

        def run() -> None:
            with Session(engine) as session:
                try:
                    self.outcome["returned"] = work(session)
                    session.commit()
                except Exception as error:  # noqa: BLE001 - the test reports it
                    self.outcome["error"] = error

        self._thread = threading.Thread(target=run)
        self._thread.start()

    def waits(self, seconds: float = 1.0) -> bool:
        """Whether it is still at work after ``seconds`` (waiting on the test's locks)."""
        self._thread.join(timeout=seconds)
        return self._thread.is_alive()

    def ended(self, timeout: float = 30) -> dict[str, object]:
        """Its outcome, once it ended."""
        self._thread.join(timeout=timeout)
        return self.outcome
