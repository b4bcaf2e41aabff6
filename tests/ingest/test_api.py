"""The HTTP contract in embedded mode (no Kafka): 202 answers, rejections by index, duplicates,
throttling with 429 and nothing stored, outcomes, the miner endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from tests.ingest.factory import outcome, snippet
from tests.ingest.support import MakeKey
from tests.ingest.support import ingest_client as app_client_for


@pytest.fixture
async def direct(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client_for(settings.model_copy(update={"kafka_bootstrap_servers": ""})) as client:
        yield client


async def _count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def test_batch_is_accepted_with_rejections_by_index(
    direct: httpx.AsyncClient, make_key: MakeKey, engine: AsyncEngine
) -> None:
    key = await make_key("ingest")
    good = [snippet(domain="acme.com"), snippet(domain="WWW.Beta.IO.")]
    bad_url = snippet(source_url="ftp://x")
    missing_domain = snippet(company={"name": "Nameless"})
    body = {"snippets": [good[0], bad_url, good[1], missing_domain, "not an object"]}
    resp = await direct.post("/v1/snippets", json=body, headers={"Authorization": f"Bearer {key}"})
    assert resp.status_code == 202, resp.text
    data = resp.json()
    assert data["accepted"] == 2
    assert data["duplicates"] == 0
    assert [(r["index"], r["field"]) for r in data["rejected"]] == [
        (1, "source_url"),
        (3, "company.domain"),
        (4, ""),
    ]
    assert await _count(engine, "SELECT count(*) FROM snippets") == 2
    assert await _count(engine, "SELECT count(*) FROM companies WHERE domain = 'beta.io'") == 1
    # the profile and the embedding queue were updated in the same transaction
    assert await _count(engine, "SELECT count(*) FROM companies WHERE profile ? 'firmographics'") == 2
    # the miner exists at the prior, its one rejection counted
    miner = await direct.get(
        "/v1/miners/miner-good", headers={"Authorization": f"Bearer {await make_key('admin')}"}
    )
    assert miner.status_code == 200
    assert miner.json()["counters"]["rejected"] == 2
    assert miner.json()["counters"]["accepted"] == 2


async def test_same_batch_twice_is_all_duplicates(
    direct: httpx.AsyncClient, make_key: MakeKey, engine: AsyncEngine
) -> None:
    key = await make_key("ingest")
    body = {"snippets": [snippet(domain="acme.com") for _ in range(5)]}
    first = await direct.post("/v1/snippets", json=body, headers={"Authorization": f"Bearer {key}"})
    again = await direct.post("/v1/snippets", json=body, headers={"Authorization": f"Bearer {key}"})
    assert first.json()["accepted"] == 5
    assert again.json() == {"accepted": 0, "duplicates": 5, "rejected": []}
    assert await _count(engine, "SELECT count(*) FROM snippets") == 5
    assert await _count(engine, "SELECT snippet_count FROM companies WHERE domain = 'acme.com'") == 5


async def test_exact_duplicate_from_another_miner_corroborates(
    direct: httpx.AsyncClient, make_key: MakeKey, engine: AsyncEngine
) -> None:
    key = await make_key("ingest")
    original = snippet(
        domain="acme.com", miner="m-one", text="Acme signed with Snowflake for its new analytics platform."
    )
    copy = {
        **original,
        "miner_id": "m-two",
        "text": "ACME signed with  Snowflake for its new analytics platform!",
    }
    await direct.post(
        "/v1/snippets", json={"snippets": [original]}, headers={"Authorization": f"Bearer {key}"}
    )
    resp = await direct.post(
        "/v1/snippets", json={"snippets": [copy]}, headers={"Authorization": f"Bearer {key}"}
    )
    assert resp.json()["duplicates"] == 1
    assert await _count(engine, "SELECT corroborations FROM snippets WHERE miner_id = 'm-one'") == 1
    assert await _count(engine, "SELECT corroborated FROM miners WHERE id = 'm-one'") == 1
    # a redelivery of the copy does not corroborate twice
    await direct.post("/v1/snippets", json={"snippets": [copy]}, headers={"Authorization": f"Bearer {key}"})
    assert await _count(engine, "SELECT corroborations FROM snippets WHERE miner_id = 'm-one'") == 1


async def test_near_duplicate_is_detected_per_company(
    direct: httpx.AsyncClient, make_key: MakeKey, engine: AsyncEngine
) -> None:
    key = await make_key("ingest")
    base = "Acme is hiring a Cloud Economist to own AWS usage reporting, chargeback and reserved capacity planning across teams"
    first = snippet(domain="acme.com", miner="lazy", text=base + " in Berlin.")
    second = snippet(domain="acme.com", miner="lazy", text=base + " in Munich.")
    other_company = snippet(domain="other.com", miner="lazy", text=base + " in Munich.")
    resp = await direct.post(
        "/v1/snippets",
        json={"snippets": [first, second, other_company]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert resp.json()["accepted"] == 2
    assert resp.json()["duplicates"] == 1
    assert await _count(engine, "SELECT near_duplicates FROM miners WHERE id = 'lazy'") == 1


async def test_throttled_miner_gets_429_and_nothing_is_stored(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis, make_key: MakeKey
) -> None:
    tight = settings.model_copy(
        update={
            "kafka_bootstrap_servers": "",
            "ingest_throttle_rate_per_s": 5.0,
            "ingest_throttle_burst_s": 2.0,
        }
    )
    async with app_client_for(tight) as client:
        key = await make_key("ingest")
        headers = {"Authorization": f"Bearer {key}"}
        # prior 0.6 -> rate 5 * 0.36 = 1.8/s, capacity 3.6 tokens
        ok = await client.post(
            "/v1/snippets", json={"snippets": [snippet(miner="flood") for _ in range(3)]}, headers=headers
        )
        assert ok.status_code == 202
        flood = await client.post(
            "/v1/snippets", json={"snippets": [snippet(miner="flood") for _ in range(3)]}, headers=headers
        )
        assert flood.status_code == 429
        assert int(flood.headers["Retry-After"]) >= 1
        assert flood.json()["error"]["code"] == "throttled"
        good = await client.post("/v1/snippets", json={"snippets": [snippet(miner="good")]}, headers=headers)
        assert good.status_code == 202
    assert await _count(clean_db, "SELECT count(*) FROM snippets WHERE miner_id = 'flood'") == 3
    assert await _count(clean_db, "SELECT count(*) FROM snippets WHERE miner_id = 'good'") == 1


async def test_batch_limit_and_auth(direct: httpx.AsyncClient, make_key: MakeKey) -> None:
    search_key = await make_key("search")
    resp = await direct.post(
        "/v1/snippets", json={"snippets": []}, headers={"Authorization": f"Bearer {search_key}"}
    )
    assert resp.status_code == 403
    key = await make_key("ingest")
    resp = await direct.post(
        "/v1/snippets", json={"snippets": [{}] * 1001}, headers={"Authorization": f"Bearer {key}"}
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["field"] == "snippets"


async def test_outcomes_batch_and_single(
    direct: httpx.AsyncClient, make_key: MakeKey, engine: AsyncEngine
) -> None:
    key = await make_key("ingest")
    headers = {"Authorization": f"Bearer {key}"}
    await direct.post(
        "/v1/snippets", json={"snippets": [snippet(domain="acme.com", miner="m1")]}, headers=headers
    )
    events = [
        outcome(domain="acme.com", kind="meeting"),
        outcome(domain="acme.com", kind="bogus"),
        {**outcome(), "lead_id": "not-a-uuid"},
    ]
    resp = await direct.post("/v1/outcomes", json={"outcomes": events}, headers=headers)
    assert resp.status_code == 202
    assert resp.json()["accepted"] == 1
    assert [(r["index"], r["field"]) for r in resp.json()["rejected"]] == [(1, "type"), (2, "lead_id")]
    single = await direct.post("/v1/outcomes", json=events[0], headers=headers)
    assert single.json() == {"accepted": 0, "duplicates": 1, "rejected": []}
    unknown = await direct.post(
        "/v1/outcomes",
        json={**outcome(), "domain": None, "lead_id": "00000000-0000-0000-0000-000000000001"},
        headers=headers,
    )
    assert unknown.json()["rejected"][0]["reason"] == "unknown_lead"
    assert await _count(engine, "SELECT outcomes_positive FROM miners WHERE id = 'm1'") == 1


async def test_miner_endpoint_needs_admin(direct: httpx.AsyncClient, make_key: MakeKey) -> None:
    key = await make_key("ingest")
    assert (await direct.get("/v1/miners/x", headers={"Authorization": f"Bearer {key}"})).status_code == 403
    admin = await make_key("admin")
    assert (
        await direct.get("/v1/miners/nobody", headers={"Authorization": f"Bearer {admin}"})
    ).status_code == 404


async def test_quarantined_miner_is_stored_but_not_evidence_until_it_recovers(
    direct: httpx.AsyncClient, make_key: MakeKey, engine: AsyncEngine
) -> None:
    key = await make_key("ingest")
    headers = {"Authorization": f"Bearer {key}"}
    await direct.post(
        "/v1/snippets",
        json={
            "snippets": [snippet(miner="shady", domain="q.com", text="Q Corp opened a new office in Austin.")]
        },
        headers=headers,
    )
    async with engine.begin() as conn:  # a record of contradictions and rejections
        await conn.execute(
            text(
                "UPDATE miners SET accepted = 100, rejected = 400, contradicted = 90, reputation = 0.2 WHERE id = 'shady'"
            )
        )
    resp = await direct.post(
        "/v1/snippets",
        json={
            "snippets": [
                snippet(miner="shady", domain="q.com", text="Q Corp migrated from Oracle to Snowflake.")
            ]
        },
        headers=headers,
    )
    assert resp.json()["accepted"] == 1
    assert await _count(engine, "SELECT count(*) FROM miners WHERE id = 'shady' AND quarantined") == 1
    # quarantined at the end of that batch: from the next batch on its snippets are not evidence
    assert await _count(engine, "SELECT count(*) FROM snippets WHERE status = 'quarantined'") == 0
    resp = await direct.post(
        "/v1/snippets",
        json={
            "snippets": [
                snippet(miner="shady", domain="q.com", text="Q Corp is hiring 2 Snowflake Engineers.")
            ]
        },
        headers=headers,
    )
    assert await _count(engine, "SELECT count(*) FROM snippets WHERE status = 'quarantined'") == 1
    assert await _count(engine, "SELECT snippet_count FROM companies WHERE domain = 'q.com'") == 2
    assert (
        await _count(
            engine,
            "SELECT count(*) FROM companies WHERE profile->'hiring' = '[]'::jsonb AND domain = 'q.com'",
        )
        == 1
    )
    admin = await make_key("admin")
    info = (await direct.get("/v1/miners/shady", headers={"Authorization": f"Bearer {admin}"})).json()
    assert info["quarantined"] is True
    assert info["reputation"] < 0.4
    # it recovers (a long clean record): its quarantined evidence is released and the profile rebuilt
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE miners SET accepted = 5000, rejected = 0, contradicted = 0, corroborated = 2000 WHERE id = 'shady'"
            )
        )
    await direct.post(
        "/v1/snippets", json={"snippets": [snippet(miner="shady", domain="r.com")]}, headers=headers
    )
    assert await _count(engine, "SELECT count(*) FROM snippets WHERE status = 'quarantined'") == 0
    assert (
        await _count(
            engine,
            "SELECT count(*) FROM companies WHERE jsonb_array_length(profile->'hiring') = 1 AND domain = 'q.com'",
        )
        == 1
    )


async def test_concurrent_batches_of_different_miners_on_shared_companies_all_land(
    direct: httpx.AsyncClient, make_key: MakeKey, engine: AsyncEngine
) -> None:
    """Batches lock their miners, then the companies: concurrent writers may deadlock in PostgreSQL;
    the aborted transaction is retried, so every batch answers 202 and every snippet is stored once."""
    key = await make_key("ingest")
    headers = {"Authorization": f"Bearer {key}"}
    domains = [f"shared{i}.com" for i in range(12)]
    batches = [
        {
            "snippets": [
                # the same text from several miners: corroboration updates the OTHER miners' rows too
                snippet(
                    domain=d,
                    miner=f"miner-{m}",
                    text=f"{d} is hiring a cloud cost engineer after its bill doubled.",
                )
                for d in (domains if m % 2 else domains[::-1])
            ]
        }
        for m in range(8)
    ]
    answers = await asyncio.gather(*(direct.post("/v1/snippets", json=b, headers=headers) for b in batches))
    assert [a.status_code for a in answers] == [202] * len(batches), [a.text for a in answers]
    total = sum(a.json()["accepted"] + a.json()["duplicates"] for a in answers)
    assert total == 8 * len(domains)
    assert await _count(engine, "SELECT count(*) FROM snippets") == 8 * len(domains)
