"""Engine and session factory, built by the lifespan (never at import)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.core.config import Settings
from app.core.errors import exception_chain

logger = logging.getLogger(__name__)
T = TypeVar("T")


def hnsw_server_settings(*, ef_search: int) -> dict[str, str]:
    """pgvector settings for the ANN query, set once per pooled connection rather than per query:
    the HNSW candidate list size, and iterative scans so a selective filter still fills the LIMIT."""
    return {"hnsw.ef_search": str(ef_search), "hnsw.iterative_scan": "relaxed_order"}


def create_engine(settings: Settings) -> AsyncEngine:
    """The pool checks a connection out without a round trip to test it (no pre-ping): one whose
    socket the server closed is replaced at checkout (`_drop_closed`); one dropped silently is found
    by the statement that uses it. SQLAlchemy then recycles every pooled connection as old as it
    (its disconnect handling; the request answers 503 Retry-After), and the search's own reads
    (`run_raw`) retry once on a new connection."""
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_pre_ping=False,
        connect_args={
            "server_settings": {
                "application_name": settings.app_name,
                "statement_timeout": str(settings.db_statement_timeout_ms),
                **hnsw_server_settings(ef_search=settings.search_hnsw_ef_search),
            },
            "timeout": settings.db_pool_timeout_s,
        },
    )
    event.listen(engine.sync_engine.pool, "checkout", _drop_closed)
    return engine


def _drop_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """At checkout, without a round trip: a connection the server has closed (a restart, an
    administrator's terminate; asyncpg saw its socket close) is replaced by a new one."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise DisconnectionError("connection closed by the server")


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


# What a statement raises on a connection the server has closed (restart, idle timeout, network).
_DISCONNECTS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.PostgresConnectionError,
    ConnectionError,  # reset, refused, broken pipe
    # The protocol out of step with the server: a FATAL sent by a terminating backend arrived
    # between two statements and the next one found the protocol still consuming it. The
    # connection cannot be used again either way.
    asyncpg.exceptions.InternalClientError,
)


def is_disconnect(exc: BaseException) -> bool:
    """True when `exc` (or what it wraps) says the connection itself is gone, not the statement."""
    for current in exception_chain(exc):
        if isinstance(current, _DISCONNECTS):
            return True
        if isinstance(current, asyncpg.exceptions.InterfaceError) and "closed" in str(current).lower():
            return True  # "connection is closed"
    return False


async def run_raw(engine: AsyncEngine, work: Callable[[Any], Awaitable[T]]) -> T:
    """`work` on a pooled connection's asyncpg `Connection` (`raw_connection`); when the connection
    turns out to be dead (no pre-ping), it and every pooled connection as old as it are dropped and
    `work` runs once more on a new one. For reads only: `work` may run twice."""
    for attempt in (1, 2):
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            try:
                return await work(raw.driver_connection)
            except Exception as exc:
                if attempt == 2 or not is_disconnect(exc):
                    raise
                logger.warning("database connection lost (%s: %s); retrying once", type(exc).__name__, exc)
                # What SQLAlchemy does on a disconnect it sees itself: every connection as old as
                # this one is replaced at its next checkout.
                engine.sync_engine.pool._invalidate(raw, exc)
                await conn.invalidate(exc)
    raise AssertionError("unreachable")


@asynccontextmanager
async def standalone_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One session on an engine of its own, disposed on exit (command-line tools)."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()
