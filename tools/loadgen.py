"""Pure parts of the load generator (scripts/load_test.py, tools/locustfile.py): the arrival
schedule, the request mix and the result summary. Nothing here runs inside the service.

The mix, stated: prompts come from the world's `prompts.jsonl` (test split); a share `repeat_share`
(default 0.3) of requests repeats an earlier request body exactly (a cache hit when the TTL still
holds), drawn from a hot set of the most recent HOT_SET unique bodies; the rest walk the prompts in
a seeded shuffled order. A prompt's own `filters` (as the world wrote them) are sent as they are;
`k` is 10 (60 %), 25 (20 %), 50 (15 %) or 100 (5 %); `explain` is true for half the requests.
With `unique=True` every body is distinct: when the prompts run out, a numbered suffix is appended
(" (ref 12)"), which changes the cache key but barely the query. With a `unique_tag` (the load and
cost scripts pass a fresh one per run) every fresh body carries " (ref TAG-N)", so the share of cache
hits equals the stated repeat share instead of growing once the test prompts have all been sent.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.observability.sla import summarize

K_CHOICES: tuple[tuple[int, float], ...] = ((10, 0.60), (25, 0.20), (50, 0.15), (100, 0.05))
EXPLAIN_SHARE = 0.5
HOT_SET = 200


def fixed_rate_schedule(*, qps: float, duration_s: float) -> list[float]:
    """Send offsets (seconds from start) at a fixed arrival rate: i / qps for i < qps × duration."""
    if qps <= 0 or duration_s <= 0:
        raise ValueError("qps and duration must be > 0")
    count = round(qps * duration_s)
    return [i / qps for i in range(count)]


def poisson_schedule(*, qps: float, duration_s: float, seed: int) -> list[float]:
    """Open-loop Poisson arrivals (exponential gaps) with mean rate qps, within [0, duration)."""
    if qps <= 0 or duration_s <= 0:
        raise ValueError("qps and duration must be > 0")
    rng = random.Random(seed)
    out: list[float] = []
    t = rng.expovariate(qps)
    while t < duration_s:
        out.append(t)
        t += rng.expovariate(qps)
    return out


def split_schedule(schedule: Sequence[float], parts: int) -> list[list[tuple[int, float]]]:
    """Round-robin the (index, offset) pairs over `parts` generator processes."""
    if parts < 1:
        raise ValueError("parts must be >= 1")
    return [[(i, schedule[i]) for i in range(part, len(schedule), parts)] for part in range(parts)]


def load_prompts(path: Path, *, split: str | None = "test") -> list[dict[str, Any]]:
    """Prompt records of one split (all records when the split is absent or None)."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = [r for r in records if split is None or r.get("split") == split]
    return chosen or records


@dataclass(frozen=True, slots=True)
class MixRequest:
    body: dict[str, Any]
    repeat: bool


def _weighted_k(rng: random.Random) -> int:
    ks, weights = zip(*K_CHOICES, strict=True)
    return int(rng.choices(ks, weights=weights)[0])


def build_mix(
    prompts: Sequence[Mapping[str, Any]],
    *,
    count: int,
    repeat_share: float = 0.3,
    seed: int = 1,
    unique: bool = False,
    unique_tag: str = "",
) -> list[MixRequest]:
    """`count` request bodies for POST /v1/leads/search, deterministic for a seed (and tag).

    `unique_tag` marks every fresh (non-repeat) prompt with " (ref TAG-N)": pass a fresh tag per run
    so that no fresh body was ever sent before, even by an earlier run (whose answers a cache may
    hold); the only cache hits are then the stated repeats."""
    if not prompts:
        raise ValueError("no prompts")
    if not 0.0 <= repeat_share < 1.0:
        raise ValueError("repeat_share must be within [0, 1)")
    rng = random.Random(seed)
    order = list(range(len(prompts)))
    rng.shuffle(order)
    hot: list[dict[str, Any]] = []
    out: list[MixRequest] = []
    fresh = 0
    for _ in range(count):
        if not unique and hot and rng.random() < repeat_share:
            out.append(MixRequest(body=rng.choice(hot), repeat=True))
            continue
        record = prompts[order[fresh % len(order)]]
        cycle = fresh // len(order)
        fresh += 1
        text = str(record["text"])
        if unique_tag:
            text = f"{text} (ref {unique_tag}-{fresh})"
        elif unique and cycle > 0:
            text = f"{text} (ref {cycle})"
        body: dict[str, Any] = {
            "prompt": text,
            "k": _weighted_k(rng),
            "explain": rng.random() < EXPLAIN_SHARE,
        }
        if record.get("filters"):
            body["filters"] = dict(record["filters"])
        out.append(MixRequest(body=body, repeat=False))
        hot.append(body)
        if len(hot) > HOT_SET:
            hot.pop(0)
    return out


