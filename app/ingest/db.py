"""Transactions on the raw asyncpg connection, and miner rows created outside batch transactions."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.ingest.miners import bucket


@contextlib.asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """One PostgreSQL transaction on a pooled connection, as the raw asyncpg connection."""
    # SQLAlchemy's asyncpg adapter only issues BEGIN when it executes something itself, so the
    # transaction is opened on the driver connection explicitly.
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, asyncpg.Connection)
        async with driver.transaction():
            yield driver


async def ensure_miners(engine: AsyncEngine, *, ids: list[str], settings: Settings, now: datetime) -> None:
    """Create unknown miners (at the prior, full bucket) in their own short transaction: a batch
    transaction that inserted a miner row would hold its lock from the start, out of the lock order
    (company advisory locks, then miner rows) that keeps concurrent consumers free of deadlocks."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    prior = settings.ingest_reputation_prior
    async with transaction(engine) as conn:
        await conn.execute(
            "INSERT INTO miners (id, reputation, throttle_tokens, throttle_updated_at) "
            "SELECT m, $2, $3, $4 FROM unnest($1::text[]) m ON CONFLICT (id) DO NOTHING",
            wanted,
            prior,
            bucket(settings, prior).capacity,
            now,
        )


async def lock_companies(conn: asyncpg.Connection, domains: list[str]) -> None:
    """Per-company advisory locks, always taken in hash order: the first locks of every writer."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(d, 7) AS k "
        "FROM unnest($1::text[]) d ORDER BY k) s",
        domains,
    )
