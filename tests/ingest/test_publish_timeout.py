"""A broker that accepts connections but never answers (a restart in progress, a network black
hole): the ingestion request is answered 503 with Retry-After after KAFKA_PUBLISH_TIMEOUT_S instead of
waiting until the client gives up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from tests.ingest.factory import snippet
from tests.ingest.support import MakeKey, ingest_client


@pytest.fixture
async def black_hole() -> AsyncIterator[str]:
    """A TCP listener that accepts and never writes a byte."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_silent_broker_is_503_with_retry_after_in_time(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis, make_key: MakeKey, black_hole: str
) -> None:
    cfg = settings.model_copy(
        update={
            "kafka_bootstrap_servers": black_hole,
            "kafka_publish_timeout_s": 1.0,
            "ingest_workers_in_api": False,
        }
    )
    key = await make_key("ingest")
    async with ingest_client(cfg) as client:
        started = time.monotonic()
        response = await client.post(
            "/v1/snippets", json={"snippets": [snippet()]}, headers={"Authorization": f"Bearer {key}"}
        )
        waited = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["code"] == "unavailable"
    assert waited < 9  # not the broker's request timeout (10 s): the publish deadline answered
