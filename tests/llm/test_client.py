"""The LLM client against a real local HTTP server: success, cost, timeout, errors, circuit breaker."""

from __future__ import annotations

import pytest

from app.core.config import Settings
from app.leads.refine import refine
from app.llm.breaker import CircuitBreaker
from app.llm.client import LlmClient
from app.ranking.prompt import parse_prompt
from tests.llm.fake_provider import fake_provider


def llm_settings(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "llm_base_url": url,
        "llm_api_key": "sk-test",
        "llm_timeout_s": 0.5,
        "llm_breaker_failures": 2,
        "llm_breaker_reset_s": 60.0,
        "llm_price_input_per_1k_tokens_usd": 0.001,
        "llm_price_output_per_1k_tokens_usd": 0.002,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def test_refine_merges_the_answer_and_counts_cost() -> None:
    with fake_provider() as (url, behaviour):
        behaviour.answer = {
            "industries": ["52"],
            "countries": ["de"],
            "excluded_terms": ["Workday"],
            "roles": ["CFO"],
        }
        client = LlmClient(llm_settings(url))
        try:
            parsed, result = await refine(client, parse_prompt("payroll software for banks"))
        finally:
            await client.aclose()
    assert result.calls == 1
    assert result.cost_usd == pytest.approx(1000 * 0.001 / 1000 + 100 * 0.002 / 1000)
    assert "52" in parsed.industries
    assert "DE" in parsed.countries
    assert parsed.excluded_terms == ("Workday",)
    assert parsed.source == "rules+llm"
    request = behaviour.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["messages"][1]["content"] == "payroll software for banks"


@pytest.mark.parametrize("mode", ["error", "garbage", "slow"])
async def test_failures_fall_back_to_the_rules(mode: str) -> None:
    with fake_provider() as (url, behaviour):
        behaviour.mode, behaviour.delay_s = mode, 1.5
        client = LlmClient(llm_settings(url))
        try:
            base = parse_prompt("payroll software for banks")
            parsed, result = await refine(client, base)
        finally:
            await client.aclose()
    assert parsed == base
    assert result.calls == 1
    assert result.cost_usd == 0.0
    assert result.content is None
    assert result.error is not None
    if mode == "slow":
        assert result.error.startswith("timeout")


async def test_breaker_opens_after_consecutive_failures() -> None:
    with fake_provider() as (url, behaviour):
        behaviour.mode = "error"
        client = LlmClient(llm_settings(url))
        try:
            for _ in range(2):
                assert (await client.complete_json(system="s", user="u")).calls == 1
            assert client.breaker.state == "open"
            short = await client.complete_json(system="s", user="u")
        finally:
            await client.aclose()
    assert short.calls == 0
    assert short.error == "circuit open"
    assert len(behaviour.requests) == 2  # the open breaker sent nothing


def test_breaker_half_opens_after_reset_and_closes_on_success() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=1, reset_s=10.0, clock=lambda: now[0])
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    now[0] = 10.0
    assert breaker.state == "half_open"
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    now[0] = 20.0
    breaker.record_success()
    assert breaker.state == "closed"
