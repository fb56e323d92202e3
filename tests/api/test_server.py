"""The server as `make run` starts it: a real process, first start, demo projects."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_first_start_prints_a_key_and_serves_the_demo(tmp_path):
    port = free_port()
    env = os.environ | {"HEURIST_DATA_DIR": str(tmp_path / "var"), "HEURIST_PORT": str(port),
                        "HEURIST_DATASETS_DIR": str(tmp_path / "no-datasets")}
    env.pop("HEURIST_DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "api.server"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    worker = None
    try:
        key = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker is None:
            line = server.stdout.readline()
            if "Admin API key" in line:
                key = line.rsplit(" ", 1)[-1].strip()
            if line.startswith("Worker process "):
                worker = int(line.split()[2])
        assert key and key == (tmp_path / "var" / "admin.key").read_text().strip()
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        projects = httpx.get(f"{base}/api/v1/projects",
                             headers={"Authorization": f"Bearer {key}"}).json()
        assert sorted(p["name"] for p in projects["data"]) == [
            "CoNLL-2003 NER (demo)", "YouTube spam (demo)"]
        # the worker computes the demo's embeddings, so its learners can run at once
        headers = {"Authorization": f"Bearer {key}"}
        states = {}
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and set(states.values()) != {"succeeded"}:
            time.sleep(0.5)
            states = {e["name"]: e["state"] for p in projects["data"] for e in httpx.get(
                f"{base}/api/v1/projects/{p['id']}/embeddings", headers=headers).json()["data"]}
        assert states == {"text-all-MiniLM-L6-v2": "succeeded",
                          "text-all-MiniLM-L6-v2-token": "succeeded"}
        # its computed attribute, and the labeling functions that read it and the lists
        youtube = next(p["id"] for p in projects["data"] if p["name"].startswith("YouTube"))
        runs = {}
        while time.monotonic() < deadline and set(runs.values()) != {"succeeded"}:
            time.sleep(0.5)
            runs = {h["name"]: (h["last_run"] or {}).get("status") for p in projects["data"]
                    for h in httpx.get(f"{base}/api/v1/projects/{p['id']}/heuristics",
                                       headers=headers).json()["data"]}
        assert runs == {"spam phrase": "succeeded", "has a link": "succeeded",
                        "known place": "succeeded"}, runs
        [n_links] = [a for a in httpx.get(f"{base}/api/v1/projects/{youtube}/attributes",
                                          headers=headers).json() if a["computed"]]
        assert n_links["name"] == "n_links" and n_links["run"]["status"] == "succeeded"
        assert n_links["run"]["metrics"]["records_with_value"] > 0
        assert httpx.get(f"{base}/api/v1/projects").status_code == 401
        assert "Heurist" in httpx.get(f"{base}/").text
        assert (tmp_path / "var" / "heurist.db").exists()
    finally:
        server.terminate()
        server.wait(timeout=40)
    # SIGTERM (how service managers stop it) stops the embedded worker too.
    assert worker is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and alive(worker):
        time.sleep(0.1)
    assert not alive(worker), "the embedded worker outlived the server"


def wait_healthy(base: str) -> None:
    """Wait up to about 10 s for the server at ``base`` to answer /health with 200."""
    for _ in range(100):
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return
        except httpx.ConnectError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base}/health did not answer 200")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:   # a zombie has exited
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_a_served_app_builds_its_routes_and_freezes_start_up_before_the_first_request(
        tmp_path, monkeypatch):
    """FastAPI builds an included router's routes when the first request reaches it (about
    2 s of CPU in all, which the first requests after a start waited for);
    ``prepare_to_serve`` does it at start-up, then freezes start-up's objects."""
    from fastapi import routing
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.server import prepare_to_serve
    from config import Settings

    built = []
    build_route = routing._EffectiveRouteContext.from_api_route

    def counted(cls, **route):
        built.append(route["original_route"].path)
        return build_route(**route)

    monkeypatch.setattr(routing._EffectiveRouteContext, "from_api_route", classmethod(counted))

    def routes_built_by_a_request(app) -> int:
        built.clear()
        with TestClient(app) as client:
            assert client.get("/api/v1/projects").status_code == 401
        return len(built)

    def new_app(name: str):
        return create_app(Settings(database_url=f"sqlite:///{tmp_path / name}.db",
                                   data_dir=tmp_path / name, demo=False,
                                   embedded_worker=False))

    as_created, served = new_app("as-created"), new_app("served")
    try:
        assert routes_built_by_a_request(as_created) > 0
        prepare_to_serve(served)
        assert gc.get_freeze_count() > 0
        assert routes_built_by_a_request(served) == 0
    finally:
        gc.unfreeze()
        for app in (as_created, served):
            app.state.engine.dispose()


def test_heurist_up_is_the_server_and_stops_whole_on_sigterm(tmp_path):
    """`heurist up` becomes the server process: a SIGTERM to the pid a service manager
    started stops the server and its embedded worker, and frees the port."""
    port = free_port()
    env = os.environ | {"HEURIST_DATA_DIR": str(tmp_path / "var"), "HEURIST_PORT": str(port)}
    env.pop("HEURIST_DATABASE_URL", None)
    up = subprocess.Popen([sys.executable, "-m", "client", "up", "--no-demo"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker is None:
            line = up.stdout.readline()
            if line.startswith("Worker process "):
                worker = int(line.split()[2])
        assert worker is not None, "no embedded worker started"
        wait_healthy(f"http://127.0.0.1:{port}")
    finally:
        up.terminate()
        up.wait(timeout=40)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (alive(worker) or listening(port)):
        time.sleep(0.1)
    assert not alive(worker), "the embedded worker outlived `heurist up`"
    assert not listening(port), "the server outlived `heurist up`"


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
