"""A produce/consume round trip through the real broker, on a topic unique to this test."""

from __future__ import annotations

from app.core.config import Settings
from app.core.kafka import KafkaHub
from tests.ingest.kafka_support import create_topics, read_topic
from tests.support import unique


async def test_produce_consume_round_trip(settings: Settings) -> None:
    topic = unique("test.roundtrip")
    await create_topics(settings.kafka_bootstrap_servers, topic, partitions=2)

    hub = KafkaHub(settings)
    try:
        await hub.check(timeout_s=10)
        for i in range(10):
            await hub.send_and_wait(topic=topic, key=f"k{i % 3}".encode(), value=f"v{i}".encode())
    finally:
        await hub.close()

    records = await read_topic(settings.kafka_bootstrap_servers, topic, 10)
    received: list[tuple[bytes, bytes]] = [(r.key, r.value) for r in records]
    assert sorted(v for _, v in received) == sorted(f"v{i}".encode() for i in range(10))
    # Same key, same partition: per-key order is kept.
    by_key: dict[bytes, list[bytes]] = {}
    for key, value in received:
        by_key.setdefault(key, []).append(value)
    for values in by_key.values():
        assert values == sorted(values, key=lambda v: int(v[1:]))
