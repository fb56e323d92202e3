"""The API's 4xx/5xx answers as exceptions, one class per kind, carrying ``detail``, ``row``
and ``field`` as the API sent them."""

from __future__ import annotations

from typing import Any


class HeuristAPIError(Exception):
    """An error answer of the API: its status code and the body's ``detail``/``row``/``field``."""

    def __init__(self, status: int, detail: str, *, row: int | None = None,
                 field: str | None = None, body: Any = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.row = row
        self.field = field
        self.body = body


class Unauthorized(HeuristAPIError):
    """401: no key, or a key the server does not know."""


class Forbidden(HeuristAPIError):
    """403: the key's user may not do this."""


class NotFound(HeuristAPIError):
    """404: no such project, task, heuristic, run or route."""


class Conflict(HeuristAPIError):
    """409: e.g. a name already taken."""


class ValidationFailed(HeuristAPIError):
    """422: bad input; ``row`` and ``field`` say where."""


class Overloaded(HeuristAPIError):
    """429/503 still answered after every retry."""


ERRORS: dict[int, type[HeuristAPIError]] = {
    401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict, 422: ValidationFailed,
    429: Overloaded, 503: Overloaded,
}


def error_for(status: int, body: Any) -> HeuristAPIError:
    """The exception for an error answer with JSON (or text) ``body``.

    >>> error = error_for(422, {"detail": "row 3: bad", "row": 3, "field": "text"})
    >>> type(error).__name__, error.row, error.field
    ('ValidationFailed', 3, 'text')
    >>> error_for(500, "boom").detail
    'boom'
    """
    if isinstance(body, dict):
        detail = body.get("detail")
        detail = detail if isinstance(detail, str) else str(detail)
        return ERRORS.get(status, HeuristAPIError)(status, detail, row=body.get("row"),
                                                   field=body.get("field"), body=body)
    return ERRORS.get(status, HeuristAPIError)(status, str(body), body=body)
