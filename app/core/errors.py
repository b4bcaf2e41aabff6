"""One JSON error shape for every failure: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

logger = logging.getLogger(__name__)

_STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",  # or "overloaded" when requests are shed
}


class FieldProblem(BaseModel):
    field: str | None
    reason: str


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    field: str | None
    details: list[FieldProblem] | None = None


class ErrorResponse(BaseModel):
    """The body of every error answer."""

    error: ErrorDetail


_DESCRIPTIONS: dict[int, str] = {
    400: "malformed request",
    401: "missing, invalid or revoked API key",
    403: "the API key lacks the scope (or the miner) this needs",
    404: "no such object",
    405: "method not allowed on this path",
    409: "conflict",
    413: "request body larger than the limit",
    422: "invalid input; `field` names the first offending field",
    429: "rate limited; retry after `Retry-After` seconds",
    503: "a dependency is unavailable or the service is overloaded; retry after `Retry-After`",
}
# What any route behind an API key can answer besides its own errors.
AUTHENTICATED = (401, 403, 413, 422, 429, 503)


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status documented with the error model."""
    return {code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in sorted(set(codes))}


class ApiError(Exception):
    """An error the API answers with a JSON body; raise it from services and routes."""

    def __init__(
        self,
        *,
        status_code: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})


RETRY_SHORTLY = {"Retry-After": "1"}


def retry_shortly(*, code: str, message: str) -> ApiError:
    """A 503 the client may retry after a second: the service or a dependency is busy or restarting."""
    return ApiError(status_code=503, code=code, message=message, headers=RETRY_SHORTLY)


def error_body(*, code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "field": field}
    body.update(extra)
    return {"error": body}


def field_path(loc: Sequence[str | int]) -> str:
    """Turn a pydantic location like ("body", "filters", "k") into "filters.k"."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) if parts else ".".join(str(p) for p in loc)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        status_code=exc.status_code,
        content=error_body(code=exc.code, message=exc.message, field=exc.field),
        headers=exc.headers,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return JSONResponse(
        status_code=exc.status_code, content=error_body(code=code, message=message), headers=headers
    )


def method_not_allowed(allow: str) -> ApiError:
    """405 for a path whose only method is `allow`, where a path parameter route (`/{id}`) would
    otherwise answer the other methods (422 or 404)."""
    return ApiError(
        status_code=405,
        code="method_not_allowed",
        message=f"method not allowed; use {allow}",
        headers={"Allow": allow},
    )


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (a path served by one route per method gets the
    first route's methods only from Starlette)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    details = [
        {"field": field_path(tuple(e.get("loc", ()))), "reason": str(e.get("msg", "invalid"))} for e in errors
    ]
    first = details[0] if details else {"field": None, "reason": "invalid request"}
    return JSONResponse(
        status_code=422,
        content=error_body(
            code="validation_error",
            message=f"{first['field']}: {first['reason']}" if first["field"] else str(first["reason"]),
            field=first["field"],
            details=details,
        ),
    )


async def _pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
    # Every pooled database connection stayed busy for the whole pool timeout: the process is
    # overloaded. Shed the request with a retryable answer instead of a 500.
    logger.warning("database pool exhausted on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        status_code=503,
        content=error_body(code="overloaded", message="the service is overloaded; retry shortly"),
        headers=RETRY_SHORTLY,
    )


# A dependency (PostgreSQL, Redis) that is down, restarting or unreachable: the request may succeed
# when retried, so it is answered 503 with Retry-After, not 500.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # ConnectionRefusedError, ConnectionResetError, TimeoutError, ...
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,  # the server is starting up or shutting down
    asyncpg.exceptions.OperatorInterventionError,  # 57P01 admin shutdown, 57P02 crash shutdown
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InsufficientResourcesError,  # 53xxx: disk full, out of memory, too many conns
    DisconnectionError,
    RedisConnectionError,
    RedisTimeoutError,
)


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything it wraps (cause, context, a DB-API error's `orig`), each once."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        stack.extend(
            [current.__cause__, current.__context__, orig if isinstance(orig, BaseException) else None]
        )


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what it wraps) means a dependency is unavailable for now."""
    for current in exception_chain(exc):
        if isinstance(current, _UNAVAILABLE):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, asyncpg.exceptions.InterfaceError) and "connection" in str(current).lower():
            return True  # "connection is closed", "cannot perform operation: another operation ..."
    return False


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    if is_unavailable(exc):
        logger.warning(
            "dependency unavailable on %s %s: %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
            exc,
        )
        return JSONResponse(
            status_code=503,
            content=error_body(code="unavailable", message="a dependency is unavailable; retry shortly"),
            headers=RETRY_SHORTLY,
        )
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        status_code=500, content=error_body(code="internal_error", message="internal server error")
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(PoolTimeoutError, _pool_exhausted)
    app.add_exception_handler(Exception, _unhandled)
