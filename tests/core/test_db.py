"""Pooled connections without a pre-ping: a read on a connection the server has dropped is retried
once on a new connection, and the other pooled connections as old as it are recycled (real
PostgreSQL: the server side of every pooled connection is terminated)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.core.db import create_engine, is_disconnect, run_raw


async def _backend_pids(engine: AsyncEngine, count: int) -> set[int]:
    """Check `count` connections out at once (so the pool holds that many), returning their pids."""
    conns = [await engine.connect() for _ in range(count)]
    try:
        pids = set()
        for conn in conns:
            driver: Any = (await conn.get_raw_connection()).driver_connection
            pids.add(driver.get_server_pid())
        return pids
    finally:
        for conn in conns:
            await conn.close()


async def test_a_dropped_connection_is_retried_once(settings: Settings, engine: AsyncEngine) -> None:
    app_engine = create_engine(settings.model_copy(update={"db_pool_size": 3, "db_max_overflow": 0}))
    calls = 0

    async def read(conn: Any) -> int:
        nonlocal calls
        calls += 1
        return int(await conn.fetchval("SELECT 41 + 1"))

    try:
        pids = await _backend_pids(app_engine, 3)
        assert await run_raw(app_engine, read) == 42
        async with engine.connect() as admin:
            for pid in pids:
                await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        calls = 0
        assert await run_raw(app_engine, read) == 42  # the first connection was dead: one retry
        assert calls == 2
        calls = 0
        for _ in range(3):  # the others, as old as it, were recycled: no more retries
            assert await run_raw(app_engine, read) == 42
        assert calls == 3
        # A statement error is not a disconnect: raised at once, never retried.
        calls = 0

        async def wrong(conn: Any) -> None:
            nonlocal calls
            calls += 1
            await conn.fetchval("SELECT * FROM no_such_table")

        with pytest.raises(asyncpg.exceptions.UndefinedTableError):
            await run_raw(app_engine, wrong)
        assert calls == 1
    finally:
        await app_engine.dispose()


def test_what_counts_as_a_disconnect() -> None:
    assert is_disconnect(asyncpg.exceptions.ConnectionDoesNotExistError("gone"))
    assert is_disconnect(asyncpg.exceptions.InterfaceError("connection is closed"))
    assert is_disconnect(ConnectionResetError())
    assert not is_disconnect(asyncpg.exceptions.UndefinedTableError("no table"))
    assert not is_disconnect(ValueError("x"))
