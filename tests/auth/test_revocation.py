"""Revocation takes effect at once in every worker: two app instances (two processes' worth of
caches) on the real PostgreSQL and Redis, with a long auth cache TTL."""

from __future__ import annotations

import asyncio

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.auth.service import Authenticator, announce_revocation, create_key, revoke_key
from app.core.config import Settings
from tests.conftest import app_client_for

LONG_TTL = 300.0


async def mint(engine: AsyncEngine, settings: Settings, *scopes: str) -> tuple[str, str]:
    async with AsyncSession(engine) as session:
        row, new = await create_key(
            session, name="t", scopes=list(scopes), pepper=settings.api_key_pepper, rate_limit_per_minute=None
        )
        prefix = row.prefix
        await session.commit()
        return prefix, new.clear


async def revoke(engine: AsyncEngine, redis: Redis | None, prefix: str) -> None:
    async with AsyncSession(engine) as session:
        assert await revoke_key(session, prefix=prefix)
        await session.commit()
    await announce_revocation(redis)


async def test_revocation_reaches_two_app_instances_at_once(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis
) -> None:
    app_settings = settings.model_copy(update={"auth_cache_ttl_s": LONG_TTL, "kafka_bootstrap_servers": ""})
    prefix, key = await mint(clean_db, settings, "search")
    other_prefix, other = await mint(clean_db, settings, "search")
    headers = {"Authorization": f"Bearer {key}"}
    async with app_client_for(app_settings) as first, app_client_for(app_settings) as second:
        clients: list[httpx.AsyncClient] = [first, second]
        for client in clients:
            assert (await client.get("/v1/keys/me", headers=headers)).status_code == 200  # now cached
        await revoke(clean_db, redis_client, prefix)
        for client in clients:
            response = await client.get("/v1/keys/me", headers=headers)
            assert response.status_code == 401, response.text
            # another key, cached before the revocation, keeps working (its row is read again)
            assert (
                await client.get("/v1/keys/me", headers={"Authorization": f"Bearer {other}"})
            ).status_code == 200
    assert other_prefix != prefix


async def test_two_authenticators_share_the_revocation_version(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis
) -> None:
    sessionmaker = async_sessionmaker(clean_db)
    auths = [
        Authenticator(
            sessionmaker=sessionmaker, pepper=settings.api_key_pepper, ttl_s=LONG_TTL, redis=redis_client
        )
        for _ in range(2)
    ]
    prefix, key = await mint(clean_db, settings, "ingest")
    for auth in auths:
        assert await auth.authenticate(key) is not None
    version = await auths[0].revocation_version()
    await revoke(clean_db, redis_client, prefix)
    assert await auths[1].revocation_version() == (version or 0) + 1
    for auth in auths:
        assert await auth.authenticate(key) is None
        assert await auth.authenticate(key) is None  # and it stays revoked from the cache


async def test_without_redis_every_request_checks_the_row(settings: Settings, clean_db: AsyncEngine) -> None:
    auth = Authenticator(
        sessionmaker=async_sessionmaker(clean_db), pepper=settings.api_key_pepper, ttl_s=LONG_TTL, redis=None
    )
    prefix, key = await mint(clean_db, settings, "search")
    assert await auth.authenticate(key) is not None
    await revoke(clean_db, None, prefix)
    assert await auth.authenticate(key) is None


async def test_an_unreachable_redis_falls_back_to_the_row(settings: Settings, clean_db: AsyncEngine) -> None:
    dead = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    auth = Authenticator(
        sessionmaker=async_sessionmaker(clean_db), pepper=settings.api_key_pepper, ttl_s=LONG_TTL, redis=dead
    )
    try:
        prefix, key = await mint(clean_db, settings, "search")
        assert await auth.authenticate(key) is not None
        assert await announce_revocation(dead) is False
        await revoke(clean_db, dead, prefix)
        assert await auth.authenticate(key) is None
    finally:
        await dead.aclose()


async def test_while_redis_cannot_tell_a_row_read_moments_ago_is_trusted(
    settings: Settings, clean_db: AsyncEngine
) -> None:
    """With a grace period, an unreachable Redis costs one row read per key and period, not one per
    request; a revocation then applies once the period is over."""
    dead = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    auth = Authenticator(
        sessionmaker=async_sessionmaker(clean_db),
        pepper=settings.api_key_pepper,
        ttl_s=LONG_TTL,
        redis=dead,
        unknown_version_grace_s=0.5,
    )
    try:
        prefix, key = await mint(clean_db, settings, "search")
        assert await auth.authenticate(key) is not None
        reads = auth.row_reads
        await revoke(clean_db, dead, prefix)
        assert await auth.authenticate(key) is not None  # within the grace: the row is not read again
        assert auth.row_reads == reads
        await asyncio.sleep(0.6)
        assert await auth.authenticate(key) is None  # after it: read again, revoked
        assert auth.row_reads == reads + 1
    finally:
        await dead.aclose()


async def test_concurrent_requests_of_one_key_read_its_row_once(
    settings: Settings, clean_db: AsyncEngine
) -> None:
    """Fifty requests of a key whose revocation version is unknown (no Redis, no grace) at once: one
    read of the row answers all of them; the next request reads it again."""
    auth = Authenticator(
        sessionmaker=async_sessionmaker(clean_db), pepper=settings.api_key_pepper, ttl_s=LONG_TTL, redis=None
    )
    _, key = await mint(clean_db, settings, "search")
    first = await asyncio.gather(*(auth.authenticate(key) for _ in range(50)))
    assert all(p is not None and p == first[0] for p in first)
    assert auth.row_reads == 1  # the lookup, shared
    again = await asyncio.gather(*(auth.authenticate(key) for _ in range(50)))
    assert all(p == first[0] for p in again)
    assert auth.row_reads == 2  # one recheck, shared
    assert await auth.authenticate("lp_nothere_" + "x" * 32) is None
