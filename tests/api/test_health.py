"""Liveness, readiness per dependency (503 when Redis stops), and the metrics endpoint."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from app.core.config import Settings
from tests.conftest import app_client_for


async def test_healthz(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_every_dependency(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) >= {"postgres", "redis", "kafka"}
    assert all(check["ok"] for check in body["checks"].values())


async def test_metrics_is_prometheus_text(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE" in response.text


async def test_docs_are_open(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get("/docs")).status_code == 200
    spec = (await app_client.get("/openapi.json")).json()
    assert "/readyz" in spec["paths"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def own_redis() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A private redis-server this test may stop without disturbing the shared stack."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (apt-get install redis-server)"
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc, port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_readyz_is_503_when_redis_stops(
    settings: Settings, own_redis: tuple[subprocess.Popen[bytes], int]
) -> None:
    proc, port = own_redis
    app_settings = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    async with app_client_for(app_settings) as client:
        for _ in range(50):  # the server takes a moment to accept connections
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        up = await client.get("/readyz")
        assert up.status_code == 200, up.json()

        proc.terminate()
        proc.wait(timeout=10)
        down = await client.get("/readyz")
        assert down.status_code == 503
        checks = down.json()["checks"]
        assert checks["redis"]["ok"] is False
        assert checks["redis"]["error"]
        # open endpoint: the kind of failure only, never the exception text (hosts, ports)
        assert checks["redis"]["error"].isidentifier(), checks["redis"]["error"]
        assert str(port) not in down.text
        assert "127.0.0.1" not in down.text
        assert checks["postgres"]["ok"] is True
