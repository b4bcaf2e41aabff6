"""Engine and session factory, built by the lifespan (never at import)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.core.config import Settings


def hnsw_server_settings(*, ef_search: int) -> dict[str, str]:
    """pgvector settings for the ANN query, set once per pooled connection rather than per query:
    the HNSW candidate list size, and iterative scans so a selective filter still fills the LIMIT."""
    return {"hnsw.ef_search": str(ef_search), "hnsw.iterative_scan": "relaxed_order"}


def create_engine(settings: Settings) -> AsyncEngine:
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_pre_ping=True,
        connect_args={
            "server_settings": {
                "application_name": settings.app_name,
                "statement_timeout": str(settings.db_statement_timeout_ms),
                **hnsw_server_settings(ef_search=settings.search_hnsw_ef_search),
            },
            "timeout": settings.db_pool_timeout_s,
        },
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def raw_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A pooled connection's asyncpg `Connection`, outside any transaction, for the few hot read
    paths of a search (ANN, hydration) where SQLAlchemy's per-statement overhead shows in profiles.
    Statements run in autocommit; asyncpg prepares and caches them per connection."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        yield raw.driver_connection


@asynccontextmanager
async def standalone_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One session on an engine of its own, disposed on exit (command-line tools)."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()
