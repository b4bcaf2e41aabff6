"""The per-request cost meter: measured CPU seconds × price per vCPU-second + LLM tokens × prices
+ paid enrichment calls. The search service returns `cost_usd()` in `metadata.cost_usd` and calls
`record(leads=...)` once per request to feed `lead_cost_usd` and `request_cost_usd_total`.

    meter = CostMeter(settings)
    with meter.cpu():                 # synchronous CPU work only: no `await` inside the block
        features = build_features(...)
    meter.add_llm_tokens(input_tokens=812, output_tokens=64)
    meter.add_enrichment_calls(1)
    cost = meter.cost_usd()
    meter.record(leads=len(leads))

Method and limits (also in docs/OBSERVABILITY.md):
- CPU is read with `time.thread_time()` (the calling thread's user+system CPU, from
  CLOCK_THREAD_CPUTIME_ID) at the start and end of each `cpu()` block, in the thread that runs the
  block. Blocks may run in any thread (e.g. inside `asyncio.to_thread`); totals are lock-protected.
- Inside `async` code a block must not contain an `await`: the event loop would run other
  requests' callbacks in between and their CPU would be charged here. For the same reason CPU
  spent by the event loop itself (HTTP parsing, JSON encoding, asyncpg/redis protocol work, auth)
  between blocks is NOT attributed to any request: the per-request figure is a lower bound of the
  fully loaded cost. `scripts/cost_test.py` reports both (attributed, and the server process's
  whole CPU time divided by the leads returned).
- Work done by threads the block does not run in (e.g. onnxruntime's intra-op pool when it has
  more than one thread) is only captured with `CostMeter(settings, clock="process")`, which reads
  `time.process_time()` instead, at the price of also charging concurrent threads' CPU.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

from app.core.config import Settings
from app.observability.meters import LEAD_COST, LEADS_RETURNED, REQUEST_COST
from app.observability.sla import percentile

Clock = Literal["thread", "process"]
_CLOCKS: dict[Clock, Callable[[], float]] = {"thread": time.thread_time, "process": time.process_time}


@dataclass(frozen=True, slots=True)
class Prices:
    vcpu_second_usd: float
    llm_input_per_1k_tokens_usd: float
    llm_output_per_1k_tokens_usd: float
    enrichment_call_usd: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Prices:
        return cls(
            vcpu_second_usd=settings.price_per_vcpu_second_usd,
            llm_input_per_1k_tokens_usd=settings.llm_price_input_per_1k_tokens_usd,
            llm_output_per_1k_tokens_usd=settings.llm_price_output_per_1k_tokens_usd,
            enrichment_call_usd=settings.enrichment_price_per_call_usd,
        )


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    cpu_seconds: float
    cpu_usd: float
    llm_usd: float
    enrichment_usd: float

    @property
    def total_usd(self) -> float:
        return self.cpu_usd + self.llm_usd + self.enrichment_usd

    def per_lead_usd(self, leads: int) -> float | None:
        return self.total_usd / leads if leads > 0 else None


def price_breakdown(
    *, prices: Prices, cpu_seconds: float, input_tokens: int, output_tokens: int, enrichment_calls: int
) -> CostBreakdown:
    """Pure pricing of measured quantities."""
    return CostBreakdown(
        cpu_seconds=cpu_seconds,
        cpu_usd=cpu_seconds * prices.vcpu_second_usd,
        llm_usd=input_tokens / 1000 * prices.llm_input_per_1k_tokens_usd
        + output_tokens / 1000 * prices.llm_output_per_1k_tokens_usd,
        enrichment_usd=enrichment_calls * prices.enrichment_call_usd,
    )


class CostMeter:
    """Accumulates one request's measured resources. `with CostMeter(s) as m:` measures the block."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        prices: Prices | None = None,
        clock: Clock | Callable[[], float] = "thread",
    ):
        if prices is None:
            if settings is None:
                raise ValueError("CostMeter needs settings or prices")
            prices = Prices.from_settings(settings)
        self.prices = prices
        self._clock = clock if callable(clock) else _CLOCKS[clock]
        self._lock = threading.Lock()
        self._local = threading.local()  # per-thread nesting depth: nested blocks count once
        self._cpu_seconds = 0.0
        self._input_tokens = 0
        self._output_tokens = 0
        self._enrichment_calls = 0
        self._enter_started: list[float] = []

    # --- measuring ---------------------------------------------------------------------------
    @contextmanager
    def cpu(self) -> Iterator[None]:
        """Charge the CPU time the current thread spends inside the block (no `await` inside)."""
        depth: int = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        started = self._clock() if depth == 0 else 0.0
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                self.add_cpu_seconds(self._clock() - started)

    def add_cpu_seconds(self, seconds: float) -> None:
        """Charge CPU measured elsewhere (e.g. returned by a worker process)."""
        if seconds < 0:
            raise ValueError("cpu seconds must be >= 0")
        with self._lock:
            self._cpu_seconds += seconds

    def add_llm_tokens(self, *, input_tokens: int, output_tokens: int) -> None:
        if input_tokens < 0 or output_tokens < 0:
            raise ValueError("token counts must be >= 0")
        with self._lock:
            self._input_tokens += input_tokens
            self._output_tokens += output_tokens

    def add_enrichment_calls(self, calls: int = 1) -> None:
        if calls < 0:
            raise ValueError("calls must be >= 0")
        with self._lock:
            self._enrichment_calls += calls

    def __enter__(self) -> CostMeter:
        depth: int = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        self._enter_started.append(self._clock() if depth == 0 else -1.0)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        started = self._enter_started.pop()
        self._local.depth = getattr(self._local, "depth", 1) - 1
        if started >= 0:
            self.add_cpu_seconds(self._clock() - started)

    # --- results -----------------------------------------------------------------------------
    @property
    def cpu_seconds(self) -> float:
        return self._cpu_seconds

    def breakdown(self) -> CostBreakdown:
        with self._lock:
            return price_breakdown(
                prices=self.prices,
                cpu_seconds=self._cpu_seconds,
                input_tokens=self._input_tokens,
                output_tokens=self._output_tokens,
                enrichment_calls=self._enrichment_calls,
            )

    def cost_usd(self) -> float:
        return self.breakdown().total_usd

    def record(self, *, leads: int) -> CostBreakdown:
        """Export this request's cost: one `lead_cost_usd` observation per lead returned (so the
        histogram's sum/count is the average cost per lead), and the totals by component."""
        breakdown = self.breakdown()
        record_cost(breakdown, leads=leads)
        return breakdown


