"""Prometheus metrics at ``GET /metrics``.

Two kinds of numbers, gathered where they are true:

- **This API's own** (request latency by route template and status class, requests in
  flight, requests shed with 503, database pool use): prometheus-client metrics updated as
  requests pass. With several API processes (``HEURIST_API_WORKERS``) ``heurist-server``
  gives them a shared folder (prometheus-client's multiprocess mode), so whichever process
  answers a scrape reports the sum over all of them.
- **The cluster's** (runs by kind and status, work waiting, chunk retries, sandbox
  failures): read from the database, and the broker, when scraped. Workers are separate
  processes on any number of machines that serve no HTTP; what they count is written to
  the database in the transaction of the event itself (:mod:`store.counters`), so one
  scrape of any API process sees every worker's counts, and counts survive a worker's
  restart. Each read is cheap (a few grouped counts) and bounded by
  ``SCRAPE_TIMEOUT_S``; a source that does not answer in time is reported as down
  (``heurist_scrape_source_up``) and its metrics are left out of that scrape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import Depends, FastAPI, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event

from api.deps import Sessions, bearer
from heuristics.errors import PermissionDeniedError
from store import counters, runs
from store.auth import authenticate
from workers.queue import RunQueue

SCRAPE_TIMEOUT_S = 2.0
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

OWN = CollectorRegistry()
"""This process's request and pool metrics (multiprocess mode reads them from files)."""
REQUEST_SECONDS = Histogram(
    "heurist_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by route template",
    ["method", "route", "status"], buckets=LATENCY_BUCKETS_S, registry=OWN)
IN_FLIGHT = Gauge("heurist_http_requests_in_flight", "Requests being served now",
                  registry=OWN, multiprocess_mode="livesum")
SHED = Counter("heurist_http_shed_total",
               "Requests answered 503 with Retry-After because the server was busy",
               ["reason"], registry=OWN)
POOL_CHECKED_OUT = Gauge("heurist_db_pool_checked_out",
                         "Database connections in use by requests now", registry=OWN,
                         multiprocess_mode="livesum")
POOL_SIZE = Gauge("heurist_db_pool_size", "Database connections the pool keeps open",
                  registry=OWN, multiprocess_mode="livesum")

RUN_MESSAGE_FAILURES = Counter(
    "heurist_run_message_failures_total",
    "Tries to send a stored run's message that the broker did not take (tried again, "
    "then left to the workers' recovery sweep)", registry=OWN)

T = TypeVar("T")


def status_class(status: int) -> str:
    """``"2xx"`` for 200 and so on: a few label values, not one per status code.

    >>> status_class(201), status_class(503)
    ('2xx', '5xx')
    """
    return f"{status // 100}xx"


def watch_pool(engine: Engine) -> None:
    """Keep the pool gauges of ``engine``, the API's database engine."""
    POOL_SIZE.set(engine.pool.size())
    event.listen(engine, "checkout", lambda *_: POOL_CHECKED_OUT.inc())
    event.listen(engine, "checkin", lambda *_: POOL_CHECKED_OUT.dec())


@dataclass
class ClusterState:
    """What the database and the broker say at one scrape (None: no answer in time)."""

    runs: dict[tuple[str, str], int] | None = None
    queued_chunks: int | None = None
    worker_counts: dict[tuple[str, str], int] | None = None
    broker_waiting: int | None = None


def read_database(sessions: Sessions) -> ClusterState:
    with sessions() as session:
        return ClusterState(runs=runs.count_by_kind_and_status(session=session),
                            queued_chunks=runs.count_queued_chunks(session=session),
                            worker_counts=counters.counts(session=session))


class ClusterCollector(Collector):
    """The metrics of one :class:`ClusterState`."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state

    def collect(self) -> Iterator[Metric]:
        state = self.state
        up = GaugeMetricFamily("heurist_scrape_source_up",
                               "Whether a source of the metrics answered this scrape",
                               labels=["source"])
        up.add_metric(["database"], float(state.runs is not None))
        up.add_metric(["broker"], float(state.broker_waiting is not None))
        yield up
        if state.runs is not None:
            by_kind = GaugeMetricFamily("heurist_runs", "Runs by kind and status",
                                        labels=["kind", "status"])
            for (kind, status), number in sorted(state.runs.items()):
                by_kind.add_metric([kind, status], number)
            yield by_kind
            yield GaugeMetricFamily("heurist_chunks_queued",
                                    "Chunks of runs waiting for a worker (database)",
                                    value=state.queued_chunks)
            yield from _worker_counters(state.worker_counts or {})
        if state.broker_waiting is not None:
            yield GaugeMetricFamily("heurist_broker_messages_waiting",
                                    "Messages waiting in the broker's queue for a worker",
                                    value=state.broker_waiting)


def _worker_counters(counts: dict[tuple[str, str], int]) -> Iterator[Metric]:
    for name, help_text in ((counters.CHUNK_RETRIES, "Chunks tried again, by reason"),
                            (counters.SANDBOX_FAILURES,
                             "Runs of user code the sandbox stopped, by reason")):
        family = CounterMetricFamily(f"heurist_{name}", help_text, labels=["reason"])
        for (counted, reason), value in sorted(counts.items()):
            if counted == name:
                family.add_metric([reason], value)
        yield family


async def within(timeout_s: float, read: Callable[..., T], *args: object) -> T | None:
    """``read(*args)`` on a thread of the loop's own executor (not the request threads);
    None if it fails or takes longer than ``timeout_s``."""
    try:
        return await asyncio.wait_for(
            asyncio.get_running_loop().run_in_executor(None, read, *args), timeout_s)
    except Exception:  # noqa: BLE001 - a source that does not answer is reported as down
        return None


def _own_metrics(metrics_dir: Path | None) -> Iterable[Metric]:
    if metrics_dir is None:
        return OWN.collect()
    return MultiProcessCollector(None, path=str(metrics_dir)).collect()


class _Gathered(Collector):
    def __init__(self, metrics: Iterable[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def _admin_only(sessions: Sessions, key: str | None) -> None:
    with sessions() as session:
        if not authenticate(session=session, key=key).is_admin:
            raise PermissionDeniedError("only an admin may read the metrics")


def install_metrics(app: FastAPI) -> None:
    """Serve ``GET /metrics`` (see the module's docstring); without a key unless
    ``metrics_public`` is off, then to admins only."""
    watch_pool(app.state.engine)

    # the endpoint reads the app from the request: FastAPI caches endpoints by identity,
    # and one that closed over its app would keep every app a process made alive
    @app.get("/metrics", tags=["health"], response_class=Response,
             responses={200: {"content": {CONTENT_TYPE_LATEST: {}},
                              "description": "Prometheus text format"}})
    async def metrics(request: Request, credentials: Annotated[
            HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Response:
        """Prometheus metrics of the API and the cluster (see the README)."""
        app_state = request.app.state
        settings = app_state.settings
        if not settings.metrics_public:
            await asyncio.get_running_loop().run_in_executor(
                None, _admin_only, app_state.sessions,
                credentials.credentials if credentials else None)
        queue: RunQueue = app_state.queue
        database, waiting = await asyncio.gather(
            within(SCRAPE_TIMEOUT_S, read_database, app_state.sessions),
            within(SCRAPE_TIMEOUT_S, queue.waiting, SCRAPE_TIMEOUT_S))
        state = database or ClusterState()
        state.broker_waiting = waiting
        registry = CollectorRegistry()
        registry.register(_Gathered(list(_own_metrics(settings.metrics_dir))))
        registry.register(ClusterCollector(state))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
