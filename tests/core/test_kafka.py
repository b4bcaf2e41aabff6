"""A produce/consume round trip through the real broker, on a topic unique to this test."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from app.core.config import Settings
from app.core.kafka import KafkaHub
from tests.support import unique


async def test_produce_consume_round_trip(settings: Settings) -> None:
    topic = unique("test.roundtrip")
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name=topic, num_partitions=2, replication_factor=1)])
    finally:
        await admin.close()

    hub = KafkaHub(settings)
    try:
        await hub.check(timeout_s=10)
        for i in range(10):
            await hub.send_and_wait(topic=topic, key=f"k{i % 3}".encode(), value=f"v{i}".encode())
    finally:
        await hub.close()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=unique("test-group"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    received: list[tuple[bytes, bytes]] = []
    try:
        async with asyncio.timeout(30):
            while len(received) < 10:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    received.extend((r.key, r.value) for r in records)
        await consumer.commit()
    finally:
        await consumer.stop()
    assert sorted(v for _, v in received) == sorted(f"v{i}".encode() for i in range(10))
    # Same key, same partition: per-key order is kept.
    by_key: dict[bytes, list[bytes]] = {}
    for key, value in received:
        by_key.setdefault(key, []).append(value)
    for values in by_key.values():
        assert values == sorted(values, key=lambda v: int(v[1:]))
