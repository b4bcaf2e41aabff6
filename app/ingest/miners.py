"""Miner rows: created on first sight at the prior, locked per batch, counters and reputation updated,
token bucket taken; the reputation aggregates on /metrics (no miner ids)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import asyncpg

from app.core.config import Settings
from app.ingest.reputation import (
    Bucket,
    MinerCounters,
    TakeResult,
    bucket_for,
    next_quarantine,
    reputation,
    take,
)
from app.observability.meters import MINERS_QUARANTINED
from app.observability.reputation import publish_reputations

COUNTER_FIELDS = (
    "accepted",
    "rejected",
    "duplicates",
    "near_duplicates",
    "boilerplate",
    "corroborated",
    "contradicted",
    "outcomes_positive",
    "outcomes_negative",
)


@dataclass
class MinerRow:
    id: str
    reputation: float
    quarantined: bool
    counters: MinerCounters
    tokens: float
    tokens_at: datetime
    delta: dict[str, int] = field(default_factory=dict)
    throttled: int = 0
    taken: int = 0  # tokens taken by this transaction (applied to the locked row at save time)

    def add(self, name: str, n: int = 1) -> None:
        self.delta[name] = self.delta.get(name, 0) + n


def bucket(settings: Settings, rep: float) -> Bucket:
    return bucket_for(
        reputation=rep,
        max_rate=settings.ingest_throttle_rate_per_s,
        min_rate=settings.ingest_throttle_min_rate_per_s,
        burst_s=settings.ingest_throttle_burst_s,
    )


async def lock_miners(
    conn: asyncpg.Connection, *, ids: list[str], settings: Settings, now: datetime, lock: bool = True
) -> dict[str, MinerRow]:
    """Create unknown miners at the prior with a full bucket, then read (and with `lock`, lock) the
    rows in id order. Without `lock` the rows are a snapshot; `save_miners` locks them at the end."""
    if not ids:
        return {}
    ids = sorted(set(ids))
    prior = settings.ingest_reputation_prior
    await conn.execute(
        "INSERT INTO miners (id, reputation, throttle_tokens, throttle_updated_at) "
        "SELECT m, $2, $3, $4 FROM unnest($1::text[]) m ON CONFLICT (id) DO NOTHING",
        ids,
        prior,
        bucket(settings, prior).capacity,
        now,
    )
    suffix = " FOR NO KEY UPDATE" if lock else ""
    rows = await conn.fetch(f"SELECT * FROM miners WHERE id = ANY($1::text[]) ORDER BY id{suffix}", ids)  # noqa: S608
    return {r["id"]: miner_row(r) for r in rows}


def miner_row(r: Any) -> MinerRow:
    return MinerRow(
        id=r["id"],
        reputation=float(r["reputation"]),
        quarantined=bool(r["quarantined"]),
        counters=MinerCounters(**{name: int(r[name]) for name in COUNTER_FIELDS}),
        tokens=float(r["throttle_tokens"]),
        tokens_at=r["throttle_updated_at"],
    )


def take_tokens(
    miner: MinerRow, *, wanted: int, settings: Settings, now: datetime, all_or_nothing: bool
) -> TakeResult:
    elapsed = max(0.0, (now - miner.tokens_at).total_seconds())
    result = take(
        tokens=miner.tokens,
        elapsed_s=elapsed,
        bucket=bucket(settings, miner.reputation),
        wanted=wanted,
        all_or_nothing=all_or_nothing,
    )
    miner.tokens, miner.tokens_at = result.tokens_left, now
    miner.taken += result.admitted
    if result.admitted < wanted:
        miner.throttled += wanted - result.admitted
    return result


@dataclass(frozen=True, slots=True)
class Transition:
    miner_id: str
    quarantined: bool


async def save_miners(
    conn: asyncpg.Connection, *, miners: dict[str, MinerRow], settings: Settings, now: datetime
) -> list[Transition]:
    """Apply counter deltas, recompute reputation and quarantine, persist tokens. Returns the
    quarantine transitions (a released miner's quarantined snippets are released by the caller)."""
    if not miners:
        return []
    # Lock every row touched by this transaction now, in id order (no deadlocks between consumers),
    # and apply this transaction's deltas to the current values. NO KEY UPDATE: the snippets and
    # corroborations inserted before hold KEY SHARE locks on these rows (foreign keys), which FOR
    # UPDATE would wait for, deadlocking two consumers.
    fresh = {
        r["id"]: miner_row(r)
        for r in await conn.fetch(
            "SELECT * FROM miners WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE", sorted(miners)
        )
    }
    transitions: list[Transition] = []
    values: dict[str, list[Any]] = {k: [] for k in ("id", "rep", "q", "tok", "tat", "thr", *COUNTER_FIELDS)}
    for miner in miners.values():
        current = fresh[miner.id]
        counters = replace(
            current.counters,
            **{k: getattr(current.counters, k) + v for k, v in miner.delta.items()},
        )
        b = bucket(settings, current.reputation)
        elapsed = max(0.0, (now - current.tokens_at).total_seconds())
        tokens = min(b.capacity, current.tokens + elapsed * b.rate_per_s) - miner.taken
        miner.tokens, miner.tokens_at = max(-b.capacity, tokens), max(now, current.tokens_at)
        miner.quarantined = current.quarantined
        rep = reputation(counters, prior=settings.ingest_reputation_prior)
        quarantined = next_quarantine(
            quarantined=miner.quarantined,
            reputation=rep,
            below=settings.ingest_quarantine_below,
            release_at=settings.ingest_quarantine_release_at,
        )
        if quarantined != miner.quarantined:
            transitions.append(Transition(miner.id, quarantined))
        miner.counters, miner.reputation, miner.quarantined, miner.delta = counters, rep, quarantined, {}
        miner.taken = 0
        values["id"].append(miner.id)
        values["rep"].append(rep)
        values["q"].append(quarantined)
        values["tok"].append(miner.tokens)
        values["tat"].append(miner.tokens_at)
        values["thr"].append(miner.throttled)
        for name in COUNTER_FIELDS:
            values[name].append(getattr(counters, name))
        remember_reputation(miner.id, rep)
    publish_reputations(_reputations)
    sets = ", ".join(f"{name} = v.{name}" for name in COUNTER_FIELDS)
    casts = ", ".join(f"${i + 7}::bigint[]" for i in range(len(COUNTER_FIELDS)))
    await conn.execute(
        f"""
        UPDATE miners m SET reputation = v.rep, quarantined = v.q, throttle_tokens = v.tok,
            throttle_updated_at = v.tat, throttled_requests = m.throttled_requests + v.thr,
            last_seen_at = ${len(COUNTER_FIELDS) + 7}, updated_at = now(), {sets}
        FROM unnest($1::text[], $2::float8[], $3::bool[], $4::float8[], $5::timestamptz[],
                    $6::bigint[], {casts})
             AS v(id, rep, q, tok, tat, thr, {", ".join(COUNTER_FIELDS)})
        WHERE m.id = v.id
        """,  # noqa: S608 - column names are constants
        values["id"],
        values["rep"],
        values["q"],
        values["tok"],
        values["tat"],
        values["thr"],
        *[values[name] for name in COUNTER_FIELDS],
        now,
    )
    return transitions


# --- the aggregate gauges (no miner ids on /metrics): over the miners this process has seen -------
MAX_TRACKED = 10_000
_reputations: dict[str, float] = {}


def remember_reputation(miner_id: str, value: float) -> None:
    _reputations.pop(miner_id, None)
    _reputations[miner_id] = value
    if len(_reputations) > MAX_TRACKED:
        _reputations.pop(next(iter(_reputations)))  # the least recently updated


async def publish_quarantined(conn: asyncpg.Connection) -> None:
    count = await conn.fetchval("SELECT count(*) FROM miners WHERE quarantined")
    MINERS_QUARANTINED.set(float(count or 0))
