"""Reliability on real servers: a consumer killed between storing and committing, a broker restart,
PostgreSQL stopped for 20 s under load. The broker and PostgreSQL that get restarted are private
instances (own ports and state directory, started with the dev stack's helpers), never the shared ones."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core.config import REPO_ROOT, Settings
from tests.ingest.factory import snippet
from tests.ingest.kafka_support import kafka_settings, produce, running_consumer, scalar, wait_until
from tests.support import free_high_ports
from tools.db_admin import alembic_run, ensure_database, with_database

pytestmark = pytest.mark.slow

# Above the ephemeral range (seen once inside it: "could not bind ... Address already in use" on a
# port nothing listened on before or after), picked at random so parallel checkouts do not collide.
OWN_KAFKA_PORT, OWN_KAFKA_CONTROLLER_PORT, OWN_PG_PORT = free_high_ports(3)


def _consistent_sql() -> list[str]:
    return [
        "SELECT count(*) FROM snippets",
        "SELECT count(DISTINCT id) FROM snippets",
        "SELECT coalesce(sum(snippet_count), 0) FROM companies",
        "SELECT count(*) FROM snippets WHERE status = 'accepted'",
        "SELECT coalesce(sum(accepted), 0) FROM miners",
    ]


async def _assert_exactly_once(engine: AsyncEngine, expected: int) -> None:
    total, distinct, counted, accepted, miner_accepted = [await scalar(engine, q) for q in _consistent_sql()]
    assert total == distinct == expected
    assert counted == accepted  # per-company counters bumped once per stored snippet
    assert miner_accepted == accepted + int(
        await scalar(engine, "SELECT count(*) FROM snippets WHERE status = 'quarantined'")
    )


def _distinct_batch(n: int, prefix: str) -> list[dict[str, object]]:
    return [
        snippet(
            domain=f"{prefix}{i % 50}.com",
            miner=f"m{i % 4}",
            text=f"{prefix} record {i}: {prefix}{i % 50} opened office number {i} in city {i * 31 % 97}",
        )
        for i in range(n)
    ]


async def test_consumer_killed_after_store_before_commit_stores_everything_once(
    settings: Settings, clean_db: AsyncEngine
) -> None:
    cfg = await kafka_settings(settings, ingest_max_batch=100)
    items = _distinct_batch(500, "kill")
    await produce(cfg.kafka_bootstrap_servers, cfg.topic_snippets, items)
    env = {
        **os.environ,
        "DATABASE_URL": cfg.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": cfg.kafka_bootstrap_servers,
        "TOPIC_SNIPPETS": cfg.topic_snippets,
        "TOPIC_SNIPPETS_DLQ": cfg.topic_snippets_dlq,
        "KAFKA_CONSUMER_GROUP_SNIPPETS": cfg.kafka_consumer_group_snippets,
        "INGEST_MAX_BATCH": "100",
        "LOG_LEVEL": "WARNING",
    }
    cmd = [sys.executable, "-m", "app.ingest", "--topic", "snippets"]
    # 1st run: dies (exit 17) right after storing its 2nd batch, before committing its offsets
    crashed = await asyncio.to_thread(
        subprocess.run,
        cmd,
        env={**env, "INGEST_FAULT_EXIT_AFTER_BATCHES": "2"},
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
        capture_output=True,
    )
    assert crashed.returncode == 17, crashed.stderr[-2000:]
    stored_before = int(await scalar(clean_db, "SELECT count(*) FROM snippets"))
    assert 0 < stored_before < 500
    # 2nd run: redelivered batch deduplicated, the rest stored
    proc = subprocess.Popen(  # noqa: ASYNC220 - a long-running child, stopped below
        cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:

        async def done() -> bool:
            return int(await scalar(clean_db, "SELECT count(*) FROM snippets")) >= 500

        await wait_until(done, within=90)
        await asyncio.sleep(1.0)  # anything extra would show up now
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)
    await _assert_exactly_once(clean_db, 500)


# --- private servers, started and stopped with the dev stack CLI in their own state directory ------
class OwnStack:
    def __init__(self, state_dir: Path, *args: str) -> None:
        self.args = ["--state-dir", str(state_dir), *args]
        # without these the stack would treat the shared servers as "external"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS")
        }

    def run(self, verb: str) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "dev.stack", verb, *self.args],
            env=self.env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        # `down` may exit 1 over an unrelated process it cannot rule out; what matters is what it stopped
        ok = result.returncode == 0 or (verb == "down" and "FAILED" not in result.stderr)
        assert ok, result.stdout + result.stderr

    async def up(self) -> None:
        await asyncio.to_thread(self.run, "up")

    async def down(self) -> None:
        await asyncio.to_thread(self.run, "down")


@pytest.fixture
async def own_kafka(tmp_path: Path) -> AsyncIterator[OwnStack]:
    stack = OwnStack(
        tmp_path / "stack",
        "--only",
        "kafka",
        "--kafka-port",
        str(OWN_KAFKA_PORT),
        "--kafka-controller-port",
        str(OWN_KAFKA_CONTROLLER_PORT),
    )
    await stack.up()
    try:
        yield stack
    finally:
        await stack.down()


async def test_ingestion_resumes_after_a_broker_restart(
    settings: Settings, clean_db: AsyncEngine, own_kafka: OwnStack
) -> None:
    bootstrap = f"127.0.0.1:{OWN_KAFKA_PORT}"
    cfg = await kafka_settings(
        settings.model_copy(update={"kafka_bootstrap_servers": bootstrap}), ingest_retry_max_s=2.0
    )
    first, second = _distinct_batch(100, "before"), _distinct_batch(100, "after")
    async with running_consumer(cfg):
        await produce(bootstrap, cfg.topic_snippets, first)

        async def first_stored() -> bool:
            return int(await scalar(clean_db, "SELECT count(*) FROM snippets")) >= 100

        await wait_until(first_stored, within=60)
        await own_kafka.down()
        await asyncio.sleep(3)
        await own_kafka.up()
        await produce(bootstrap, cfg.topic_snippets, second)

        async def all_stored() -> bool:
            return int(await scalar(clean_db, "SELECT count(*) FROM snippets")) >= 200

        await wait_until(all_stored, within=240)  # generous: the group rejoins after the restart
    await _assert_exactly_once(clean_db, 200)


# --- a private PostgreSQL -----------------------------------------------------------------------
@pytest.fixture
async def own_postgres(tmp_path: Path) -> AsyncIterator[tuple[OwnStack, str]]:
    cfg = OwnStack(tmp_path / "stack", "--only", "postgres", "--pg-port", str(OWN_PG_PORT))
    await cfg.up()
    url = with_database(f"postgresql+asyncpg://postgres@127.0.0.1:{OWN_PG_PORT}/postgres", "leadpoet_test")
    try:
        await ensure_database(url)
        await alembic_run(url, "upgrade", "head")
        yield cfg, url
    finally:
        await cfg.down()


async def test_postgres_stopped_20s_under_load_loses_and_duplicates_nothing(
    settings: Settings, own_postgres: tuple[OwnStack, str]
) -> None:
    pg, url = own_postgres
    cfg = await kafka_settings(
        settings, database_url=url, ingest_retry_max_s=2.0, ingest_max_batch=50, db_pool_timeout_s=2.0
    )
    items = _distinct_batch(600, "load")
    engine = create_async_engine(url)
    try:
        async with running_consumer(cfg):

            async def feed() -> None:  # ~20 snippets/s for 30 s
                for start in range(0, len(items), 20):
                    await produce(cfg.kafka_bootstrap_servers, cfg.topic_snippets, items[start : start + 20])
                    await asyncio.sleep(1.0)

            feeder = asyncio.create_task(feed())
            await asyncio.sleep(4)
            await pg.down()
            await asyncio.sleep(20)
            await pg.up()
            await feeder

            async def all_stored() -> bool:
                try:
                    return int(await scalar(engine, "SELECT count(*) FROM snippets")) >= 600
                except Exception:
                    return False

            await wait_until(all_stored, within=120, every=0.5)
            await asyncio.sleep(1.0)
        await _assert_exactly_once(engine, 600)
    finally:
        await engine.dispose()
