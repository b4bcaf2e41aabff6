"""The meters' contract: bucket resolution, stages, multi-process-safe types."""

from __future__ import annotations

import itertools

from prometheus_client import Gauge, Histogram, Info

from app.observability import meters


def test_latency_buckets_resolve_1ms_to_2s() -> None:
    buckets = meters.LATENCY_BUCKETS
    assert buckets[0] == 0.001
    assert buckets[-1] == 2.0
    assert all(b > a for a, b in itertools.pairwise(buckets))
    assert all(b / a <= 2.0 for a, b in itertools.pairwise(buckets))  # at most a doubling between bounds
    assert {0.05, 0.4, 0.55} <= set(buckets)  # the SLA thresholds are bucket bounds


def test_cost_buckets_include_the_targets() -> None:
    assert {0.002, 0.004} <= set(meters.COST_BUCKETS)


def test_stages() -> None:
    assert meters.STAGES == ("parse", "embed", "bm25", "ann", "features", "rerank", "total")


def test_no_info_metric_and_every_gauge_declares_its_multiprocess_mode() -> None:
    objects = [getattr(meters, name) for name in dir(meters) if name.isupper()]
    assert not any(isinstance(o, Info) for o in objects)
    for gauge in (o for o in objects if isinstance(o, Gauge)):
        assert gauge._multiprocess_mode != "all", gauge._name
    assert all(
        isinstance(o, Histogram) for o in (meters.PIPELINE_LATENCY, meters.HTTP_LATENCY, meters.LEAD_COST)
    )
