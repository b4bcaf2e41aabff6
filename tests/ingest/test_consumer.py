"""The snippet and outcome consumers on the real broker and database: storage, idempotency, DLQ for
every kind of poison, throttling of a flood while a good miner flows."""

from __future__ import annotations

import asyncio

import orjson
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from tests.ingest.factory import outcome, snippet
from tests.ingest.kafka_support import (
    kafka_settings,
    produce,
    read_topic,
    running_consumer,
    scalar,
    wait_until,
)
from tests.ingest.support import MakeKey, ingest_client


async def test_snippets_are_stored_once_and_poison_goes_to_the_dlq(
    settings: Settings, clean_db: AsyncEngine
) -> None:
    cfg = await kafka_settings(settings)
    good = [snippet(domain=f"c{i % 7}.com", miner=f"m{i % 3}") for i in range(60)]
    poison: list[bytes | dict[str, object]] = [
        b"{not json",
        orjson.dumps({**snippet(), "text": 42}),
        orjson.dumps({**snippet(), "text": "word " * 10_000}),
        orjson.dumps({**snippet(), "company": {"name": "No Domain"}}),
        orjson.dumps([1, 2, 3]),
        b"\xff\xfe\x00binary",
    ]
    await produce(
        cfg.kafka_bootstrap_servers, cfg.topic_snippets, [*good[:30], *poison, *good[30:], *good[:10]]
    )
    async with running_consumer(cfg):

        async def stored() -> bool:
            return int(await scalar(clean_db, "SELECT count(*) FROM snippets")) >= 60

        await wait_until(stored, within=60)
        dlq = await read_topic(cfg.kafka_bootstrap_servers, cfg.topic_snippets_dlq, len(poison))
    assert await scalar(clean_db, "SELECT count(*) FROM snippets") == 60
    accepted = await scalar(clean_db, "SELECT count(*) FROM snippets WHERE status = 'accepted'")
    assert await scalar(clean_db, "SELECT sum(snippet_count) FROM companies") == accepted
    assert await scalar(clean_db, "SELECT sum(accepted) FROM miners") == accepted
    reasons = {}
    for rec in dlq:
        headers = dict(rec.headers)
        reasons[rec.value] = headers["dlq-reason"].decode()
        assert headers["dlq-source-topic"].decode() == cfg.topic_snippets
    assert reasons[b"{not json"] == "not_json"
    assert reasons[b"\xff\xfe\x00binary"] == "not_json"
    assert sorted(reasons.values()) == sorted(
        ["not_json", "wrong_type", "too_long", "missing", "not_object", "not_json"]
    )
    # validation rejections count against the miner that sent them (pass rate of its reputation)
    assert await scalar(clean_db, "SELECT rejected FROM miners WHERE id = 'miner-good'") == 3
    # original bytes are preserved
    assert set(reasons) == {p if isinstance(p, bytes) else orjson.dumps(p) for p in poison}


async def test_a_message_keyed_by_another_spelling_is_stored_and_counted(
    settings: Settings, clean_db: AsyncEngine
) -> None:
    cfg = await kafka_settings(settings)
    before = REGISTRY.get_sample_value("snippets_miskeyed_total") or 0.0
    values = [snippet(domain="WWW.Keyed.com."), snippet(domain="keyed.com"), snippet(domain="keyed.com")]
    await produce(
        cfg.kafka_bootstrap_servers, cfg.topic_snippets, values, keys=[b"WWW.Keyed.com.", b"keyed.com", b"x"]
    )
    async with running_consumer(cfg):

        async def stored() -> bool:
            return int(await scalar(clean_db, "SELECT count(*) FROM snippets")) >= 3

        await wait_until(stored, within=60)
    assert await scalar(clean_db, "SELECT count(DISTINCT company_id) FROM snippets") == 1
    assert REGISTRY.get_sample_value("snippets_miskeyed_total") == before + 2


