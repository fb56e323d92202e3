"""Faults on the cluster stack (PostgreSQL + Redis, real worker processes): every run ends,
none is stuck, no output row is lost or doubled, and work recovers soon after the fault.

The database or the broker "goes away" for the workers only: they reach PostgreSQL or
Redis through a TCP proxy the test cuts and restores (the shared servers keep running; the
API and the test reach them directly).
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from store.db import create_db_engine
from store.models import Output, RunChunk
from tests.api.test_broker_down import UNREACHABLE_BROKER
from tests.workers.conftest import CLAIM_KEY, ROOT, Stack, free_port
from tests.workers.tcp_proxy import TcpProxy
from tests.workers.test_runs import embed, texts, vector_rows
from workers.consumer import RECONNECT_MAX_S
from workers.queue import QUEUE

pytestmark = pytest.mark.slow
OUTAGE_S = 10
BROKER_OUTAGE_S = 8
RECOVERY_S = 30
CHUNK_SIZE = 20
EVERY_RECORD = "def lf(record):\n    return 'spam'\n"
PRIORITY_SEP = b"\x06\x16"   # kombu's Redis transport keeps a list per queue and priority


@pytest.fixture(autouse=True)
def light_workers(cluster: Stack) -> None:
    """Workers that run labeling functions in small chunks (no torch, no model to load)."""
    cluster.worker_env |= {"HEURIST_CHUNK_SIZE": str(CHUNK_SIZE), "HEURIST_WORKER_THREADS": None}


def start_run(stack: Stack, n: int, *, source: str = EVERY_RECORD, base: str | None = None
              ) -> tuple[int, int]:
    """(project, run) of a labeling function that votes on each of ``n`` records, queued;
    the run is started through the API at ``base`` if given, else the stack's."""
    project = stack.project_with_texts(texts(n))
    task = stack.post(f"/projects/{project}/tasks", json={
        "name": "spam", "kind": "classification", "labels": ["ham", "spam"]}).json()["id"]
    heuristic = stack.post(f"/projects/{project}/heuristics", json={
        "task_id": task, "name": "every", "source": source}).json()["id"]
    path = f"/projects/{project}/heuristics/{heuristic}/runs"
    response = (stack.post(path) if base is None else
                httpx.post(f"{base}/api/v1{path}", headers=stack.headers, timeout=30))
    assert response.status_code == 202, response.text
    return project, response.json()["id"]


