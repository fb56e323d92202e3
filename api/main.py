"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api.errors import ERROR_RESPONSES, install_error_handlers
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
from store.db import create_db_engine, migrate, session_factory
from store.settings import Settings, get_settings
from store.similarity import IndexCache
from workers.celery_app import make_celery
from workers.queue import RunQueue

API_PREFIX = "/api/v1"
FRONTEND = Path(__file__).resolve().parent.parent / "frontend"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app on ``settings``' database, migrated to the latest schema."""
    settings = settings or get_settings()
    engine = create_db_engine(settings.resolved_database_url(),
                              lock_wait_s=settings.lock_wait_s)
    migrate(engine)
    app = FastAPI(title="Heurist", version="0.1.0",
                  description="Weak supervision with active learning.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.vector_indexes = IndexCache()
    app.state.queue = RunQueue(make_celery(settings))
    install_error_handlers(app)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    api = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    for module in (users, projects, tasks, records, manual_labels, embeddings, runs, events,
                   heuristics, stats, weak_supervision):
        api.include_router(module.router)
    app.include_router(api)
    _serve_frontend(app)
    return app


def _serve_frontend(app: FastAPI) -> None:
    built = FRONTEND / "dist"
    root = built if (built / "index.html").exists() else FRONTEND
    if (root / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=root / "assets"), name="assets")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(root / "index.html")
