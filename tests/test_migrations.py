"""Migrations go up and down on an empty database, and agree with the ORM models."""

from __future__ import annotations

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import Settings
from app.tables import Base
from tests.support import unique
from tools.db_admin import alembic_run, asyncpg_dsn, drop_database, ensure_database, with_database


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {r["tablename"] for r in rows}


async def test_upgrade_downgrade_upgrade_on_empty_database(settings: Settings) -> None:
    url = with_database(settings.database_url, unique("mig").replace("-", "_"))
    await ensure_database(url)
    try:
        await alembic_run(url, "upgrade", "head")
        expected = {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
        assert await _tables(url) == expected
        await alembic_run(url, "downgrade", "base")
        assert await _tables(url) == {"alembic_version"}
        await alembic_run(url, "upgrade", "head")
        assert expected <= await _tables(url)
    finally:
        await drop_database(url)


async def test_orm_models_match_migrations(migrated: str) -> None:
    def diff(sync_conn: Connection) -> list[object]:
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))

    engine = create_async_engine(migrated)
    try:
        async with engine.connect() as conn:
            changes = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert changes == []
