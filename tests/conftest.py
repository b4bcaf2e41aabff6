"""Fixtures on the real local stack: PostgreSQL (migrated once, truncated or rolled back per test),
Redis (a test database flushed per test) and Kafka (unique topics and group ids per test)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from app.api.lifespan import StartupHook
from app.auth.service import create_key
from app.core.config import Settings
from app.main import create_app
from app.tables import Base
from tests.support import test_settings
from tools.db_admin import alembic_run, ensure_database


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def settings(base_settings: Settings) -> Settings:
    return test_settings(base_settings)


@pytest.fixture(scope="session")
async def migrated(settings: Settings) -> str:
    await ensure_database(settings.database_url)
    await alembic_run(settings.database_url, "upgrade", "head")
    return settings.database_url


@pytest.fixture(scope="session")
async def engine(migrated: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(migrated, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test."""
    async with engine.connect() as conn:
        trans = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            await session.close()
            await trans.rollback()


@pytest.fixture
async def clean_db(engine: AsyncEngine) -> AsyncEngine:
    """Empty every table, for tests that go through the app's own connections."""
    tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return engine


@pytest.fixture
async def redis_client(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
async def app_client(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis
) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app with its lifespan, over ASGI, on clean PostgreSQL and Redis."""
    async with app_client_for(settings) as client:
        yield client


@pytest.fixture
async def client(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis
) -> AsyncIterator[httpx.AsyncClient]:
    """`app_client` with Kafka switched off: the HTTP edge's own behaviour, no broker involved."""
    async with app_client_for(settings.model_copy(update={"kafka_bootstrap_servers": ""})) as client:
        yield client


class app_client_for:
    """`async with app_client_for(settings) as client:` runs the lifespan around an httpx client
    (every domain's startup hook, or only `hooks`)."""

    def __init__(self, settings: Settings, *, hooks: list[StartupHook] | None = None) -> None:
        self.app = create_app(settings, hooks=hooks)
        self._lifespan = self.app.router.lifespan_context(self.app)
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> httpx.AsyncClient:
        await self._lifespan.__aenter__()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app, raise_app_exceptions=False),
            base_url="http://testserver",
        )
        return self._client

    async def __aexit__(self, *exc: object) -> None:
        assert self._client is not None
        await self._client.aclose()
        await self._lifespan.__aexit__(None, None, None)


@pytest.fixture
async def make_key(settings: Settings, engine: AsyncEngine):  # type: ignore[no-untyped-def]
    """Mint a real API key in the database: `await make_key("search", "ingest")`."""

    async def _make(
        *scopes: str,
        rate_limit: int | None = None,
        miners: list[str] | None = None,
        workspace_id: uuid.UUID | None = None,
    ) -> str:
        async with AsyncSession(engine) as session:
            _, new = await create_key(
                session,
                name="test",
                scopes=list(scopes),
                pepper=settings.api_key_pepper,
                rate_limit_per_minute=rate_limit,
                miner_ids=miners,
                workspace_id=workspace_id,
            )
            await session.commit()
        return new.clear

    return _make
