"""Retries: 429 and 503 are retried after the server's Retry-After (else with backoff);
nothing else is; a last 429/503 raises Overloaded with the API's detail."""

from __future__ import annotations

import httpx
import pytest

from client.errors import Conflict, Overloaded
from client.transport import Transport


def server(answers: list[httpx.Response]) -> tuple[httpx.Client, list[httpx.Request]]:
    """An HTTP client whose server gives ``answers`` in turn."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[len(seen) - 1]

    return httpx.Client(base_url="http://h/api/v1", transport=httpx.MockTransport(answer)), seen


def busy(status: int, retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return httpx.Response(status, headers=headers, json={
        "detail": "too many requests", "row": None, "field": None})


def test_429_and_503_are_retried_after_retry_after_or_backoff():
    http, seen = server([busy(429, "3"), busy(503), busy(503), httpx.Response(200, json={})])
    waits: list[float] = []
    transport = Transport("http://h", "k", http=http, backoff_s=0.25, sleep=waits.append)
    files = {"file": ("a.csv", b"id\n1\n")}
    assert transport.request("POST", "/x", files=files).status_code == 200
    assert waits == [3.0, 0.5, 1.0]
    assert len(seen) == 4 and all(b"id\n1\n" in r.read() for r in seen)


def test_other_errors_are_not_retried():
    http, seen = server([httpx.Response(409, json={"detail": "name taken", "row": None,
                                                   "field": "name"})])
    transport = Transport("http://h", "k", http=http, sleep=lambda _s: None)
    with pytest.raises(Conflict) as raised:
        transport.request("POST", "/projects", json={"name": "a"})
    assert (raised.value.detail, raised.value.field, len(seen)) == ("name taken", "name", 1)


def test_busy_after_every_retry_raises_overloaded():
    http, seen = server([busy(503)] * 3)
    transport = Transport("http://h", "k", http=http, retries=2, sleep=lambda _s: None)
    with pytest.raises(Overloaded, match="too many requests"):
        transport.request("GET", "/projects")
    assert len(seen) == 3


def lost(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("the answer was lost", request=request)


def test_a_write_under_an_idempotency_key_is_sent_again_after_a_lost_answer():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return lost(request) if len(seen) == 1 else httpx.Response(201, json={"id": 1})

    http = httpx.Client(base_url="http://h/api/v1", transport=httpx.MockTransport(answer))
    waits: list[float] = []
    transport = Transport("http://h", "k", http=http, backoff_s=0.25, sleep=waits.append)
    assert transport.request("POST", "/labels", json={"a": 1}, once=True).status_code == 201
    keys = {r.headers["Idempotency-Key"] for r in seen}
    assert len(seen) == 2 and len(keys) == 1 and waits == [0.25]


def test_a_write_without_a_key_is_not_sent_again_after_a_lost_answer():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return lost(request)

    http = httpx.Client(base_url="http://h/api/v1", transport=httpx.MockTransport(answer))
    transport = Transport("http://h", "k", http=http, sleep=lambda _s: None)
    with pytest.raises(httpx.ReadTimeout):
        transport.request("POST", "/labels", json={"a": 1})
    assert len(seen) == 1 and "Idempotency-Key" not in seen[0].headers
