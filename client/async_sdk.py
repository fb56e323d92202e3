"""``AsyncHeurist``: the same resources as ``Heurist``, each method awaitable.

The sync client does the HTTP (one copy of the requests, models, errors and retries); each
call runs on a worker thread so the event loop stays free::

    async with AsyncHeurist() as hc:
        projects = await hc.projects.list()
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from client.sdk import Heurist

RESOURCES = ("projects", "tasks", "manual_labels", "heuristics", "runs", "stats",
             "weak_supervision", "embeddings", "active_learning", "saved_filters",
             "lookup_lists", "attributes", "comments", "notifications")


class AsyncResource:
    """A resource of the sync client whose methods return awaitables."""

    def __init__(self, resource: object) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self._resource, name)
        if name.startswith("_") or not callable(method):
            raise AttributeError(name)

        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(method, *args, **kwargs)

        return call


class AsyncHeurist:
    """Arguments as for ``Heurist``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sync = Heurist(*args, **kwargs)
        for name in RESOURCES:
            setattr(self, name, AsyncResource(getattr(self.sync, name)))

    async def close(self) -> None:
        await asyncio.to_thread(self.sync.close)

    async def __aenter__(self) -> AsyncHeurist:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()
