"""Overload without lock-up: a bounded number of requests at once, the rest shed early.

One setting, ``api_concurrency``, sizes three things together: the places of
:class:`ConcurrencyLimit` (requests served at once), the thread pool (a few threads more, for
streams and probes) and the database pool (see :func:`api.main.create_app`). A request in a
place always finds a thread and a connection, so nothing waits for one while holding the
other. A request that finds no place within ``api_queue_wait_s`` gets 503 with
Retry-After, and so does one that finds no database connection within
``db_pool_timeout_s``.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.types import ASGIApp, Receive, Scope, Send

from api.metrics import SHED

RETRY_AFTER_S = 1
SPARE_THREADS = 8
"""Threads beyond ``api_concurrency``: for event streams and probes, which take no place."""


def busy_response(reason: str, *, shed: str) -> JSONResponse:
    """503 with Retry-After, in the shape of every other error; counted as shed for
    ``shed`` (a short name of the reason)."""
    SHED.labels(reason=shed).inc()
    detail = f"the server is busy ({reason}); retry after {RETRY_AFTER_S} s"
    return JSONResponse({"detail": detail, "message": detail, "row": None, "field": None},
                        status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


class Places:
    """``limit`` places shared by every event loop of the process; waiting takes no thread.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> places = Places(1)
    >>> def take(wait_s):  # each request on an event loop of its own thread
    ...     return asyncio.run(places.take(wait_s=wait_s))
    >>> with ThreadPoolExecutor(1) as threads:
    ...     threads.submit(take, 0).result(), threads.submit(take, 0.01).result()
    (True, False)
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.taken = 0
        self._waiting: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = deque()
        self._lock = threading.Lock()

    async def take(self, *, wait_s: float) -> bool:
        """Take a place, waiting up to ``wait_s``; False if none came free in time."""
        with self._lock:
            if self.taken < self.limit:
                self.taken += 1
                return True
            loop = asyncio.get_running_loop()
            handed = loop.create_future()
            self._waiting.append((loop, handed))
        try:
            await asyncio.wait({handed}, timeout=wait_s)
        except BaseException:
            if not self._give_up(loop, handed):
                self.give_back()
            raise
        return handed.done() or not self._give_up(loop, handed)

    def _give_up(self, loop: asyncio.AbstractEventLoop, handed: asyncio.Future) -> bool:
        """Leave the queue; False if a place was handed over meanwhile (it is ours)."""
        with self._lock:
            try:
                self._waiting.remove((loop, handed))
            except ValueError:
                return False
            return True

    def give_back(self) -> None:
        """Free a place: the longest waiting request gets it, else it is free."""
        with self._lock:
            if not self._waiting:
                self.taken -= 1
                return
            loop, handed = self._waiting.popleft()
        loop.call_soon_threadsafe(_hand_over, handed)


def _hand_over(handed: asyncio.Future) -> None:
    if not handed.done():
        handed.set_result(None)


class ConcurrencyLimit:
    """ASGI middleware: requests under ``prefix`` take a place of ``places`` for their whole
    life (streamed bodies included) or get 503; event streams (``exempt`` endings) and
    everything else (``/health``, ``/ready``, the UI) pass freely."""

    def __init__(self, app: ASGIApp, *, places: Places, wait_s: float,
                 prefix: str = "/api/", exempt: tuple[str, ...] = ("/events",)) -> None:
        self.app = app
        self.places = places
        self.wait_s = wait_s
        self.prefix = prefix
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or not path.startswith(self.prefix)
                or path.endswith(self.exempt)):
            await self.app(scope, receive, send)
            return
        if not await self.places.take(wait_s=self.wait_s):
            shed = busy_response("too many requests at once", shed="concurrency")
            await shed(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.places.give_back()


async def _pool_timeout(_request: Request, _error: PoolTimeoutError) -> JSONResponse:
    return busy_response("no database connection free", shed="db_pool")


def install_overload_limits(app: FastAPI, *, concurrency: int, wait_s: float) -> None:
    """Limit ``app`` to ``concurrency`` requests at once with threads to match, and answer
    503 when the database pool has no connection in time."""
    app.state.places = Places(concurrency)
    app.add_middleware(ConcurrencyLimit, places=app.state.places, wait_s=wait_s)
    app.add_exception_handler(PoolTimeoutError, _pool_timeout)
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI):
        anyio.to_thread.current_default_thread_limiter().total_tokens = (
            concurrency + SPARE_THREADS)
        async with outer(app_) as state:
            yield state

    app.router.lifespan_context = lifespan
