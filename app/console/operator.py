"""The operator view's figures, read from the service's own Prometheus meters and miners table.

A sampler reads the meters every CONSOLE_SAMPLE_INTERVAL_S into a ring buffer; the page turns
consecutive samples into per-interval series (ingestion rate, search latency P50/P95 from the
histogram's bucket deltas, cost per lead) drawn as small inline SVG charts.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.tables import Miner
from app.observability.meters import REPUTATION_BANDS

LATENCY_METRIC = "pipeline_latency_seconds"  # stage="total": the whole search, as the SLA reads it
LATENCY_STAGE = "total"
COST_METRIC = "lead_cost_usd"
ACCEPTED_METRIC = "snippets_accepted"
TOP_MINERS = 15

Buckets = tuple[tuple[float, float], ...]  # (upper bound, cumulative count), ascending, ends at +Inf


@dataclass(frozen=True, slots=True)
class MeterSample:
    at: float  # time.time()
    accepted: float
    latency: Buckets
    cost_sum: float
    cost_count: float


def _histogram(
    registry: CollectorRegistry, name: str, labels: dict[str, str]
) -> tuple[Buckets, float, float]:
    buckets: dict[float, float] = {}
    total = count = 0.0
    for family in registry.collect():
        if family.name != name:
            continue
        for sample in family.samples:
            if any(sample.labels.get(k) != v for k, v in labels.items()):
                continue
            if sample.name == f"{name}_bucket":
                le = float(sample.labels["le"])
                buckets[le] = buckets.get(le, 0.0) + sample.value
            elif sample.name == f"{name}_sum":
                total += sample.value
            elif sample.name == f"{name}_count":
                count += sample.value
    return tuple(sorted(buckets.items())), total, count


def _counter(registry: CollectorRegistry, name: str) -> float:
    return sum(
        sample.value
        for family in registry.collect()
        if family.name == name
        for sample in family.samples
        if sample.name == f"{name}_total"
    )


def read_meters(registry: CollectorRegistry, *, now: float | None = None) -> MeterSample:
    latency, _, _ = _histogram(registry, LATENCY_METRIC, {"stage": LATENCY_STAGE})
    _, cost_sum, cost_count = _histogram(registry, COST_METRIC, {})
    return MeterSample(
        at=time.time() if now is None else now,
        accepted=_counter(registry, ACCEPTED_METRIC),
        latency=latency,
        cost_sum=cost_sum,
        cost_count=cost_count,
    )


def histogram_quantile(q: float, buckets: Buckets) -> float | None:
    """Prometheus' histogram_quantile: linear interpolation inside the bucket holding rank q*n
    (the +Inf bucket answers its lower bound). None without observations."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    total = buckets[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank and count > lower_count:
            if math.isinf(bound):
                return lower_bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return lower_bound


def bucket_delta(new: Buckets, old: Buckets) -> Buckets:
    """Observations between two cumulative readings (a counter reset counts from zero)."""
    previous = dict(old)
    delta = tuple((bound, count - previous.get(bound, 0.0)) for bound, count in new)
    return new if any(count < 0 for _, count in delta) else delta


class MeterHistory:
    """A bounded ring buffer of samples, filled by a Periodic owned by the console's startup hook."""

    def __init__(self, *, read: Callable[[], MeterSample], keep: int) -> None:
        self._read = read
        self.samples: deque[MeterSample] = deque(maxlen=keep)

    async def sample(self) -> None:
        self.samples.append(self._read())

    def with_now(self) -> list[MeterSample]:
        """Stored samples plus a fresh reading, so the newest interval is always shown."""
        return [*self.samples, self._read()]


@dataclass(frozen=True, slots=True)
class Point:
    at: float
    value: float | None


@dataclass(frozen=True, slots=True)
class Series:
    ingest_per_s: list[Point]
    latency_p50_ms: list[Point]
    latency_p95_ms: list[Point]
    cost_per_lead_usd: list[Point]


def series(samples: Sequence[MeterSample]) -> Series:
    """Per-interval figures between consecutive samples (an interval without searches has no latency)."""
    ingest: list[Point] = []
    p50: list[Point] = []
    p95: list[Point] = []
    cost: list[Point] = []
    for old, new in itertools.pairwise(samples):
        span = new.at - old.at
        if span <= 0:
            continue
        accepted = new.accepted - old.accepted
        ingest.append(Point(new.at, max(0.0, (accepted if accepted >= 0 else new.accepted) / span)))
        window = bucket_delta(new.latency, old.latency)
        for out, q in ((p50, 0.5), (p95, 0.95)):
            value = histogram_quantile(q, window)
            out.append(Point(new.at, None if value is None else value * 1000.0))
        leads = new.cost_count - old.cost_count
        spent = new.cost_sum - old.cost_sum
        cost.append(Point(new.at, spent / leads if leads > 0 else None))
    return Series(ingest_per_s=ingest, latency_p50_ms=p50, latency_p95_ms=p95, cost_per_lead_usd=cost)


