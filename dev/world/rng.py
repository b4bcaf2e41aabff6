"""Deterministic randomness, stable identifiers and world-clock timestamps.

Every random stream is derived from (seed, purpose, index) through BLAKE2b, never from ``hash()``,
so results do not depend on PYTHONHASHSEED, iteration order of sets, or the wall clock.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import timedelta

from dev.world.config import WORLD_NOW

_DAY_SECONDS = 86_400


def mix(seed: int, purpose: str, index: int = 0) -> int:
    """A 64-bit integer derived from the seed, a purpose label and an index."""
    digest = hashlib.blake2b(f"{seed}:{purpose}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng_for(seed: int, purpose: str, index: int = 0) -> random.Random:
    return random.Random(mix(seed, purpose, index))


def stable_id(prefix: str, *parts: object, length: int = 20) -> str:
    """A short hex identifier that depends only on its parts."""
    raw = "\x1f".join(str(p) for p in parts).encode()
    return prefix + hashlib.blake2b(raw, digest_size=16).hexdigest()[:length]


def stable_uuid(*parts: object) -> str:
    raw = "\x1f".join(str(p) for p in parts).encode()
    return str(uuid.UUID(bytes=hashlib.blake2b(raw, digest_size=16).digest(), version=4))


def timestamp(days_ago: float) -> str:
    """RFC 3339 UTC timestamp ``days_ago`` days before the world's now (second precision)."""
    seconds = round(days_ago * _DAY_SECONDS)
    moment = WORLD_NOW - timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def date_text(days_ago: float) -> str:
    moment = WORLD_NOW - timedelta(days=days_ago)
    return moment.strftime("%B %Y")


def world_year() -> int:
    return WORLD_NOW.year


def weighted_pick(rng: random.Random, items: list[str], cumulative: list[float]) -> str:
    """Pick from items with precomputed cumulative weights (faster than ``choices`` in loops)."""
    return rng.choices(items, cum_weights=cumulative, k=1)[0]
