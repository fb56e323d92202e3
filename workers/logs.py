"""Worker logs: text lines (Celery's format) or one JSON object a line (``HEURIST_LOG_FORMAT``).

A JSON line names the run and chunk of the task that wrote it, so a cluster's logs can be
searched by run id:

>>> import logging
>>> record = logging.LogRecord("workers", logging.WARNING, __file__, 1, "chunk %s done",
...                            (3,), None)
>>> with run_context(12, 3):
...     print(JsonFormatter().format(record))  # doctest: +ELLIPSIS
{"time": "...", "level": "WARNING", "logger": "workers", "process": "MainProcess", \
"message": "chunk 3 done", "run_id": 12, "chunk": 3}
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_current: ContextVar[tuple[int | None, int | None]] = ContextVar("heurist_run",
                                                                  default=(None, None))


@contextmanager
def run_context(run_id: int, chunk: int | None = None) -> Iterator[None]:
    """Log lines written inside the block name ``run_id`` (and ``chunk``)."""
    token = _current.set((run_id, chunk))
    try:
        yield
    finally:
        _current.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, process, message, and the
    run id and chunk of the task at work, with the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC)
                 .isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name,
                 "process": record.processName, "message": record.getMessage()}
        run_id, chunk = _current.get()
        if run_id is not None:
            entry["run_id"] = run_id
        if chunk is not None:
            entry["chunk"] = chunk
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def use_format(log_format: str, *loggers: logging.Logger) -> None:
    """Give the handlers of ``loggers`` the JSON format when ``log_format`` is ``json``
    (text keeps the handlers' own format)."""
    if log_format != "json":
        return
    for logger in loggers:
        for handler in logger.handlers:
            handler.setFormatter(JsonFormatter())
