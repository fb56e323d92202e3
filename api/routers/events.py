from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import SessionsDep, ViewableProject
from api.routing import Router
from api.schemas import Int32
from store.events import events_after, last_event_id

router = Router(prefix="/projects/{project_id}", tags=["events"])

POLL_S = 0.3
KEEPALIVE_S = 15.0


@router.get("/events", response_class=StreamingResponse)
async def stream_events(
    project: ViewableProject, request: Request, sessions: SessionsDep,
    last_event_id_header: Annotated[Int32 | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[Int32 | None,
                     Query(description="Replay events after this id (default: now)")] = None,
) -> StreamingResponse:
    """Server-Sent Events: run progress and state changes of the project, as they happen.

    Each event has an ``id``; reconnect with ``Last-Event-ID`` to miss nothing.
    """
    project_id = project.id

    def read(last_id: int):
        with sessions() as session:
            return [(e.id, e.type, e.payload)
                    for e in events_after(session=session, project_id=project_id,
                                          last_id=last_id)]

    def newest() -> int:
        with sessions() as session:
            return last_event_id(session=session, project_id=project_id)

    start = next((given for given in (after, last_event_id_header) if given is not None), None)
    if start is None:
        start = await run_in_threadpool(newest)

    async def body() -> AsyncIterator[str]:
        last_id, quiet = start, 0.0
        yield "retry: 1000\n\n"
        while not await request.is_disconnected():
            events = await run_in_threadpool(read, last_id)
            for event_id, event_type, payload in events:
                last_id = event_id
                yield f"id: {event_id}\nevent: {event_type}\ndata: {json.dumps(payload)}\n\n"
            quiet = 0.0 if events else quiet + POLL_S
            if quiet >= KEEPALIVE_S:
                quiet = 0.0
                yield ": keep-alive\n\n"
            await asyncio.sleep(POLL_S)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
