"""``heurist-server``: migrate, create the first admin key, load the demo, serve.

Run ``heurist-server --help`` for options.
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from api.main import create_app
from api.routing import served_routes
from config import Settings, get_settings
from services.demo import load_demo
from services.users import ensure_admin
from store.db import configure_models
from store.models import User


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Heurist API server.")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo projects")
    parser.add_argument("--worker", metavar="NAME",
                        help="run one worker process with this name instead of the server")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="parallel runs of the --worker process")
    args = parser.parse_args(argv)
    if args.worker:
        raise SystemExit(subprocess.call(worker_command(args.worker,
                                                        concurrency=args.concurrency), cwd=ROOT))
    settings = get_settings()
    app = create_app(settings)
    with app.state.sessions() as session:
        key = ensure_admin(session=session, key_file=settings.admin_key_file)
        if key:
            print(f"Admin API key (shown once; also in {settings.admin_key_file}): {key}",
                  flush=True)
        if settings.demo and not args.no_demo:
            admin = session.query(User).filter_by(is_admin=True).order_by(User.id).first()
            projects = load_demo(session=session, owner=admin,
                                 datasets_dir=settings.datasets_dir, queue=app.state.queue)
            for project in projects:
                print(f"Demo project {project.id}: {project.name}", flush=True)
    worker = start_embedded_worker() if settings.embedded_worker else None
    print(f"Heurist on http://{settings.host}:{settings.port}  (API docs: /docs)", flush=True)
    # uvicorn shuts down on SIGTERM, then raises it again with this handler in place: exit
    # through ``finally`` (so the worker stops too) instead of dying on the spot.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    workers = api_processes(settings)
    logging = {"log_config": log_config(settings), "log_level": "info", "access_log": False}
    try:
        if workers == 1:
            prepare_to_serve(app)
            uvicorn.run(app, host=settings.host, port=settings.port, **logging)
        else:
            app.state.engine.dispose()
            print(f"{workers} API processes", flush=True)
            # the processes add up their request metrics in a folder of their own
            # (prometheus-client's multiprocess mode; see api.metrics)
            metrics_dir = tempfile.mkdtemp(prefix="heurist-metrics-")
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
            try:
                uvicorn.run("api.server:serving_app", factory=True, workers=workers,
                            host=settings.host, port=settings.port,
                            timeout_worker_healthcheck=WORKER_START_S, **logging)
            finally:
                shutil.rmtree(metrics_dir, ignore_errors=True)
    finally:
        if worker is not None:
            stop_worker(worker)


def serving_app() -> FastAPI:
    """The app of one of several API processes (uvicorn's factory), prepared as in
    :func:`main`."""
    app = create_app()
    prepare_to_serve(app)
    return app


def prepare_to_serve(app: FastAPI) -> None:
    """Do at start-up what the first requests would otherwise wait for, then keep
    start-up's objects out of the garbage collector's full passes.

    FastAPI builds an included router's routes (their parameter and response models) when
    the first request reaches it: about 2 s of CPU in all, paid by the first requests
    after each start; SQLAlchemy configures the mappers on the first query. A full
    collection pass over the ~280,000 objects start-up makes (modules, scikit-learn and
    cleanlab included) took 0.1 s idle and 0.2-0.3 s under load, stalling every request of
    the process; frozen, a pass only looks at objects made since.
    """
    deque(served_routes(app), maxlen=0)
    configure_models()
    gc.collect()
    gc.freeze()


def log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's logging configuration, in JSON lines when ``log_format`` is ``json``
    (:class:`workers.logs.JsonFormatter`, as the workers write them). A line per request
    comes from ``heurist.requests`` (:mod:`api.observability`, with the request id) in
    place of uvicorn's access log.

    >>> log_config(Settings(log_format="json"))["formatters"]["default"]
    {'()': 'workers.logs.JsonFormatter'}
    """
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    if settings.log_format == "json":
        config["formatters"] = {name: {"()": "workers.logs.JsonFormatter"}
                                for name in config["formatters"]}
    config["loggers"]["heurist"] = {"handlers": ["default"], "level": "INFO",
                                    "propagate": False}
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config


WORKER_START_S = 60
"""How long an API process may take to start (imports, migration check) before it counts
as hung; uvicorn's 5 s is too short on a busy machine."""


def api_processes(settings: Settings) -> int:
    """``api_workers`` processes where the database takes writers from several processes;
    one with SQLite (a single writer: more processes would only wait for each other).

    >>> api_processes(Settings(database_url="sqlite:///x.db", api_workers=4))
    1
    >>> api_processes(Settings(database_url="postgresql://db/heurist", api_workers=4))
    4
    """
    if settings.resolved_database_url().startswith("sqlite"):
        return 1
    return settings.api_workers


def _exit_on_signal(number: int, frame: object) -> None:
    raise SystemExit(128 + number)


def worker_command(name: str = "embedded", *, concurrency: int = 1) -> list[str]:
    """The command line of one Celery worker process on the HEURIST_* settings."""
    return [sys.executable, "-m", "celery", "-A", "workers", "worker", "-n", f"{name}@%h",
            f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
            "--loglevel=INFO"]


ROOT = Path(__file__).resolve().parent.parent


def start_embedded_worker() -> subprocess.Popen:
    """One Celery worker process beside the API, on the same settings (HEURIST_* env)."""
    worker = subprocess.Popen(worker_command(), cwd=ROOT)
    print(f"Worker process {worker.pid} started", flush=True)
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()


if __name__ == "__main__":
    main()
