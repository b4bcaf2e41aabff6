"""The operator view's arithmetic: Prometheus-style quantiles from histogram buckets (checked
against the exact percentile of the observations), per-interval series and charts, and reading
the real meters from a registry."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Histogram

from app.console.operator import (
    MeterSample,
    bucket_delta,
    chart,
    charts,
    histogram_quantile,
    read_meters,
    series,
)
from app.observability.meters import LATENCY_BUCKETS
from app.observability.sla import percentile

BOUNDS = (*LATENCY_BUCKETS, math.inf)


def buckets_of(values: list[float]) -> tuple[tuple[float, float], ...]:
    return tuple((bound, float(sum(1 for v in values if v <= bound))) for bound in BOUNDS)


def test_quantile_interpolates_inside_the_bucket() -> None:
    buckets = ((0.01, 0.0), (0.02, 10.0), (0.05, 20.0), (math.inf, 20.0))
    assert histogram_quantile(0.5, buckets) == 0.02
    assert histogram_quantile(0.25, buckets) == 0.015
    assert histogram_quantile(0.95, buckets) == 0.02 + 0.03 * 0.9
    assert histogram_quantile(0.5, ((1.0, 0.0), (math.inf, 0.0))) is None
    assert histogram_quantile(0.99, ((1.0, 1.0), (math.inf, 10.0))) == 1.0  # +Inf: its lower bound


@given(
    st.lists(st.floats(min_value=0.0001, max_value=1.9), min_size=1, max_size=300),
    st.sampled_from([0.5, 0.95, 0.99]),
)
def test_quantile_lies_in_the_bucket_of_the_true_percentile(values: list[float], q: float) -> None:
    estimate = histogram_quantile(q, buckets_of(values))
    assert estimate is not None
    exact = percentile(sorted(values), q * 100)
    upper = next(b for b in BOUNDS if exact <= b)
    lower = max([0.0, *(b for b in BOUNDS if b < upper)])
    assert lower - 1e-12 <= estimate <= upper + 1e-12


def test_bucket_delta_and_a_counter_reset() -> None:
    old = ((0.1, 2.0), (math.inf, 3.0))
    assert bucket_delta(((0.1, 5.0), (math.inf, 7.0)), old) == ((0.1, 3.0), (math.inf, 4.0))
    assert bucket_delta(((0.1, 1.0), (math.inf, 1.0)), old) == ((0.1, 1.0), (math.inf, 1.0))


def sample(
    at: float, accepted: float, latencies: list[float], cost_sum: float, cost_count: float
) -> MeterSample:
    return MeterSample(
        at=at, accepted=accepted, latency=buckets_of(latencies), cost_sum=cost_sum, cost_count=cost_count
    )


def test_series_per_interval() -> None:
    samples = [
        sample(100.0, 0, [], 0.0, 0),
        sample(110.0, 50, [0.01] * 10, 0.002, 20),
        sample(120.0, 50, [0.01] * 10, 0.002, 20),  # idle: no searches, no ingestion
    ]
    s = series(samples)
    assert [p.value for p in s.ingest_per_s] == [5.0, 0.0]
    assert s.latency_p50_ms[0].value is not None
    assert 7.5 <= s.latency_p50_ms[0].value <= 10.0
    assert s.latency_p50_ms[1].value is None
    cost = s.cost_per_lead_usd[0].value
    assert cost is not None
    assert math.isclose(cost, 0.0001)
    assert s.cost_per_lead_usd[1].value is None


def test_charts_fit_their_box() -> None:
    samples = [
        sample(100.0 + 10 * i, 7 * i * i, [0.01 * (i + 1)] * (i + 1) * 3, 0.001 * i, 10 * i) for i in range(6)
    ]
    for drawn in charts(samples):
        assert not drawn.empty
        for _, points in drawn.lines:
            for pair in points.split():
                x, y = (float(v) for v in pair.split(","))
                assert 0.0 <= x <= 300.0
                assert 0.0 <= y <= 80.0
    empty = chart("Latency", "ms", [("P50", "line-a", [])], ".1f")
    assert empty.empty
    assert empty.latest == [("P50", "n/a")]


def test_read_meters_from_a_registry() -> None:
    registry = CollectorRegistry()
    latency = Histogram("pipeline_latency_seconds", "", ["stage"], buckets=LATENCY_BUCKETS, registry=registry)
    cost = Histogram("lead_cost_usd", "", registry=registry)
    accepted = Counter("snippets_accepted_total", "", ["source"], registry=registry)
    for value in (0.004, 0.012, 0.3):
        latency.labels(stage="total").observe(value)
    latency.labels(stage="bm25").observe(1.0)  # another stage: not counted
    cost.observe(0.002)
    cost.observe(0.004)
    accepted.labels(source="api").inc(3)
    accepted.labels(source="kafka").inc(4)
    reading = read_meters(registry, now=5.0)
    assert reading.at == 5.0
    assert reading.accepted == 7
    assert reading.latency[-1] == (math.inf, 3.0)
    assert math.isclose(reading.cost_sum, 0.006)
    assert reading.cost_count == 2
