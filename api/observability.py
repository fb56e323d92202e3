"""Every request gets an id, one log line and its place in the metrics.

The id is the client's ``X-Request-ID`` when it is a sane one (up to 128 letters, digits
and ``-_.:``), else a new one; the response echoes it in ``X-Request-ID``, and every log
line written while the request is served carries it (``request_id`` in JSON logs, see
:mod:`workers.logs`). Latency is recorded under the route's template
(``/api/v1/projects/{project_id}``), never the raw path, so the metrics keep a bounded
number of series.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import IN_FLIGHT, REQUEST_SECONDS, status_class
from workers.logs import FIELDS, log_context

HEADER = "x-request-id"
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNMATCHED = "unmatched"
"""The route label of a request no route took (404s of unknown paths)."""
log = logging.getLogger("heurist.requests")


def request_id(given: str | None) -> str:
    """``given`` if it is a sane request id, else a new one.

    >>> request_id("abc-123"), len(request_id("no spaces please")), len(request_id(None))
    ('abc-123', 32, 32)
    """
    if given and SANE_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The path template of the route that served the request, from the root.

    ``scope["route"]`` (set once a route matched) knows its template under the router that
    holds it; the prefixes of the routers above are the path's leading segments.

    >>> from starlette.routing import Route
    >>> route = Route("/projects/{project_id}", lambda request: None)
    >>> route_template({"route": route, "path": "/api/v1/projects/7"})
    '/api/v1/projects/{project_id}'
    >>> route_template({"path": "/nowhere"})
    'unmatched'
    """
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not template:
        return UNMATCHED
    if ":path}" in template or isinstance(route, Mount):   # the web UI's, at the root
        return template
    segments = scope["path"].split("/")
    return "/".join(segments[:max(1, len(segments) - template.count("/"))]) + template


class ObserveRequests:
    """ASGI middleware, outermost: request id, one log line and metrics per HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = request_id(headers.get(HEADER.encode(), b"").decode("latin-1") or None)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (HEADER.encode(), rid.encode())]
            await send(message)

        IN_FLIGHT.inc()
        with log_context(request_id=rid):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                IN_FLIGHT.dec()
                seconds = time.perf_counter() - started
                route = route_template(scope)
                REQUEST_SECONDS.labels(scope["method"], route, status_class(status)
                                       ).observe(seconds)
                log.info("%s %s %s %.1f ms", scope["method"], scope["path"], status,
                         seconds * 1000, extra={FIELDS: {
                             "method": scope["method"], "path": scope["path"],
                             "route": route, "status": status,
                             "duration_ms": round(seconds * 1000, 1)}})
