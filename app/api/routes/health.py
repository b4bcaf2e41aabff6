"""Liveness, readiness and Prometheus metrics: open, no API key."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from app.api.deps import StateDep
from app.core.metrics import render_metrics
from app.core.readiness import run_checks

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str


class Check(BaseModel):
    ok: bool
    latency_ms: float
    error: str | None  # the kind of failure ("timeout", an exception class), never its text


class Readiness(BaseModel):
    status: str
    checks: dict[str, Check]


@router.get("/healthz", summary="Liveness", response_model=Liveness)
async def healthz() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/readyz",
    summary="Readiness of every dependency",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "a dependency is down"}},
)
async def readyz(state: StateDep) -> JSONResponse:
    results = await run_checks(state)
    ready = all(r.ok for r in results)
    body = Readiness(
        status="ready" if ready else "unavailable",
        checks={r.name: Check(ok=r.ok, latency_ms=round(r.latency_ms, 2), error=r.error) for r in results},
    )
    return JSONResponse(status_code=200 if ready else 503, content=body.model_dump())


@router.get("/metrics", include_in_schema=False)
async def metrics(state: StateDep) -> Response:
    return Response(content=render_metrics(state.settings), media_type=CONTENT_TYPE_LATEST)
