"""Logs as text lines or one JSON object a line (``HEURIST_LOG_FORMAT``), for the workers and
the API alike.

A JSON line carries the fields of the work at hand: the run and chunk of a worker's task,
the request id of an API request (:func:`log_context`), so a cluster's logs can be searched
by either:

>>> import logging
>>> record = logging.LogRecord("workers", logging.WARNING, __file__, 1, "chunk %s done",
...                            (3,), None)
>>> with run_context(12, 3):
...     print(JsonFormatter().format(record))  # doctest: +ELLIPSIS
{"time": "...", "level": "WARNING", "logger": "workers", "process": "MainProcess", \
"message": "chunk 3 done", "run_id": 12, "chunk": 3}
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_current: ContextVar[dict[str, Any]] = ContextVar("heurist_log_context")
FIELDS = "fields"
"""The ``extra`` key under which a log call passes fields of its own:
``log.info("...", extra={FIELDS: {"status": 200}})``."""


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Log lines written inside the block (on this thread, or a thread started with a copy
    of its context) carry ``fields``, over those of enclosing blocks."""
    token = _current.set(_current.get({}) | fields)
    try:
        yield
    finally:
        _current.reset(token)


def run_context(run_id: int, chunk: int | None = None) -> contextlib.AbstractContextManager:
    """Log lines written inside the block name ``run_id`` (and ``chunk``, its position)."""
    return log_context(run_id=run_id, **({} if chunk is None else {"chunk": chunk}))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, process, message, the fields
    of :func:`log_context` and of the call, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC)
                 .isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name,
                 "process": record.processName, "message": record.getMessage()}
        entry |= _current.get({}) | getattr(record, FIELDS, {})
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
