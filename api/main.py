"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from api.errors import ERROR_RESPONSES, install_error_handlers
from api.metrics import install_metrics, within
from api.observability import ObserveRequests
from api.overload import install_overload_limits
from api.routers import (
    active_learning,
    annotators,
    attributes,
    comments,
    embeddings,
    events,
    exports,
    heuristics,
    lookup_lists,
    manual_labels,
    projects,
    record_votes,
    records,
    runs,
    saved_filters,
    stats,
    tasks,
    users,
    weak_supervision,
)
from api.run_queue import ApiRunQueue
from api.sandbox_slots import SandboxSlots
from config import Settings, get_settings
from heuristics.errors import NotFoundError
from store.auth import KnownKeys
from store.data_dir import make_private
from store.db import (
    create_db_engine,
    database_reachable,
    migrate,
    reading_engine,
    session_factory,
)
from store.similarity import IndexCache
from workers.celery_app import make_celery

API_PREFIX = "/api/v1"
READY_TIMEOUT_S = 2.0
FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
DOCS_TAGS = ("health", "users", "projects", "labeling tasks", "records", "attributes",
             "heuristics", "lookup lists", "manual labels", "comments", "embeddings", "runs",
             "events", "statistics", "weak supervision", "saved filters", "export",
             "active learning", "annotators")
"""The API docs' sections, in reading order (not the order the routes are tried in)."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app on ``settings``' database, migrated to the latest schema."""
    settings = settings or get_settings()
    make_private(settings)
    engine = create_db_engine(settings.resolved_database_url(),
                              pool_size=settings.api_concurrency,
                              pool_timeout_s=settings.db_pool_timeout_s,
                              lock_wait_s=settings.lock_wait_s)
    migrate(engine)
    app = FastAPI(title="Heurist", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Weak supervision with active learning.",
                  openapi_tags=[{"name": tag} for tag in DOCS_TAGS])
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.reading_sessions = session_factory(reading_engine(engine))
    app.state.vector_indexes = IndexCache(folder=settings.vector_cache_dir)
    app.state.known_keys = KnownKeys(ttl_s=settings.api_key_cache_s)
    app.state.queue = ApiRunQueue(make_celery(settings))
    app.state.sandbox_slots = SandboxSlots(per_user=settings.sandbox_requests_per_user,
                                           total=settings.sandbox_requests)
    install_error_handlers(app)
    install_overload_limits(app, concurrency=settings.api_concurrency,
                            wait_s=settings.api_queue_wait_s)
    app.add_middleware(ObserveRequests)   # outermost: sees shed requests too
    install_metrics(app)

    @app.get("/health", tags=["health"])
    async def health() -> dict[str, str]:
        """The process answers (on the event loop: no thread, no database)."""
        return {"status": "ok"}

    @app.get("/ready", tags=["health"], responses={503: {"description": "Not ready"}})
    async def ready(request: Request) -> JSONResponse:
        """The database and the broker answer, each within a few seconds; 503 if not."""
        state = request.app.state   # not the app by closure (see install_metrics)
        checks = {"database": bool(await within(READY_TIMEOUT_S, database_reachable,
                                                state.engine)),
                  "broker": bool(await within(READY_TIMEOUT_S, state.queue.broker_reachable,
                                              READY_TIMEOUT_S))}
        ok = all(checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable",
                             **{name: "ok" if up else "unreachable"
                                for name, up in checks.items()}},
                            status_code=200 if ok else 503)

    # FastAPI tries the routes in order (a few microseconds each): the routers of what an
    # annotator asks for all day come first (a test holds that no route hides another's).
    api = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    for module in (records, manual_labels, stats, active_learning, annotators, users,
                   projects, tasks, record_votes, embeddings, runs, events, heuristics,
                   weak_supervision, saved_filters, lookup_lists, attributes, comments,
                   exports):
        api.include_router(module.router)
    app.include_router(api)
    _serve_frontend(app)
    return app


NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Heurist</title>
<body style="font: 15px/1.5 system-ui, sans-serif; margin: 3rem auto; max-width: 36rem">
<h1>Heurist</h1><p>The web interface is not built. <code>make run</code> builds it (or run
<code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>); the API answers under
<code>/api/v1</code>.</p></body>"""


def _serve_frontend(app: FastAPI) -> None:
    """The built web UI at ``/`` (any other path of the app gives its page: the UI routes
    in the browser), and the API docs on the Swagger UI and ReDoc bundles built beside it,
    so nothing is loaded from a CDN."""
    built = FRONTEND / "dist"
    for folder in ("assets", "vendor"):
        if (built / folder).is_dir():
            app.mount(f"/{folder}", StaticFiles(directory=built / folder), name=folder)

    @app.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=request.app.openapi_url, title="Heurist API",
                                   swagger_js_url="/vendor/swagger-ui-bundle.js",
                                   swagger_css_url="/vendor/swagger-ui.css",
                                   swagger_favicon_url="/favicon.svg",
                                   swagger_ui_parameters={"validatorUrl": None})

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(openapi_url=request.app.openapi_url, title="Heurist API",
                              redoc_js_url="/vendor/redoc.standalone.js",
                              redoc_favicon_url="/favicon.svg", with_google_fonts=False)

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    def page(path: str) -> HTMLResponse | FileResponse:
        if path.startswith("api/"):
            raise NotFoundError(f"no route /{path}")
        if not (built / "index.html").exists():
            return HTMLResponse(NOT_BUILT)
        file = (built / path).resolve()
        if path and file.is_file() and file.is_relative_to(built.resolve()):
            return FileResponse(file)
        return FileResponse(built / "index.html", headers={"Cache-Control": "no-cache"})
