"""HTTP latency by route template, method and status, on a small app and on the real one."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from app.observability.http import UNMATCHED, install_http_metrics


def count(route: str, method: str, status: str) -> float:
    labels = {"route": route, "method": method, "status": status}
    return REGISTRY.get_sample_value("http_request_duration_seconds_count", labels) or 0.0


def small_app() -> FastAPI:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    @app.post("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    install_http_metrics(app)
    return app


async def test_labels_are_route_templates_not_raw_paths() -> None:
    before = count("/things/{thing_id}", "GET", "200")
    before_422 = count("/things/{thing_id}", "GET", "422")
    transport = httpx.ASGITransport(app=small_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for i in range(3):
            assert (await client.get(f"/things/{i}")).status_code == 200
        assert (await client.get("/things/not-a-number")).status_code == 422
    assert count("/things/{thing_id}", "GET", "200") - before == 3
    assert count("/things/{thing_id}", "GET", "422") - before_422 == 1
    assert (
        REGISTRY.get_sample_value(
            "http_request_duration_seconds_count", {"route": "/things/1", "method": "GET", "status": "200"}
        )
        is None
    )


async def test_unmatched_and_failing_requests() -> None:
    before_404 = count(UNMATCHED, "GET", "404")
    before_500 = count("/boom", "POST", "500")
    transport = httpx.ASGITransport(app=small_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/nowhere/123")).status_code == 404
        assert (await client.post("/boom")).status_code == 500
    assert count(UNMATCHED, "GET", "404") - before_404 == 1
    assert count("/boom", "POST", "500") - before_500 == 1
    assert REGISTRY.get_sample_value("http_requests_in_flight") == 0


async def test_real_app_exposes_http_latency(app_client: httpx.AsyncClient) -> None:
    before = count("/healthz", "GET", "200")
    assert (await app_client.get("/healthz")).status_code == 200
    assert count("/healthz", "GET", "200") - before == 1
    body = (await app_client.get("/metrics")).text
    assert (
        'http_request_duration_seconds_bucket{le="0.001",method="GET",route="/healthz",status="200"}' in body
    )
    for name in ("pipeline_latency_seconds", "lead_cost_usd", "kafka_consumer_lag", "ranker_model_info"):
        assert f"# TYPE {name}" in body


@pytest.mark.parametrize("path", ["/v1/leads/00000000-0000-0000-0000-000000000000", "/random/path"])
async def test_real_app_never_labels_raw_paths(app_client: httpx.AsyncClient, path: str) -> None:
    await app_client.get(path)
    body = (await app_client.get("/metrics")).text
    assert f'route="{path}"' not in body
