"""A real stack for worker tests: the API served by uvicorn, worker processes, a broker.

``embedded``: SQLite file + the SQLite-file broker (as `make run`).
``cluster``: PostgreSQL + Redis (as docker-compose), a fresh Redis database per test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from api.main import create_app
from config import Settings
from services.users import ensure_admin

REDIS_SERVER = "redis://127.0.0.1:6379"
REDIS_DATABASES = range(1, 11)
"""Redis databases a cluster test may take; each test takes a free one, so that test runs
side by side never consume each other's messages."""
CLAIM_KEY = "heurist:test-claim"
STALE_AFTER_S = 3
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    settings: Settings
    base: str
    headers: dict[str, str]
    log_dir: Path
    workers: list[subprocess.Popen] = field(default_factory=list)
    worker_env: dict[str, str | None] = field(default_factory=dict)
    """Settings of the workers started from now on, over the stack's own (None: unset)."""

    @property
    def api(self) -> str:
        return f"{self.base}/api/v1"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEURIST_")}
        env |= {"HEURIST_DATABASE_URL": self.settings.resolved_database_url(),
                "HEURIST_BROKER_URL": self.settings.resolved_broker_url(),
                "HEURIST_DATA_DIR": str(self.settings.data_dir),
                "HEURIST_MODELS_DIR": str(self.settings.models_dir),
                "HEURIST_RUN_STALE_AFTER_S": str(STALE_AFTER_S),
                "HEURIST_WORKER_THREADS": "1", "HEURIST_SANDBOX_RECORD_SECONDS": "2",
                "HEURIST_SANDBOX_WALL_SECONDS": "60",
                # a learner sandbox at every worker start is 1.5 s of a core; the tests
                # that check it ask for it (worker_env)
                "HEURIST_SANDBOX_SPARE_LEARNER_AT_START": "false"}
        env |= {name: value for name, value in self.worker_env.items() if value is not None}
        return {name: value for name, value in env.items()
                if self.worker_env.get(name, value) is not None}

    def start_worker(self, name: str = "w1") -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("ab")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", "worker", "-n", f"{name}@%h",
             "--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(worker)
        return worker

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        """Wait until the worker called ``name`` consumes from the broker."""
        log = self.log_dir / f"{name}.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if log.exists() and " ready." in log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise AssertionError(f"worker {name} did not start:\n{self.logs()}")

    def kill(self, worker: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool children, as a crash would."""
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True,
                                  text=True).stdout.split()
        for pid in [worker.pid, *map(int, children)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        worker.wait(timeout=10)

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(worker)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:]
                         for p in sorted(self.log_dir.glob("*.log")))

    def get(self, path: str, **params) -> dict:
        response = httpx.get(self.api + path, headers=self.headers, params=params, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, **kwargs) -> httpx.Response:
        return httpx.post(self.api + path, headers=self.headers, timeout=60, **kwargs)

    def wait_run(self, project_id: int, run_id: int, *, timeout: float = 180,
                 until: Callable[[dict], bool] | None = None) -> dict:
        """Poll the run until it has finished (or ``until`` holds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.get(f"/projects/{project_id}/runs/{run_id}")
            if (until or (lambda r: r["status"] in ("succeeded", "failed", "cancelled")))(run):
                return run
            time.sleep(0.2)
        raise AssertionError(f"run {run_id} did not finish: {run}\n{self.logs()}")

    def metrics(self) -> dict[tuple[str, tuple], float]:
        """Every sample of ``/metrics``: (name, sorted labels) -> value."""
        response = httpx.get(f"{self.base}/metrics", timeout=30)
        assert response.status_code == 200, response.text
        return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(response.text)
                for sample in family.samples}

    def member(self, project_id: int, name: str, role: str) -> str:
        """A new user ``name`` made a member of the project in ``role``: their API key."""
        key = self.post("/users", json={"name": name}).json()["api_key"]
        response = httpx.put(f"{self.api}/projects/{project_id}/members", headers=self.headers,
                             json={"user": name, "role": role}, timeout=60)
        assert response.status_code == 200, response.text
        return key

    def patch(self, path: str, **kwargs) -> httpx.Response:
        return httpx.patch(self.api + path, headers=self.headers, timeout=60, **kwargs)

    def project_with_texts(self, texts: list[str], name: str = "texts") -> int:
        project = self.post("/projects", json={"name": name}).json()["id"]
        payload = "\n".join(json.dumps({"id": f"r{i}", "text": t}) for i, t in enumerate(texts))
        response = self.post(f"/projects/{project}/records/import",
                             files={"file": ("t.jsonl", payload.encode())},
                             data={"id_column": "id"})
        assert response.status_code == 201, response.text
        return project


def _serve(settings: Settings) -> tuple[uvicorn.Server, threading.Thread, str]:
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def _stack(settings: Settings, tmp_path: Path) -> Iterator[Stack]:
    server, thread, base = _serve(settings)
    app = server.config.app
    with app.state.sessions() as session:
        key = ensure_admin(session=session, key_file=settings.admin_key_file)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    stack = Stack(settings=settings, base=base, headers={"Authorization": f"Bearer {key}"},
                  log_dir=log_dir)
    try:
        yield stack
    finally:
        stack.stop_workers()
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


@pytest.fixture
def embedded(tmp_path) -> Iterator[Stack]:
    settings = Settings(data_dir=tmp_path / "var", models_dir=tmp_path / "models",
                        run_stale_after_s=STALE_AFTER_S)
    yield from _stack(settings, tmp_path)


def claim_redis_database() -> redis.Redis:
    """A Redis database of ``REDIS_DATABASES`` nobody else holds, flushed and claimed."""
    for number in REDIS_DATABASES:
        client = redis.Redis.from_url(f"{REDIS_SERVER}/{number}")
        try:
            claimed = client.set(CLAIM_KEY, os.getpid(), nx=True, ex=1800)
        except redis.ConnectionError as error:
            pytest.fail(f"Redis is needed at {REDIS_SERVER} (run `make test`): {error}")
        if claimed and client.dbsize() == 1:
            return client
        if claimed:
            client.delete(CLAIM_KEY)
    pytest.fail(f"no free Redis database among {list(REDIS_DATABASES)}")


@pytest.fixture
def cluster(tmp_path, postgres_url) -> Iterator[Stack]:
    client = claim_redis_database()
    number = client.connection_pool.connection_kwargs["db"]
    settings = Settings(data_dir=tmp_path / "var", database_url=postgres_url,
                        broker_url=f"{REDIS_SERVER}/{number}", models_dir=tmp_path / "models",
                        run_stale_after_s=STALE_AFTER_S)
    try:
        yield from _stack(settings, tmp_path)
    finally:
        from tests.conftest import empty_database

        empty_database(postgres_url)
        client.flushdb()


@pytest.fixture(params=["embedded", "cluster"])
def stack(request) -> Stack:
    return request.getfixturevalue(request.param)
