"""The console's fixtures: its own database and Redis db, loaded with the tiny world once per
module, keys of each scope, and an app client over ASGI on https (the cookies are Secure)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core.config import Settings
from app.ranking.embedding import load_embedder
from tests.conftest import app_client_for
from tests.leads.conftest import flush_redis, mint_key, truncate
from tests.leads.world_loader import load_world, tiny_world
from tests.support import redis_db, test_settings
from tools.db_admin import alembic_run, ensure_database, with_database
from tools.ranker_world import World

CONSOLE_DB = "leadpoet_test_console"
CONSOLE_REDIS_DB = 11
PROMPT = "cloud cost optimization software"


@pytest.fixture(scope="session")
def console_settings(base_settings: Settings) -> Settings:
    overrides: dict[str, object] = {
        "database_url": with_database(base_settings.database_url, CONSOLE_DB),
        "llm_base_url": "",
        "kafka_bootstrap_servers": "",
        "console_sample_interval_s": 0.5,
    }
    if base_settings.redis_url:
        overrides["redis_url"] = redis_db(base_settings.redis_url, CONSOLE_REDIS_DB)
    return test_settings(base_settings, **overrides)


@pytest.fixture(scope="session")
async def console_engine(console_settings: Settings) -> AsyncIterator[AsyncEngine]:
    await ensure_database(console_settings.database_url)
    await alembic_run(console_settings.database_url, "upgrade", "head")
    engine = create_async_engine(console_settings.database_url, pool_size=2)
    yield engine
    await engine.dispose()


@dataclass(frozen=True, slots=True)
class Keys:
    search: str
    admin: str
    ingest: str


@pytest.fixture(scope="module")
async def console_world(console_settings: Settings, console_engine: AsyncEngine) -> World:
    await truncate(console_engine)
    await flush_redis(console_settings)
    world = tiny_world()
    await load_world(console_engine, world, load_embedder(console_settings))
    return world


@pytest.fixture(scope="module")
async def keys(console_world: World, console_engine: AsyncEngine, console_settings: Settings) -> Keys:
    return Keys(
        search=await mint_key(console_engine, console_settings, "search"),
        admin=await mint_key(console_engine, console_settings, "search", "admin"),
        ingest=await mint_key(console_engine, console_settings, "ingest"),
    )


@pytest.fixture(scope="module")
async def console_app(console_world: World, console_settings: Settings) -> AsyncIterator[app_client_for]:
    app = app_client_for(console_settings)
    await app.__aenter__()
    yield app
    await app.__aexit__(None, None, None)


@pytest.fixture
async def browser(console_app: app_client_for) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh cookie jar per test, on https so Secure cookies are kept and sent."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=console_app.app, raise_app_exceptions=False),
        base_url="https://testserver",
    ) as client:
        yield client
