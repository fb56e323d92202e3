"""The live stack of the worker tests (uvicorn in a thread, a real worker), with the SDK and
the CLI pointed at it through HEURIST_URL / HEURIST_API_KEY."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from client.cli import run_cli
from client.sdk import Heurist
from tests.workers.conftest import Stack, embedded  # noqa: F401 - the fixture, reused


@dataclass
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def served(embedded: Stack, monkeypatch) -> Stack:  # noqa: F811
    """The API, with the client configuration pointing at it (no worker)."""
    monkeypatch.setenv("HEURIST_URL", embedded.base)
    monkeypatch.setenv("HEURIST_API_KEY", embedded.headers["Authorization"].split()[1])
    monkeypatch.delenv("HEURIST_PROJECT", raising=False)
    monkeypatch.delenv("HEURIST_TASK", raising=False)
    return embedded


@pytest.fixture
def live(served: Stack) -> Stack:
    """The API and a worker."""
    served.start_worker()
    served.wait_ready("w1")
    return served


@pytest.fixture
def sdk(served: Stack) -> Iterator[Heurist]:
    with Heurist() as client:
        yield client


@pytest.fixture
def heurist(capsys):
    """``heurist(*args)``: the CLI run in this process, as its console script runs it."""

    def invoke(*args: str) -> Outcome:
        try:
            run_cli(list(args))
            code = 0
        except SystemExit as done:
            code = done.code or 0
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return invoke
