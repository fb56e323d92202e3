"""Every API route costs one trip to a worker thread for its own work (``api.routing``)."""

from __future__ import annotations

import inspect
import logging
import re

import anyio.to_thread
from fastapi.routing import APIRoute

from workers.logs import FIELDS


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


def api_routes(app) -> list[tuple[str, str]]:
    """(method, path template) of every API route."""
    found = []
    for route in app.router.routes:
        for context in (route.effective_route_contexts()
                        if hasattr(route, "effective_route_contexts") else [route]):
            path = getattr(context, "path", "")
            if path.startswith("/api/") and getattr(context, "methods", None):
                found += [(method, path) for method in sorted(context.methods)]
    return found


def test_every_route_is_reached_by_its_own_paths(client, caplog):
    """FastAPI takes the first route that matches, and the routers' order is chosen for
    speed (:func:`api.main.create_app`): no route may hide another one's paths."""
    routes = api_routes(client.app)
    assert len(routes) > 80
    caplog.set_level(logging.INFO, logger="heurist.requests")
    wrong = []
    for method, template in routes:
        path = re.sub(r"\{[^}]+\}", "7", template)
        caplog.clear()
        client.request(method, path)   # no key: refused, but routed first
        reached = [record.__dict__[FIELDS]["route"] for record in caplog.records
                   if record.name == "heurist.requests"]
        if reached != [template]:
            wrong.append((method, path, reached))
    assert wrong == []


def test_the_docs_name_every_section_in_reading_order(client):
    """The docs' sections follow ``DOCS_TAGS``, not the routers' order; a new section
    must be placed there."""
    spec = client.get("/openapi.json").json()
    used = {tag for operations in spec["paths"].values() for operation in operations.values()
            for tag in operation.get("tags", [])}
    listed = [tag["name"] for tag in spec["tags"]]
    assert listed[:2] == ["health", "users"] and set(listed) == used
