"""API key storage, lookup with an in-process cache, and per-key rate limiting."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.keys import NewKey, mint_key, parse_prefix, verify_key
from app.auth.models import ApiKey
from app.workspaces.service import ensure_default
from app.workspaces.tables import Workspace


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: uuid.UUID
    name: str
    scopes: frozenset[str]
    rate_limit_per_minute: int | None
    workspace_id: uuid.UUID
    workspace: str


async def create_key(
    session: AsyncSession,
    *,
    name: str,
    scopes: list[str],
    pepper: str,
    rate_limit_per_minute: int | None,
    workspace_id: uuid.UUID | None = None,
) -> tuple[ApiKey, NewKey]:
    """A new key in `workspace_id` (None: the default workspace)."""
    new = mint_key(pepper=pepper)
    row = ApiKey(
        name=name,
        prefix=new.prefix,
        key_hash=new.key_hash,
        scopes=scopes,
        rate_limit_per_minute=rate_limit_per_minute,
        workspace_id=workspace_id if workspace_id is not None else await ensure_default(session),
    )
    session.add(row)
    await session.flush()
    return row, new


async def revoke_key(session: AsyncSession, *, prefix: str) -> bool:
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        .values(revoked_at=func.now())
        .returning(ApiKey.id)
    )
    return result.first() is not None


class Authenticator:
    """Verifies bearer keys; caches positive and negative lookups for a few seconds."""

    def __init__(self, *, sessionmaker: async_sessionmaker[AsyncSession], pepper: str, ttl_s: float) -> None:
        self._sessionmaker = sessionmaker
        self._pepper = pepper
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    def invalidate(self) -> None:
        self._cache.clear()

    async def authenticate(self, key: str) -> Principal | None:
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        principal = await self._lookup(key)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now + self._ttl_s, principal)
        return principal

    async def _lookup(self, key: str) -> Principal | None:
        prefix = parse_prefix(key)
        if prefix is None:
            return None
        async with self._sessionmaker() as session:
            found = (
                await session.execute(
                    select(ApiKey, Workspace.name)
                    .join(Workspace, Workspace.id == ApiKey.workspace_id)
                    .where(ApiKey.prefix == prefix)
                )
            ).one_or_none()
            if found is None or found[0].revoked_at is not None:
                return None
            row, workspace = found
            if not verify_key(key=key, key_hash=row.key_hash, pepper=self._pepper):
                return None
            await session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=func.now()))
            await session.commit()
            return Principal(
                key_id=row.id,
                name=row.name,
                scopes=frozenset(row.scopes),
                rate_limit_per_minute=row.rate_limit_per_minute,
                workspace_id=row.workspace_id,
                workspace=workspace,
            )


class RateLimiter:
    """Fixed one-minute windows per key: in Redis when it answers, else in process."""

    def __init__(self, *, redis: Redis | None) -> None:
        self._redis = redis
        self._local: dict[tuple[uuid.UUID, int], int] = {}

    async def hit(self, *, key_id: uuid.UUID, limit: int) -> float | None:
        """Count one request; return seconds to wait when over the limit, else None."""
        now = time.time()
        window = int(now // 60)
        retry_after = 60.0 - (now % 60)
        count: int | None = None
        if self._redis is not None:
            name = f"rl:{key_id}:{window}"
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.incr(name)
                    pipe.expire(name, 61)
                    results = await pipe.execute()
                count = int(results[0])
            except (RedisError, OSError, TimeoutError):
                count = None
        if count is None:
            if len(self._local) > 100_000:
                self._local = {k: v for k, v in self._local.items() if k[1] >= window}
            count = self._local.get((key_id, window), 0) + 1
            self._local[(key_id, window)] = count
        return retry_after if count > limit else None
