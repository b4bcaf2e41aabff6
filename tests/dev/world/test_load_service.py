"""The loader through the real paths: the Kafka broker, and the service's own ingestion endpoints."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app
from dev.world import PERSONAL_EMAIL_DOMAINS, World, normalize_domain
from dev.world.loader import HttpLoader, produce_kafka
from tests.ingest.kafka_support import create_topics, read_topic
from tests.support import test_settings as service_settings
from tests.support import unique


def as_dicts(records: Sequence[object]) -> list[dict[str, Any]]:
    return [dict(cast(dict[str, Any], r)) for r in records]


@pytest.mark.kafka
async def test_kafka_load_keys_messages_by_company_domain(settings: Settings, tiny_world: World) -> None:
    topic = unique("test.world-snippets")
    await create_topics(settings.kafka_bootstrap_servers, topic, partitions=3)
    snippets = as_dicts(tiny_world.snippets[:300])
    stats = await produce_kafka(
        bootstrap=settings.kafka_bootstrap_servers, topic=topic, records=snippets, key_of="company"
    )
    assert stats.sent == stats.accepted == len(snippets)
    received = [
        (r.key, r.value) for r in await read_topic(settings.kafka_bootstrap_servers, topic, len(snippets))
    ]
    values = [json.loads(v) for _, v in received]
    assert sorted(map(json.dumps, values)) == sorted(map(json.dumps, snippets))
    for key, value in received:
        assert key.decode() == normalize_domain(json.loads(value)["company"]["domain"])


async def test_world_snippets_pass_the_service_validation(
    base_settings: Settings, clean_db: object, make_key: Callable[..., Awaitable[str]], tiny_world: World
) -> None:
    """The embedded-mode service (no broker) stores the tiny world's first snippets and outcomes."""
    settings = service_settings(base_settings, kafka_bootstrap_servers="")
    key = await make_key("ingest")
    app = create_app(settings)
    snippets = as_dicts(tiny_world.snippets[:400])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        loader = HttpLoader(url="http://testserver", key=key, concurrency=1, transport=transport)
        try:
            stats = await loader.load_snippets(snippets)
            domains = {normalize_domain(s["company"]["domain"]) for s in snippets}
            outcomes = as_dicts([o for o in tiny_world.outcomes if o["domain"] in domains][:200])
            outcome_stats = await loader.load_outcomes(outcomes)
        finally:
            await loader.close()
    future = sum(1 for s in snippets if s["observed_at"] > "2026-11-01T00:00:00Z")
    assert stats.sent == len(snippets)
    assert stats.rejected <= future  # only future-dated spam may be rejected
    assert stats.accepted + stats.duplicates + stats.rejected == len(snippets)
    assert outcome_stats.rejected == 0
    assert outcome_stats.accepted == len(outcomes)
    assert PERSONAL_EMAIL_DOMAINS  # personal e-mails are dropped from contacts, never a rejection
