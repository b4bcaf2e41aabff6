"""Liveness, readiness and Prometheus metrics: open, no API key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.deps import StateDep
from app.core.metrics import render_metrics
from app.observability.readiness import run_checks

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "a dependency is down"}})
async def readyz(state: StateDep) -> JSONResponse:
    results = await run_checks(state)
    ready = all(r.ok for r in results)
    body: dict[str, Any] = {
        "status": "ready" if ready else "unavailable",
        "checks": {
            r.name: {"ok": r.ok, "latency_ms": round(r.latency_ms, 2), "error": r.error} for r in results
        },
    }
    return JSONResponse(status_code=200 if ready else 503, content=body)


@router.get("/metrics", include_in_schema=False)
async def metrics(state: StateDep) -> Response:
    return Response(content=render_metrics(state.settings), media_type=CONTENT_TYPE_LATEST)
