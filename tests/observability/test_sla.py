"""SLA percentile math and checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.observability.sla import SlaInput, check_sla, percentile, percentile_key, summarize


@given(
    values=st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=1, max_size=300),
    p=st.floats(min_value=0.0, max_value=100.0),
)
def test_percentile_is_nearest_rank(values: list[float], p: float) -> None:
    ordered = sorted(values)
    got = percentile(ordered, p)
    assert got in ordered
    assert got == pytest.approx(float(np.percentile(ordered, p, method="inverted_cdf")))
    # at least p % of the samples are <= the percentile
    assert sum(1 for v in ordered if v <= got) >= p / 100 * len(ordered) - 1e-9


def test_percentile_known_values() -> None:
    data = [float(i) for i in range(1, 101)]
    assert percentile(data, 50) == 50.0
    assert percentile(data, 95) == 95.0
    assert percentile(data, 99) == 99.0
    assert percentile(data, 99.9) == 100.0
    assert percentile(data, 0) == 1.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match="within"):
        percentile(data, 101)


def test_summarize_keys() -> None:
    stats = summarize([3.0, 1.0, 2.0])
    assert (stats["count"], stats["max"], stats["mean"]) == (3, 3.0, 2.0)
    assert {"p50", "p90", "p95", "p99", "p99_9"} <= stats.keys()
    assert percentile_key(99.9) == "p99_9"


def good() -> SlaInput:
    return SlaInput(p95_ms=45.0, p99_ms=80.0, error_rate=0.0, achieved_qps=249.9, target_qps=250.0)


def test_all_checks_pass() -> None:
    checks = check_sla(good())
    assert [c.name for c in checks] == ["p95", "p99", "error_rate", "achieved_rate"]
    assert all(c.ok for c in checks)
    assert all(c.line().startswith("PASS") for c in checks)


@pytest.mark.parametrize(
    ("field", "value", "failing"),
    [
        ("p95_ms", 400.0, "p95"),  # >= 400 fails
        ("p99_ms", 550.0, "p99"),
        ("error_rate", 0.0011, "error_rate"),
        ("achieved_qps", 244.9, "achieved_rate"),  # < 98 % of 250 = 245
        ("p95_ms", float("nan"), "p95"),
    ],
)
def test_each_threshold(field: str, value: float, failing: str) -> None:
    values = {"p95_ms": 45.0, "p99_ms": 80.0, "error_rate": 0.0, "achieved_qps": 250.0, "target_qps": 250.0}
    values[field] = value
    checks = {c.name: c for c in check_sla(SlaInput(**values))}
    assert not checks[failing].ok
    assert checks[failing].line().startswith("FAIL")
    assert all(c.ok for name, c in checks.items() if name != failing)


def test_boundaries_that_pass() -> None:
    measured = SlaInput(p95_ms=399.9, p99_ms=549.9, error_rate=0.001, achieved_qps=245.0, target_qps=250.0)
    assert all(c.ok for c in check_sla(measured))


def test_from_result() -> None:
    result = {
        "latency_ms": {"p95": 12.0, "p99": 30.0},
        "error_rate": 0.0,
        "achieved_qps": 100.0,
        "target_qps": 100,
    }
    assert SlaInput.from_result(result) == SlaInput(12.0, 30.0, 0.0, 100.0, 100.0)
