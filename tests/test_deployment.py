"""docker-compose.yml is valid and every command it runs exists in this project."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_compose_file_is_valid():
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose is missing: run ./scripts/system-deps.sh (make test does)"
    result = subprocess.run([compose, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_has_the_cluster_services():
    assert {"postgres", "redis", "api", "worker"} <= set(services())
    worker = services()["worker"]
    assert "container_name" not in worker and "ports" not in worker, "worker must scale"
    api_env = services()["api"]["environment"]
    assert api_env["HEURIST_BROKER_URL"].startswith("redis://")
    assert api_env["HEURIST_DATABASE_URL"].startswith("postgresql+psycopg://")


@pytest.mark.parametrize("name", ["api", "worker"])
def test_every_service_command_exists(name):
    service = services()[name]
    assert (ROOT / service["build"] / "Dockerfile").exists()
    command = service["command"]
    executable = BIN / command[0]
    assert executable.exists(), f"{command[0]} is not installed by this project"
    result = subprocess.run([str(executable), *command[1:], "--help"], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr


def test_compose_settings_are_heurist_settings():
    from config import Settings

    for name in ("api", "worker"):
        env = services()[name]["environment"]
        fields = {key.removeprefix("HEURIST_").lower(): value for key, value in env.items()}
        assert set(fields) <= set(Settings.model_fields), f"unknown settings in {name}"
        settings = Settings(_env_file=None, **fields)
        assert settings.log_format == "json" and not settings.embedded_worker


def test_worker_may_start_the_sandbox_and_the_api_runs_unprivileged():
    worker, api = services()["worker"], services()["api"]
    # bubblewrap as root: namespaces and mounts need CAP_SYS_ADMIN, and Docker's default
    # seccomp and AppArmor profiles refuse them
    assert worker["user"] == "root" and "SYS_ADMIN" in worker["cap_add"]
    assert {"seccomp=unconfined", "apparmor=unconfined"} <= set(worker["security_opt"])
    assert "user" not in api and "cap_add" not in api and "security_opt" not in api
    dockerfile = (ROOT / api["build"] / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0"), "the API must not run as root"


def test_image_installs_cpu_only_torch_before_the_project():
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    torch = next(i for i, line in enumerate(lines) if "torch==" in line)
    project = next(i for i, line in enumerate(lines) if line.strip().endswith("pip install "
                                                                             "--no-cache-dir ."))
    assert "--index-url https://download.pytorch.org/whl/cpu" in lines[torch]
    pinned = next(d for d in tomllib.loads((ROOT / "pyproject.toml").read_text())
                  ["project"]["dependencies"] if d.startswith("torch=="))
    assert pinned in lines[torch] and torch < project


def test_workers_wait_for_a_healthy_api():
    api, worker = services()["api"], services()["worker"]
    probe = " ".join(api["healthcheck"]["test"])
    assert "/health" in probe and "curl" not in probe, "the slim image has python, not curl"
    assert worker["depends_on"]["api"]["condition"] == "service_healthy"
