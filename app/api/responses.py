"""Error responses declared in OpenAPI: every route lists the statuses it can answer with."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    """The one error shape: {"error": {"code", "message", "field"}}."""

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "bad request",
    401: "missing, invalid or revoked API key",
    403: "the API key lacks the required scope",
    404: "no such object in this workspace",
    409: "conflicts with an existing object",
    413: "request too large",
    422: "invalid request (the field is named)",
    429: "rate limit exceeded",
    503: "a dependency is not ready",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the auth errors plus `codes`, all in the error shape."""
    wanted = sorted({401, 403, 422, 429, *codes})
    return {code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in wanted}
