"""Keyset paging of records, planner statistics after imports, and the probes."""

from __future__ import annotations

from sqlalchemy import text

from tests.api.conftest import API, upload

CSV = "id,text\n" + "".join(f"{i},record {i}\n" for i in range(1, 26))


def test_keyset_pages_give_the_offset_pages(client, admin, project_id):
    assert upload(client, admin, project_id, CSV, id_column="id").status_code == 201
    url = f"{API}/projects/{project_id}/records"
    for sort in ("id", "-id"):
        by_offset = [r["id"] for r in client.get(url, params={"limit": 100, "sort": sort},
                                                 headers=admin).json()["data"]]
        by_key, params = [], {"limit": 10, "sort": sort}
        while True:
            page = client.get(url, params=params, headers=admin).json()
            by_key += [r["id"] for r in page["data"]]
            assert page["count"] == 25
            if page["next_after"] is None:
                break
            params["after"] = page["next_after"]
        assert by_key == by_offset
    response = client.get(url, params={"sort": "text", "after": 3}, headers=admin)
    assert response.status_code == 422 and response.json()["field"] == "after"


def test_an_import_refreshes_the_planner_statistics(client, admin, project_id, app):
    assert upload(client, admin, project_id, CSV, id_column="id").status_code == 201
    with app.state.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            analyzed = connection.execute(text(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'records'"))
        else:
            analyzed = connection.execute(text(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'records'"))
        assert analyzed.scalar() is not None


def test_health_and_ready_answer_without_a_key(client):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_ready_says_which_part_is_unreachable(settings):
    from fastapi.testclient import TestClient

    from api.main import create_app

    app = create_app(settings.model_copy(update={"broker_url": "redis://127.0.0.1:9/0"}))
    try:
        ready = TestClient(app).get("/ready")
    finally:
        app.state.engine.dispose()
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "ok",
                            "broker": "unreachable"}


def test_an_app_is_freed_once_dropped(settings):
    import gc
    import weakref

    from fastapi.testclient import TestClient

    from api.main import create_app

    app = create_app(settings)
    with TestClient(app) as client:   # every endpoint kind once: FastAPI caches them
        for path in ("/health", "/ready", "/metrics", "/docs", "/redoc", "/"):
            assert client.get(path).status_code == 200, path
    app.state.engine.dispose()
    dropped = weakref.ref(app)
    del app, client
    gc.collect()
    assert dropped() is None, [type(r).__name__ for r in gc.get_referrers(dropped())]
