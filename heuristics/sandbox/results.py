"""What a sandboxed execution is allowed (:class:`SandboxLimits`) and what it gives back
(:class:`SandboxResult`, :class:`RecordError`, :class:`SandboxError`)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from heuristics.errors import HeuristError

__all__ = ["ProgressCallback", "RecordError", "ResultsCallback", "SandboxError",
           "SandboxLimits", "SandboxResult", "SandboxUnavailable"]


class SandboxFailure(enum.StrEnum):
    """Why user code could not run to the end (for counting failures, never parsed from
    messages)."""

    LOAD = "load"
    """The code did not load (syntax error, failed import, missing function)."""
    ERROR = "error"
    """The code raised outside any one record (a learner's fit, say)."""
    TIME_LIMIT = "time_limit"
    CPU_LIMIT = "cpu_limit"
    KILLED = "killed"
    """Killed by a signal it cannot catch: the memory limit, usually."""
    FILE_SIZE = "file_size"
    CRASH = "crash"
    OUTPUT = "output"
    """Too much output, or output that breaks the protocol or the expected shape."""
    CANCELLED = "cancelled"
    STOPPED = "stopped"
    UNAVAILABLE = "unavailable"
    """No sandbox could be started."""
    ENDED = "ended"
    """The sandbox ended without saying why."""


class SandboxError(HeuristError):
    """User code could not run to the end: it did not load, raised, or the sandbox stopped
    it. ``logs`` holds what it printed before, ``traceback`` its frames (user code only),
    ``reason`` the kind of failure."""

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None,
                 logs: str = "", traceback: str = "",
                 reason: SandboxFailure = SandboxFailure.OUTPUT) -> None:
        super().__init__(message, field=field, row=row)
        self.logs, self.traceback, self.reason = logs, traceback, reason


class SandboxUnavailable(SandboxError):
    """No sandbox can be started on this machine."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason=SandboxFailure.UNAVAILABLE)


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sandboxed execution."""

    memory_mb: int = 4096
    cpu_seconds: int = 600
    wall_seconds: float = 900.0
    record_seconds: float = 10.0
    max_processes: int = 32
    max_file_mb: int = 64
    max_log_chars: int = 100_000
    max_output_mb: int = 512
    max_timeouts: int = 3
    wall_clock_name: str = "time limit"
    """How errors name the wall-clock limit (e.g. "sample time limit")."""
    max_tmp_mb: int = 512


@dataclass(frozen=True)
class RecordError:
    """User code failed on one record: ``index`` is its position in the input."""

    index: int
    message: str
    line: int | None = None
    traceback: str = ""


@dataclass
class SandboxResult:
    """Outputs by input position (unless streamed to a callback), errors, captured logs."""

    outputs: dict[int, Any] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)
    logs: str = ""
    logs_truncated: bool = False
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


ResultsCallback = Callable[[list[tuple[int, Any]], list[RecordError]], None]
ProgressCallback = Callable[[float, str, str], None]
"""Called during a learner run with the share of its models fitted, a line saying which, and
what the user's code printed since the last call."""
