"""Every API route costs one trip to a worker thread for its own work (``api.routing``)."""

from __future__ import annotations

import inspect

import anyio.to_thread
from fastapi.routing import APIRoute


def test_no_api_endpoint_is_left_plain(app):
    """A plain endpoint registered outside ``api.routing.Router`` would cost a second trip."""
    endpoints = {}
    for route in app.router.routes:   # FastAPI keeps an included router's routes inside it
        contexts = route.effective_route_contexts() if hasattr(
            route, "effective_route_contexts") else [route]
        endpoints |= {context.path: context.endpoint for context in contexts
                      if isinstance(context, APIRoute) or hasattr(context, "original_route")}
    endpoints = {path: endpoint for path, endpoint in endpoints.items()
                 if path.startswith("/api/")}
    assert len(endpoints) > 50
    plain = [path for path, endpoint in endpoints.items()
             if not (inspect.iscoroutinefunction(endpoint)
                     or inspect.isasyncgenfunction(endpoint))]
    assert plain == []


def test_a_records_page_takes_two_thread_trips(client, admin, loaded, monkeypatch):
    """One for the project check, one for the page (its answer is validated on the event
    loop, and the list's filter is parsed there)."""
    trips = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function, *args, **kwargs):
        trips.append(getattr(function, "__qualname__", repr(function)))
        return await run_sync(function, *args, **kwargs)

    path = f"/api/v1/projects/{loaded}/records?limit=2"
    assert client.get(path, headers=admin).status_code == 200   # the key is remembered now
    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    answer = client.get(path, headers=admin)
    assert answer.status_code == 200 and len(answer.json()["data"]) == 2
    assert len(trips) == 2, trips