@dataclass(frozen=True, slots=True)
class Chart:
    """An SVG polyline chart: `lines` are (css class, points attribute) in a WIDTH x HEIGHT box."""

    title: str
    unit: str
    lines: list[tuple[str, str]]
    latest: list[tuple[str, str]]  # (label, formatted value) of each line's newest point
    maximum: str
    empty: bool


WIDTH = 300.0
HEIGHT = 80.0


def chart(title: str, unit: str, lines: Iterable[tuple[str, str, list[Point]]], fmt: str) -> Chart:
    named = list(lines)
    values = [p.value for _, _, points in named for p in points if p.value is not None]
    times = [p.at for _, _, points in named for p in points]
    top = max(values) if values else 0.0
    top = top if top > 0 else 1.0
    start, end = (min(times), max(times)) if times else (0.0, 1.0)
    span = end - start if end > start else 1.0
    drawn: list[tuple[str, str]] = []
    latest: list[tuple[str, str]] = []
    for label, css, points in named:
        coords = [
            f"{(p.at - start) / span * WIDTH:.1f},{HEIGHT - p.value / top * (HEIGHT - 4) - 2:.1f}"
            for p in points
            if p.value is not None
        ]
        if len(coords) == 1:  # one point: a short flat line so it shows
            x, y = coords[0].split(",")
            coords = [f"{max(0.0, float(x) - 6):.1f},{y}", f"{float(x):.1f},{y}"]
        drawn.append((css, " ".join(coords)))
        last = next((p.value for p in reversed(points) if p.value is not None), None)
        latest.append((label, "n/a" if last is None else format(last, fmt)))
    return Chart(
        title=title, unit=unit, lines=drawn, latest=latest, maximum=format(top, fmt), empty=not values
    )


def charts(samples: Sequence[MeterSample]) -> list[Chart]:
    s = series(samples)
    return [
        chart("Ingestion rate", "snippets/s", [("accepted", "line-a", s.ingest_per_s)], ".2f"),
        chart(
            "Search latency",
            "ms",
            [("P50", "line-a", s.latency_p50_ms), ("P95", "line-b", s.latency_p95_ms)],
            ".1f",
        ),
        chart(
            "Cost per 1,000 leads",
            "USD",
            [
                (
                    "cost",
                    "line-a",
                    [Point(p.at, None if p.value is None else p.value * 1000) for p in s.cost_per_lead_usd],
                )
            ],
            ".3g",
        ),
    ]


@dataclass(frozen=True, slots=True)
class MinerRow:
    id: str
    reputation: float
    accepted: int
    rejected: int
    quarantined: bool


@dataclass(frozen=True, slots=True)
class MinerSummary:
    total: int
    quarantined: int
    bands: dict[str, int]
    top: list[MinerRow]


async def miner_summary(session: AsyncSession) -> MinerSummary:
    total, quarantined = (
        await session.execute(select(func.count(), func.count().filter(Miner.quarantined)).select_from(Miner))
    ).one()
    index = func.least(
        func.greatest(func.floor(Miner.reputation * len(REPUTATION_BANDS)), 0), len(REPUTATION_BANDS) - 1
    )
    by_band = (await session.execute(select(index.label("band"), func.count()).group_by("band"))).all()
    bands = dict.fromkeys(REPUTATION_BANDS, 0)
    for band, count in by_band:
        bands[REPUTATION_BANDS[int(band)]] = int(count)
    rows = (
        await session.execute(
            select(Miner.id, Miner.reputation, Miner.accepted, Miner.rejected, Miner.quarantined)
            .order_by(Miner.accepted.desc(), Miner.id)
            .limit(TOP_MINERS)
        )
    ).all()
    return MinerSummary(
        total=int(total),
        quarantined=int(quarantined),
        bands=bands,
        top=[
            MinerRow(r.id, float(r.reputation), int(r.accepted), int(r.rejected), bool(r.quarantined))
            for r in rows
        ],
    )
