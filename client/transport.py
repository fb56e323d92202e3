"""How the SDK talks HTTP: the base URL and key, retries with backoff on 429/503 (honouring
``Retry-After``) and, for writes sent with an idempotency key, on lost connections; error
answers turned into typed exceptions."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from client.errors import error_for

API_PREFIX = "/api/v1"
RETRY_STATUSES = frozenset({429, 503})
MAX_BACKOFF_S = 30.0


def retry_delay(response: httpx.Response, attempt: int, *, backoff_s: float) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): the server's ``Retry-After`` when it
    sends seconds, else exponential backoff, capped at ``MAX_BACKOFF_S``.

    >>> retry_delay(httpx.Response(429, headers={"Retry-After": "2"}), 0, backoff_s=0.5)
    2.0
    >>> retry_delay(httpx.Response(503), 3, backoff_s=0.5)
    4.0
    """
    given = response.headers.get("Retry-After", "")
    try:
        return min(float(given), MAX_BACKOFF_S)
    except ValueError:
        return min(backoff_s * 2 ** attempt, MAX_BACKOFF_S)


def raise_for_error(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    raise error_for(response.status_code, body)


@dataclass(frozen=True)
class ServerEvent:
    """One Server-Sent Event of ``/projects/{id}/events``."""

    id: int | None
    event: str
    data: str


def parse_events(lines: Iterator[str]) -> Iterator[ServerEvent]:
    """Server-Sent Events from the stream's lines (comments and ``retry:`` skipped).

    >>> list(parse_events(iter(["retry: 1000", "", "id: 4", "event: run", 'data: {"a": 1}', ""])))
    [ServerEvent(id=4, event='run', data='{"a": 1}')]
    """
    event_id, event, data = None, "message", []
    for line in lines:
        if not line:
            if data:
                yield ServerEvent(event_id, event, "\n".join(data))
            event_id, event, data = None, "message", []
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id" and value.isdigit():
            event_id = int(value)
        elif name == "event":
            event = value
        elif name == "data":
            data.append(value)


class Transport:
    """An ``httpx.Client`` on ``url`` + ``/api/v1`` with the key as a Bearer token."""

    def __init__(self, url: str, key: str | None, *, timeout_s: float = 60.0,
                 retries: int = 4, backoff_s: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep,
                 http: httpx.Client | None = None) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.http = http or httpx.Client(base_url=url.rstrip("/") + API_PREFIX,
                                         headers=headers, timeout=timeout_s)
        self.retries, self.backoff_s, self.sleep = retries, backoff_s, sleep

    def request(self, method: str, path: str, *, once: bool = False,
                **kwargs: Any) -> httpx.Response:
        """The answer to ``method path``; retried on 429/503, raised on any other error.

        ``once``: the request carries an ``Idempotency-Key`` (the same on every attempt), so
        it is also retried when the connection fails or times out: a write the server made
        before the answer was lost is answered again, not made twice.
        """
        if once:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("Idempotency-Key", str(uuid.uuid4()))
            kwargs["headers"] = headers
        for attempt in range(self.retries + 1):
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.TransportError:
                if not once or attempt == self.retries:
                    raise
                self.sleep(self.backoff_s * 2 ** attempt)
                continue
            if response.status_code not in RETRY_STATUSES or attempt == self.retries:
                break
            self.sleep(retry_delay(response, attempt, backoff_s=self.backoff_s))
        raise_for_error(response)
        return response

    def events(self, path: str, *, read_timeout_s: float | None = None,
               **params: Any) -> Iterator[ServerEvent]:
        timeout = httpx.Timeout(None, connect=10.0, read=read_timeout_s)
        with self.http.stream("GET", path, params=params, timeout=timeout) as response:
            if not response.is_success:
                response.read()
                raise_for_error(response)
            yield from parse_events(response.iter_lines())

    def close(self) -> None:
        self.http.close()
