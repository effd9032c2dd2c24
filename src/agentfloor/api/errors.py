"""RFC 9457 problem responses: the one table from error kind to HTTP status.

Every error leaves the API as `application/problem+json` with `type`, `title`, `status`, `detail`
(a sentence a person can act on) and, for bad input, `errors`: one `{loc, message}` per field.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agentfloor.core.errors import (
    AgentfloorError,
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)

__all__ = ["STATUS_BY_KIND", "install_error_handlers", "problem_response"]

PROBLEM_JSON = "application/problem+json"

STATUS_BY_KIND: dict[type[AgentfloorError], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    PayloadTooLarge: 413,
    Unauthenticated: 401,
    PermissionDenied: 403,
    Unavailable: 503,
}

TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    500: "Internal server error",
    503: "Service unavailable",
}


def status_for(exc: AgentfloorError) -> int:
    """Return the HTTP status of an error by walking its kinds."""
    for kind in type(exc).__mro__:
        if kind in STATUS_BY_KIND:
            return STATUS_BY_KIND[kind]
    return 500


def problem_response(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build one problem+json response."""
    title = TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": f"https://agentfloor.dev/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _loc(parts: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in parts)


async def _agentfloor_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AgentfloorError)
    status = status_for(exc)
    errors = [{"loc": p.loc, "message": p.message} for p in exc.problems]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem_response(status, exc.message, errors=errors, extra=exc.extra, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": _loc(e["loc"]), "message": e["msg"]} for e in exc.errors()]
    summary = "; ".join(f"{e['loc']}: {e['message']}" for e in errors[:5])
    return problem_response(422, f"the request is not valid: {summary}", errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"there is no endpoint at {request.url.path}; see /openapi.json"
    return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    """Make every error a problem+json response."""
    app.add_exception_handler(AgentfloorError, _agentfloor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
