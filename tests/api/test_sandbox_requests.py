"""Running user code from a request needs the annotator role, and the sandboxes requests
start are capped per user and per server (429 with Retry-After beyond)."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.conftest import API, create_task

SLOW_LF = "import time\n\ndef lf(record):\n    time.sleep(3)\n    return None\n"
QUICK_LF = "def lf(record):\n    return 'spam'\n"


@pytest.fixture
def heuristic(client, admin, loaded) -> str:
    """The sample path of a labeling function in the loaded project."""
    task = create_task(client, admin, loaded, name="spam", kind="classification",
                       labels=["ham", "spam"])
    response = client.post(f"{API}/projects/{loaded}/heuristics", headers=admin, json={
        "task_id": task["id"], "name": "quick", "source": QUICK_LF})
    assert response.status_code == 201, response.text
    return f"{API}/projects/{loaded}/heuristics/{response.json()['id']}"


def _member(client, admin, project_id, make_user, name: str, role: str) -> dict[str, str]:
    headers = make_user(name)
    assert client.put(f"{API}/projects/{project_id}/members", headers=admin,
                      json={"user": name, "role": role}).status_code == 200
    return headers


def test_viewers_run_no_code(client, admin, loaded, heuristic, make_user):
    viewer = _member(client, admin, loaded, make_user, "vera", "viewer")
    task_id = client.get(f"{API}/projects/{loaded}/tasks", headers=admin).json()["data"][0]["id"]
    for path, body in ((f"{heuristic}/sample", {"n": 1}), (f"{heuristic}/runs", None),
                       (f"{API}/projects/{loaded}/tasks/{task_id}/weak-supervision", {}),
                       (f"{API}/projects/{loaded}/embeddings", {"attribute": "text"})):
        response = client.post(path, headers=viewer, json=body)
        assert response.status_code == 403, (path, response.text)
        assert "annotator" in response.json()["detail"] or "owner" in response.json()["detail"]


def test_annotators_try_code(client, admin, loaded, heuristic, make_user):
    annotator = _member(client, admin, loaded, make_user, "ann", "annotator")
    response = client.post(f"{heuristic}/sample", headers=annotator, json={"n": 2})
    assert response.status_code == 200, response.text
    assert [r["outputs"][0]["label"] for r in response.json()["results"]] == ["spam", "spam"]


def _capped_client(app, settings, **caps) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=caps)))


def _busy(client, path, headers, *, timeout: float = 20.0):
    """Try a quick sample until one is refused as busy; that response."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.post(path, headers=headers, json={"n": 1, "source": QUICK_LF})
        if response.status_code == 429:
            return response
        assert response.status_code == 200, response.text
        time.sleep(0.05)
    raise AssertionError("never refused")


def _slow_sample(client, path, headers) -> tuple[threading.Thread, list]:
    """A sample that holds its sandbox for 3 s, tried again while refused (a quick one may
    hold the slot when it starts), in a thread; the answers it got."""
    answers: list = []

    def run() -> None:
        while not answers or answers[-1].status_code == 429:
            answers.append(client.post(path, headers=headers,
                                       json={"n": 1, "source": SLOW_LF}))

    thread = threading.Thread(target=run)
    thread.start()
    return thread, answers


@pytest.mark.parametrize(("caps", "refused", "says"), [
    ({"sandbox_requests_per_user": 1, "sandbox_requests": 10}, "same user", "one user"),
    ({"sandbox_requests_per_user": 5, "sandbox_requests": 1}, "other user", "the server"),
])
def test_concurrent_sandboxes_are_capped(app, settings, admin, loaded, heuristic, make_user,
                                         caps, refused, says):
    other = _member(TestClient(app), admin, loaded, make_user, "olga", "annotator")
    client = _capped_client(app, settings, **caps)
    path = f"{heuristic}/sample"
    thread, answers = _slow_sample(client, path, admin)
    response = _busy(client, path, admin if refused == "same user" else other)
    assert response.headers["Retry-After"].isdigit()
    assert says in response.json()["detail"] and "try again" in response.json()["detail"]
    thread.join()
    assert answers[-1].status_code == 200, answers[-1].text
    after = client.post(path, headers=admin, json={"n": 1, "source": QUICK_LF})
    assert after.status_code == 200, after.text


def test_a_refused_or_failed_try_gives_its_slot_back(app, settings, admin, loaded, heuristic):
    client = _capped_client(app, settings, sandbox_requests_per_user=1)
    path = f"{heuristic}/sample"
    broken = client.post(path, headers=admin, json={"n": 1, "source": "def lf(:\n"})
    assert broken.status_code == 422, broken.text
    raising = client.post(path, headers=admin, json={"n": 1, "source": "def lf(r):\n    1/0\n"})
    assert raising.status_code == 200 and raising.json()["results"][0]["error"]
    assert client.post(path, headers=admin, json={"n": 1}).status_code == 200
