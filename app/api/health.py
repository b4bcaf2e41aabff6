"""Liveness, readiness and Prometheus metrics: open, no API key."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from app.api.deps import StateDep
from app.core.metrics import render_metrics
from app.observability.readiness import run_checks

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str


class CheckOut(BaseModel):
    ok: bool
    latency_ms: float
    error: str | None


class Readiness(BaseModel):
    status: str
    checks: dict[str, CheckOut]


@router.get("/healthz", summary="Liveness: the process answers", response_model=Liveness)
async def healthz() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: every dependency and component check, timed",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "a dependency is down"}},
)
async def readyz(state: StateDep) -> JSONResponse:
    results = await run_checks(state.core, state.probes())
    ready = all(r.ok for r in results)
    body = Readiness(
        status="ready" if ready else "unavailable",
        checks={r.name: CheckOut(ok=r.ok, latency_ms=round(r.latency_ms, 2), error=r.error) for r in results},
    )
    return JSONResponse(status_code=200 if ready else 503, content=body.model_dump())


@router.get(
    "/metrics",
    summary="Prometheus exposition of every meter",
    response_model=None,
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
    include_in_schema=False,
)
async def metrics(state: StateDep) -> Response:
    return Response(content=render_metrics(state.core.settings), media_type=CONTENT_TYPE_LATEST)
