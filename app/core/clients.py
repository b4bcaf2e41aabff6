"""The core clients every component builds on: settings, database engine and sessions, Redis, Kafka.

`open_clients` does no I/O (the engine and clients connect lazily); `close_clients` releases them in
reverse order. The lifespan owns one `CoreClients` and hands it to each domain's startup hook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.core.kafka import KafkaHub

# What a startup hook returns to be awaited at shutdown (None: nothing to release).
Cleanup = Callable[[], Awaitable[None]]


@dataclass(slots=True)
class CoreClients:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis | None
    kafka: KafkaHub | None


def build_redis(settings: Settings) -> Redis | None:
    if not settings.redis_enabled:
        return None
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
        health_check_interval=30,
    )


def open_clients(settings: Settings) -> CoreClients:
    engine = create_engine(settings)
    return CoreClients(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        redis=build_redis(settings),
        kafka=KafkaHub(settings) if settings.kafka_enabled else None,
    )


async def close_clients(core: CoreClients) -> None:
    if core.kafka is not None:
        await core.kafka.close()
    if core.redis is not None:
        await core.redis.aclose()
    await core.engine.dispose()
