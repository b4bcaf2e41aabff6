"""Search response cache: Redis first, an in-process LRU when Redis is absent or failing.

The LRU is bounded by entries and by bytes: an answer of k = 100 with explanations is ~75 KB, so at
1M companies 10,000 entries held ~0.75 GB per worker, more than the worker's own share of the index
snapshot (docs/BENCHMARKS.md, "1M companies from a snapshot").

Keys hash the normalised prompt, filters, k, explain, the model version and the index generation,
so a new model (or newly visible data) never serves old entries.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.observability.meters import CACHE_EVENTS

logger = logging.getLogger(__name__)
PREFIX = "leadpoet:search:v1:"


@dataclass(frozen=True, slots=True)
class CacheRead:
    """A search's cache key and what Redis answered for it, read along with other commands."""

    key: str
    value: bytes | None


def normalise_prompt(prompt: str) -> str:
    return " ".join(prompt.lower().split())


def cache_key(
    *,
    prompt: str,
    filters: dict[str, Any],
    k: int,
    explain: bool,
    model_version: str,
    query_encoder: str,
    generation: str,
) -> str:
    """`query_encoder`: what encodes the prompt (app.ranking.embedding.query_model_id); another
    encoder gives other answers."""
    body = orjson.dumps(
        {
            "p": normalise_prompt(prompt),
            "f": filters,
            "k": k,
            "e": explain,
            "m": model_version,
            "q": query_encoder,
            "g": generation,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return PREFIX + hashlib.sha256(body).hexdigest()


class SearchCache:
    def __init__(
        self, *, redis: Redis | None, ttl_s: int, local_max_entries: int, local_max_bytes: int = 32 << 20
    ) -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        self.local_max = local_max_entries
        self.local_max_bytes = local_max_bytes
        self._local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.local_bytes = 0  # the answers' bytes the LRU holds
        self.redis_ok = redis is not None

    def _local_get(self, key: str) -> bytes | None:
        item = self._local.get(key)
        if item is None:
            return None
        expires, value = item
        if expires < time.monotonic():
            self._local_drop(key)
            return None
        self._local.move_to_end(key)
        return value

    def _local_drop(self, key: str) -> None:
        item = self._local.pop(key, None)
        if item is not None:
            self.local_bytes -= len(item[1])

    def _local_set(self, key: str, value: bytes) -> None:
        """Keep `value` (least recently used answers leave first); an answer larger than the byte
        bound is not kept."""
        self._local_drop(key)
        if self.local_max <= 0 or len(value) > self.local_max_bytes:
            return
        self._local[key] = (time.monotonic() + self.ttl_s, value)
        self.local_bytes += len(value)
        while len(self._local) > self.local_max or self.local_bytes > self.local_max_bytes:
            _, (_, dropped) = self._local.popitem(last=False)
            self.local_bytes -= len(dropped)

    async def get(self, key: str) -> dict[str, Any] | None:
        if self.ttl_s <= 0:
            return None
        if self.redis is not None:
            try:
                value = await self.redis.get(key)
            except (RedisError, OSError) as exc:
                self.redis_ok = False
                CACHE_EVENTS.labels(result="error", tier="redis").inc()
                logger.warning("redis cache unavailable: %s", exc)
            else:
                return self.answered(key, value)
        return self._local_lookup(key)

    def answered(self, key: str, value: bytes | str | None) -> dict[str, Any] | None:
        """`get`, once Redis has answered `value` for `key` (read in the caller's own round trip)."""
        if self.ttl_s <= 0:
            return None
        self.redis_ok = True
        if value is not None:
            CACHE_EVENTS.labels(result="hit", tier="redis").inc()
            return dict(orjson.loads(value))
        CACHE_EVENTS.labels(result="miss", tier="redis").inc()
        return self._local_lookup(key)

    def _local_lookup(self, key: str) -> dict[str, Any] | None:
        local = self._local_get(key)
        CACHE_EVENTS.labels(result="hit" if local is not None else "miss", tier="local").inc()
        return dict(orjson.loads(local)) if local is not None else None

    async def store(self, key: str, data: bytes) -> None:
        """Keep an answer, serialised (`orjson.dumps`: the service sends the same bytes)."""
        if self.ttl_s <= 0:
            return
        self._local_set(key, data)
        if self.redis is not None:
            try:
                await self.redis.set(key, data, ex=self.ttl_s)
                self.redis_ok = True
            except (RedisError, OSError) as exc:
                self.redis_ok = False
                logger.warning("redis cache unavailable: %s", exc)
