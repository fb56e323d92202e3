"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from api.errors import install_error_handlers
from api.overload import install_overload_limits
from api.routers import (
    embeddings,
    events,
    heuristics,
    manual_labels,
    projects,
    records,
    runs,
    stats,
    tasks,
    users,
    weak_supervision,
)
from store.db import create_db_engine, database_reachable, migrate, session_factory
from store.settings import Settings, get_settings
from store.similarity import IndexCache
from workers.celery_app import make_celery
from workers.queue import RunQueue

API_PREFIX = "/api/v1"
READY_TIMEOUT_S = 2.0
FRONTEND = Path(__file__).resolve().parent.parent / "frontend"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app on ``settings``' database, migrated to the latest schema."""
    settings = settings or get_settings()
    engine = create_db_engine(settings.resolved_database_url(),
                              pool_size=settings.api_concurrency,
                              pool_timeout_s=settings.db_pool_timeout_s)
    migrate(engine)
    app = FastAPI(title="Heurist", version="0.1.0",
                  description="Weak supervision with active learning.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.vector_indexes = IndexCache()
    app.state.queue = RunQueue(make_celery(settings))
    install_error_handlers(app)
    install_overload_limits(app, concurrency=settings.api_concurrency,
                            wait_s=settings.api_queue_wait_s)

    @app.get("/health", tags=["health"])
    async def health() -> dict[str, str]:
        """The process answers (on the event loop: no thread, no database)."""
        return {"status": "ok"}

    @app.get("/ready", tags=["health"], responses={503: {"description": "Not ready"}})
    async def ready() -> JSONResponse:
        """The database and the broker answer, each within a few seconds; 503 if not."""
        checks = {"database": await _within(READY_TIMEOUT_S, database_reachable, engine),
                  "broker": await _within(READY_TIMEOUT_S, app.state.queue.broker_reachable,
                                          READY_TIMEOUT_S)}
        ok = all(checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable",
                             **{name: "ok" if up else "unreachable"
                                for name, up in checks.items()}},
                            status_code=200 if ok else 503)

    api = APIRouter(prefix=API_PREFIX)
    for module in (users, projects, tasks, records, manual_labels, embeddings, runs, events,
                   heuristics, stats, weak_supervision):
        api.include_router(module.router)
    app.include_router(api)
    _serve_frontend(app)
    return app


async def _within(timeout_s: float, check: Callable[..., bool], *args: object) -> bool:
    """``check(*args)`` on a thread of the loop's own executor (not the request threads);
    False if it fails or takes longer than ``timeout_s``."""
    try:
        return await asyncio.wait_for(
            asyncio.get_running_loop().run_in_executor(None, check, *args), timeout_s)
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False


def _serve_frontend(app: FastAPI) -> None:
    built = FRONTEND / "dist"
    root = built if (built / "index.html").exists() else FRONTEND
    if (root / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=root / "assets"), name="assets")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(root / "index.html")
