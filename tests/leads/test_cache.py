"""The in-process tier of the search cache (no Redis): entries expire, and the LRU keeps within its
entry and byte bounds, least recently used out first."""

from __future__ import annotations

import orjson

from app.leads.cache import SearchCache, cache_key


def answer(n: int, size: int = 100) -> bytes:
    return orjson.dumps({"n": n, "pad": "x" * size})


async def test_the_local_tier_answers_without_redis() -> None:
    cache = SearchCache(redis=None, ttl_s=60, local_max_entries=10)
    await cache.store("a", answer(1))
    assert await cache.get("a") == {"n": 1, "pad": "x" * 100}
    assert await cache.get("b") is None


async def test_the_lru_keeps_within_its_byte_bound() -> None:
    one = len(answer(0))
    cache = SearchCache(redis=None, ttl_s=60, local_max_entries=1000, local_max_bytes=3 * one)
    for n in range(3):
        await cache.store(f"k{n}", answer(n))
    assert await cache.get("k0") is not None  # k0 is now the most recently used
    await cache.store("k3", answer(3))
    assert cache.local_bytes == 3 * one
    assert await cache.get("k1") is None  # the least recently used left
    assert [await cache.get(k) is not None for k in ("k0", "k2", "k3")] == [True, True, True]
    await cache.store("k2", answer(2))  # the same key again: counted once
    assert cache.local_bytes == 3 * one


async def test_an_answer_larger_than_the_bound_is_not_kept() -> None:
    cache = SearchCache(redis=None, ttl_s=60, local_max_entries=1000, local_max_bytes=500)
    await cache.store("small", answer(1))
    await cache.store("big", answer(2, size=1000))
    assert await cache.get("big") is None
    assert await cache.get("small") is not None
    assert cache.local_bytes == len(answer(1))


async def test_the_lru_keeps_within_its_entry_bound_and_expires() -> None:
    cache = SearchCache(redis=None, ttl_s=0, local_max_entries=2)
    await cache.store("a", answer(1))
    assert await cache.get("a") is None  # a TTL of 0 turns the cache off
    cache = SearchCache(redis=None, ttl_s=60, local_max_entries=2)
    for key in ("a", "b", "c"):
        await cache.store(key, answer(1))
    assert await cache.get("a") is None
    assert cache.local_bytes == 2 * len(answer(1))


def test_another_prompt_encoder_is_another_key() -> None:
    """Switching `EMBEDDING_QUERY_MODEL` changes answers: no answer of the other encoder is served."""
    common = {"prompt": "Fraud detection for lenders", "filters": {}, "k": 10, "explain": False}
    keys = {
        cache_key(**common, model_version="m1", query_encoder=encoder, generation="g1")  # type: ignore[arg-type]
        for encoder in ("minilm-static-256-v3", "minilm-l6-int8-query-v1")
    }
    assert len(keys) == 2
    same = cache_key(**common, model_version="m1", query_encoder="minilm-static-256-v3", generation="g1")  # type: ignore[arg-type]
    assert same in keys