@dataclass(frozen=True, slots=True)
class Sample:
    """One request of a run; times in seconds from the run's start."""

    index: int
    scheduled: float
    sent: float
    done: float
    status: int  # HTTP status, 0 when no response (timeout, connection error)
    error: str | None = None  # "timeout", "connect", "http_4xx", "http_5xx", "other"
    repeat: bool = False
    cache_hit: bool | None = None
    leads: int = 0
    cost_usd: float | None = None
    processing_ms: float | None = None

    @property
    def latency_s(self) -> float:
        """From the SCHEDULED send time: queueing in the generator counts (no coordinated omission)."""
        return self.done - self.scheduled


def error_kind(status: int) -> str | None:
    if 200 <= status < 300:
        return None
    if 400 <= status < 500:
        return "http_4xx"
    if status >= 500:
        return "http_5xx"
    return "other"


def summarize_run(
    samples: Iterable[Sample], *, target_qps: float, duration_s: float, scheduled: int
) -> dict[str, Any]:
    """The result JSON's figures from the samples of a run."""
    rows = sorted(samples, key=lambda s: s.index)
    ok = [s for s in rows if s.error is None]
    errors: dict[str, int] = {}
    for s in rows:
        if s.error is not None:
            errors[s.error] = errors.get(s.error, 0) + 1
    missing = scheduled - len(rows)
    if missing > 0:
        errors["not_sent"] = missing
    error_count = sum(errors.values())
    last_done = max((s.done for s in rows), default=0.0)
    window = max(duration_s, last_done)
    leads = sum(s.leads for s in ok)
    costed = [s for s in ok if s.cost_usd is not None]
    per_lead: list[float] = []
    for s in costed:
        if s.leads > 0 and s.cost_usd is not None:
            per_lead.extend([s.cost_usd / s.leads] * s.leads)
    hits = [s for s in ok if s.cache_hit is not None]
    return {
        "target_qps": target_qps,
        "duration_s": duration_s,
        "scheduled": scheduled,
        "completed": len(rows),
        "ok": len(ok),
        "errors": errors,
        "error_count": error_count,
        "error_rate": error_count / scheduled if scheduled else float("nan"),
        "achieved_qps": len(ok) / window if window > 0 else 0.0,
        "latency_ms": _ms(summarize([s.latency_s for s in ok])),
        "service_time_ms": _ms(summarize([s.done - s.sent for s in ok])),
        "send_lag_ms": _ms(summarize([s.sent - s.scheduled for s in rows])),
        "server_processing_ms": summarize([s.processing_ms for s in ok if s.processing_ms is not None]),
        "repeats": sum(1 for s in rows if s.repeat),
        "cache_hit_rate": (sum(1 for s in hits if s.cache_hit) / len(hits)) if hits else None,
        "leads_returned": leads,
        "cost": {
            "requests_with_cost": len(costed),
            "total_usd": sum(s.cost_usd for s in costed if s.cost_usd is not None),
            "per_lead_mean_usd": (sum(per_lead) / len(per_lead)) if per_lead else None,
            "per_lead_p99_usd": summarize(per_lead)["p99"] if per_lead else None,
        },
    }


def _ms(stats: dict[str, float]) -> dict[str, float]:
    return {k: (v if k == "count" else v * 1000.0) for k, v in stats.items()}


def rolling_percentiles(
    samples: Sequence[Sample], *, bucket_s: float = 1.0, percentiles: Sequence[float] = (50.0, 95.0, 99.0)
) -> list[dict[str, float]]:
    """Per-`bucket_s` window of scheduled time: the latency percentiles (ms) of successful requests."""
    buckets: dict[int, list[float]] = {}
    for s in samples:
        if s.error is None:
            buckets.setdefault(int(s.scheduled // bucket_s), []).append(s.latency_s * 1000.0)
    out = []
    for b in sorted(buckets):
        stats = summarize(buckets[b], percentiles)
        out.append({"t": b * bucket_s, **{k: v for k, v in stats.items() if k.startswith("p")}})
    return out
