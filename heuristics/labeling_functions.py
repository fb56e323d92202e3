"""The labeling-function contract and the normalisation of what labeling functions return.

Classification: ``def lf(record) -> str | None`` (a label name, or None to abstain; a
multi-label task may return a list of names). Extraction: a generator yielding
``(label, start_token, end_token)`` (end exclusive) or ``Span(label, start, end)`` with char
offsets. Raw results cross the sandbox boundary as JSON and are checked here, outside it.

Examples
--------
>>> normalise_classification("spam", labels=["ham", "spam"], multilabel=False)
['spam']
>>> normalise_extraction([["tok", "PER", 0, 2]], labels=["PER"], starts=[0, 6, 12],
...                      ends=[5, 11, 14], text_length=14)
[('PER', 0, 2, 0, 11)]
"""

from __future__ import annotations

import ast
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass

from heuristics.errors import InvalidInputError
from heuristics.tokens import char_span_to_token_span, token_span_to_char_span

_SHOWN = reprlib.Repr()
_SHOWN.maxstring, _SHOWN.maxlist, _SHOWN.maxother = 200, 10, 200


def shown(value: object) -> str:
    """``repr(value)`` shortened for a message: what user code returned may be huge.

    >>> shown("spam2")
    "'spam2'"
    >>> len(shown("x" * 10**6)) <= 200
    True
    """
    return _SHOWN.repr(value)


@dataclass(frozen=True)
class Span:
    """A span in char offsets (end exclusive), as an extraction function may yield it."""

    label: str
    start: int
    end: int


def find_function(source: str, *, preferred: str = "lf",
                  returns: str = "a label name or None", what: str = "labeling function"
                  ) -> str:
    """The name of the labeling function (or other per-record function, ``what``, that
    ``returns``) defined in ``source``, checked without running it.

    One top-level function: that one; several: the one called ``preferred``.
    Raises InvalidInputError naming the line of a syntax error.

    >>> find_function("import re\\n\\ndef spam_words(record):\\n    return None\\n")
    'spam_words'
    >>> find_function("def lf(record)\\n    return 1\\n")
    Traceback (most recent call last):
    ...
    heuristics.errors.InvalidInputError: line 1, field 'source': syntax error: expected ':'
    """
    try:
        tree = ast.parse(source, filename="<heuristic>")
    except SyntaxError as error:
        raise InvalidInputError(f"syntax error: {error.msg}", field="source",
                                row=error.lineno) from error
    functions = [node.name for node in tree.body
                 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    if len(functions) == 1:
        return functions[0]
    if preferred in functions:
        return preferred
    if not functions:
        raise InvalidInputError(f"no function defined: write `def {preferred}(record):` "
                                f"returning {returns}", field="source")
    raise InvalidInputError(f"several functions ({', '.join(functions)}) and none called "
                            f"{preferred!r}: name the {what} {preferred!r}", field="source")


def normalise_classification(raw: object, *, labels: Sequence[str],
                             multilabel: bool) -> list[str]:
    """Label names a classification function voted for ([] = abstain).

    Raises InvalidInputError for an unknown label or a value of the wrong type.
    """
    if raw is None:
        return []
    names = raw if isinstance(raw, list) and multilabel else [raw]
    if isinstance(raw, list) and not multilabel:
        raise InvalidInputError(f"returned a list {shown(raw)}; a single-label task needs one "
                                "label name or None", field="output")
    for name in names:
        if not isinstance(name, str):
            raise InvalidInputError(f"returned {shown(name)} ({type(name).__name__}); expected a "
                                    "label name (str) or None", field="output")
        if name not in labels:
            known = ", ".join(repr(label) for label in labels)
            raise InvalidInputError(f"unknown label {shown(name)} (labels: {known})",
                                    field="output")
    return list(dict.fromkeys(names))


def normalise_extraction(raw: object, *, labels: Sequence[str], starts: Sequence[int],
                         ends: Sequence[int], text_length: int
                         ) -> list[tuple[str, int, int, int, int]]:
    """Spans an extraction function yielded, as (label, token_start, token_end, char_start,
    char_end); raw items are ``["tok", label, start, end]`` or ``["chr", label, start, end]``.
    """
    if not isinstance(raw, list):
        raise InvalidInputError("expected a list of spans", field="output")
    spans = []
    for item in raw:
        kind, label, start, end = item
        if label not in labels:
            known = ", ".join(repr(lb) for lb in labels)
            raise InvalidInputError(f"unknown label {shown(label)} (labels: {known})",
                                    field="output")
        if kind == "tok":
            char_start, char_end = token_span_to_char_span(starts, ends, start, end)
            spans.append((label, start, end, char_start, char_end))
        else:
            token_start, token_end = char_span_to_token_span(
                starts, ends, start, end, text_length=text_length)
            spans.append((label, token_start, token_end, starts[token_start],
                          ends[token_end - 1]))
    return list(dict.fromkeys(spans))