async def test_flood_is_throttled_while_a_good_miner_flows(settings: Settings, clean_db: AsyncEngine) -> None:
    cfg = await kafka_settings(settings, ingest_throttle_rate_per_s=10.0, ingest_throttle_burst_s=2.0)
    # prior 0.6: 3.6 snippets/s, bucket of 7.2 for every new miner
    flood = [snippet(domain=f"spam{i}.com", miner="flooder") for i in range(200)]
    good = [snippet(domain=f"good{i}.com", miner="good") for i in range(5)]
    await produce(cfg.kafka_bootstrap_servers, cfg.topic_snippets, [*flood[:100], *good, *flood[100:]])
    async with running_consumer(cfg):

        async def good_stored() -> bool:
            return int(await scalar(clean_db, "SELECT count(*) FROM snippets WHERE miner_id = 'good'")) == 5

        await wait_until(good_stored, within=60)
        flooded = int(await scalar(clean_db, "SELECT count(*) FROM snippets WHERE miner_id = 'flooder'"))
        dlq = await read_topic(cfg.kafka_bootstrap_servers, cfg.topic_snippets_dlq, 200 - flooded)
    assert flooded < 50
    assert {dict(r.headers)["dlq-reason"] for r in dlq} == {b"throttled"}
    assert await scalar(clean_db, "SELECT throttled_requests FROM miners WHERE id = 'flooder'") > 0


async def test_outcomes_consumer(settings: Settings, clean_db: AsyncEngine) -> None:
    cfg = await kafka_settings(settings)
    events = [outcome(domain=f"o{i}.com", kind="click") for i in range(20)]
    await produce(
        cfg.kafka_bootstrap_servers, cfg.topic_outcomes, [*events, *events[:5], b"nope"], keys=[b"k"] * 26
    )
    async with running_consumer(cfg, kind="outcomes"):

        async def stored() -> bool:
            return int(await scalar(clean_db, "SELECT count(*) FROM outcomes")) >= 20

        await wait_until(stored, within=60)
        dlq = await read_topic(cfg.kafka_bootstrap_servers, cfg.topic_outcomes_dlq, 1)
    assert await scalar(clean_db, "SELECT count(*) FROM outcomes") == 20
    assert dict(dlq[0].headers)["dlq-reason"] == b"not_json"


async def test_http_with_kafka_publishes_then_the_consumer_stores(
    settings: Settings, clean_db: AsyncEngine, make_key: MakeKey
) -> None:
    cfg = await kafka_settings(settings)
    batch = [snippet(domain=f"k{i}.com", miner="via-http") for i in range(10)]
    async with ingest_client(cfg) as client:
        key = await make_key("ingest")
        headers = {"Authorization": f"Bearer {key}"}
        resp = await client.post("/v1/snippets", json={"snippets": [*batch, {"bad": 1}]}, headers=headers)
        assert resp.status_code == 202
        assert resp.json()["accepted"] == 10
        assert resp.json()["rejected"][0]["index"] == 10
        events = await client.post(
            "/v1/outcomes", json={"outcomes": [outcome(domain="k1.com")]}, headers=headers
        )
        assert events.json()["accepted"] == 1
        async with running_consumer(cfg), running_consumer(cfg, kind="outcomes"):

            async def stored() -> bool:
                snippets = int(await scalar(clean_db, "SELECT count(*) FROM snippets"))
                outcomes = int(await scalar(clean_db, "SELECT count(*) FROM outcomes"))
                return snippets >= 10 and outcomes >= 1

            await wait_until(stored, within=60)
        again = await client.post("/v1/snippets", json={"snippets": batch[:3]}, headers=headers)
        assert again.json() == {"accepted": 0, "duplicates": 3, "rejected": []}


async def test_http_with_kafka_throttles_before_publishing(
    settings: Settings, clean_db: AsyncEngine, make_key: MakeKey
) -> None:
    cfg = await kafka_settings(settings, ingest_throttle_rate_per_s=5.0, ingest_throttle_burst_s=1.0)
    async with ingest_client(cfg) as client:
        key = await make_key("ingest")
        resp = await client.post(
            "/v1/snippets",
            json={"snippets": [snippet(miner="burst") for _ in range(5)]},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert resp.status_code == 429
        assert "Retry-After" in resp.headers
    async with running_consumer(cfg):
        await asyncio.sleep(2.0)
    assert await scalar(clean_db, "SELECT count(*) FROM snippets") == 0
