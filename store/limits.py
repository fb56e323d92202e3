"""Size limits of what users can make Heurist store, and the one cap of stored messages.

User strings are refused above their limit when a request is parsed (the API schemas use
these constants); messages Heurist writes itself (run errors, logs, event payloads) are
cut to :data:`MESSAGE_CAP` by :func:`capped` before they are stored.

Examples
--------
>>> capped("short")
'short'
>>> text = capped("a" * 50 + "b" * 50, limit=40)
>>> len(text) <= 40 + len(CUT_MARK.format(n=100)), text.startswith("a"), text.endswith("b")
(True, True, True)
"""

from __future__ import annotations

NAME_MAX = 200
"""Names: projects, tasks, labels, attributes, heuristics, users, keys."""
DESCRIPTION_MAX = 10_000
"""Descriptions of projects, heuristics and labels."""
GUIDELINES_MAX = 100_000
"""A task's guidelines."""
SOURCE_MAX = 1_000_000
"""Source code of a heuristic."""
LABELS_MAX = 1_000
"""Labels of one task given at once, and ids listed in one request."""
QUERY_TEXT_MAX = 100_000
"""A similarity query text."""
MESSAGE_CAP = 64_000
"""A stored run error, a run's or chunk's logs, a text in an event payload."""
CUT_MARK = "\n[... {n} characters cut ...]\n"


def capped(text: str | None, *, limit: int = MESSAGE_CAP) -> str | None:
    """``text`` if it has at most ``limit`` characters, else its head and tail around a mark
    saying how much was cut (so the start of an error and the end of a log both survive)."""
    if text is None or len(text) <= limit:
        return text
    head = limit // 2
    tail = limit - head
    return text[:head] + CUT_MARK.format(n=len(text) - limit) + text[-tail:]

VALUES_MAX = 1_000
"""The most values of an attribute one answer lists (:mod:`store.attribute_values`)."""

COMMENT_MAX = 10_000
"""The most characters of a comment on a record."""
