"""The ranker's fixtures: its own database and Redis db (isolated from other suites), loaded with
the tiny world once per module, and an app client over ASGI with the real lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from app.auth.service import create_key
from app.core.config import Settings
from app.ranking.embedding import load_embedder
from app.tables import Base
from tests.conftest import app_client_for
from tests.leads.world_loader import load_world, tiny_world
from tests.support import redis_db, test_settings
from tools.db_admin import alembic_run, ensure_database, with_database
from tools.ranker_world import World

RANKER_DB = "leadpoet_test_ranker"
RANKER_REDIS_DB = 14


@pytest.fixture(scope="session")
def ranker_settings(base_settings: Settings) -> Settings:
    overrides: dict[str, object] = {
        "database_url": with_database(base_settings.database_url, RANKER_DB),
        "index_refresh_interval_s": 0.2,
        "model_poll_interval_s": 0.2,
        "llm_base_url": "",
        "kafka_bootstrap_servers": "",
    }
    if base_settings.redis_url:
        overrides["redis_url"] = redis_db(base_settings.redis_url, RANKER_REDIS_DB)
    return test_settings(base_settings, **overrides)


@pytest.fixture(scope="session")
async def ranker_engine(ranker_settings: Settings) -> AsyncIterator[AsyncEngine]:
    await ensure_database(ranker_settings.database_url)
    await alembic_run(ranker_settings.database_url, "upgrade", "head")
    engine = create_async_engine(ranker_settings.database_url, pool_size=5)
    yield engine
    await engine.dispose()


async def truncate(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


async def flush_redis(settings: Settings) -> None:
    if settings.redis_url:
        client = Redis.from_url(settings.redis_url)
        try:
            await client.flushdb()
        finally:
            await client.aclose()


@pytest.fixture(scope="module")
async def world_db(ranker_settings: Settings, ranker_engine: AsyncEngine) -> World:
    """The tiny world in the ranker's database (fresh for each test module)."""
    await truncate(ranker_engine)
    await flush_redis(ranker_settings)
    world = tiny_world()
    await load_world(ranker_engine, world, load_embedder(ranker_settings))
    return world


async def mint_key(
    engine: AsyncEngine, settings: Settings, *scopes: str, rate_limit: int | None = None
) -> str:
    async with AsyncSession(engine) as session:
        _, new = await create_key(
            session,
            name="ranker-test",
            scopes=list(scopes),
            pepper=settings.api_key_pepper,
            rate_limit_per_minute=rate_limit,
        )
        await session.commit()
    return new.clear


@pytest.fixture(scope="module")
async def search_headers(
    world_db: World, ranker_engine: AsyncEngine, ranker_settings: Settings
) -> dict[str, str]:
    return {"Authorization": f"Bearer {await mint_key(ranker_engine, ranker_settings, 'search', 'ingest')}"}


@pytest.fixture(scope="module")
async def client(world_db: World, ranker_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client_for(ranker_settings) as c:
        yield c
