"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException

from api.metrics import SHED
from heuristics.errors import (
    AuthenticationError,
    BusyError,
    ConflictError,
    HeuristError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from store.db import is_lock_timeout, is_missing_reference

RETRY_AFTER_S = 1
"""What a 503 after a lock wait that ran out asks the client to wait before trying again."""

STATUS = {
    InvalidInputError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    BusyError: 429,
}


class ErrorPublic(BaseModel):
    """The body of every 4xx and 5xx answer."""

    detail: str = Field(description="The message with the row and field it concerns, if any")
    message: str
    row: int | None = Field(None, description="1-based row (or line) of the uploaded file")
    field: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        None, description="A request that breaks the schema: every problem, as FastAPI lists it")


_MEANINGS = {
    400: "The request cannot be read (e.g. a body that is not JSON)",
    401: "No valid API key",
    403: "The caller's role in the project does not allow this",
    404: "Not found, or not visible to the caller",
    409: "Collides with stored data (a duplicate name or id)",
    413: "The upload is larger than the server accepts",
    422: "Invalid input: `detail` names the row and field",
    429: "Too many requests",
    503: "The database is busy; try again after `Retry-After` seconds",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic, "description": meaning} for code, meaning in _MEANINGS.items()}
"""The error answers of every route, for the OpenAPI schema (one copy, set on the router)."""
ERROR_RESPONSES[503]["headers"] = {"Retry-After": {
    "description": "Seconds to wait before trying again", "schema": {"type": "integer"}}}


def status_of(error: HeuristError) -> int:
    return next((code for cls, code in STATUS.items() if isinstance(error, cls)), 400)


async def _handle(_request: Request, error: HeuristError) -> JSONResponse:
    body = {"detail": error.describe(), "message": error.message, "row": error.row,
            "field": error.field}
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, AuthenticationError) else None
    if isinstance(error, BusyError):
        headers = {"Retry-After": str(error.retry_after_s)}
    return JSONResponse(body, status_code=status_of(error), headers=headers)


async def _handle_validation(_request: Request, error: RequestValidationError) -> JSONResponse:
    """A request that breaks the schema, in the same shape as every other 4xx: the first
    problem in ``detail``/``message``/``field``; all of them, as FastAPI lists them but
    without the rejected input, in ``errors``."""
    problems = [{key: value for key, value in problem.items() if key != "input"}
                for problem in error.errors()]   # never echo a (possibly huge) input back
    first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
    where = [str(part) for part in first.get("loc", ()) if part not in ("body", "query",
                                                                        "path", "header")]
    field = ".".join(where) or None
    message = first.get("msg", "invalid request")
    if first.get("type") == "extra_forbidden":
        message = "unknown field"
    detail = f"field {field!r}: {message}" if field else message
    return JSONResponse({"detail": detail, "message": message, "row": None, "field": field,
                         "errors": jsonable_encoder(problems)}, status_code=422)


async def _handle_http(_request: Request, error: HTTPException) -> JSONResponse:
    """FastAPI's own answers (an unreadable body, an unknown route) in the same shape."""
    message = str(error.detail)
    return JSONResponse({"detail": message, "message": message, "row": None, "field": None},
                        status_code=error.status_code, headers=error.headers)


async def _handle_database(request: Request, error: OperationalError) -> JSONResponse:
    """A lock wait that ran out (another transaction writes) is 503, to be retried; any
    other database failure stays a server error."""
    if not is_lock_timeout(error):
        raise error
    message = "the database is busy with another write; try again"
    SHED.labels(reason="lock_wait").inc()
    return JSONResponse({"detail": message, "message": message, "row": None, "field": None},
                        status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


async def _handle_integrity(request: Request, error: IntegrityError) -> JSONResponse:
    """A write naming a row another request deleted meanwhile (a record, a task, a label)
    is 409, said so; any other integrity failure stays a server error."""
    if not is_missing_reference(error):
        raise error
    message = ("something this request names was deleted meanwhile (a record, task or "
               "label): read it again")
    return JSONResponse({"detail": message, "message": message, "row": None, "field": None},
                        status_code=409)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HeuristError, _handle)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(HTTPException, _handle_http)
    app.add_exception_handler(OperationalError, _handle_database)
    app.add_exception_handler(IntegrityError, _handle_integrity)