def record_cost(breakdown: CostBreakdown, *, leads: int) -> None:
    REQUEST_COST.labels(component="cpu").inc(breakdown.cpu_usd)
    REQUEST_COST.labels(component="llm").inc(breakdown.llm_usd)
    REQUEST_COST.labels(component="enrichment").inc(breakdown.enrichment_usd)
    if leads <= 0:
        return
    LEADS_RETURNED.inc(leads)
    per_lead = breakdown.total_usd / leads
    for _ in range(leads):
        LEAD_COST.observe(per_lead)


# --- run summaries (scripts/cost_test.py, scripts/cost_report.py) ----------------------------------
TARGET_MEAN_PER_LEAD_USD = 0.002
TARGET_P99_PER_LEAD_USD = 0.004


def summarize_costs(requests: Sequence[tuple[float, int]]) -> dict[str, float | int | None]:
    """From (cost_usd, leads) per request: totals, the mean cost per lead (total / leads) and the
    lead-weighted percentiles of cost per lead (each lead of a request costs cost / leads)."""
    total = sum(cost for cost, _ in requests)
    leads = sum(n for _, n in requests)
    per_lead = sorted(cost / n for cost, n in requests for _ in range(n) if n > 0)
    per_request = sorted(cost for cost, _ in requests)
    return {
        "requests": len(requests),
        "leads": leads,
        "total_usd": total,
        "mean_per_request_usd": total / len(requests) if requests else None,
        "p99_per_request_usd": percentile(per_request, 99) if per_request else None,
        "mean_per_lead_usd": total / leads if leads else None,
        "p50_per_lead_usd": percentile(per_lead, 50) if per_lead else None,
        "p99_per_lead_usd": percentile(per_lead, 99) if per_lead else None,
        "max_per_lead_usd": per_lead[-1] if per_lead else None,
    }
