"""The lifespan opens every client, pool and model, and closes them in reverse order."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from redis.asyncio import Redis

from app.auth.service import Authenticator, RateLimiter
from app.core.config import Settings
from app.core.kafka import KafkaHub
from app.core.state import AppState
from app.db.session import create_engine, create_sessionmaker

logger = logging.getLogger(__name__)

# A startup hook receives the state after the core clients exist and returns an async cleanup.
StartupHook = Callable[[AppState], Awaitable[Callable[[], Awaitable[None]] | None]]


def build_redis(settings: Settings) -> Redis | None:
    if not settings.redis_enabled:
        return None
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_s,
        socket_connect_timeout=settings.redis_timeout_s,
        health_check_interval=30,
    )


def make_lifespan(
    settings: Settings, hooks: list[StartupHook]
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        sessionmaker = create_sessionmaker(engine)
        redis = build_redis(settings)
        kafka = KafkaHub(settings) if settings.kafka_enabled else None
        state = AppState(
            settings=settings,
            engine=engine,
            sessionmaker=sessionmaker,
            redis=redis,
            kafka=kafka,
            authenticator=Authenticator(
                sessionmaker=sessionmaker,
                pepper=settings.api_key_pepper,
                ttl_s=settings.auth_cache_ttl_s,
                redis=redis,
            ),
            rate_limiter=RateLimiter(redis=redis),
        )
        app.state.leadpoet = state
        cleanups: list[Callable[[], Awaitable[None]]] = []
        try:
            for hook in hooks:
                cleanup = await hook(state)
                if cleanup is not None:
                    cleanups.append(cleanup)
            yield
        finally:
            for cleanup in reversed(cleanups):
                try:
                    await cleanup()
                except Exception:
                    logger.exception("cleanup failed")
            if kafka is not None:
                await kafka.close()
            if redis is not None:
                await redis.aclose()
            await engine.dispose()

    return lifespan


def state_of(app: Any) -> AppState:
    state = getattr(app.state, "leadpoet", None)
    if not isinstance(state, AppState):
        raise RuntimeError("application state is not initialised (lifespan not running)")
    return state
