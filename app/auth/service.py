"""API key storage, lookup with an in-process cache, and per-key rate limiting."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.keys import NewKey, mint_key, parse_prefix, verify_key
from app.auth.tables import ApiKey
from app.workspaces.service import ensure_default
from app.workspaces.tables import Workspace

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: uuid.UUID
    name: str
    scopes: frozenset[str]
    rate_limit_per_minute: int | None
    workspace_id: uuid.UUID
    workspace: str
    # The miners this key may post snippets for; None: any (keys created before miners were bound).
    miner_ids: frozenset[str] | None = None

    def may_post_for(self, miner_id: str) -> bool:
        return self.miner_ids is None or miner_id in self.miner_ids


async def create_key(
    session: AsyncSession,
    *,
    name: str,
    scopes: list[str],
    pepper: str,
    rate_limit_per_minute: int | None,
    miner_ids: list[str] | None = None,
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
        miner_ids=sorted(set(miner_ids)) if miner_ids is not None else None,
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


async def list_keys(session: AsyncSession, *, workspace_id: uuid.UUID) -> list[ApiKey]:
    """Every key of the workspace, oldest first (revoked ones included)."""
    query = select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(ApiKey.created_at)
    return list((await session.execute(query)).scalars().all())


# Bumped (INCR) after every revocation is committed: each request compares it with the value its
# cached principal was verified at, so a revocation takes effect at once in every worker and pod.
REVOCATIONS_KEY = "leadpoet:auth:revocations"


async def announce_revocation(redis: Redis | None) -> bool:
    """Tell every Authenticator a key was revoked; call after the revocation is committed. False when
    Redis did not answer (workers then notice within their cache TTL)."""
    if redis is None:
        return False
    try:
        await redis.incr(REVOCATIONS_KEY)
    except (RedisError, OSError, TimeoutError):
        logger.warning("could not announce a key revocation in Redis")
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Cached:
    expires: float
    principal: Principal | None
    version: int | None  # the revocation version read before the database lookup
    read_at: float  # when the key's row was last read (monotonic)


class Authenticator:
    """Verifies bearer keys. A cache (TTL `ttl_s`) skips the HMAC and the row lookup, never the
    revocation check: a cached principal is reused only while the Redis revocation version is the one
    it was verified at; otherwise its row is read again by id. When Redis cannot tell the version
    (absent, down, or slower than its timeout under load), a row read less than `unknown_version_grace_s`
    ago is trusted: a revocation then applies within that time, and the key's row is read at most once
    per grace period instead of on every request (under overload those reads took every pooled
    connection: docs/BENCHMARKS.md, "SLA", the overload section). Concurrent reads of the same key's
    row at the same version are one read."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        pepper: str,
        ttl_s: float,
        redis: Redis | None = None,
        unknown_version_grace_s: float = 0.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._pepper = pepper
        self._ttl_s = ttl_s
        self._redis = redis
        self._grace_s = unknown_version_grace_s
        self._cache: dict[str, _Cached] = {}
        # Reads in flight by (key, revocation version): a request that saw a newer version never
        # takes the answer of a read that may have started before the revocation.
        self._reading: dict[tuple[str, int | None], asyncio.Future[Principal | None]] = {}
        self.row_reads = 0  # reads of api_keys rows started (lookups and rechecks)

    def invalidate(self) -> None:
        self._cache.clear()

    async def revocation_version(self) -> int | None:
        """The current revocation version, or None when Redis is absent or does not answer."""
        if self._redis is None:
            return None
        try:
            value = await self._redis.get(REVOCATIONS_KEY)
        except (RedisError, OSError, TimeoutError):
            return None
        return int(value) if value is not None else 0

    def remembered(self, key: str) -> Principal | None:
        """The principal this key was verified as, while that is cached (revocations not checked)."""
        hit = self._cache.get(key)
        return hit.principal if hit is not None and hit.expires > time.monotonic() else None

    async def authenticate(self, key: str) -> Principal | None:
        return await self.authenticate_at(key, await self.revocation_version())

    async def authenticate_at(self, key: str, version: int | None) -> Principal | None:
        """`authenticate` with the revocation version already read (None: Redis did not answer)."""
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit.expires > now:
            if hit.principal is None or (version is not None and hit.version == version):
                return hit.principal  # unknown keys stay unknown; the version says nothing was revoked
            if version is None and now - hit.read_at < self._grace_s:
                return hit.principal  # Redis cannot tell; the row was read moments ago
            known = hit.principal
            principal = await self._read_once((key, version), lambda: self._recheck(known))
        else:
            principal = await self._read_once((key, version), lambda: self._lookup(key))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = _Cached(
            expires=now + self._ttl_s, principal=principal, version=version, read_at=time.monotonic()
        )
        return principal

    async def _read_once(
        self, slot: tuple[str, int | None], read: Callable[[], Awaitable[Principal | None]]
    ) -> Principal | None:
        """`read()` (the key's row), shared by every caller that asks for the same key at the same
        revocation version meanwhile; a caller that is cancelled does not cancel the read for the
        others."""
        pending = self._reading.get(slot)
        if pending is None:
            pending = asyncio.ensure_future(read())
            self._reading[slot] = pending
            self.row_reads += 1

            def forget(done: asyncio.Future[Principal | None], slot: tuple[str, int | None] = slot) -> None:
                if self._reading.get(slot) is done:
                    del self._reading[slot]
                if not done.cancelled():
                    done.exception()  # retrieved here: a failure reaches the waiters, not the loop's log

            pending.add_done_callback(forget)
        return await asyncio.shield(pending)

    async def _recheck(self, principal: Principal) -> Principal | None:
        """The key's hash was verified already: only whether it is still active (and its scopes)."""
        async with self._sessionmaker() as session:
            row = (
                await session.execute(select(ApiKey).where(ApiKey.id == principal.key_id))
            ).scalar_one_or_none()
            if row is None or row.revoked_at is not None:
                return None
            return _principal(row, principal.workspace)

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
            principal = _principal(row, workspace)
            await session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=func.now()))
            await session.commit()
            return principal


