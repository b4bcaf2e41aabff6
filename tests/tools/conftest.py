"""A small generated world on disk (200 companies, the smallest the generator makes) and scratch
databases on the test PostgreSQL for the benchmark-world scripts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from app.core.config import Settings
from dev.world.config import WorldConfig
from dev.world.writer import write_world
from tools.db_admin import asyncpg_dsn, with_database

SMALL_COMPANIES = 200


@pytest.fixture(scope="session")
def small_world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world") / "tiny-7"
    write_world(WorldConfig.for_size("tiny", seed=7, companies=SMALL_COMPANIES), out, progress=False)
    return out


async def drop_database(settings: Settings, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(asyncpg_dsn(with_database(settings.database_url, "postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def scratch_url(settings: Settings) -> AsyncIterator[str]:
    """A database of its own (created by the code under test), dropped afterwards."""
    url = with_database(settings.database_url, f"{settings.database_url.rsplit('/', 1)[1]}_scratch")
    await drop_database(settings, url)
    yield url
    await drop_database(settings, url)
