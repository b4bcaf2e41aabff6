"""The cost meter: pricing is pure arithmetic on measured quantities; CPU is measured per thread."""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from app.core.config import Settings
from app.observability.cost import CostMeter, Prices, price_breakdown

PRICES = Prices(
    vcpu_second_usd=0.0000124,
    llm_input_per_1k_tokens_usd=0.00015,
    llm_output_per_1k_tokens_usd=0.0006,
    enrichment_call_usd=0.001,
)


def burn(n: int = 200_000) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_price_breakdown_by_component() -> None:
    b = price_breakdown(
        prices=PRICES, cpu_seconds=2.0, input_tokens=1000, output_tokens=500, enrichment_calls=3
    )
    assert b.cpu_usd == pytest.approx(2 * 0.0000124)
    assert b.llm_usd == pytest.approx(0.00015 + 0.0003)
    assert b.enrichment_usd == pytest.approx(0.003)
    assert b.total_usd == pytest.approx(b.cpu_usd + b.llm_usd + b.enrichment_usd)
    assert b.per_lead_usd(10) == pytest.approx(b.total_usd / 10)
    assert b.per_lead_usd(0) is None


@given(
    cpu=st.floats(min_value=0, max_value=100, allow_nan=False),
    tin=st.integers(min_value=0, max_value=10**6),
    tout=st.integers(min_value=0, max_value=10**6),
    calls=st.integers(min_value=0, max_value=100),
)
def test_pricing_is_additive_and_non_negative(cpu: float, tin: int, tout: int, calls: int) -> None:
    whole = price_breakdown(
        prices=PRICES, cpu_seconds=cpu, input_tokens=tin, output_tokens=tout, enrichment_calls=calls
    )
    parts = [
        price_breakdown(prices=PRICES, cpu_seconds=cpu, input_tokens=0, output_tokens=0, enrichment_calls=0),
        price_breakdown(prices=PRICES, cpu_seconds=0, input_tokens=tin, output_tokens=0, enrichment_calls=0),
        price_breakdown(prices=PRICES, cpu_seconds=0, input_tokens=0, output_tokens=tout, enrichment_calls=0),
        price_breakdown(
            prices=PRICES, cpu_seconds=0, input_tokens=0, output_tokens=0, enrichment_calls=calls
        ),
    ]
    assert whole.total_usd >= 0
    assert math.isclose(whole.total_usd, sum(p.total_usd for p in parts), rel_tol=1e-9, abs_tol=1e-15)


def test_prices_come_from_settings() -> None:
    settings = Settings(price_per_vcpu_second_usd=0.5, enrichment_price_per_call_usd=0.25)
    meter = CostMeter(settings)
    meter.add_cpu_seconds(2.0)
    meter.add_enrichment_calls(2)
    assert meter.cost_usd() == pytest.approx(1.5)


def test_cpu_block_charges_the_threads_cpu_time() -> None:
    meter = CostMeter(prices=PRICES)
    with meter.cpu():
        burn()
    assert meter.cpu_seconds > 0
    assert meter.breakdown().cpu_usd == pytest.approx(meter.cpu_seconds * PRICES.vcpu_second_usd)


class FakeClock:
    """Advances one second per reading."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_nested_blocks_count_once() -> None:
    clock = FakeClock()
    meter = CostMeter(prices=PRICES, clock=clock)
    with meter, meter.cpu(), meter.cpu():
        pass
    assert clock.now == 2.0  # only the outermost block read the clock
    assert meter.cpu_seconds == 1.0
    with meter.cpu():
        pass
    assert meter.cpu_seconds == 2.0


async def test_blocks_in_worker_threads_add_up() -> None:
    meter = CostMeter(prices=PRICES)

    def work() -> None:
        with meter.cpu():
            burn(50_000)

    await asyncio.gather(*(asyncio.to_thread(work) for _ in range(4)))
    assert meter.cpu_seconds > 0


def test_negative_quantities_are_refused() -> None:
    meter = CostMeter(prices=PRICES)
    with pytest.raises(ValueError, match="cpu"):
        meter.add_cpu_seconds(-1)
    with pytest.raises(ValueError, match="token"):
        meter.add_llm_tokens(input_tokens=-1, output_tokens=0)
    with pytest.raises(ValueError, match="calls"):
        meter.add_enrichment_calls(-2)
    with pytest.raises(ValueError, match="settings or prices"):
        CostMeter()


def test_record_observes_one_sample_per_lead() -> None:
    before_count = sample("lead_cost_usd_count")
    before_sum = sample("lead_cost_usd_sum")
    before_leads = sample("leads_returned_total")
    before_llm = sample("request_cost_usd_total", component="llm")
    meter = CostMeter(prices=PRICES)
    meter.add_llm_tokens(input_tokens=2000, output_tokens=1000)  # $0.0003 + $0.0006
    meter.add_cpu_seconds(1.0)
    breakdown = meter.record(leads=4)
    assert sample("lead_cost_usd_count") - before_count == 4
    assert sample("lead_cost_usd_sum") - before_sum == pytest.approx(breakdown.total_usd)
    assert sample("leads_returned_total") - before_leads == 4
    assert sample("request_cost_usd_total", component="llm") - before_llm == pytest.approx(0.0009)


def test_record_with_no_leads_counts_the_request_cost_only() -> None:
    before_count = sample("lead_cost_usd_count")
    before_cpu = sample("request_cost_usd_total", component="cpu")
    meter = CostMeter(prices=PRICES)
    meter.add_cpu_seconds(10.0)
    meter.record(leads=0)
    assert sample("lead_cost_usd_count") == before_count
    assert sample("request_cost_usd_total", component="cpu") - before_cpu == pytest.approx(10 * 0.0000124)
