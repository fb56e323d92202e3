"""The Label Studio export checked by Label Studio's own parser: label-studio-sdk's
``LabelInterface`` validates the labeling configuration and every annotation and
prediction of the exported tasks (classification, multi-label and spans).

label-studio-sdk cannot share the project's virtualenv (its opencv-python-headless pin
needs numpy < 2.3, the project pins 2.4), so it lives in a virtualenv of its own under
``var/``, made from PyPI on the first run and reused after."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from formats.label_studio import write_tasks
from services.label_studio import label_studio_config, label_studio_tasks
from tests.store.test_label_studio import EXPORT, _import, owner, project  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
SDK = "label-studio-sdk==2.1.2"
CHECK = """\
import json
import sys

from label_studio_sdk.label_interface import LabelInterface

given = json.load(sys.stdin)
problems = []
interface = LabelInterface(given["config"])
try:
    interface.validate()
except Exception as error:  # noqa: BLE001 - Label Studio raises plain exceptions
    problems.append(f"configuration: {error}")
for number, task in enumerate(given["tasks"], start=1):
    for tag in interface.objects:
        if tag.value_is_variable and task["data"].get(tag.value_name) is None:
            problems.append(f"task {number}: data has no {tag.value_name!r}")
    for kind in ("annotations", "predictions"):
        for item in task.get(kind, []):
            errors = interface.validate_prediction(item, return_errors=True)
            problems += [f"task {number} {kind[:-1]}: {error}" for error in errors or []]
print(json.dumps(problems))
"""
"""Run in the label-studio-sdk virtualenv: reads ``{"config", "tasks"}`` on stdin and prints
the problems Label Studio's own parser finds, as a JSON list (empty: all accepted)."""


@pytest.fixture(scope="session")
def label_studio_python() -> Path:
    """A Python with label-studio-sdk (``HEURIST_TEST_LS_VENV`` or ``var/label-studio-sdk``)."""
    venv = Path(os.environ.get("HEURIST_TEST_LS_VENV", ROOT / "var" / "label-studio-sdk"))
    python = venv / "bin" / "python"
    ready = venv / ".installed"
    venv.parent.mkdir(parents=True, exist_ok=True)
    # Each test process (pytest-xdist) asks for it: one makes it while the others wait.
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            shutil.rmtree(venv, ignore_errors=True)  # what an interrupted first run left
            _setup_step([sys.executable, "-m", "venv", "--without-pip", str(venv)])
            _setup_step([sys.executable, "-m", "pip", "--python", str(python), "install",
                         "--quiet", SDK])
            ready.write_text(SDK)
    return python


def _setup_step(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n"
                           f"{done.stdout}{done.stderr}")


def label_studio_says(python: Path, config: str, tasks: list[dict]) -> list[str]:
    done = subprocess.run([str(python), "-c", CHECK], input=json.dumps(
        {"config": config, "tasks": tasks}), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_label_studio_accepts_the_export(session, project, owner,  # noqa: F811
                                         label_studio_python):
    _import(session, project, owner, EXPORT.read_bytes(), id_field="review_id")
    config = label_studio_config(session=session, project=project)
    tasks = json.loads(b"".join(write_tasks(label_studio_tasks(session=session,
                                                                project=project))))
    assert sum(len(t["annotations"]) for t in tasks) >= 3
    assert label_studio_says(label_studio_python, config, tasks) == []


def test_label_studio_finds_what_it_does_not_accept(session, project, owner,  # noqa: F811
                                                    label_studio_python):
    """The check can fail: a choice the configuration does not have, and a span label of
    another control, are both reported."""
    _import(session, project, owner, EXPORT.read_bytes(), id_field="review_id")
    config = label_studio_config(session=session, project=project)
    tasks = json.loads(b"".join(write_tasks(label_studio_tasks(session=session,
                                                                project=project))))
    results = [r for t in tasks for a in t["annotations"] for r in a["result"]]
    next(r for r in results if r["type"] == "choices")["value"]["choices"] = ["Neutral"]
    next(r for r in results if r["type"] == "labels")["value"]["labels"] = ["PERSON"]
    problems = label_studio_says(label_studio_python, config, tasks)
    assert len(problems) >= 2, problems