@pytest.fixture
def database_proxy(cluster: Stack) -> Iterator[TcpProxy]:
    """Workers started from now on reach PostgreSQL through this proxy."""
    url = make_url(cluster.settings.resolved_database_url())
    proxy = TcpProxy((url.host, url.port))
    cluster.worker_env["HEURIST_DATABASE_URL"] = url.set(
        host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    yield proxy
    proxy.cut()


@pytest.fixture
def broker_proxy(cluster: Stack) -> Iterator[TcpProxy]:
    """Workers started from now on reach Redis through this proxy."""
    url = make_url(cluster.settings.resolved_broker_url())
    proxy = TcpProxy((url.host, url.port))
    cluster.worker_env["HEURIST_BROKER_URL"] = url.set(
        host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    yield proxy
    proxy.cut()


def chunks(stack: Stack, run_id: int) -> list[RunChunk]:
    engine = create_db_engine(stack.settings.resolved_database_url())
    with engine.connect() as connection:
        rows = list(connection.execute(select(RunChunk).where(RunChunk.run_id == run_id)
                                       .order_by(RunChunk.position)))
    engine.dispose()
    return rows


def assert_recovers(stack: Stack, project: int, run_id: int, n: int) -> None:
    """Work goes on within ``RECOVERY_S`` (a chunk finishes), the run succeeds, and every
    record has exactly one output."""
    done = stack.get(f"/projects/{project}/runs/{run_id}")["done_items"]
    if done < n:
        stack.wait_run(project, run_id, timeout=RECOVERY_S,
                       until=lambda r: r["done_items"] > done or r["status"] != "running")
    run = stack.wait_run(project, run_id, timeout=120)
    assert run["status"] == "succeeded", (run, stack.logs())
    assert run["done_items"] == n
    engine = create_db_engine(stack.settings.resolved_database_url())
    with engine.connect() as connection:
        rows, records = connection.execute(
            select(func.count(), func.count(func.distinct(Output.record_id)))
            .where(Output.run_id == run_id)).one()
    engine.dispose()
    assert (rows, records) == (n, n)


def full_logs(stack: Stack) -> str:
    return "".join(path.read_text(errors="replace") for path in stack.log_dir.glob("*.log"))


def pool_names(worker: subprocess.Popen) -> set[str]:
    """The names (host:pid) under which the worker's pool processes claim chunks."""
    children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True,
                              text=True).stdout.split()
    return {f"{socket.gethostname()}:{pid}" for pid in children}


def outage_mid_run(cluster: Stack, proxy: TcpProxy, seconds: float) -> None:
    """Two workers on a 400-record run; ``proxy`` cut for ``seconds`` once three chunks
    are done; the run then recovers."""
    n = 400
    for name in ("a", "b"):
        cluster.start_worker(name)
    for name in ("a", "b"):
        cluster.wait_ready(name)
    project, run_id = start_run(cluster, n)
    cluster.wait_run(project, run_id, until=lambda r: r["done_items"] >= 3 * CHUNK_SIZE)
    proxy.cut()
    time.sleep(seconds)
    assert cluster.get(f"/projects/{project}/runs/{run_id}")["done_items"] < n
    proxy.restore()
    assert_recovers(cluster, project, run_id, n)


def test_database_outage_mid_run(cluster: Stack, database_proxy: TcpProxy):
    outage_mid_run(cluster, database_proxy, OUTAGE_S)
    assert "database unavailable" in full_logs(cluster)


def test_broker_outage_mid_run(cluster: Stack, broker_proxy: TcpProxy):
    outage_mid_run(cluster, broker_proxy, BROKER_OUTAGE_S)
    logs = full_logs(cluster)
    assert "Cannot connect to redis" in logs, "the workers saw no outage"
    waits = [float(s) for s in re.findall(r"Trying again in ([\d.]+) seconds", logs)]
    assert waits and max(waits) <= RECONNECT_MAX_S, f"waits between attempts: {waits}"


def test_start_message_arrives_during_outage(cluster: Stack, database_proxy: TcpProxy):
    n = 100
    cluster.worker_env["HEURIST_LOG_FORMAT"] = "json"
    cluster.start_worker()
    cluster.wait_ready("w1")
    database_proxy.cut()
    project, run_id = start_run(cluster, n)
    time.sleep(OUTAGE_S)
    assert cluster.get(f"/projects/{project}/runs/{run_id}")["status"] == "queued"
    database_proxy.restore()
    assert_recovers(cluster, project, run_id, n)
    lines = [json.loads(line) for line in (cluster.log_dir / "w1.log").read_text().splitlines()
             if line.startswith("{")]
    retried = [line for line in lines if "database unavailable" in line["message"]]
    assert retried and {line["run_id"] for line in retried} == {run_id}
    assert {"time", "level", "logger", "process"} <= set(retried[0])


def test_worker_started_during_outage_recovers_a_lost_chunk(cluster: Stack,
                                                            database_proxy: TcpProxy):
    n = 400
    first = cluster.start_worker("first")
    project, run_id = start_run(cluster, n)
    cluster.wait_run(project, run_id, until=lambda r: r["done_items"] >= 2 * CHUNK_SIZE)
    cluster.kill(first)   # its chunk stays "running" with nobody working on it
    database_proxy.cut()
    cut_at = time.monotonic()
    cluster.start_worker("second")
    cluster.wait_ready("second")
    time.sleep(max(0.0, cut_at + OUTAGE_S - time.monotonic()))
    assert cluster.get(f"/projects/{project}/runs/{run_id}")["status"] == "running"
    database_proxy.restore()
    assert_recovers(cluster, project, run_id, n)


def test_a_killed_workers_chunk_is_taken_over_within_20_s(cluster: Stack):
    # the default heartbeat and staleness, not the quick ones of the other worker tests
    cluster.worker_env["HEURIST_RUN_STALE_AFTER_S"] = None
    n = 600
    a, _ = cluster.start_worker("a"), cluster.start_worker("b")
    cluster.wait_ready("a")
    cluster.wait_ready("b")
    names = pool_names(a)
    project, run_id = start_run(cluster, n)
    deadline = time.monotonic() + 90
    while not (held := [c for c in chunks(cluster, run_id)
                        if c.status.value == "running" and c.worker in names]):
        assert time.monotonic() < deadline, cluster.logs()
        time.sleep(0.1)
    cluster.kill(a)
    killed_at = time.monotonic()
    lost = held[0]
    while chunks(cluster, run_id)[lost.position].worker in names:
        assert time.monotonic() - killed_at < 20, "the lost chunk was not taken over"
        time.sleep(0.2)
    assert_recovers(cluster, project, run_id, n)
    assert cluster.metrics()[("heurist_chunk_retries_total", (("reason", "worker_lost"),))] >= 1


def test_all_workers_killed_then_one_restarted(cluster: Stack):
    n = 400
    workers = [cluster.start_worker("a"), cluster.start_worker("b")]
    project, run_id = start_run(cluster, n)
    cluster.wait_run(project, run_id, until=lambda r: r["done_items"] >= 2 * CHUNK_SIZE)
    for worker in workers:
        cluster.kill(worker)
    cluster.start_worker("c")
    cluster.wait_ready("c")
    assert_recovers(cluster, project, run_id, n)


def test_a_stopping_worker_hands_its_chunk_back(cluster: Stack):
    n = 2_000   # one chunk of several seconds even on an idle machine: the stop comes first
    project = cluster.project_with_texts(texts(n))
    cluster.worker_env["HEURIST_EMBEDDING_BATCH_SIZE"] = "8"
    worker = cluster.start_worker("a")
    created = embed(cluster, project, chunk_size=n)   # one chunk, a heartbeat a batch
    run_id = created["run"]["id"]
    deadline = time.monotonic() + 90
    while not (held := chunks(cluster, run_id)) or held[0].status.value != "running":
        assert time.monotonic() < deadline, cluster.logs()
        time.sleep(0.1)
    time.sleep(0.5)
    worker.send_signal(signal.SIGTERM)
    stopped_at = time.monotonic()
    worker.wait(timeout=60)
    assert time.monotonic() - stopped_at < 20, "the worker did not stop promptly"
    chunk = chunks(cluster, run_id)[0]
    assert chunk.status.value == "queued" and chunk.attempts == 0, "not handed back"
    assert "handed back: the worker is stopping" in full_logs(cluster)
    cluster.worker_env["HEURIST_EMBEDDING_BATCH_SIZE"] = None   # the default's larger batches
    cluster.start_worker("b")
    run = cluster.wait_run(project, run_id, timeout=180)
    assert run["status"] == "succeeded", (run, cluster.logs())
    assert vector_rows(cluster, created["embedding"]["id"]) == (n, n)


def test_messages_lost_with_the_broker_are_sent_again(cluster: Stack):
    n = 400
    cluster.start_worker("a")
    project, run_id = start_run(cluster, n)
    cluster.wait_run(project, run_id, until=lambda r: r["done_items"] >= 2 * CHUNK_SIZE)
    # a broker restart without persistence: every waiting message is gone
    broker = redis.Redis.from_url(cluster.settings.resolved_broker_url())
    lost = [key for key in broker.scan_iter() if key.decode() != CLAIM_KEY]
    assert lost and broker.delete(*lost)
    assert_recovers(cluster, project, run_id, n)


IMPORT_ROWS = 30_000
BOUNDARY = "heurist-fault-test"


class ApiProcess:
    """``heurist-server`` on the stack's database and broker, in a process of its own, that
    the test can kill and start again on the same port; JSON logs in ``api.log``."""

    def __init__(self, stack: Stack) -> None:
        self.stack, self.port = stack, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, **env: str) -> None:
        """Start (again) on the stack's settings, with ``env`` over them."""
        env = self.stack.env() | {"HEURIST_PORT": str(self.port), "HEURIST_DEMO": "false",
                                  "HEURIST_EMBEDDED_WORKER": "false",
                                  "HEURIST_LOG_FORMAT": "json"} | env
        log = (self.stack.log_dir / "api.log").open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "api.server", "--no-demo"],
                                        cwd=ROOT, env=env, stdout=log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.stack.logs()
            assert time.monotonic() < deadline, "the API did not start"
            try:
                if httpx.get(f"{self.base}/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)

    def import_records(self, project: int, body: Iterator[bytes], *, key: str | None = None
                       ) -> httpx.Response:
        headers = self.stack.headers | {
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return httpx.post(f"{self.base}/api/v1/projects/{project}/records/import",
                          content=body, timeout=120, headers=headers)

    def records(self, project: int) -> int:
        response = httpx.get(f"{self.base}/api/v1/projects/{project}/records",
                             params={"limit": 1}, headers=self.stack.headers, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["count"]


def upload(rows: int, *, parts: int = 10, midway: Callable[[], None] | None = None
           ) -> Iterator[bytes]:
    """A multipart import of ``rows`` CSV rows (ids r0, r1, ...), sent in ``parts``; calls
    ``midway`` once half of it is sent."""
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="id_column"\r\n\r\nid\r\n'
           f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="r.csv"'
           f'\r\nContent-Type: text/csv\r\n\r\nid,text\r\n').encode()
    step = rows // parts
    for part in range(parts):
        if part == parts // 2 and midway is not None:
            midway()
        yield "".join(f"r{i},record number {i}\r\n"
                      for i in range(part * step, (part + 1) * step)).encode()
    yield f"--{BOUNDARY}--\r\n".encode()


def writing_transactions(stack: Stack) -> int:
    """Transactions that have written to the stack's database, other than the caller's."""
    engine = create_db_engine(stack.settings.resolved_database_url())
    with engine.connect() as connection:
        count = connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()")).scalar()
    engine.dispose()
    return count


@pytest.fixture
def api(cluster: Stack) -> Iterator[ApiProcess]:
    api = ApiProcess(cluster)
    yield api
    if api.process is not None:
        api.kill()


def json_lines(path) -> list[dict]:
    """The JSON lines a process has written whole to its log (not one it is writing)."""
    whole = path.read_text().rpartition("\n")[0]
    return [json.loads(line) for line in whole.splitlines() if line.startswith("{")]


def test_api_killed_while_an_import_streams(cluster: Stack, api: ApiProcess):
    api.start()
    project = cluster.post("/projects", json={"name": "imported"}).json()["id"]

    # killed while the file is still arriving: nothing is stored
    with pytest.raises(httpx.TransportError):
        api.import_records(project, upload(IMPORT_ROWS, midway=api.kill))
    api.start()
    assert api.records(project) == 0

    # killed while the import writes (the file has arrived): all or nothing
    answers: list[httpx.Response | httpx.TransportError] = []

    def send() -> None:
        try:
            answers.append(api.import_records(project, upload(IMPORT_ROWS), key="import"))
        except httpx.TransportError as error:
            answers.append(error)

    sent = threading.Thread(target=send, daemon=True)
    sent.start()
    deadline = time.monotonic() + 60
    while not writing_transactions(cluster):
        assert sent.is_alive() and time.monotonic() < deadline, ("the import never wrote",
                                                                  answers)
        time.sleep(0.02)
    api.kill()
    sent.join(timeout=30)
    assert answers and isinstance(answers[0], httpx.TransportError), answers
    deadline = time.monotonic() + 30
    while writing_transactions(cluster):   # PostgreSQL rolls the orphan back
        assert time.monotonic() < deadline, "the killed import's transaction stayed open"
        time.sleep(0.1)
    api.start()
    landed = api.records(project)
    assert landed in (0, IMPORT_ROWS), f"half an import stored: {landed} records"

    # sent again under its key: it lands once, and the first answer comes back after that;
    # sent without the key, its ids are refused as taken
    answers = [api.import_records(project, upload(IMPORT_ROWS), key="import")
               for _ in range(2)]
    assert [answer.status_code for answer in answers] == [201, 201], answers[0].text
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["records"] == IMPORT_ROWS   # the import's answer, either way
    duplicate = api.import_records(project, upload(IMPORT_ROWS))
    assert duplicate.status_code == 409, duplicate.text
    assert api.records(project) == IMPORT_ROWS
    response = httpx.get(f"{api.base}/api/v1/projects/{project}", timeout=30,
                         headers=cluster.headers | {"X-Request-ID": "after-restart"})
    assert response.headers["X-Request-ID"] == "after-restart"
    # the server logs a request after its answer is sent: wait for the line
    deadline = time.monotonic() + 10
    while not any(line.get("request_id") == "after-restart"
                  and line.get("route") == "/api/v1/projects/{project_id}"
                  for line in json_lines(cluster.log_dir / "api.log")):
        assert time.monotonic() < deadline, "the request's log line never came"
        time.sleep(0.1)
    api.kill()


def test_a_run_the_broker_never_took_is_sent_by_the_sweep(cluster: Stack, api: ApiProcess):
    n = 100
    api.start(HEURIST_BROKER_URL=UNREACHABLE_BROKER)
    project, run_id = start_run(cluster, n, base=api.base)
    assert cluster.get(f"/projects/{project}/runs/{run_id}")["status"] == "queued"
    unsent = [line for line in json_lines(cluster.log_dir / "api.log")
              if f"run {run_id} stays queued" in line.get("message", "")]
    assert len(unsent) == 1 and unsent[0]["level"] == "WARNING", unsent   # tries again later

    cluster.start_worker("a")   # on the real broker, which holds no message of the run
    run = cluster.wait_run(project, run_id, timeout=RECOVERY_S + 30)
    assert run["status"] == "succeeded", (run, cluster.logs())
    assert_recovers(cluster, project, run_id, n)


def test_a_run_sent_while_the_broker_is_away_goes_once_it_is_back(cluster: Stack,
                                                                  api: ApiProcess):
    url = make_url(cluster.settings.resolved_broker_url())
    proxy = TcpProxy((url.host, url.port))
    proxy.cut()
    api.start(HEURIST_BROKER_URL=url.set(host="127.0.0.1", port=proxy.port)
              .render_as_string(hide_password=False))
    project, run_id = start_run(cluster, 10, base=api.base)
    assert cluster.get(f"/projects/{project}/runs/{run_id}")["status"] == "queued"
    proxy.restore()
    # the API itself sends the message again (no worker runs, so no sweep does)
    broker = redis.Redis.from_url(cluster.settings.resolved_broker_url())
    deadline = time.monotonic() + 15
    while not any(key.split(PRIORITY_SEP)[0] == QUEUE.encode() for key in broker.scan_iter()):
        assert time.monotonic() < deadline, full_logs(cluster)
        time.sleep(0.2)
    cluster.start_worker("a")
    run = cluster.wait_run(project, run_id, timeout=60)
    assert run["status"] == "succeeded", (run, cluster.logs())
