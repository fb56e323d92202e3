"""docker-compose.yml is valid and every command it runs exists in this project."""

from __future__ import annotations

import shutil
import subprocess
import sys
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
