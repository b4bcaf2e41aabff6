"""The product SLA and its checks, shared by scripts/load_test.py and scripts/validate_sla.py.

Pure functions only. Percentiles use the nearest-rank definition (the smallest sample with at least
p% of the samples at or below it; numpy's `method="inverted_cdf"`): never interpolated below a
real observation, so a reported P99 is a latency some request actually had.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

P95_MAX_MS = 400.0
P99_MAX_MS = 550.0
ERROR_RATE_MAX = 0.001  # 0.1 %
ACHIEVED_MIN_SHARE = 0.98
PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence; p in [0, 100]."""
    if not sorted_values:
        return math.nan
    if not 0.0 <= p <= 100.0:
        raise ValueError("p must be within [0, 100]")
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values) - 1e-9))
    return float(sorted_values[rank - 1])


def percentile_key(p: float) -> str:
    """50.0 -> "p50", 99.9 -> "p99_9"."""
    return "p" + (f"{p:g}".replace(".", "_"))


def summarize(values: Sequence[float], percentiles: Sequence[float] = PERCENTILES) -> dict[str, float]:
    """count, mean, max and the percentiles of a sample (any order)."""
    ordered = sorted(values)
    out: dict[str, float] = {"count": float(len(ordered))}
    out["mean"] = sum(ordered) / len(ordered) if ordered else math.nan
    out["max"] = ordered[-1] if ordered else math.nan
    for p in percentiles:
        out[percentile_key(p)] = percentile(ordered, p)
    return out


@dataclass(frozen=True, slots=True)
class SlaInput:
    p95_ms: float
    p99_ms: float
    error_rate: float
    achieved_qps: float
    target_qps: float

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> SlaInput:
        """From a scripts/load_test.py result JSON."""
        latency = result["latency_ms"]
        return cls(
            p95_ms=float(latency["p95"]),
            p99_ms=float(latency["p99"]),
            error_rate=float(result["error_rate"]),
            achieved_qps=float(result["achieved_qps"]),
            target_qps=float(result["target_qps"]),
        )


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    measured: str
    limit: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name:<13} {self.measured:>14}  (limit {self.limit})"


def check_sla(
    measured: SlaInput,
    *,
    p95_max_ms: float = P95_MAX_MS,
    p99_max_ms: float = P99_MAX_MS,
    error_rate_max: float = ERROR_RATE_MAX,
    achieved_min_share: float = ACHIEVED_MIN_SHARE,
) -> list[Check]:
    """One check per SLA term. NaN (no data) always fails."""

    def below(value: float, limit: float) -> bool:
        return not math.isnan(value) and value < limit

    achieved_floor = achieved_min_share * measured.target_qps
    return [
        Check("p95", below(measured.p95_ms, p95_max_ms), f"{measured.p95_ms:.1f} ms", f"< {p95_max_ms:g} ms"),
        Check("p99", below(measured.p99_ms, p99_max_ms), f"{measured.p99_ms:.1f} ms", f"< {p99_max_ms:g} ms"),
        Check(
            "error_rate",
            not math.isnan(measured.error_rate) and measured.error_rate <= error_rate_max,
            f"{measured.error_rate * 100:.3f} %",
            f"<= {error_rate_max * 100:g} %",
        ),
        Check(
            "achieved_rate",
            not math.isnan(measured.achieved_qps) and measured.achieved_qps >= achieved_floor,
            f"{measured.achieved_qps:.1f} req/s",
            f">= {achieved_floor:.1f} req/s ({achieved_min_share * 100:g} % of {measured.target_qps:g})",
        ),
    ]
