"""Checks of the frames the runner sends before the worker acts on them.

User code runs in the runner's own process and can write to its output pipe, so every frame
is untrusted: a frame of the wrong shape raises :class:`ProtocolError`, and the launcher
stops the sandbox ("sent malformed output"), whatever the frame holds.

Examples
--------
>>> check_frame({"type": "progress", "done": 1, "total": 3, "stage": "model 1", "logs": ""},
...             task_kind="classification", sent={}, answered=set())["total"]
3
>>> check_frame({"type": "progress", "done": 1, "total": 0, "stage": "", "logs": ""},
...             task_kind="classification", sent={}, answered=set())
Traceback (most recent call last):
...
heuristics.sandbox.protocol.ProtocolError: progress: 'total' must be a positive integer
"""

from __future__ import annotations

import math
from collections.abc import Container, Mapping
from typing import Any

from heuristics.sandbox.protocol import ProtocolError

MAX_DEPTH = 6
"""How deeply the free-form parts of a frame (a learner's metrics) may nest."""


def _int(frame: Mapping[str, Any], key: str, *, where: str, optional: bool = False
         ) -> int | None:
    value = frame.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"{where}: {key!r} must be an integer")
    return value


def _text(frame: Mapping[str, Any], key: str, *, where: str, optional: bool = False) -> None:
    value = frame.get(key, "" if optional else None)
    if not isinstance(value, str) and not (optional and value is None):
        raise ProtocolError(f"{where}: {key!r} must be a string")


def _flag(frame: Mapping[str, Any], key: str, *, where: str) -> None:
    if not isinstance(frame.get(key), bool):
        raise ProtocolError(f"{where}: {key!r} must be true or false")


def _plain(value: Any, *, where: str, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ProtocolError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        for item in value.values():
            _plain(item, where=where, depth=depth + 1)
    elif isinstance(value, list):
        for item in value:
            _plain(item, where=where, depth=depth + 1)


def _output(out: Any, *, task_kind: str) -> None:
    """A record's raw result as the runner writes it (its meaning is checked later, per
    record, against the task's labels and tokens)."""
    if task_kind == "extraction":
        if not isinstance(out, list) or not all(
                isinstance(span, list) and len(span) == 4 and span[0] in ("tok", "chr")
                and isinstance(span[1], str)
                and all(isinstance(x, int) and not isinstance(x, bool) for x in span[2:])
                for span in out):
            raise ProtocolError("results: an extraction output must be a list of "
                                "[kind, label, start, end]")
    elif task_kind == "attribute":
        if not (out is None or isinstance(out, str | bool | int)
                or isinstance(out, float) and math.isfinite(out)):
            raise ProtocolError("results: an attribute value must be a string, number, "
                                "boolean or null")
    elif not (out is None or isinstance(out, str)
              or isinstance(out, list) and all(isinstance(x, str) for x in out)):
        raise ProtocolError("results: a classification output must be a label, a list of "
                            "labels or null")


def _results(frame: Mapping[str, Any], *, task_kind: str, sent: Container[int],
             answered: set[int]) -> None:
    items = frame.get("results")
    if not isinstance(items, list):
        raise ProtocolError("results: 'results' must be a list")
    for item in items:
        if not isinstance(item, dict):
            raise ProtocolError("results: every result must be an object")
        index = _int(item, "i", where="results")
        if index not in sent:
            raise ProtocolError(f"results: record #{index} was never sent")
        if index in answered:
            raise ProtocolError(f"results: record #{index} was answered twice")
        answered.add(index)
        if "error" in item:
            _text(item, "error", where="results")
            _int(item, "line", where="results", optional=True)
            _text(item, "traceback", where="results", optional=True)
        elif "out" in item:
            _output(item["out"], task_kind=task_kind)
        else:
            raise ProtocolError(f"results: record #{index} has neither output nor error")
    _text(frame, "logs", where="results")
    _flag(frame, "logs_truncated", where="results")


def check_frame(frame: dict[str, Any], *, task_kind: str, sent: Container[int],
                answered: set[int]) -> dict[str, Any]:
    """Return ``frame`` if it has the shape its type promises, else raise ProtocolError.

    Parameters
    ----------
    frame
        A message read from the runner.
    task_kind
        The task's kind: results must be outputs of that kind ("attribute": values of a
        computed attribute).
    sent
        Input positions of the records sent so far; results may name only these.
    answered
        Positions already answered; updated with the ones this frame answers (a record
        answered twice is malformed).
    """
    kind = frame.get("type")
    if kind == "results":
        _results(frame, task_kind=task_kind, sent=sent, answered=answered)
    elif kind == "progress":
        total = _int(frame, "total", where="progress")
        if total <= 0:
            raise ProtocolError("progress: 'total' must be a positive integer")
        done = _int(frame, "done", where="progress")
        if not 0 <= done <= total:
            raise ProtocolError("progress: 'done' must lie between 0 and 'total'")
        _text(frame, "stage", where="progress")
        _text(frame, "logs", where="progress")
    elif kind == "learner":
        classes = frame.get("classes")
        if classes is not None and not (isinstance(classes, list)
                                        and all(isinstance(c, str) for c in classes)):
            raise ProtocolError("learner: 'classes' must be a list of label names")
        for key in ("n_labelled", "n_folds"):
            if _int(frame, key, where="learner") < 0:
                raise ProtocolError(f"learner: {key!r} must not be negative")
        if not isinstance(frame.get("metrics"), dict):
            raise ProtocolError("learner: 'metrics' must be an object")
        _plain(frame["metrics"], where="learner")
        _text(frame, "logs", where="learner")
        _flag(frame, "logs_truncated", where="learner")
    elif kind == "fatal":
        _text(frame, "error", where="fatal")
        for key in ("stage", "field", "traceback", "logs"):
            _text(frame, key, where="fatal", optional=True)
        _int(frame, "line", where="fatal", optional=True)
    elif kind == "stopped":
        if _int(frame, "index", where="stopped") not in sent:
            raise ProtocolError("stopped: the record was never sent")
        _text(frame, "error", where="stopped")
    elif kind != "done":
        raise ProtocolError(f"unknown frame type {str(kind)[:40]!r}")
    return frame
