"""Pooled connections without a pre-ping (real PostgreSQL, backends terminated by the server): a
connection whose socket was closed is replaced at checkout; a read on one dropped meanwhile is
retried once on a new connection."""

from __future__ import annotations

import asyncio
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


async def test_connections_the_server_closed_are_replaced_at_checkout(
    settings: Settings, engine: AsyncEngine
) -> None:
    app_engine = create_engine(settings.model_copy(update={"db_pool_size": 3, "db_max_overflow": 0}))
    try:
        pids = await _backend_pids(app_engine, 3)
        async with engine.connect() as admin:
            for pid in pids:
                await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await asyncio.sleep(0.2)  # the sockets close
        for _ in range(3):  # no error, no retry: closed connections never reach a statement
            async with app_engine.connect() as conn:
                assert (await conn.execute(text("SELECT 1"))).scalar() == 1
        assert not (await _backend_pids(app_engine, 3)) & pids
    finally:
        await app_engine.dispose()


async def test_a_connection_dropped_under_a_read_is_retried_once(
    settings: Settings, engine: AsyncEngine
) -> None:
    app_engine = create_engine(settings.model_copy(update={"db_pool_size": 3, "db_max_overflow": 0}))
    calls = 0

    async def read(conn: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:  # the server drops this connection just before the statement
            async with engine.connect() as admin:
                pid = conn.get_server_pid()
                await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return int(await conn.fetchval("SELECT 41 + 1"))

    try:
        assert await run_raw(app_engine, read) == 42
        assert calls == 2
        # A statement error is not a disconnect: raised at once, never retried.
        calls = 10

        async def wrong(conn: Any) -> None:
            nonlocal calls
            calls += 1
            await conn.fetchval("SELECT * FROM no_such_table")

        with pytest.raises(asyncpg.exceptions.UndefinedTableError):
            await run_raw(app_engine, wrong)
        assert calls == 11
    finally:
        await app_engine.dispose()


def test_what_counts_as_a_disconnect() -> None:
    assert is_disconnect(asyncpg.exceptions.ConnectionDoesNotExistError("gone"))
    assert is_disconnect(asyncpg.exceptions.InterfaceError("connection is closed"))
    assert is_disconnect(ConnectionResetError())
    assert is_disconnect(asyncpg.exceptions.InternalClientError("cannot switch to state 11"))
    assert not is_disconnect(asyncpg.exceptions.UndefinedTableError("no table"))
    assert not is_disconnect(ValueError("x"))
