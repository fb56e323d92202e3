"""Every API route costs one trip to a worker thread for its own work (``api.routing``)."""

from __future__ import annotations

import logging
import re

import anyio.to_thread

from api.routing import is_plain, served_routes
from workers.logs import FIELDS


def api_routes(app) -> list:
    """Every API route, as FastAPI serves it."""
    return [route for route in served_routes(app)
            if getattr(route, "path", "").startswith("/api/") and getattr(route, "methods", None)]


def test_no_api_endpoint_is_left_plain(app):
    """A plain endpoint registered outside ``api.routing.Router`` would cost a second trip."""
    routes = api_routes(app)
    assert len(routes) > 80
    plain = [(sorted(route.methods), route.path) for route in routes
             if is_plain(route.endpoint)]
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


def test_every_route_is_reached_by_its_own_paths(client, caplog):
    """FastAPI takes the first route that matches, and the routers' order is chosen for
    speed (:func:`api.main.create_app`): no route may hide another one's paths."""
    routes = [(method, route.path) for route in api_routes(client.app)
              for method in sorted(route.methods)]
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
