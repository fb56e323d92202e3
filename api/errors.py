"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from heuristics.errors import (
    AuthenticationError,
    BusyError,
    ConflictError,
    HeuristError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)

STATUS = {
    InvalidInputError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    BusyError: 429,
}


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


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HeuristError, _handle)
    app.add_exception_handler(RequestValidationError, _handle_validation)
