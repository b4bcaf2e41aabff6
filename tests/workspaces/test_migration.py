"""Migration 0010 keeps existing keys working: they land in the `default` workspace."""

from __future__ import annotations

import asyncpg

from app.core.config import Settings
from app.workspaces.tables import DEFAULT_WORKSPACE_ID
from tests.support import unique
from tools.db_admin import alembic_run, asyncpg_dsn, drop_database, ensure_database, with_database


async def test_existing_keys_move_to_the_default_workspace(settings: Settings) -> None:
    url = with_database(settings.database_url, unique("ws").replace("-", "_"))
    await ensure_database(url)
    try:
        await alembic_run(url, "upgrade", "0006")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await conn.execute(
                "INSERT INTO api_keys (id, name, prefix, key_hash, scopes) "
                "VALUES (gen_random_uuid(), 'old', 'abcd1234', 'h', ARRAY['search'])"
            )
        finally:
            await conn.close()
        await alembic_run(url, "upgrade", "head")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            row = await conn.fetchrow(
                "SELECT k.workspace_id, w.name FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id"
            )
        finally:
            await conn.close()
        assert row is not None
        assert (row["workspace_id"], row["name"]) == (DEFAULT_WORKSPACE_ID, "default")
        await alembic_run(url, "downgrade", "0006")
    finally:
        await drop_database(url)
