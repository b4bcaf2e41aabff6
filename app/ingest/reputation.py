"""Miner reputation in [0, 1] and the spam throttle (a token bucket whose rate shrinks with reputation).

Pure functions over the counters kept on `miners` (docs/INGESTION.md, "Reputation").

    base    = 0.40 * pass_rate            validation pass rate, Beta(4, 1) smoothed
            + 0.20 * (1 - dup_rate)       exact + near duplicates of its own earlier evidence
            + 0.10 * (1 - boilerplate_rate)
            + 0.20 * corroboration        0.25 for none, up to 1.0 when >= 1/3 of its snippets are
                                          corroborated by other miners
            + 0.10 * outcome_score        (positive + 1) / (positive + negative + 2)
    quality = base * sqrt(1 - contradiction_rate)   values that lost a conflict / accepted snippets
    reputation = (K * prior + n * quality) / (K + n),  n = snippets seen, K = 20 pseudo-snippets

A new miner therefore starts exactly at the prior (default 0.6) and moves as evidence accumulates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PRIOR_WEIGHT = 20.0


@dataclass(frozen=True, slots=True)
class MinerCounters:
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    boilerplate: int = 0
    corroborated: int = 0
    contradicted: int = 0
    outcomes_positive: int = 0
    outcomes_negative: int = 0


def quality(c: MinerCounters) -> float:
    stored = c.accepted + c.duplicates + c.near_duplicates
    seen = stored + c.rejected
    pass_rate = (stored + 4.0) / (seen + 5.0)
    dup_rate = (c.duplicates + c.near_duplicates) / (stored + 1.0)
    boilerplate_rate = c.boilerplate / (stored + 1.0)
    corroboration = 0.25 + 0.75 * min(1.0, 3.0 * c.corroborated / (c.accepted + 1.0))
    contradiction_rate = min(1.0, c.contradicted / (c.accepted + 1.0))
    outcome_score = (c.outcomes_positive + 1.0) / (c.outcomes_positive + c.outcomes_negative + 2.0)
    base = (
        0.40 * pass_rate
        + 0.20 * (1.0 - min(1.0, dup_rate))
        + 0.10 * (1.0 - min(1.0, boilerplate_rate))
        + 0.20 * corroboration
        + 0.10 * outcome_score
    )
    value = base * math.sqrt(1.0 - contradiction_rate)
    return min(1.0, max(0.0, value))


def reputation(c: MinerCounters, *, prior: float) -> float:
    n = c.accepted + c.rejected + c.duplicates + c.near_duplicates
    value = (PRIOR_WEIGHT * prior + n * quality(c)) / (PRIOR_WEIGHT + n)
    return round(min(1.0, max(0.0, value)), 6)


def next_quarantine(*, quarantined: bool, reputation: float, below: float, release_at: float) -> bool:
    """Quarantine below `below`; release only at `release_at` or more (hysteresis, no flapping)."""
    if quarantined:
        return reputation < release_at
    return reputation < below


@dataclass(frozen=True, slots=True)
class Bucket:
    rate_per_s: float
    capacity: float


def bucket_for(*, reputation: float, max_rate: float, min_rate: float, burst_s: float) -> Bucket:
    rate = max(min_rate, max_rate * reputation * reputation)
    return Bucket(rate_per_s=rate, capacity=max(1.0, rate * burst_s))


@dataclass(frozen=True, slots=True)
class TakeResult:
    admitted: int
    tokens_left: float
    retry_after_s: float  # 0 when everything was admitted


def take(*, tokens: float, elapsed_s: float, bucket: Bucket, wanted: int, all_or_nothing: bool) -> TakeResult:
    """Refill for `elapsed_s`, then take up to `wanted` tokens. With `all_or_nothing` (HTTP: a 429
    stores nothing) either all are admitted or none; otherwise as many as there are tokens."""
    available = min(bucket.capacity, max(0.0, tokens) + max(0.0, elapsed_s) * bucket.rate_per_s)
    if wanted <= available + 1e-9:
        return TakeResult(admitted=wanted, tokens_left=available - wanted, retry_after_s=0.0)
    if all_or_nothing:
        missing = min(float(wanted), bucket.capacity) - available
        return TakeResult(
            admitted=0, tokens_left=available, retry_after_s=max(1.0, math.ceil(missing / bucket.rate_per_s))
        )
    admitted = int(available + 1e-9)
    return TakeResult(
        admitted=admitted, tokens_left=available - admitted, retry_after_s=1.0 / bucket.rate_per_s
    )
