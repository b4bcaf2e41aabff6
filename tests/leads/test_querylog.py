"""The batched query log: rows reach `requests` in one flush; a failing database keeps them buffered."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from app.leads.querylog import QueryLog
from app.leads.tables import SearchRequest


def row(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "api_key_id": None,
        "prompt": "payroll software for clinics",
        "filters": {"countries": ["US"]},
        "k": 10,
        "lead_ids": [uuid.uuid4()],
        "latency_ms": 12.5,
        "cost_usd": 1e-8,
        "model_version": "test",
        "cache_hit": False,
        "candidates": 300,
        "llm_calls": 0,
    }
    values.update(overrides)
    return values


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(SearchRequest))).scalar_one())


async def test_flush_writes_every_buffered_row_in_batches(clean_db: AsyncEngine) -> None:
    log = QueryLog(sessionmaker=async_sessionmaker(clean_db), batch_size=7)
    for i in range(20):
        log.record(**row(k=i + 1))
    assert log.pending == 20
    assert await log.flush() == 20
    assert log.pending == 0
    assert await count(clean_db) == 20


async def test_rows_survive_a_database_outage_and_overflow_drops_the_oldest(clean_db: AsyncEngine) -> None:
    dead = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:9/none", pool_pre_ping=False)
    log = QueryLog(sessionmaker=async_sessionmaker(dead), max_buffered=5)
    for i in range(8):
        log.record(**row(k=i + 1))
    assert log.pending == 5  # three oldest dropped (counted in query_log_rows_total{result="dropped"})
    with pytest.raises(ConnectionRefusedError):
        await log.flush()
    assert log.pending == 5
    await dead.dispose()
    log.sessionmaker = async_sessionmaker(clean_db)
    assert await log.flush() == 5
    async with clean_db.connect() as conn:
        ks = sorted((await conn.execute(select(SearchRequest.k))).scalars())
    assert ks == [4, 5, 6, 7, 8]


async def test_a_row_postgres_refuses_is_dropped_counted_and_does_not_block(
    clean_db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    log = QueryLog(sessionmaker=async_sessionmaker(clean_db), batch_size=10)
    log.record(**row(k=1))
    log.record(**row(k=2, prompt="nul \x00 in the prompt"))
    log.record(**row(k=3, filters={"exclude_domains": ["a\x00.com"]}))
    log.record(**row(k=2**40))  # beyond int4
    log.record(**row(k=5))
    with caplog.at_level("WARNING", logger="app.leads.querylog"):
        assert await log.flush() == 2
        log.record(**row(k=6, prompt="again \x00"))
        log.record(**row(k=7))
        assert await log.flush() == 1
    assert log.pending == 0
    assert log.unwritable == 4
    assert sum("dropped a row" in r.getMessage() for r in caplog.records) == 1  # logged once
    async with clean_db.connect() as conn:
        ks = sorted((await conn.execute(select(SearchRequest.k))).scalars())
    assert ks == [1, 5, 7]
