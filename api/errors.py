"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from heuristics.errors import (
    AuthenticationError,
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
}


def status_of(error: HeuristError) -> int:
    return next((code for cls, code in STATUS.items() if isinstance(error, cls)), 400)


async def _handle(_request: Request, error: HeuristError) -> JSONResponse:
    body = {"detail": error.describe(), "message": error.message, "row": error.row,
            "field": error.field}
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, AuthenticationError) else None
    return JSONResponse(body, status_code=status_of(error), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HeuristError, _handle)
