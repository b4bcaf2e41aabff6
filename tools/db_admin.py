"""Database administration for tests, benchmarks and dev tools: create a database (with pgvector),
drop it, run the migrations. Not used by the service at run time (it never creates databases)."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic.config import Config
from sqlalchemy.engine import make_url

from alembic import command
from app.core.config import REPO_ROOT

# The database of the ingestion benchmarks (scripts/bench_ingest.py fills it, bench_ingest_hnsw reads it).
BENCH_DB = "leadpoet_bench"


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_database(url: str) -> None:
    """Create the database of `url` if it does not exist, with the vector extension."""
    name = make_url(url).database
    assert name
    admin = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    name = make_url(url).database
    admin = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["configure_logging"] = False
    return cfg


async def alembic_run(database_url: str, action: str, revision: str) -> None:
    """Run `alembic upgrade|downgrade <revision>` in a worker thread (alembic's env uses asyncio.run)."""
    cfg = alembic_config(database_url)
    fn = command.upgrade if action == "upgrade" else command.downgrade
    await asyncio.to_thread(fn, cfg, revision)
