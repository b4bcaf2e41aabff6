"""Fixtures of the ingestion tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from tests.ingest.support import ingest_client


@pytest.fixture
async def direct(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis
) -> AsyncIterator[httpx.AsyncClient]:
    """The ingestion app without Kafka and without its in-API workers (the test drives the queue);
    test_api.py's own `direct` keeps the workers."""
    cfg = settings.model_copy(update={"kafka_bootstrap_servers": "", "ingest_workers_in_api": False})
    async with ingest_client(cfg) as client:
        yield client