def _principal(row: ApiKey, workspace: str) -> Principal:
    return Principal(
        key_id=row.id,
        name=row.name,
        scopes=frozenset(row.scopes),
        rate_limit_per_minute=row.rate_limit_per_minute,
        workspace_id=row.workspace_id,
        workspace=workspace,
        miner_ids=frozenset(row.miner_ids) if row.miner_ids is not None else None,
    )


class RateLimiter:
    """Fixed one-minute windows per key: in Redis when it answers, else in process."""

    def __init__(self, *, redis: Redis | None) -> None:
        self._redis = redis
        self._local: dict[tuple[uuid.UUID, int], int] = {}

    @property
    def redis(self) -> Redis | None:
        return self._redis

    @staticmethod
    def window(key_id: uuid.UUID) -> Window:
        """The current one-minute window of a key."""
        now = time.time()
        window = int(now // 60)
        name = f"rl:{key_id}:{window}"
        return Window(key_id=key_id, index=window, name=name, retry_after=60.0 - (now % 60))

    @staticmethod
    def count(pipe: Pipeline, window: Window) -> None:
        """Queue the window's count (INCR, then EXPIRE) on a pipeline; its INCR answer is the count."""
        pipe.incr(window.name)
        pipe.expire(window.name, 61)

    async def hit(self, *, key_id: uuid.UUID, limit: int) -> float | None:
        """Count one request; return seconds to wait when over the limit, else None."""
        window = self.window(key_id)
        count: int | None = None
        if self._redis is not None:
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    self.count(pipe, window)
                    results = await pipe.execute()
                count = int(results[0])
            except (RedisError, OSError, TimeoutError):
                count = None
        return self.verdict(window, count=count, limit=limit)

    def verdict(self, window: Window, *, count: int | None, limit: int) -> float | None:
        """Seconds to wait when `count` (None: Redis did not answer, counted in process) is over
        `limit`, else None."""
        if count is None:
            if len(self._local) > 100_000:
                self._local = {k: v for k, v in self._local.items() if k[1] >= window.index}
            count = self._local.get((window.key_id, window.index), 0) + 1
            self._local[(window.key_id, window.index)] = count
        return window.retry_after if count > limit else None


@dataclass(frozen=True, slots=True)
class Window:
    """A key's one-minute rate-limit window: its Redis counter and the seconds until it ends."""

    key_id: uuid.UUID
    index: int
    name: str
    retry_after: float


@dataclass(frozen=True, slots=True)
class Admitted:
    """What one Redis round trip answered for a request (`admit_in_one_trip`)."""

    principal: Principal | None
    retry_after: float | None  # the rate limit's verdict
    value: bytes | None  # the extra key's value


async def admit_in_one_trip(
    authenticator: Authenticator,
    limiter: RateLimiter,
    *,
    key: str,
    remembered: Principal,
    default_limit: int,
    also_get: str,
) -> Admitted | None:
    """For a key whose principal is cached: the revocation version, the rate-limit count and
    `also_get` (e.g. a cached response) in one pipelined round trip; the same checks as
    `authenticate` + `RateLimiter.hit`. None when Redis is absent or does not answer (the caller
    takes the usual path, which has the in-process fallbacks)."""
    redis = limiter.redis
    if redis is None:
        return None
    window = limiter.window(remembered.key_id)
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.get(REVOCATIONS_KEY)
            limiter.count(pipe, window)
            pipe.get(also_get)
            version, count, _, value = await pipe.execute()
    except (RedisError, OSError, TimeoutError):
        return None
    principal = await authenticator.authenticate_at(key, int(version) if version is not None else 0)
    if principal is None:
        return Admitted(principal=None, retry_after=None, value=None)
    return Admitted(
        principal=principal,
        retry_after=limiter.verdict(
            window, count=int(count), limit=principal.rate_limit_per_minute or default_limit
        ),
        value=value,
    )
