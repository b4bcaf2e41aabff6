"""A world of the lists' evidence companies plus bare companies, and the app with its job worker."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.state import state_of
from app.core.config import Settings
from app.leads.startup import Ranker
from tests.conftest import app_client_for
from tests.jobs.support import add_companies
from tests.lists.conftest import world_snippets
from tests.workspaces.support import bearer, workspace_key

BULK = 2_500
JOB_SETTINGS: dict[str, object] = {
    "kafka_bootstrap_servers": "",
    "eligibility_enabled": False,
    "index_refresh_interval_s": 60.0,
    "jobs_worker_enabled": True,
    "jobs_poll_interval_s": 0.05,
    "jobs_chunk": 100,
    "default_rate_limit_per_minute": 100_000,
    "webhook_retry_base_s": 0.2,
    "webhook_retry_max_s": 1.0,
}


@dataclass
class JobsApp:
    client: httpx.AsyncClient
    app: FastAPI
    ranker: Ranker
    settings: Settings


@contextlib.asynccontextmanager
async def open_jobs_app(
    settings: Settings, engine: AsyncEngine, **overrides: object
) -> AsyncIterator[JobsApp]:
    """The app with the evidence world ingested (embedded mode) and indexed, plus `overrides`."""
    app_settings = settings.model_copy(update={**JOB_SETTINGS, **overrides})
    runner = app_client_for(app_settings)
    async with runner as client:
        ingest = bearer(await workspace_key(engine, app_settings, "default", "ingest"))
        answer = await client.post("/v1/snippets", json={"snippets": world_snippets()}, headers=ingest)
        assert answer.status_code == 202, answer.text
        ranker = state_of(runner.app).ranker
        assert isinstance(ranker, Ranker)
        await ranker.index.refresh()
        yield JobsApp(client, runner.app, ranker, app_settings)


@pytest.fixture
async def bulk_world(clean_db: AsyncEngine, redis_client: Redis) -> AsyncEngine:
    await add_companies(clean_db, BULK)
    return clean_db


@pytest.fixture
async def jobs_app(settings: Settings, bulk_world: AsyncEngine) -> AsyncIterator[JobsApp]:
    async with open_jobs_app(settings, bulk_world) as app:
        yield app


@pytest.fixture
async def auth(engine: AsyncEngine, settings: Settings, jobs_app: JobsApp) -> dict[str, str]:
    return bearer(await workspace_key(engine, settings, "acme-sales", "search"))
