"""Test helpers shared by fixtures: real servers only, each test isolated."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from alembic.config import Config
from sqlalchemy.engine import make_url

from alembic import command
from app.core.config import REPO_ROOT, Settings

TEST_DB = "leadpoet_test"
TEST_REDIS_DB = 15


def redis_db(url: str, db: int) -> str:
    """The same Redis server, another logical database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


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


def test_settings(base: Settings, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": with_database(base.database_url, TEST_DB),
        "environment": "test",
        "auth_cache_ttl_s": 0.0,
        "log_level": "WARNING",
    }
    if base.redis_url:
        values["redis_url"] = redis_db(base.redis_url, TEST_REDIS_DB)
    values.update(overrides)
    return base.model_copy(update=values)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_process(
    cmd: Sequence[str],
    *,
    ready_url: str,
    log_path: Path,
    what: str,
    timeout_s: float = 60.0,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process (output to `log_path`), wait until `ready_url` answers 200, yield it,
    and stop it afterwards (terminate, then kill after 20 s). Fails with the log when it exits early."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, env=dict(env) if env is not None else dict(os.environ), stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                assert proc.poll() is None, log_path.read_text()
                try:
                    if httpx.get(ready_url, timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"{what} did not become ready"
                time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
