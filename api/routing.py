"""The API's router: a plain (``def``) route costs one trip to a worker thread, not two.

FastAPI runs a plain endpoint in the thread pool and then, because the endpoint was plain,
goes back to the pool once more only to validate what it returned; each trip is a hand-over
to another thread and back (a queue, a lock, two wake-ups). :class:`Router`
registers every plain endpoint wrapped in a coroutine that runs it in the pool once, so the
answer is validated on the event loop, as for ``async`` routes. Everything else FastAPI reads
from the endpoint (its signature, docstring, name) is the endpoint's own.

>>> import inspect
>>> router = Router()
>>> @router.get("/answer")
... def answer() -> int:
...     return 42
>>> [inspect.iscoroutinefunction(route.endpoint) for route in router.routes]
[True]
>>> answer()  # the function itself stays as written
42
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool


def in_one_thread_trip(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as a coroutine function that runs it in the thread pool."""

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


def is_plain(endpoint: Callable[..., Any]) -> bool:
    """A plain function: what FastAPI runs in the thread pool (and validates there again)."""
    return not (inspect.iscoroutinefunction(endpoint) or inspect.isgeneratorfunction(endpoint)
                or inspect.isasyncgenfunction(endpoint))


class Router(APIRouter):
    """``APIRouter`` whose plain endpoints take one thread trip (:func:`in_one_thread_trip`)."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if is_plain(endpoint):
            endpoint = in_one_thread_trip(endpoint)
        super().add_api_route(path, endpoint, **kwargs)


def served_routes(app: FastAPI) -> Iterator[Any]:
    """Every route of ``app`` as FastAPI serves it: an included router's routes are built
    (on first use otherwise) and given one by one, the app's own routes as they are."""
    for route in app.router.routes:
        build = getattr(route, "effective_route_contexts", None)   # an included router
        yield from build() if build is not None else (route,)
