"""Typed container for everything the lifespan opens; routes reach it through `app.api.deps`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.auth.service import Authenticator, RateLimiter
from app.core.config import Settings
from app.core.kafka import KafkaHub


@dataclass(slots=True)
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis | None
    kafka: KafkaHub | None
    authenticator: Authenticator
    rate_limiter: RateLimiter
    # Components added by later stages (ranker, cache, ingestion) register here by name,
    # each typed at its accessor in app.api.deps.
    components: dict[str, Any] = field(default_factory=dict)
