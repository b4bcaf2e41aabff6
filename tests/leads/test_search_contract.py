"""POST /v1/leads/search and GET /v1/leads/{id} on the tiny world: the contract, golden shape."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.auth.keys import parse_prefix
from app.auth.service import announce_revocation, revoke_key
from app.catalog.ids import lead_id_for_domain
from app.leads.tables import SearchRequest
from tests.leads.conftest import mint_key
from tools.ranker_world import World

LEAD_KEYS = {
    "rank",
    "lead_id",
    "domain",
    "name",
    "score",
    "score_kind",
    "match_score",
    "fit_score",
    "intent_score",
    "industry",
    "employees",
    "country",
    "contacts",
    "signals",
    "explanation",
}
STAGES = {"parse", "embed", "bm25", "ann", "features", "rerank"}


async def search(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/leads/search", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_contract_shape(
    client: httpx.AsyncClient, search_headers: dict[str, str], world_db: World
) -> None:
    body = await search(client, search_headers, prompt="cloud cost optimization software", k=10)
    assert set(body) == {"request_id", "model_version", "leads", "metadata", "next_cursor"}
    assert body["next_cursor"] is None  # only with max_results
    uuid.UUID(body["request_id"])
    assert body["model_version"]
    assert len(body["leads"]) == 10
    meta = body["metadata"]
    assert set(meta) == {
        "processing_time_ms",
        "timings_ms",
        "candidates",
        "cache_hit",
        "llm_calls",
        "cost_usd",
    }
    assert set(meta["timings_ms"]) == STAGES
    assert meta["cache_hit"] is False
    assert meta["llm_calls"] == 0
    assert meta["candidates"] >= 10
    assert meta["cost_usd"] >= 0
    for rank, lead in enumerate(body["leads"], start=1):
        assert set(lead) == LEAD_KEYS
        assert lead["rank"] == rank
        assert lead["lead_id"] == str(lead_id_for_domain(lead["domain"]))
        assert 0.0 <= lead["match_score"] <= 100.0
        if lead["score_kind"] == "probability":
            assert 0.0 <= lead["score"] <= 1.0
        else:
            assert lead["score_kind"] == "match"
            assert lead["score"] == lead["match_score"]
        assert 0.0 <= lead["fit_score"] <= 1.0
        assert 0.0 <= lead["intent_score"] <= 1.0
        for contact in lead["contacts"]:
            assert set(contact) == {"name", "title", "email"}
            assert contact["email"] is None or contact["email"].endswith(lead["domain"])
        for signal in lead["signals"]:
            assert set(signal) == {
                "snippet_id",
                "kind",
                "text",
                "source_url",
                "observed_at",
                "age_days",
                "weight",
                "highlights",
                "excerpt",
            }
            assert signal["observed_at"].endswith("Z")
            assert signal["age_days"] >= 0
            for span in signal["highlights"]:
                assert signal["text"][span["start"] : span["end"]].strip()
        explanation = lead["explanation"]
        assert set(explanation) == {"top_features", "summary", "reasons"}
        assert explanation["summary"] == " ".join(explanation["reasons"])
        assert explanation["summary"].startswith(lead["name"])
        for feature in explanation["top_features"]:
            assert set(feature) == {"name", "value", "contribution"}
    scores = [lead["match_score"] for lead in body["leads"]]
    assert scores == sorted(scores, reverse=True)


async def test_golden_is_deterministic_and_cached(
    client: httpx.AsyncClient, search_headers: dict[str, str]
) -> None:
    prompt = "Payroll and employer of record for companies hiring abroad"
    first = await search(client, search_headers, prompt=prompt, k=15, explain=False)
    second = await search(
        client,
        search_headers,
        prompt="  payroll AND employer of record for companies hiring abroad ",
        k=15,
        explain=False,
    )
    assert second["metadata"]["cache_hit"] is True
    assert [lead["lead_id"] for lead in first["leads"]] == [lead["lead_id"] for lead in second["leads"]]
    assert second["request_id"] != first["request_id"]
    assert all(lead["explanation"] is None for lead in first["leads"])


async def test_query_log_row(
    client: httpx.AsyncClient, search_headers: dict[str, str], ranker_engine: AsyncEngine
) -> None:
    body = await search(client, search_headers, prompt="warehouse robots for distribution centers", k=5)
    state = client._transport.app.state.leadpoet  # type: ignore[attr-defined]
    await state.ranker.service.drain()
    async with ranker_engine.connect() as conn:
        row = (
            await conn.execute(select(SearchRequest).where(SearchRequest.id == uuid.UUID(body["request_id"])))
        ).one()
    assert row.k == 5
    assert row.cache_hit is False
    assert row.model_version == body["model_version"]
    assert [str(x) for x in row.lead_ids] == [lead["lead_id"] for lead in body["leads"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "ab"}, "prompt"),
        ({"prompt": "x" * 2001}, "prompt"),
        ({"prompt": "cloud cost", "k": 0}, "k"),
        ({"prompt": "cloud cost", "k": 201}, "k"),
        ({"prompt": "cloud cost", "filters": {"countries": ["USA"]}}, "filters.countries"),
        ({"prompt": "cloud cost", "filters": {"colour": "red"}}, "filters.colour"),
        ({"k": 5}, "prompt"),
    ],
)
async def test_invalid_input_is_422_naming_the_field(
    client: httpx.AsyncClient, search_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/leads/search", json=body, headers=search_headers)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


async def test_no_match_is_an_empty_list(client: httpx.AsyncClient, search_headers: dict[str, str]) -> None:
    body = await search(client, search_headers, prompt="cloud cost tools", filters={"countries": ["AQ"]})
    assert body["leads"] == []
    # an inverted size range is an empty range, not an error (JSON Schema cannot state min <= max)
    inverted = {"employees_min": 10, "employees_max": 5}
    assert (await search(client, search_headers, prompt="cloud cost tools", filters=inverted))["leads"] == []


async def test_requires_the_search_scope(
    client: httpx.AsyncClient, ranker_engine: AsyncEngine, ranker_settings: Any
) -> None:
    key = await mint_key(ranker_engine, ranker_settings, "ingest")
    response = await client.post(
        "/v1/leads/search", json={"prompt": "cloud"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 403
    response = await client.post("/v1/leads/search", json={"prompt": "cloud"})
    assert response.status_code == 401


async def test_lead_profile(client: httpx.AsyncClient, search_headers: dict[str, str]) -> None:
    body = await search(client, search_headers, prompt="security awareness training for staff", k=1)
    lead = body["leads"][0]
    response = await client.get(f"/v1/leads/{lead['lead_id']}", headers=search_headers)
    assert response.status_code == 200
    profile = response.json()
    assert profile["domain"] == lead["domain"]
    assert profile["lead_id"] == lead["lead_id"]
    assert profile["evidence"]
    assert {"snippet_id", "kind", "text", "miner_id"} <= set(profile["evidence"][0])
    assert (await client.get(f"/v1/leads/{uuid.uuid4()}", headers=search_headers)).status_code == 404
    bad = await client.get("/v1/leads/not-a-uuid", headers=search_headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "lead_id"


async def test_one_redis_trip_keeps_the_rate_limit_the_revocation_and_the_cache(
    client: httpx.AsyncClient, ranker_engine: AsyncEngine, ranker_settings: Any
) -> None:
    """Once a key's principal is cached, a search reads the revocation version, the rate-limit count
    and its cached answer in one round trip (app/api/deps.py): the same 429 with Retry-After, the
    same 401 right after a revocation, the same cache hits."""
    key = await mint_key(ranker_engine, ranker_settings, "search", rate_limit=4)
    prefix = parse_prefix(key)
    assert prefix is not None
    headers = {"Authorization": f"Bearer {key}"}
    body = {"prompt": f"payroll software for clinics {uuid.uuid4().hex[:6]}", "k": 3}
    first = await client.post("/v1/leads/search", json=body, headers=headers)  # the key is verified
    second = await client.post("/v1/leads/search", json=body, headers=headers)  # one trip from here
    assert first.status_code == second.status_code == 200
    assert first.json()["metadata"]["cache_hit"] is False
    assert second.json()["metadata"]["cache_hit"] is True
    assert second.json()["leads"] == first.json()["leads"]
    other = await client.post("/v1/leads/search", json={**body, "k": 4}, headers=headers)
    assert other.status_code == 200
    assert other.json()["metadata"]["cache_hit"] is False
    codes = [
        (await client.post("/v1/leads/search", json=body, headers=headers)).status_code for _ in range(2)
    ]
    assert codes == [200, 429]
    limited = await client.post("/v1/leads/search", json=body, headers=headers)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
    # A revocation is seen by the very next search (the key is still in the process's cache).
    async with AsyncSession(ranker_engine) as session:
        assert await revoke_key(session, prefix=prefix)
        await session.commit()
    redis = Redis.from_url(ranker_settings.redis_url)
    try:
        assert await announce_revocation(redis)
    finally:
        await redis.aclose()
    revoked = await client.post("/v1/leads/search", json=body, headers=headers)
    assert revoked.status_code == 401
