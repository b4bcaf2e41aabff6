"""HTTP request latency by route TEMPLATE (never the raw path: bounded cardinality), method and status.

A plain ASGI middleware (no BaseHTTPMiddleware: it would copy bodies and add a task per request).
The route template is read from `scope["route"]`, which Starlette's router sets in place while it
matches; requests that match no route are labelled "unmatched". The duration runs from the first
byte of the request reaching the app to the last byte of the response leaving it.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.meters import HTTP_IN_FLIGHT, HTTP_LATENCY

UNMATCHED = "unmatched"


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/v1/leads/{lead_id}`), or "unmatched"."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before starting a response

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            HTTP_IN_FLIGHT.dec()
            HTTP_LATENCY.labels(
                route=route_template(scope), method=scope["method"], status=str(status)
            ).observe(time.perf_counter() - started)


def install_http_metrics(app: Starlette) -> None:
    """Add the middleware to a Starlette/FastAPI app (call once, in `create_app`)."""
    app.add_middleware(HttpMetricsMiddleware)
