"""Many clients at once against a live server: annotators labelling the same records in
parallel, and far more requests than the server serves at once."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections import Counter

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.main import create_app
from bench.loopback import fetch
from services.users import create_user, ensure_admin, set_member
from store import stats
from store.models import IdempotencyKey, ManualLabel, Project, Role, TaskKind
from tests.api.live import serving, serving_process
from tests.store.test_stats import LABELS, make_task, snapshot

API = "/api/v1"
N_ANNOTATORS, THREADS_PER_ANNOTATOR, ACTS, HOT_RECORDS = 3, 2, 25, 4


@pytest.fixture
def live_app(settings):
    """The app with a handful of places, so the annotators' requests contend for them."""
    app = create_app(settings.model_copy(update={"api_concurrency": 4}))
    yield app
    app.state.engine.dispose()


class RetryWhenBusy(httpx.HTTPTransport):
    """A client that does what a 503 asks: wait Retry-After seconds, send again."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        while (response := super().handle_request(request)).status_code == 503:
            response.read()
            time.sleep(float(response.headers["Retry-After"]))
        return response


def annotate(base: str, key: str, project_id: int, task_id: int, record_ids: list[int],
             seed: int, seen: list) -> None:
    """One annotator's thread: label, relabel, unlabel the same few records; some labels
    are sent with an Idempotency-Key and retried."""
    try:
        _annotate(base, key, project_id, task_id, record_ids, seed, seen)
    except Exception as error:  # noqa: BLE001 - the test fails on it below
        seen.append(("error", repr(error), None, None))


def _annotate(base: str, key: str, project_id: int, task_id: int, record_ids: list[int],
              seed: int, seen: list) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60,
                      transport=RetryWhenBusy()) as client:
        for _ in range(ACTS):
            record_id = rng.choice(record_ids)
            body = {"task_id": task_id, "label": rng.choice(LABELS)}
            url = f"{API}/projects/{project_id}/records/{record_id}/labels"
            if rng.random() < 0.3:
                idempotency_key = uuid.uuid4().hex
                first, retry = (client.post(url, json=body,
                                            headers={"Idempotency-Key": idempotency_key})
                                for _ in range(2))
                seen.append(("keyed", idempotency_key, first, retry))
                continue
            response = client.post(url, json=body)
            seen.append(("post", None, response, None))
            if response.status_code == 201 and rng.random() < 0.3:
                deleted = client.delete(
                    f"{API}/projects/{project_id}/manual-labels/{response.json()['id']}")
                seen.append(("delete", None, deleted, None))


def test_concurrent_annotators_keep_statistics_equal_to_a_recompute(live_app):
    with live_app.state.sessions() as session:
        task, records = make_task(session, TaskKind.CLASSIFICATION)
        project = session.get(Project, task.project_id)
        keys = []
        for i in range(N_ANNOTATORS):
            _, key = create_user(session=session, name=f"annotator{i}")
            set_member(session=session, project=project, user_name=f"annotator{i}",
                       role=Role.ANNOTATOR)
            keys.append(key)
        project_id, task_id = project.id, task.id
    record_ids = [r.id for r in records[:HOT_RECORDS]]
    seen: list = []
    with serving(live_app) as base:
        threads = [threading.Thread(target=annotate, args=(
            base, keys[i % N_ANNOTATORS], project_id, task_id, record_ids, i, seen))
            for i in range(N_ANNOTATORS * THREADS_PER_ANNOTATOR)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert not [error for kind, error, _, _ in seen if kind == "error"]
    statuses = Counter(r.status_code for _, _, first, retry in seen for r in (first, retry)
                       if r is not None)
    assert set(statuses) <= {201, 204, 404}, statuses
    keyed = [(k, first, retry) for kind, k, first, retry in seen if kind == "keyed"]
    assert keyed and all(first.json() == retry.json() for _, first, retry in keyed)
    with live_app.state.sessions() as session:
        incremental = snapshot(session, task)
        stats.recompute(session=session, task=session.get(type(task), task_id))
        session.flush()
        assert snapshot(session, task) == incremental
        session.rollback()
        # one label per annotator and record, however the requests interleaved
        per_annotator = session.execute(
            select(ManualLabel.record_id, ManualLabel.annotator_id, func.count())
            .where(ManualLabel.task_id == task_id)
            .group_by(ManualLabel.record_id, ManualLabel.annotator_id)).all()
        assert all(n == 1 for *_, n in per_annotator)
        # every key stored once, for the first answer
        stored = Counter(session.scalars(select(IdempotencyKey.key)))
        assert stored == Counter(k for k, _, _ in keyed)


def test_idempotency_key_with_another_request_is_a_conflict(live_app):
    with live_app.state.sessions() as session:
        task, records = make_task(session, TaskKind.CLASSIFICATION)
        _, key = create_user(session=session, name="someone")
        set_member(session=session, project=session.get(Project, task.project_id),
                   user_name="someone", role=Role.ANNOTATOR)
        project_id, task_id, record_id = task.project_id, task.id, records[0].id
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "k-1"}
    with TestClient(live_app) as own:
        url = f"{API}/projects/{project_id}/records/{record_id}/labels"
        first = own.post(url, json={"task_id": task_id, "label": "a"}, headers=headers)
        again = own.post(url, json={"task_id": task_id, "label": "a"}, headers=headers)
        other = own.post(url, json={"task_id": task_id, "label": "b"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"


def test_200_requests_at_once_are_served_or_shed_fast(app, settings):
    """Two places, no waiting for one, a short wait for a database connection: the rest
    is shed at once, and /health answers throughout."""
    with app.state.sessions() as session:
        key = ensure_admin(session=session, key_file=settings.admin_key_file)
    app.state.engine.dispose()
    headers = {"Authorization": f"Bearer {key}"}

    async def storm(base: str):
        project = (await fetch(base, "POST", f"{API}/projects", headers=headers,
                               json_body={"name": "p"})).json()
        records = f"{API}/projects/{project['id']}/records"

        async def health() -> list[float]:
            delays = []
            for _ in range(20):
                answer = await fetch(base, "GET", "/health")
                assert answer.status == 200
                delays.append(answer.seconds)
                await asyncio.sleep(0.02)
            return delays

        return await asyncio.gather(
            asyncio.gather(*(fetch(base, "GET", records, headers=headers)
                             for _ in range(200))), health())

    small = settings.model_copy(update={"api_concurrency": 2, "api_queue_wait_s": 0.0,
                                        "db_pool_timeout_s": 1.0})
    with serving_process(small) as base:
        answers, health_delays = asyncio.run(storm(base))
    statuses = Counter(answer.status for answer in answers)
    assert set(statuses) <= {200, 503} and statuses[200] >= 2, statuses
    assert all(a.retry_after == "1" for a in answers if a.status == 503)
    assert max(answer.seconds for answer in answers) < 10   # the bound for a storm
    assert max(health_delays) < 1
